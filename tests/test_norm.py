import numpy as np
import pytest

from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.norm import (
    batchnorm_backward,
    batchnorm_eval,
    batchnorm_forward,
    batchnorm_running_stats,
)


def test_forward_normalises_each_column_then_scales_and_shifts():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 5.0, size=(50, 4))
    out, cache = batchnorm_forward(x, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(0), 1.0, rtol=1e-5)
    gamma, beta = np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.0, -1.0, 1.0, 2.0])
    out, _ = batchnorm_forward(x, gamma, beta)
    np.testing.assert_allclose(out.mean(0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(0), gamma, rtol=1e-5)
    np.testing.assert_allclose(cache["mean"], x.mean(0))
    np.testing.assert_allclose(cache["var"], x.var(0))


@pytest.mark.parametrize("n,d", [(3, 1), (4, 3), (8, 5)])
def test_backward_matches_finite_differences(n, d):
    rng = np.random.default_rng(n * 10 + d)
    x = rng.normal(1.0, 2.0, size=(n, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    dout = rng.normal(size=(n, d))
    out, cache = batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    f = lambda: batchnorm_forward(x, gamma, beta)[0]  # noqa: E731
    bound = fd_error_bound(out, dout)
    for name, arr, grad in [("x", x, dx), ("gamma", gamma, dgamma), ("beta", beta, dbeta)]:
        assert_grad_within(name, numerical_gradient(f, arr, dout), grad, bound)


def test_backward_keeps_dout_and_cache_and_dx_sums_to_zero():
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    _, cache = batchnorm_forward(x, np.ones(3), np.zeros(3))
    before = {k: v.copy() for k, v in cache.items()}
    dout_before = dout.copy()
    dx, _, _ = batchnorm_backward(dout, cache)
    np.testing.assert_array_equal(dout, dout_before)
    for k in before:
        np.testing.assert_array_equal(cache[k], before[k])
    # shifting every example by the same amount changes nothing: dx sums to 0
    np.testing.assert_allclose(dx.sum(0), 0.0, atol=1e-12)


def test_running_stats_approach_the_population_and_eval_uses_them():
    rng = np.random.default_rng(2)
    mean, var = np.zeros(2), np.ones(2)
    for _ in range(300):
        x = rng.normal([1.0, -2.0], [2.0, 0.5], size=(16, 2))
        _, cache = batchnorm_forward(x, np.ones(2), np.zeros(2))
        new_mean, new_var = batchnorm_running_stats(mean, var, cache, momentum=0.1)
        assert new_mean is not mean
        mean, var = new_mean, new_var
    np.testing.assert_allclose(mean, [1.0, -2.0], atol=0.3)
    np.testing.assert_allclose(var, [4.0, 0.25], rtol=0.25)
    one = np.array([[1.0, -2.0]])  # a single example is fine in evaluation mode
    np.testing.assert_allclose(batchnorm_eval(one, np.ones(2), np.zeros(2), mean, var),
                               (one - mean) / np.sqrt(var + 1e-5))


def test_running_variance_is_unbiased_and_eval_matches_training_on_its_batch():
    x = np.array([[0.0], [2.0]])
    out, cache = batchnorm_forward(x, np.ones(1), np.zeros(1))
    m, v = batchnorm_running_stats(np.zeros(1), np.zeros(1), cache, momentum=1.0)
    np.testing.assert_allclose(m, [1.0])
    np.testing.assert_allclose(v, [2.0])  # batch variance 1, times N / (N - 1) = 2
    np.testing.assert_allclose(
        batchnorm_eval(x, np.ones(1), np.zeros(1), cache["mean"], cache["var"]), out)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"at least 2 examples.*got shape \(1, 3\)"):
        batchnorm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\), got \(2,\)"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"beta must have 1 dimensions \(3,\), got shape \(3, 1\)"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="eps must be positive"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), eps=0)
    _, cache = batchnorm_forward(np.arange(12.0).reshape(4, 3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 3\), got \(3, 4\)"):
        batchnorm_backward(np.zeros((3, 4)), cache)
    with pytest.raises(ValueError, match=r"running_var must have shape \(3,\)"):
        batchnorm_running_stats(np.zeros(3), np.ones(2), cache)
    with pytest.raises(ValueError, match="momentum must lie in"):
        batchnorm_running_stats(np.zeros(3), np.ones(3), cache, momentum=0)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        batchnorm_eval(np.zeros((1, 3)), np.ones(3), np.zeros(3), np.zeros(4), np.ones(3))
