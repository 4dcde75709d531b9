import numpy as np
import pytest

from dlnotes.dense import dense_backward, dense_forward
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient


@pytest.mark.parametrize("n,d,m", [(1, 1, 1), (2, 3, 4), (5, 7, 3)])
def test_dense_backward_matches_finite_differences(n, d, m):
    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(n, d)), rng.normal(size=(m, d)), rng.normal(size=m)
    dout = rng.normal(size=(n, m))
    out, cache = dense_forward(x, W, b)
    np.testing.assert_allclose(out, x @ W.T + b)
    dx, dW, db = dense_backward(dout, cache)
    f = lambda: dense_forward(x, W, b)[0]  # noqa: E731
    bound = fd_error_bound(out, dout, d3=0)  # linear in each argument: no truncation
    for name, arr, grad in [("x", x, dx), ("W", W, dW), ("b", b, db)]:
        assert_grad_within(name, numerical_gradient(f, arr, dout), grad, bound)


def test_dense_names_the_mismatched_argument():
    with pytest.raises(ValueError, match=r"W must have shape \(M, 3\), got \(4, 2\)"):
        dense_forward(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"b must have shape \(4,\), got \(3,\)"):
        dense_forward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"x must have 2 dimensions \(N, D\), got shape \(3,\)"):
        dense_forward(np.zeros(3), np.zeros((4, 3)), np.zeros(4))
    _, cache = dense_forward(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4\), got \(2, 3\)"):
        dense_backward(np.zeros((2, 3)), cache)
