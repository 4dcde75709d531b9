"""Input validation shared by every public function: clear errors instead of numpy's.

Every message names the argument, what was expected and what it got. The
checks run on every call, so the common case (a float64 ndarray of the right
shape, an int, a Generator) takes a fast path and messages are built only on
failure. Arrays of ints, bools or float32 are computed in float64, so a
result never depends on the dtype a learner happened to pass.
"""

import math
from collections.abc import Mapping

import numpy as np


def as_float_array(name, a):
    """Return ``a`` as a float64 ndarray, or raise TypeError naming ``name``."""
    if isinstance(a, np.ndarray) and a.dtype == np.float64:
        return a
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers, got {_what(a)}")
    return arr.astype(np.float64)


def _what(value):
    """How a wrong value is shown in a message: its dtype, or its repr and type."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def _shape_text(expected):
    inner = ", ".join(str(e) for e in expected)
    return f"({inner},)" if len(expected) == 1 else f"({inner})"


def check_shape(name, a, expected):
    """Check ``a.shape`` against ``expected``, a tuple of ints, ``None`` (any)
    or strings naming a glossary letter (any size, shown in the message).

    Returns ``a`` as a float64 array.
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
    """Raise ValueError if ``a`` holds NaN or inf, where they would pass silently
    (an arg-max, a comparison, a decomposition)."""
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf")
    return a


def check_int(name, value, low=None, high=None):
    """An int (not a bool, not a float however round) in [low, high]; returns it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {_what(value)}")
    if high is None and low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        raise ValueError(f"{name} must lie in [{lo}, {high}], got {value}")
    return int(value)


def check_number(name, value, low=None, high=None, open_low=False, open_high=False):
    """A finite real number in the interval from ``low`` to ``high`` (each end
    closed unless ``open_low`` / ``open_high``); returns it unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {_what(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    too_low = low is not None and (value <= low if open_low else value < low)
    too_high = high is not None and (value >= high if open_high else value > high)
    if too_low and high is None and low == 0:
        raise ValueError(f"{name} must be {'positive' if open_low else '>= 0'}, got {value}")
    if too_low or too_high:
        lo = "(-inf" if low is None else f"{'(' if open_low else '['}{low}"
        hi = "inf)" if high is None else f"{high}{')' if open_high else ']'}"
        raise ValueError(f"{name} must lie in {lo}, {hi}, got {value}")
    return value


def check_rng(name, rng):
    """A np.random.Generator, or an int seed made into one (as numpy and
    scikit-learn accept); the same Generator is returned, not a copy."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(check_int(name, rng, 0))
    raise TypeError(f"{name} must be a np.random.Generator or an int seed, got {_what(rng)}")


def check_choice(name, value, choices, arg=None):
    """``value`` must be one of ``choices``; the message lists them and names
    ``arg``, the argument, when it is not ``name``, the thing chosen."""
    if not isinstance(value, str | int) or isinstance(value, bool) or value not in choices:
        got = f"{arg}={value!r}" if arg else repr(value)
        raise ValueError(f"{name} must be one of {list(choices)}, got {got}")
    return value


def check_callable(name, f):
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {_what(f)}")
    return f


def check_keys(name, params, keys):
    """``params`` must be a dict holding every key of ``keys``."""
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a dict of arrays, got {_what(params)}")
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"{name} is missing {', '.join(map(repr, missing))}; it needs "
                         f"{list(keys)}")
    return params


def check_like(params, reference, model):
    """Weights to use instead of a model's own: the keys and shapes of
    ``reference``, the model's params. An error names the key, e.g.
    "MLP: params['W2'] must have shape (2, 5) like the model's W2".

    Returns a dict of float64 arrays (``reference`` itself when given it).
    """
    if params is reference:
        return params
    if not isinstance(params, Mapping):
        raise TypeError(f"{model}: params must be a dict of arrays, got {_what(params)}")
    if params.keys() != reference.keys():
        raise ValueError(f"{model}: params must have the keys {sorted(reference)}, "
                         f"got {sorted(params)}")
    out = {}
    for k, ref in reference.items():
        a = out[k] = as_float_array(f"{model}: params[{k!r}]", params[k])
        if a.shape != ref.shape:
            raise ValueError(f"{model}: params[{k!r}] must have shape {ref.shape} like the "
                             f"model's {k}, got {a.shape}")
    return out


def check_ints(name, a, shape=None, low=None, high=None):
    """An integer array (ids, labels, lengths) of ``shape`` (a tuple of ints
    or None for any size; its length fixes ndim), values in [low, high)."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu":
        if not (arr.size == 0 and arr.dtype.kind == "f"):
            raise TypeError(f"{name} must be an array of ints, got {_what(a)}")
        arr = arr.astype(int)  # [] is an empty list of ids, not of floats
    if shape is not None:
        if arr.ndim != len(shape):
            raise ValueError(f"{name} must have {len(shape)} dimensions, got shape {arr.shape}")
        if any(e is not None and g != e for g, e in zip(arr.shape, shape)):
            want = _shape_text(["?" if e is None else e for e in shape])
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.size and ((low is not None and arr.min() < low)
                     or (high is not None and arr.max() >= high)):
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must lie in [{low}, {hi}), got range "
                         f"[{arr.min()}, {arr.max()}]")
    return arr


def check_examples(name, n):
    """A loss is a mean over the batch, so an empty batch has none: say so
    in the caller's words (its ``name``), not the inner loss's."""
    if n == 0:
        raise ValueError(f"{name} must hold at least one example: the loss is a mean over "
                         f"the batch, and an empty batch has none")
