"""Stochastic gradient descent: theta <- theta - lr * (grad, or its running sum)."""

import numpy as np


class SGD:
    """Plain SGD, with optional momentum v <- mu v + g, theta <- theta - lr v.

    ``step`` returns new parameter arrays and never modifies its inputs; the
    only state is the momentum buffer, one array per parameter name.
    """

    def __init__(self, lr, momentum=0.0):
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
        self.lr = lr
        self.momentum = momentum
        self.velocity = {}

    def step(self, params, grads):
        """One update. params, grads: dicts of arrays with the same keys and shapes.

        Returns a new dict of updated parameters.
        """
        if set(params) != set(grads):
            raise ValueError(
                f"grads must have the keys of params {sorted(params)}, got {sorted(grads)}"
            )
        new = {}
        for k, p in params.items():
            g = np.asarray(grads[k])
            if g.shape != np.shape(p):
                raise ValueError(f"grads[{k!r}] must have shape {np.shape(p)}, got {g.shape}")
            if self.momentum:
                g = self.momentum * self.velocity.get(k, 0.0) + g
                self.velocity[k] = g
            new[k] = p - self.lr * g
        return new
