"""One training loop for every model of the course."""

import numpy as np

from ._checks import check_callable, check_int, check_keys, check_number


class Diverged(FloatingPointError):
    """Training produced a non-finite loss; ``history`` holds the losses so far."""

    def __init__(self, step, history):
        super().__init__(f"loss became {history[-1]} at step {step}: training diverged")
        self.step = step
        self.history = history


def fit(loss_and_grads, params, optimizer, steps, threshold=None, transform=None):
    """Minimise a loss by gradient steps until ``steps`` or ``loss < threshold``.

    Parameters
    ----------
    loss_and_grads : callable (params, step) -> (loss, grads)
        Computes the loss and its gradient for the current parameters (a
        mini-batch may be drawn from ``step``).
    params : dict of arrays, the starting point (not modified)
    optimizer : object with ``step(params, grads) -> new params``
    steps : int, the most gradient steps to take
    threshold : float, optional; stop as soon as the loss falls below it
    transform : callable grads -> grads, optional (e.g. gradient clipping)

    Returns
    -------
    params : dict, the final parameters
    history : list of float, the loss before each step taken, then the final loss
        when ``threshold`` stopped it (so ``len(history) - 1`` steps were taken
        in that case)

    Raises
    ------
    Diverged
        when the loss becomes inf or NaN, carrying the history up to there.
    """
    check_callable("loss_and_grads", loss_and_grads)
    check_keys("params", params, ())
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method, got "
                        f"{type(optimizer).__name__}")
    check_int("steps", steps, 0)
    if threshold is not None:
        check_number("threshold", threshold)
    if transform is not None:
        check_callable("transform", transform)
    history = []
    for step in range(steps + 1):
        loss, grads = loss_and_grads(params, step)
        history.append(loss)
        if not np.isfinite(loss):
            raise Diverged(step, history)
        if (threshold is not None and loss < threshold) or step == steps:
            break
        if transform is not None:
            grads = transform(grads)
        params = optimizer.step(params, grads)
    return params, history
