import numpy as np
import pytest

from dlnotes.deepnet import (
    act_dense_backward,
    act_dense_forward,
    bn_act_dense_backward,
    bn_act_dense_forward,
)
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.residual import residual_backward, residual_forward


@pytest.mark.parametrize("n,h", [(1, 1), (3, 4), (6, 5)])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_residual_dense_block_matches_finite_differences(n, h, activation):
    rng = np.random.default_rng(n + h)
    x, W, b = rng.normal(size=(n, h)), rng.normal(size=(h, h)), rng.normal(size=h)
    dout = rng.normal(size=(n, h))
    y, cache = residual_forward(x, act_dense_forward, W, b, activation)
    np.testing.assert_allclose(y, x + act_dense_forward(x, W, b, activation)[0])
    dx, dW, db = residual_backward(dout, cache, act_dense_backward)
    f = lambda: residual_forward(x, act_dense_forward, W, b, activation)[0]  # noqa: E731
    bound = fd_error_bound(y, dout)
    for name, arr, grad in [("x", x, dx), ("W", W, dW), ("b", b, db)]:
        assert_grad_within(name, numerical_gradient(f, arr, dout), grad, bound)


@pytest.mark.parametrize("n,h", [(3, 2), (5, 4)])
def test_residual_batchnorm_block_matches_finite_differences(n, h):
    rng = np.random.default_rng(7 * n + h)
    x, W, b = rng.normal(size=(n, h)), rng.normal(size=(h, h)), rng.normal(size=h)
    gamma, beta = rng.normal(size=h), rng.normal(size=h)
    dout = rng.normal(size=(n, h))
    args = (gamma, beta, W, b, "tanh")
    y, cache = residual_forward(x, bn_act_dense_forward, *args)
    grads = residual_backward(dout, cache, bn_act_dense_backward)
    f = lambda: residual_forward(x, bn_act_dense_forward, *args)[0]  # noqa: E731
    bound = fd_error_bound(y, dout)
    for name, arr, grad in zip(["x", "gamma", "beta", "W", "b"], (x,) + args[:4], grads):
        assert_grad_within(name, numerical_gradient(f, arr, dout), grad, bound)


def test_identity_path_passes_the_gradient_unchanged_when_the_branch_is_flat():
    # W = 0 makes dF/dx = 0: then dy/dx = I exactly, however deep the stack
    x, dout = np.ones((2, 3)), np.arange(6.0).reshape(2, 3)
    y, cache = residual_forward(x, act_dense_forward, np.zeros((3, 3)), np.zeros(3), "sigmoid")
    np.testing.assert_array_equal(y, x)
    dx, _, _ = residual_backward(dout, cache, act_dense_backward)
    np.testing.assert_array_equal(dx, dout)


def test_backward_does_not_write_into_dout():
    rng = np.random.default_rng(3)
    x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), np.zeros(3), np.ones((4, 3))
    _, cache = residual_forward(x, act_dense_forward, W, b, "relu")
    residual_backward(dout, cache, act_dense_backward)
    np.testing.assert_array_equal(dout, np.ones((4, 3)))


def test_branch_must_keep_the_shape():
    with pytest.raises(ValueError, match=r"branch output must have the shape of x \(2, 3\)"):
        residual_forward(np.ones((2, 3)), act_dense_forward, np.ones((4, 3)), np.ones(4), "tanh")
    with pytest.raises(ValueError, match=r"x must have 2 dimensions \(N, H\)"):
        residual_forward(np.ones(3), act_dense_forward, np.ones((3, 3)), np.ones(3), "tanh")
