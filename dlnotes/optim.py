"""Gradient-descent optimisers: SGD (with momentum) and Adam."""

from collections.abc import Mapping

import numpy as np

from ._checks import as_float_array, check_number


def _check_grads(params, grads):
    """Both dicts of arrays with the same keys and shapes; returns grads as float arrays."""
    for name, d in (("params", params), ("grads", grads)):
        if not isinstance(d, Mapping):
            raise TypeError(f"{name} must be a dict of arrays, got {type(d).__name__}")
    if set(params) != set(grads):
        raise ValueError(
            f"grads must have the keys of params {sorted(params)}, got {sorted(grads)}"
        )
    out = {}
    for k, p in params.items():
        g = out[k] = as_float_array(f"grads[{k!r}]", grads[k])
        if g.shape != np.shape(p):
            raise ValueError(f"grads[{k!r}] must have shape {np.shape(p)}, got {g.shape}")
    return out


class SGD:
    """Plain SGD, with optional momentum v <- mu v + g, theta <- theta - lr v.

    ``step`` returns new parameter arrays and never modifies its inputs; the
    only state is the momentum buffer, one array per parameter name.
    """

    def __init__(self, lr, momentum=0.0):
        check_number("lr", lr, 0, open_low=True)
        check_number("momentum", momentum, 0, 1, open_high=True)
        self.lr = lr
        self.momentum = momentum
        self.velocity = {}

    def step(self, params, grads):
        """One update. params, grads: dicts of arrays with the same keys and shapes.

        Returns a new dict of updated parameters.
        """
        grads = _check_grads(params, grads)
        new = {}
        for k, p in params.items():
            g = grads[k]
            if self.momentum:
                g = self.momentum * self.velocity.get(k, 0.0) + g
                self.velocity[k] = g
            new[k] = p - self.lr * g
        return new


class Adam:
    """Adam (Kingma and Ba, 2015): SGD with a per-parameter step size.

    For every array, with g its gradient and t the step count from 1:

        m <- beta1 m + (1 - beta1) g,       v <- beta2 v + (1 - beta2) g^2,
        theta <- theta - lr * m_hat / (sqrt(v_hat) + eps),

    where m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t) undo the bias of
    starting m and v at zero. Dividing by sqrt(v_hat) makes the first step of
    every weight about lr in size, whatever the scale of its gradient, which
    suits recurrent networks whose gradients differ by orders of magnitude
    from one weight matrix to the next.

    ``step`` returns new parameter arrays and never modifies its inputs; the
    state is ``t`` and the moment buffers ``m``, ``v``, one array per name.
    """

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        check_number("lr", lr, 0, open_low=True)
        check_number("beta1", beta1, 0, 1, open_high=True)
        check_number("beta2", beta2, 0, 1, open_high=True)
        check_number("eps", eps, 0, open_low=True)
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m = {}
        self.v = {}

    def step(self, params, grads):
        """One update. params, grads: dicts of arrays with the same keys and shapes.

        Returns a new dict of updated parameters.
        """
        grads = _check_grads(params, grads)
        self.t += 1
        c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
        new = {}
        for k, p in params.items():
            g = grads[k]
            m = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g
            v = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * g * g
            self.m[k], self.v[k] = m, v
            new[k] = p - self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        return new
