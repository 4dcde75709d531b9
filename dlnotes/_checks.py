"""Input validation shared by every layer: clear errors instead of numpy's.

Every message names the argument, the expected shape and the shape it got.
"""

import numpy as np


def as_float_array(name, a):
    """Return ``a`` as a float ndarray, or raise TypeError naming ``name``."""
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_shape(name, a, expected):
    """Check ``a.shape`` against ``expected``, a tuple of ints, ``None`` (any)
    or strings naming a glossary letter (any size, shown in the message).

    Returns ``a`` as a float array.
    """
    arr = as_float_array(name, a)
    want = "(" + ", ".join(str(e) for e in expected) + ("," if len(expected) == 1 else "") + ")"
    if arr.ndim != len(expected):
        raise ValueError(
            f"{name} must have {len(expected)} dimensions {want}, got shape {arr.shape}"
        )
    for got, exp in zip(arr.shape, expected):
        if isinstance(exp, int) and got != exp:
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    return arr


def check_finite(name, a):
    """Raise ValueError if ``a`` holds NaN or inf, so nothing fails silently."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a
