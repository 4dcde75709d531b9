import numpy as np
import pytest

from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.losses import softmax, softmax_cross_entropy, squared_error


@pytest.mark.parametrize("shape", [(1, 2), (4, 3), (7, 1)])
def test_squared_error_gradient(shape):
    rng = np.random.default_rng(1)
    y_hat, y = rng.normal(size=shape), rng.normal(size=shape)
    loss, d = squared_error(y_hat, y)
    assert loss == pytest.approx(0.5 * np.sum((y_hat - y) ** 2) / shape[0])
    f = lambda: squared_error(y_hat, y)[0]  # noqa: E731
    assert_grad_within("y_hat", numerical_gradient(f, y_hat), d, fd_error_bound(loss))


@pytest.mark.parametrize("n,m", [(1, 2), (5, 3), (8, 10)])
def test_softmax_cross_entropy_gradient(n, m):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(n, m))
    labels = rng.integers(0, m, n)
    loss, d = softmax_cross_entropy(logits, labels)
    p = softmax(logits)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(n), labels])))
    f = lambda: softmax_cross_entropy(logits, labels)[0]  # noqa: E731
    assert_grad_within("logits", numerical_gradient(f, logits), d, fd_error_bound(loss))


def test_softmax_cross_entropy_is_stable_for_large_logits():
    loss, d = softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.array([0, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    assert loss == pytest.approx(500.0)


def test_squared_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"y must have the shape of y_hat \(2, 3\), got \(2, 2\)"):
        squared_error(np.zeros((2, 3)), np.zeros((2, 2)))


def test_labels_out_of_range_are_named():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="labels must be an array of ints"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
