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


#: rounding errors allowed in one evaluation of f, in units of eps times the
#: scale of fd_error_bound; see there
ROUNDING_ULPS = 16


def fd_error_bound(value, dout=None, h=1e-6, d3=None):
    """The largest error an entry of ``numerical_gradient(f, x, dout, h)`` can have.

    A central difference ``(f(x + h) - f(x - h)) / 2h`` of a smooth f errs by

    - truncation, the Taylor remainder: at most ``h**2 / 6 * |f'''|``;
    - round-off: each evaluation of f carries rounding errors of a few
      ``eps * scale``, and the difference divides them by 2h:
      ``ROUNDING_ULPS * eps * scale / h``. The gradient checks of the tests
      see at most 1.4 units on every CPU setting tried (numpy's AVX-512, AVX2
      and baseline SIMD; OpenBLAS's SkylakeX, Haswell and Sandybridge
      kernels): 16 leaves room for last-bit differences between CPUs.

    With h = 1e-6 and the default d3 the bound is about 4e-9 * scale: a
    backward that is wrong by any term of typical size fails.

    Parameters
    ----------
    value : ndarray or float
        ``f()`` at the point checked. An entry computed from inputs and weights
        of order one carries rounding errors of ``eps * max(|value|, 1)``, even
        where terms cancel to a small value; with ``dout``, each is weighted by
        ``|dout|``, and ``scale`` is their sum.
    dout : ndarray, shape of ``value``, optional
        The upstream gradient passed to ``numerical_gradient``.
    h : float
        The step passed to ``numerical_gradient``.
    d3 : float, optional
        A bound on ``|f'''|`` along one entry of x; by default ``scale``, right
        for inputs and weights of order one, where f changes on a unit scale.

    Returns
    -------
    bound : float, for ``assert_grad_within``
    """
    value = check_finite("value", as_float_array("value", value))
    if dout is not None:
        dout = check_finite("dout", as_float_array("dout", dout))
        if dout.shape != value.shape:
            raise ValueError(f"dout must have the shape of value, {value.shape}, "
                             f"got {dout.shape}")
    check_number("h", h, 0, open_low=True)
    if d3 is not None:
        check_number("d3", d3, 0)
    sizes = np.maximum(np.abs(value), 1.0)
    scale = float(np.sum(sizes if dout is None else sizes * np.abs(dout)))
    d3 = scale if d3 is None else d3
    return ROUNDING_ULPS * np.finfo(np.float64).eps * scale / h + h**2 / 6 * d3


def assert_grad_within(name, numeric, analytic, bound):
    """Raise ``AssertionError`` unless every entry of ``numeric`` and
    ``analytic`` differ by at most ``bound`` (from ``fd_error_bound``).

    Unlike the relative test of ``assert_grad_close``, this one holds for
    gradients of any size on any CPU: a correct backward differs from the
    central difference only by the difference's own error. The message names
    the parameter, the worst entry and the bound.
    """
    numeric = as_float_array("numeric", numeric)
    analytic = as_float_array("analytic", analytic)
    check_number("bound", bound, 0)
    if numeric.shape != analytic.shape:
        raise AssertionError(
            f"{name}: numeric gradient has shape {numeric.shape}, "
            f"analytic has {analytic.shape}"
        )
    if numeric.size == 0:
        return
    diff = np.abs(numeric - analytic)
    worst = np.unravel_index(np.argmax(diff), diff.shape)  # a NaN first
    if not diff[worst] <= bound:  # NaN and inf fail too
        raise AssertionError(
            f"{name}: error {diff[worst]:.3e} > bound {bound:.1e} at index "
            f"{tuple(int(i) for i in worst)} (numeric {numeric[worst]:.10g}, "
            f"analytic {analytic[worst]:.10g})"
        )


def error_by_step(f, params, analytic, hs):
    """The gradient check's error against its step h: the U of truncation and
    round-off.

    For each h in ``hs``, the largest ``rel_error`` between
    ``numerical_gradient(f, params[k], h=h)`` and ``analytic[k]`` over every
    name k. Truncation makes it fall as h**2 while h is large; round-off
    (each value of f is rounded, and the difference is divided by 2h) makes
    it rise as 1/h once h is small.

    Parameters
    ----------
    f : callable () -> float
        The scalar loss; it reads the arrays of ``params``, which are
        perturbed in place one entry at a time and restored.
    params : dict name -> float64 ndarray (any shapes)
    analytic : dict with the keys of ``params``, each array of its shape:
        the gradients to check, e.g. from a backward pass
    hs : sequence of K > 0 steps, each a positive number

    Returns
    -------
    errors : ndarray (K,), float64
    """
    check_callable("f", f)
    for name, d in (("params", params), ("analytic", analytic)):
        if not isinstance(d, dict):
            raise TypeError(f"{name} must be a dict of arrays, got {type(d).__name__}")
    if set(params) != set(analytic):
        raise ValueError(f"analytic must have the keys of params {sorted(params)}, "
                         f"got {sorted(analytic)}")
    grads = {}
    for k, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            raise TypeError(f"params[{k!r}] must be a float64 numpy array (it is "
                            f"perturbed in place), got {type(p).__name__} "
                            f"{getattr(p, 'dtype', '')}")
        check_finite(f"params[{k!r}]", p)
        g = grads[k] = check_finite(f"analytic[{k!r}]",
                                    as_float_array(f"analytic[{k!r}]", analytic[k]))
        if g.shape != p.shape:
            raise ValueError(f"analytic[{k!r}] must have shape {p.shape}, got {g.shape}")
    if isinstance(hs, np.ndarray):
        hs = list(hs.ravel())
    if not isinstance(hs, list | tuple):
        raise TypeError(f"hs must be a sequence of steps, got {type(hs).__name__}")
    if not hs:
        raise ValueError("hs must hold at least one step, got none")
    for h in hs:
        check_number("h in hs", h, 0, open_low=True)
    return np.array([max(rel_error(numerical_gradient(f, p, h=float(h)), grads[k])
                         for k, p in params.items()) for h in hs])
