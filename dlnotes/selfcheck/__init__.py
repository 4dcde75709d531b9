"""Self-check functions for the exercises: call one with your answer.

Each returns a ``Verdict``: it prints "Right" or "Not yet" with a hint in a
notebook, and is truthy only when the answer is right. Expected answers are
computed by dlnotes, never typed in, and every check compares through
``check_answer``: right to the significant figures its exercise asks for, and
a hint of its own for each common wrong answer.
"""

import textwrap

import numpy as np

#: the widest output line that fits the book's text column; longer ones run off
#: the page, and a hint cut off there is no hint
WIDTH = 76


class Verdict:
    """The outcome of a self-check: ``ok`` (bool) and a ``message`` (str)."""

    def __init__(self, ok, message):
        self.ok = bool(ok)
        self.message = message

    def __bool__(self):
        return self.ok

    def __repr__(self):
        """The message wrapped to ``WIDTH`` columns, the hint on its own line."""
        lines = self.message.replace(" Hint: ", "\nHint: ").splitlines()
        return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="  ",
                                       break_long_words=False, break_on_hyphens=False)
                         for line in lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(repr(self))  # noqa: E731


def _no_answer(hint):
    return Verdict(False, f"No answer yet: replace None by your answer. Hint: {hint}")


def _not_yet(hint, why=""):
    return Verdict(False, f"Not yet{': ' + why if why else '.'} Hint: {hint}")


def _digits(x, unit):
    """``x`` rounded to whole units, half away from zero (as a calculator)."""
    q = np.asarray(x, dtype=np.float64) / unit
    return np.sign(q) * np.floor(np.abs(q) + 0.5)


def _unit(expected, sig):
    """One unit in the ``sig``-th significant figure of the largest entry."""
    top = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return 10.0 ** (np.floor(np.log10(top)) - sig + 1) if top > 0 else 10.0 ** (1 - sig)


def _matches(answer, expected, sig):
    """Exact equality without ``sig``; else both rounded to ``sig`` significant
    figures (of the largest entry) differ by at most one unit in the last one,
    so an answer rounded either way, or from rounded intermediate steps, counts."""
    if answer.shape != expected.shape:
        return False
    if sig is None:
        return bool(np.array_equal(answer, expected))
    unit = _unit(expected, sig)
    return bool(np.all(np.abs(_digits(answer, unit) - _digits(expected, unit)) <= 1))


def _equal(a, b):
    """``a == b`` as one bool; False for arrays and types that do not compare."""
    try:
        same = a == b
    except (TypeError, ValueError):
        return False
    return isinstance(same, bool | np.bool_) and bool(same)


def _describe(shape):
    return "a single number" if shape == () else f"an array of shape {shape}"


def check_answer(answer, expected, hint, sig=None, wrong=()):
    """The comparison every self-check uses: a ``Verdict`` on ``answer``.

    Parameters
    ----------
    answer : the learner's answer: a number, an array-like, or a string
    expected : number, ndarray or str, computed by dlnotes, never typed in
    hint : str, shown for an answer that is wrong in no way ``wrong`` names
    sig : int, optional
        The significant figures the exercise asks for (of the largest entry,
        for an array). Right means: rounded to ``sig`` figures, the answer and
        the exact value differ by at most one unit in the last figure, so
        4.51, 4.52 and 4.53 all count for 4.51998 at ``sig=3``. None asks for
        exact equality (counts, sizes, token names).
    wrong : sequence of (value, hint) pairs
        Common wrong answers, recognised with the same rule, each with its own
        hint; the first that matches is shown.
    """
    if answer is None:
        return _no_answer(hint)
    if not isinstance(expected, int | float | np.number | np.ndarray):
        for value, why in [(expected, None), *wrong]:  # strings, lists of tokens
            if _equal(answer, value):
                return Verdict(True, "Right.") if why is None else _not_yet(why)
        return _not_yet(hint)
    e = np.asarray(expected, dtype=np.float64)
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return _not_yet(hint, f"expected {_describe(e.shape)}, got {answer!r}")
    if a.shape != e.shape:
        return _not_yet(hint, f"expected {_describe(e.shape)}, got {_describe(a.shape)}")
    if not np.all(np.isfinite(a)):
        return _not_yet(hint, "the answer has a NaN or an infinity")
    if _matches(a, e, sig):
        return Verdict(True, "Right.")
    for value, why in wrong:
        if _matches(a, np.asarray(value, dtype=np.float64), sig):
            return _not_yet(why)
    return _not_yet(hint)
