import numpy as np
import pytest

from dlnotes import activations as A
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient

PAIRS = ["sigmoid", "tanh", "relu", "identity"]


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_activation_backward_matches_finite_differences(name, shape):
    rng = np.random.default_rng(0)
    z = rng.normal(size=shape)
    if name == "relu":  # keep clear of the kink at 0, where no derivative exists
        z += np.sign(z) * 0.1
    fwd, bwd = A.get_activation(name)
    da = rng.normal(size=shape)
    a, cache = fwd(z)
    dz = bwd(da, cache)
    f = lambda: fwd(z)[0]  # noqa: E731
    assert_grad_within(f"{name} dz", numerical_gradient(f, z, da), dz, fd_error_bound(f(), da))


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = A.sigmoid(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[[0, 2, 4]], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(s[1], np.exp(-50) / (1 + np.exp(-50)))


def test_sigmoid_matches_its_definition():
    z = np.linspace(-5, 5, 11)
    # two evaluations of exp, each within a few ulps (numpy's SIMD variants
    # differ per CPU), and two roundings on each side
    np.testing.assert_allclose(A.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=12 * np.finfo(float).eps)


def test_relu_derivative_at_zero_is_zero():
    a, cache = A.relu_forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(A.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


def test_backward_does_not_modify_its_inputs():
    z = np.array([0.3, -0.2])
    a, cache = A.sigmoid_forward(z)
    da = np.array([1.0, 2.0])
    before = (da.copy(), cache.copy())
    A.sigmoid_backward(da, cache)
    np.testing.assert_array_equal(da, before[0])
    np.testing.assert_array_equal(cache, before[1])


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="activation must be one of"):
        A.get_activation("swish")


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="z must be an array of numbers"):
        A.sigmoid(["a", "b"])
