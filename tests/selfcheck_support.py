"""Helpers for the self-check tests: answers rounded as a learner rounds them."""

import math

import numpy as np


def rounded(x, sig, how):
    """``x`` to ``sig`` significant figures, rounded ``how``: "nearest", "down"
    (towards zero, as truncating digits) or "up" (away from zero)."""
    unit = 10.0 ** (math.floor(math.log10(abs(x))) - sig + 1)
    q = abs(x) / unit
    digits = {"nearest": math.floor(q + 0.5), "down": math.floor(q), "up": math.ceil(q)}[how]
    return math.copysign(digits * unit, x)


def accepts_every_rounding(check, exact, sig):
    """True when ``check`` accepts ``exact`` and it rounded to ``sig`` figures
    to nearest, down and up."""
    return all(check(v) for v in [exact] + [rounded(exact, sig, how)
                                           for how in ("nearest", "down", "up")])


def says(verdict, text):
    """A wrong verdict whose message contains ``text`` (line breaks ignored)."""
    return not verdict and " ".join(text.split()) in " ".join(repr(verdict).split())


def answers_clearly(check, shape):
    """``check`` meets None, a wrong-size array and a word with a message, not
    a crash: "No answer yet", "expected ...", "expected ..."."""
    bad = np.zeros(tuple(s + 1 for s in shape) if shape else (2,))
    return (says(check(None), "No answer yet") and says(check(bad), "expected")
            and says(check("four"), "expected"))
