"""Finite-difference gradient checks: the same check the tests run.

A learner can verify any backward pass of the course with these, e.g.

>>> out, cache = dense_forward(x, W, b)
>>> dx, dW, db = dense_backward(dout, cache)
>>> f = lambda: dense_forward(x, W, b)[0]
>>> assert_grad_close("W", numerical_gradient(f, W, dout), dW)
"""

import numpy as np

from ._checks import as_float_array, check_callable, check_finite, check_number


def numerical_gradient(f, x, dout=None, h=1e-6):
    """Central-difference gradient of ``sum(f() * dout)`` with respect to ``x``.

    ``f`` takes no arguments and reads ``x``, which is perturbed in place, one
    entry at a time, and restored afterwards.

    Parameters
    ----------
    f : callable () -> ndarray or float
        Recomputes the output from the current value of ``x``.
    x : ndarray, float64, any shape
        The input to differentiate with respect to.
    dout : ndarray, shape of ``f()``, optional
        Upstream gradient; ``None`` means ``f`` returns a scalar.
    h : float
        Step size; 1e-6 balances truncation against round-off in float64.

    Returns
    -------
    grad : ndarray, same shape as ``x``
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            "x must be a float64 numpy array (finite differences in lower "
            f"precision are meaningless), got {type(x).__name__} "
            f"{getattr(x, 'dtype', '')}"
        )
    check_callable("f", f)
    check_finite("x", x)
    check_number("h", h, 0, open_low=True)
    if dout is not None:
        dout = as_float_array("dout", dout)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        try:
            x[i] = old + h
            plus = np.asarray(f(), dtype=np.float64).copy()
            x[i] = old - h
            minus = np.asarray(f(), dtype=np.float64).copy()
        finally:
            x[i] = old  # restored even when f fails
        diff = plus - minus
        if dout is not None:
            if np.shape(dout) != diff.shape:
                raise ValueError(
                    f"dout must have the shape of f(), {diff.shape}, "
                    f"got {np.shape(dout)}"
                )
            diff = diff * dout
        grad[i] = np.sum(diff) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    Shapes of ``a`` and ``b`` must match; returns a float.
    """
    a = as_float_array("a", a)
    b = as_float_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def assert_grad_close(name, numeric, analytic, tol=1e-7):
    """Raise ``AssertionError`` naming ``name``, the error and the worst entry.

    The check is on the whole array, ``||numeric - analytic|| / (||numeric|| +
    ||analytic||) < tol`` (L2 norms), so a tiny entry whose few correct digits
    are lost to round-off does not fail a correct backward, while one wrong
    entry of typical size does. The message points at the entry with the
    largest absolute difference.

    Parameters
    ----------
    name : str
        The parameter checked, e.g. ``"W_h"``; it appears in the message.
    numeric, analytic : ndarray, same shape
        Finite-difference and backward-pass gradients.
    tol : float > 0
        Largest relative error allowed; 1e-7 suits float64 central
        differences with h=1e-6 on smooth functions.

    A NaN or inf in either gradient fails the check: no error is measurable.
    """
    numeric = as_float_array("numeric", numeric)
    analytic = as_float_array("analytic", analytic)
    check_number("tol", tol, 0, open_low=True)
    if numeric.shape != analytic.shape:
        raise AssertionError(
            f"{name}: numeric gradient has shape {numeric.shape}, "
            f"analytic has {analytic.shape}"
        )
    for which, g in (("numeric", numeric), ("analytic", analytic)):
        if not np.all(np.isfinite(g)):
            raise AssertionError(f"{name}: {which} gradient has non-finite entries")
    if numeric.size == 0:
        return
    diff = np.abs(numeric - analytic)
    err = np.linalg.norm(diff) / max(1e-12, np.linalg.norm(numeric) + np.linalg.norm(analytic))
    if err > tol:
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(
            f"{name}: relative error {err:.3e} > {tol:.0e}; worst entry at index "
            f"{tuple(int(i) for i in worst)} (numeric {numeric[worst]:.10g}, "
            f"analytic {analytic[worst]:.10g})"
        )
