"""Self-check functions for the exercises: call one with your answer.

Each returns a ``Verdict``: it prints "Right" or "Not yet" with a hint in a
notebook, and is truthy only when the answer is right. Expected answers are
computed by dlnotes, never typed in.
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


def check_close(answer, expected, hint, rtol=1e-3, atol=1e-4):
    """Right when ``answer`` matches ``expected`` (same shape) within tolerances.

    Parameters
    ----------
    answer : number or array-like, the learner's answer
    expected : number or ndarray, computed by dlnotes
    hint : str, shown when the answer is wrong
    rtol, atol : float, as in ``np.allclose``; the defaults accept an answer
        rounded to about four significant digits.
    """
    if answer is None:
        return _no_answer(hint)
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Verdict(False, f"Not yet: expected a number, got {answer!r}. Hint: {hint}")
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return Verdict(
            False, f"Not yet: expected shape {e.shape}, got {a.shape}. Hint: {hint}"
        )
    if np.allclose(a, e, rtol=rtol, atol=atol):
        return Verdict(True, "Right.")
    return Verdict(False, f"Not yet. Hint: {hint}")


def check_equal(answer, expected, hint):
    """Right when ``answer == expected`` exactly (integers, strings, tuples)."""
    if answer is None:
        return _no_answer(hint)
    if answer == expected:
        return Verdict(True, "Right.")
    return Verdict(False, f"Not yet. Hint: {hint}")
