"""The machinery of the bad-input sweep (tests/test_bad_input_sweep.py).

A registered call is one valid call of a public function; ``variants`` derives
from it the mistakes a learner makes, one argument at a time, each with the
outcome it must have; ``outcome`` runs one call and says what happened.
"""

import copy
import inspect
import linecache
import math
import pathlib
import warnings
from dataclasses import dataclass

import numpy as np

import dlnotes
from dlnotes.train import Diverged

PACKAGE = pathlib.Path(dlnotes.__file__).parent

# what a variant must do
RAISE = "raise"              # ValueError/TypeError from dlnotes naming the argument
RAISE_OR_RUN = "raise|run"   # either, and running gives no RuntimeWarning
RAISE_OR_NAN = "raise|nan"   # the error, or NaN shows in the first output: never silent
RUN = "run"                  # must work (an int seed where an rng is expected)

#: argument names whose values are opaque, made by another dlnotes function
OPAQUE = {"cache", "fig"}
#: str arguments that choose from a fixed set
CHOICES = {"activation", "cell", "loss", "init", "name", "kernel", "block", "tune", "dataset"}


@dataclass
class Call:
    """One valid call: ``fn(**kwargs)``.

    ``any_shape``: array arguments of any shape (no wrong-ndim variants);
    ``bad``: extra variants, each a dict of overrides that must raise;
    ``fixed``: arguments not varied (and why is the registry's comment);
    ``nullable``: arguments without a default of None that take None.
    """

    fn: object
    kwargs: dict
    any_shape: tuple = ()
    bad: tuple = ()
    fixed: tuple = ()
    answers: tuple = ()  # exception types that are the function's answer (an assert helper)
    nullable: tuple = ()  # arguments for which None is a documented value


@dataclass
class Variant:
    label: str
    kind: str            # "ndim", "axis", "nan", ... (the shape kinds are counted)
    expect: str
    names: tuple         # the message must name one of these
    kwargs: dict
    finite: bool = True  # no RuntimeWarning is allowed from finite input


def _grow(a, axis):
    return np.concatenate([a, np.take(a, [0], axis=axis)], axis=axis)


def _is_params(v):
    return isinstance(v, dict) and v and all(isinstance(a, np.ndarray) for a in v.values())


def _array_variants(name, a, any_shape, sub=None):
    """(label, kind, expect, value, finite) for one array argument."""
    out = []
    if a.size == 0:
        return out
    if not any_shape:
        out.append((f"{name} ndim+1", "ndim", RAISE, a[None], True))
        out.append((f"{name} ndim-1", "ndim", RAISE, a[..., 0] if a.ndim > 1 else a[0], True))
        for k in range(a.ndim):
            out.append((f"{name} axis {k} + 1", "axis", RAISE_OR_RUN, _grow(a, k), True))
    if a.dtype.kind == "f":
        out.append((f"{name} NaN", "nan", RAISE_OR_NAN, np.full_like(a, np.nan), False))
        out.append((f"{name} inf", "inf", RAISE_OR_RUN, np.full_like(a, np.inf), False))
        out.append((f"{name} float32", "dtype", RAISE_OR_RUN, a.astype(np.float32), True))
        out.append((f"{name} int", "dtype", RAISE_OR_RUN, np.rint(a).astype(int), True))
        out.append((f"{name} list", "list", RAISE_OR_RUN, a.tolist(), True))
    elif a.dtype.kind in "iu":
        out.append((f"{name} float", "dtype", RAISE, a.astype(float) + 0.5, True))
        neg, big = a.copy(), a.copy()
        neg.flat[0], big.flat[0] = -1, 10**6
        out.append((f"{name} -1", "range", RAISE, neg, True))
        out.append((f"{name} 10**6", "range", RAISE, big, True))
    elif a.dtype.kind == "b":
        out.append((f"{name} as float", "dtype", RAISE_OR_RUN, a.astype(float), True))
    return out


def variants(call):
    """Every derived bad call of ``call``, one argument wrong at a time."""
    sig = inspect.signature(call.fn)
    out = []

    def add(label, kind, expect, names, name, value, finite=True):
        if kind == "axis":
            names += every
        out.append(Variant(label, kind, expect, names, {**call.kwargs, name: value}, finite))

    every = tuple(call.kwargs) + tuple(k for v in call.kwargs.values() if _is_params(v)
                                       for k in v)
    for name, v in call.kwargs.items():
        if name in OPAQUE or name in call.fixed:
            continue
        p = sig.parameters.get(name)
        default_none = (p is not None and p.default is None) or name in call.nullable
        if not default_none and v is not None:
            add(f"{name}=None", "type", RAISE, (name,), name, None)
        if isinstance(v, np.ndarray):
            for label, kind, expect, value, finite in _array_variants(
                    name, v, name in call.any_shape):
                add(label, kind, expect, (name,), name, value, finite)
            if v.ndim >= 1 and v.size and v.dtype.kind in "fiu":
                add(f"{name} str", "type", RAISE, (name,), name, "abc")
        elif _is_params(v):
            add(f"{name} as list", "type", RAISE, (name,), name, list(v.values()))
            free = name in call.any_shape  # any keys, any shapes
            first = next(iter(v))
            if not free:
                add(f"{name} missing {first}", "key", RAISE, (name, first), name,
                    {k: a for k, a in v.items() if k != first})
            for key, a in v.items():
                for label, kind, expect, value, finite in _array_variants(key, a, free):
                    add(f"{name}[{key!r}] {label.split(' ', 1)[1]}", kind, expect, (key,),
                        name, {**v, key: value}, finite)
        elif isinstance(v, np.random.Generator):
            add(f"{name}=seed 7", "rng", RUN, (name,), name, 7)
            add(f"{name}='abc'", "type", RAISE, (name,), name, "abc")
        elif isinstance(v, bool) or v is None:
            continue
        elif isinstance(v, (int, np.integer)):
            add(f"{name}=1.5", "scalar", RAISE, (name,), name, 1.5)
            add(f"{name}='3'", "type", RAISE, (name,), name, "3")
            add(f"{name}=-1", "scalar", RAISE_OR_RUN, (name,), name, -1)
        elif isinstance(v, float):
            add(f"{name}=nan", "scalar", RAISE, (name,), name, math.nan)
            add(f"{name}=inf", "scalar", RAISE_OR_RUN, (name,), name, math.inf)
            add(f"{name}='0.1'", "type", RAISE, (name,), name, "0.1")
        elif isinstance(v, str):
            add(f"{name}=3", "type", RAISE, (name,), name, 3)
            if name in CHOICES:
                add(f"{name}='nope'", "choice", RAISE, (name,), name, "nope")
        elif callable(v):
            add(f"{name}=3", "type", RAISE, (name,), name, 3)
        elif isinstance(v, (list, tuple, dict)):
            add(f"{name}=3", "type", RAISE, (name,), name, 3)
    out += _empty_variants(call, every)
    for k, override in enumerate(call.bad):
        label = ", ".join(f"{n}={x!r}" if np.ndim(x) == 0 else f"{n}=<{np.shape(x)}>"
                          for n, x in override.items())
        out.append(Variant(f"bad {k}: {label}", "bad", RAISE, tuple(override),
                           {**call.kwargs, **override}))
    return out


def _empty_variants(call, every):
    """An empty batch (N = 0) and no time steps (T = 0): every array argument
    with the batch's (the time axis') length is cut to 0 along that axis."""
    arrays = {k: v for k, v in call.kwargs.items() if isinstance(v, np.ndarray)
              and v.ndim and v.size and k not in call.any_shape and k not in call.fixed}
    out = []
    for label, axis, ndim in (("empty batch", 0, 1), ("T = 0", 1, 3)):
        first = next((v for v in arrays.values() if v.ndim >= ndim), None)
        if first is None:
            continue
        size = first.shape[axis]
        cut = {k: np.take(v, [], axis=axis) for k, v in arrays.items()
               if v.ndim > axis and v.shape[axis] == size}
        out.append(Variant(label, "empty", RAISE_OR_RUN, every, {**call.kwargs, **cut}))
    return out


def _raised_by_dlnotes(exc):
    """Whether the last frame is a ``raise`` statement in dlnotes (not numpy)."""
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    path = pathlib.Path(tb.tb_frame.f_code.co_filename)
    return PACKAGE in path.parents and "raise" in linecache.getline(str(path), tb.tb_lineno)


def _has_nan(value):
    if isinstance(value, tuple):  # the outputs, not a cache (a tuple or dict)
        return any(_has_nan(v) for v in value if not isinstance(v, tuple | dict | list))
    if hasattr(value, "params"):  # a model built from NaN weights
        value = value.params
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    try:
        return not np.all(np.isfinite(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError):
        return False


def _dtype_ok(value):
    if isinstance(value, tuple) and value:
        value = value[0]
    return not (isinstance(value, np.ndarray) and value.dtype.kind == "f"
                and value.dtype != np.float64)


def snapshot(kwargs, fn):
    owner = getattr(fn, "__self__", None)
    return copy.deepcopy({k: v for k, v in kwargs.items() if k not in OPAQUE and not callable(v)}
                         ), copy.deepcopy(getattr(owner, "params", None))


def _same(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind == "f")
    if isinstance(a, str | int | float | type(None)):
        return a == b or (a != a and b != b)
    # other objects: a model's weights must not change; an optimizer's state
    # and a generator's draws are what they are for
    return _same(getattr(a, "params", None), getattr(b, "params", None))


def run(fn, v):
    """Call one variant: (exception or None, result, RuntimeWarnings, modified)."""
    before = snapshot(v.kwargs, fn)
    result = exc = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(**v.kwargs)
        except Exception as e:  # noqa: BLE001 - classified by the caller
            exc = e
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    return exc, result, runtime, not _same(before, snapshot(v.kwargs, fn))


def promised(exc, names):
    """A ValueError or TypeError raised by dlnotes whose message names one of ``names``."""
    return (isinstance(exc, (ValueError, TypeError)) and _raised_by_dlnotes(exc)
            and any(n in str(exc) for n in names))


def outcome(fn, v, answers=()):
    """Run one variant: None when it met its expectation, else what went wrong.

    ``answers``: exception types that are the function's answer, not a failure.
    """
    exc, result, runtime, modified = run(fn, v)
    if modified:
        return "modified its input"
    if isinstance(exc, answers) and v.expect != RAISE:
        return None
    if isinstance(exc, Diverged) and v.kind in ("nan", "inf"):
        return None  # training on NaN says so: the loss became NaN
    if exc is not None:
        if promised(exc, v.names):
            return None
        if v.expect == RUN:
            return f"should run, raised {type(exc).__name__}: {exc}"
        return f"{type(exc).__name__}: {exc}"[:300]
    if v.finite and runtime:
        return f"RuntimeWarning from finite input: {runtime[0].message}"
    if v.expect == RAISE:
        return "no error"
    if v.expect == RAISE_OR_NAN and not _has_nan(result):
        return "silent: NaN in, no NaN out and no error"
    if not _dtype_ok(result):
        return "float32 in, not float64 out"
    return None
