import numpy as np
import pytest

from dlnotes.gradcheck import assert_grad_close, numerical_gradient, rel_error


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
