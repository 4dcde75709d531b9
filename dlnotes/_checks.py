"""Input validation shared by every layer: clear errors instead of numpy's.

Every message names the argument, the expected shape and the shape it got.
The checks run on every call, so the common case (a float ndarray of the right
shape) takes a fast path and messages are built only on failure.
"""

import numpy as np


def as_float_array(name, a):
    """Return ``a`` as a float ndarray, or raise TypeError naming ``name``."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind not in "biu":
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _shape_text(expected):
    inner = ", ".join(str(e) for e in expected)
    return f"({inner},)" if len(expected) == 1 else f"({inner})"


def check_shape(name, a, expected):
    """Check ``a.shape`` against ``expected``, a tuple of ints, ``None`` (any)
    or strings naming a glossary letter (any size, shown in the message).

    Returns ``a`` as a float array.
    """
    arr = as_float_array(name, a)
    if arr.ndim != len(expected):
        raise ValueError(
            f"{name} must have {len(expected)} dimensions {_shape_text(expected)}, "
            f"got shape {arr.shape}"
        )
    for got, exp in zip(arr.shape, expected):
        if isinstance(exp, int) and got != exp:
            raise ValueError(f"{name} must have shape {_shape_text(expected)}, got {arr.shape}")
    return arr


def check_finite(name, a):
    """Raise ValueError if ``a`` holds NaN or inf, so nothing fails silently."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a
