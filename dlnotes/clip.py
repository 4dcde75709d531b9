"""Gradient clipping: rescale a whole gradient, or cap each entry.

The source's formula, corrected: with g all the gradients of a model taken
as one vector and a scalar threshold c,

    g <- (c / ||g||) g    only when ||g|| > c,

so the clipped gradient has norm exactly c and the same direction as g.
Clipping by value caps every entry to [-limit, limit] instead, which bounds
the gradient but turns it.
"""

from collections.abc import Mapping

import numpy as np

from ._checks import as_float_array, check_finite


def _check_grads(grads):
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"grads must be a dict of arrays (name -> gradient), got {type(grads).__name__}"
        )
    return {k: as_float_array(f"grads[{k!r}]", g) for k, g in grads.items()}


def _check_positive(name, value):
    if not (np.isscalar(value) and np.isreal(value)):
        raise TypeError(f"{name} must be a positive number (a scalar), got {value!r}")
    if not value > 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def global_norm(grads):
    """The L2 norm of all the arrays of ``grads`` taken as one vector.

    Parameters
    ----------
    grads : dict of name -> ndarray, any shapes

    Returns
    -------
    norm : float, sqrt(sum over arrays of sum(g ** 2))

    Computed as m * sqrt(sum((g / m) ** 2)) with m the largest |entry|, so
    entries near 1e200 give their true norm instead of overflowing to inf.
    """
    grads = _check_grads(grads)
    for k, g in grads.items():
        check_finite(f"grads[{k!r}]", g)
    m = max((float(np.max(np.abs(g))) for g in grads.values() if g.size), default=0.0)
    if m == 0.0:
        return 0.0
    return m * float(np.sqrt(sum(np.sum((g / m) ** 2) for g in grads.values())))


def clip_by_norm(grads, threshold):
    """Rescale all gradients together when their global norm exceeds ``threshold``.

    Parameters
    ----------
    grads : dict of name -> ndarray, e.g. ``{"W1": (H, D), "b1": (H,), ...}``
    threshold : float > 0, the largest global L2 norm let through (a scalar,
        not a norm of anything)

    Returns
    -------
    clipped : new dict with the same keys and shapes; ``(threshold / norm) * g``
        for every array when ``norm > threshold``, else copies of the inputs
    norm : float, the global norm of ``grads`` before clipping

    A zero gradient stays zero (no division by a zero norm). NaN or inf
    entries raise ValueError: no rescaling can recover them.
    """
    threshold = _check_positive("threshold", threshold)
    grads = _check_grads(grads)
    norm = global_norm(grads)
    factor = threshold / norm if norm > threshold else 1.0
    return {k: factor * g for k, g in grads.items()}, norm


def clip_by_value(grads, limit):
    """Cap every entry of every gradient to [-limit, limit].

    Parameters
    ----------
    grads : dict of name -> ndarray, any shapes
    limit : float > 0

    Returns
    -------
    clipped : new dict with the same keys and shapes, ``np.clip(g, -limit, limit)``
    """
    limit = _check_positive("limit", limit)
    grads = _check_grads(grads)
    for k, g in grads.items():
        check_finite(f"grads[{k!r}]", g)
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}
