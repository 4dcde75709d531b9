"""Numbers for the chapters' prose, at a precision that holds on every machine.

CPUs differ in their BLAS kernels and numpy's SIMD code, so a float64 result
differs in its last bits from machine to machine. A stored output that shows
all 17 digits (as ``myst_nb.glue`` stores a raw float) would then differ too,
and nbval, which compares stored outputs, would fail on every machine but the
one that stored them. So the chapters glue numbers through :func:`glue`, which
rounds a float to ``sig`` significant digits first: a last-bit difference
changes a 6-digit value only when it sits within 1e-16 of a rounding boundary.
A value from a long, sensitive computation (training) varies in far more than
its last bits; the chapters report such values over seeds with
:func:`spread` and :func:`solved`, at the precision the spread allows.

The prose shows a glued value with an inline expression,
``{eval}`f"{glued.name:.2f}"```, written the same way for both readers. In
JupyterLab, jupyterlab-myst evaluates it in the kernel, where :data:`glued`
holds every value glued so far; before a kernel runs, it shows the result
stored in the markdown cell's ``user_expressions`` metadata
(tools/lab_expressions.py fills it from the stored glue outputs). The book
reads the same expression as ``{glue:text}`name:.2f``` (_ext/book_fixes.py).
"""

import math
import re
import types

import numpy as np
from IPython import get_ipython
from IPython.core.formatters import format_display_data
from IPython.display import display

#: the mime prefix under which myst-nb finds a glued value in a cell's outputs
GLUE_PREFIX = "application/papermill.record/"

#: every value glued so far in this kernel, by name: ``glued.name``
glued = types.SimpleNamespace()

#: the one form in which the prose quotes a glued value, ``f"{glued.name:fmt}"``
#: inside ``{eval}``; groups: the name, the format spec (or None)
GLUED_EXPRESSION = re.compile(r'^f"\{glued\.([A-Za-z_]\w*)(?::([^{}"]+))?\}"$')


def rounded(value, sig=6):
    """``value`` rounded to ``sig`` significant digits; an int is returned
    unchanged, NaN, inf and non-numbers are refused.

    >>> rounded(0.015493561985378084, 4)
    0.01549
    """
    if not isinstance(sig, int) or isinstance(sig, bool) or sig < 1:
        raise ValueError(f"sig must be a positive int, got {sig!r}")
    if isinstance(value, bool | int | np.integer):
        return value
    if not isinstance(value, float | np.floating):
        raise TypeError(f"value must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}: a NaN in the prose says nothing")
    return float(f"{value:.{sig - 1}e}") if value else value


class _Glued(float):
    """A float whose repr shows exactly ``sig`` significant digits
    (``2.05000e-01``), so the stored output records the precision it was
    glued at; myst-nb reads it back as the float 0.205."""

    def __new__(cls, value, sig):
        obj = super().__new__(cls, rounded(value, sig))
        obj.sig = sig
        return obj

    def __repr__(self):
        return f"{float(self):.{self.sig - 1}e}"


def glue(name, value, sig=6):
    """Glue ``value`` under ``name`` for the prose, rounded to ``sig``
    significant digits (floats only), keep it as ``glued.name`` and display
    nothing.

    Give ``sig`` at least the digits the prose shows: ``f"{glued.x:.3f}"`` of
    ``x = 12.3456`` needs ``sig >= 5``; tests/test_glue_precision.py checks
    every chapter for it, reading ``sig`` back from the stored output.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier (glued.name), got {name!r}")
    if isinstance(value, float | np.floating):
        value = _Glued(value, sig)  # checks sig and refuses NaN and inf
    elif not isinstance(value, str | bool | int | np.integer):
        raise TypeError(f"value must be a number or a str, got {type(value).__name__}")
    setattr(glued, name, value)
    if get_ipython() is None:  # plain Python: no notebook to glue into
        return
    # myst_nb.glue(name, value, display=False), written out: importing myst_nb
    # costs a notebook about a second of CPU, and a downloaded chapter runs
    # without it; the book reads the same output either way.
    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def spread(values, fmt="{:.2f}"):
    """``"median M (range A to B)"`` of ``values``, each shown with ``fmt``.

    Parameters
    ----------
    values : sequence of float, length n >= 1 (one per seed)
    fmt : str
        A ``str.format`` pattern for one number, at the precision the
        spread allows.
    """
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"values must be a sequence of numbers, got {values!r}") from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-d sequence, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"values must be finite, got {values}")
    med, lo, hi = np.median(values), values.min(), values.max()
    return f"median {fmt.format(med)} (range {fmt.format(lo)} to {fmt.format(hi)})"


def solved(flags):
    """``"k of n"`` for a sequence of booleans, one per seed."""
    if isinstance(flags, str) or not hasattr(flags, "__iter__"):
        raise TypeError(f"flags must be a sequence of booleans, got {flags!r}")
    flags = [bool(f) for f in flags]
    return f"{sum(flags)} of {len(flags)}"
