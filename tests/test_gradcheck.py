import numpy as np
import pytest

from dlnotes.gradcheck import (
    assert_grad_close,
    assert_grad_within,
    fd_error_bound,
    numerical_gradient,
    rel_error,
)


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(lambda: np.sum(x**3), x), 3 * x**2, rtol=1e-8)


def test_numerical_gradient_restores_its_input():
    x = np.array([1.0, 2.0, 3.0])
    numerical_gradient(lambda: np.sum(np.sin(x)), x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_numerical_gradient_weights_by_dout():
    x = np.array([1.0, 2.0])
    dout = np.array([3.0, -1.0])
    np.testing.assert_allclose(numerical_gradient(lambda: x**2, x, dout), 2 * x * dout, rtol=1e-8)


def test_numerical_gradient_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


def test_assert_grad_close_names_parameter_index_and_error():
    numeric, analytic = np.ones((2, 2)), np.array([[1.0, 1.0], [2.0, 1.0]])
    with pytest.raises(AssertionError, match=r"W_h: relative error .* at index \(1, 0\)"):
        assert_grad_close("W_h", numeric, analytic)
    assert_grad_close("ok", np.ones(3), np.ones(3) * (1 + 1e-10))


def test_rel_error_is_zero_for_equal_and_one_for_opposite():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.ones(2), np.ones(3))


def test_the_error_bound_holds_at_every_step_and_needs_both_of_its_terms():
    # f = sin(3x): f' = 3 cos(3x) and |f'''| <= 27
    x = np.linspace(-2.0, 2.0, 9)
    f, ones, exact = lambda: np.sin(3 * x), np.ones(9), 3 * np.cos(3 * x)
    for h in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9):
        num = numerical_gradient(f, x, ones, h)
        assert_grad_within("x", num, exact, fd_error_bound(f(), ones, h, d3=27.0))
    # truncation dominates at large steps, round-off at small ones
    with pytest.raises(AssertionError, match="bound"):
        assert_grad_within("x", numerical_gradient(f, x, ones, 1e-3), exact,
                           fd_error_bound(f(), ones, 1e-3, d3=0.0))
    assert np.abs(numerical_gradient(f, x, ones, 1e-9) - exact).max() > 1e-8


def test_the_error_bound_is_round_off_below_the_optimal_step_and_truncation_above():
    bound = lambda h: fd_error_bound(1.0, h=h)  # noqa: E731
    assert bound(1e-6) < 4e-9  # the default step
    assert bound(1e-8) / bound(1e-7) == pytest.approx(10, rel=1e-3)  # eps / h
    assert bound(1e-2) / bound(1e-3) == pytest.approx(100, rel=1e-3)  # h**2
    # the scale counts terms that cancel, and entries below 1 as 1
    assert fd_error_bound(np.array([2.0, -2.0, 1e-3])) == fd_error_bound(5.0)


def test_assert_grad_within_names_parameter_index_and_bound():
    numeric, analytic = np.ones((2, 2)), np.array([[1.0, 1.0], [1.0, 1.0 + 1e-6]])
    message = r"W_h: error 1\.000e-06 > bound 1\.0e-08 at index \(1, 1\)"
    with pytest.raises(AssertionError, match=message):
        assert_grad_within("W_h", numeric, analytic, 1e-8)
    assert_grad_within("W_h", numeric, analytic, 2e-6)
    with pytest.raises(AssertionError, match="shape"):
        assert_grad_within("b", np.ones(2), np.ones(3), 1.0)
    with pytest.raises(AssertionError, match="nan"):
        assert_grad_within("b", np.ones(2), np.array([1.0, np.nan]), 1.0)


def test_error_by_step_is_truncation_then_round_off():
    from dlnotes.gradcheck import error_by_step

    x = np.array([0.3, -1.2, 2.0])
    params = {"x": x}
    f = lambda: float(np.sum(np.sin(x)))  # noqa: E731
    hs = 10.0 ** -np.arange(1, 13)
    err = error_by_step(f, params, {"x": np.cos(x)}, hs)
    assert err.shape == (12,)
    # truncation: (sin(x+h) - sin(x-h)) / 2h = cos(x) (1 - h^2 / 6 + ...)
    np.testing.assert_allclose(err[1], 1e-4 / 6 / 2, rtol=1e-3)
    assert 90 < err[1] / err[2] < 110  # h^2: two decades per decade
    best = err.argmin()
    assert 3 <= best <= 7  # h from 1e-4 to 1e-8, near eps^(1/3) = 6e-6
    assert err[0] > 1e4 * err[best] and err[-1] > 1e2 * err[best]
    np.testing.assert_array_equal(x, [0.3, -1.2, 2.0])  # restored


def test_error_by_step_at_more_than_one_shape_and_its_bad_input():
    from dlnotes.gradcheck import error_by_step

    W, b = np.ones((2, 3)) * 0.5, np.array([0.1, -0.2])
    params = {"W": W, "b": b}
    f = lambda: float(np.sum((W @ np.arange(3.0) + b) ** 2))  # noqa: E731
    z = W @ np.arange(3.0) + b
    grads = {"W": 2 * np.outer(z, np.arange(3.0)), "b": 2 * z}
    err = error_by_step(f, params, grads, [1e-3, 1e-5])
    assert err.shape == (2,) and np.all(err < 1e-8)  # a quadratic: no truncation
    with pytest.raises(ValueError, match="keys of params"):
        error_by_step(f, params, {"W": grads["W"]}, [1e-5])
    with pytest.raises(ValueError, match=r"analytic\['b'\] must have shape \(2,\)"):
        error_by_step(f, params, {"W": grads["W"], "b": np.zeros(3)}, [1e-5])
    with pytest.raises(ValueError, match="at least one step"):
        error_by_step(f, params, grads, [])
    with pytest.raises(ValueError, match="positive"):
        error_by_step(f, params, grads, [1e-5, 0.0])
    with pytest.raises(TypeError, match="dict"):
        error_by_step(f, [W, b], grads, [1e-5])
