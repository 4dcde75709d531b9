import numpy as np
import pytest

from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.gru import (
    gru_backward,
    gru_forward,
    gru_gate_values,
    gru_init,
    gru_param_count,
    gru_step_backward,
    gru_step_forward,
)

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 6, 2, 3)]  # N, T, D, H


def _problem(n, t, d, h, seed=0):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=0.7, size=v.shape) for k, v in gru_init(d, h, rng).items()}
    return rng, params, rng.normal(size=(n, t, d)), rng.normal(size=(n, h))


def _reference(x, h0, params):
    """The source's equation, h_t = u h_{t-1} + (1 - u) tanh(W_c [x_t, r h_{t-1}] + b_c)."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h, hs = h0, []
    for t in range(x.shape[1]):
        z = np.concatenate([x[:, t], h], axis=1)
        u = sig(z @ params["W_u"].T + params["b_u"])
        r = sig(z @ params["W_r"].T + params["b_r"])
        zr = np.concatenate([x[:, t], r * h], axis=1)
        h = u * h + (1 - u) * np.tanh(zr @ params["W_c"].T + params["b_c"])
        hs.append(h)
    return np.stack(hs, axis=1)


@pytest.mark.parametrize("shape", SHAPES)
def test_gru_forward_matches_the_source_equation(shape):
    _, params, x, h0 = _problem(*shape)
    h, _ = gru_forward(x, h0, params)
    np.testing.assert_allclose(h, _reference(x, h0, params), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
def test_gru_backward_matches_finite_differences(shape):
    rng, params, x, h0 = _problem(*shape, seed=1)
    h, cache = gru_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    dx, dh0, grads = gru_backward(dh, cache)
    f = lambda: gru_forward(x, h0, params)[0]  # noqa: E731
    bound = fd_error_bound(h, dh)
    assert set(grads) == set(params)
    for k, p in params.items():
        assert_grad_within(k, numerical_gradient(f, p, dh), grads[k], bound)
    assert_grad_within("x", numerical_gradient(f, x, dh), dx, bound)
    assert_grad_within("h0", numerical_gradient(f, h0, dh), dh0, bound)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 1, 3, 4), (4, 1, 2, 2)])
def test_gru_step_backward_matches_finite_differences(shape):
    n, _, d, h = shape
    rng, params, x, h_prev = _problem(*shape, seed=2)
    x_t, dh = x[:, 0], rng.normal(size=(n, h))
    h_t, cache = gru_step_forward(x_t, h_prev, params)
    dx, dh_prev, grads = gru_step_backward(dh, cache)
    f = lambda: gru_step_forward(x_t, h_prev, params)[0]  # noqa: E731
    bound = fd_error_bound(h_t, dh)
    for k, p in params.items():
        assert_grad_within(k, numerical_gradient(f, p, dh), grads[k], bound)
    assert_grad_within("x_t", numerical_gradient(f, x_t, dh), dx, bound)
    assert_grad_within("h_prev", numerical_gradient(f, h_prev, dh), dh_prev, bound)


def test_gru_sequence_is_the_step_repeated():
    _, params, x, h0 = _problem(2, 4, 3, 5, seed=3)
    hs, _ = gru_forward(x, h0, params)
    h = h0
    for t in range(x.shape[1]):
        h, _ = gru_step_forward(x[:, t], h, params)
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-13)


def test_closed_update_gate_copies_the_state():
    # u = 1 everywhere: h_t = h_{t-1}, and the gradient passes through unchanged
    _, params, x, h0 = _problem(2, 5, 3, 4, seed=4)
    params["b_u"] = np.full(4, 50.0)
    h, cache = gru_forward(x, h0, params)
    # u rounds to 1 or within an ulp of it: at most two roundings a step
    np.testing.assert_allclose(h[:, -1], h0, rtol=2 * 5 * np.finfo(float).eps)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    _, dh0, _ = gru_backward(dh, cache)
    np.testing.assert_allclose(dh0, 1.0, rtol=1e-15)


def test_gru_backward_writes_into_neither_dh_nor_cache():
    rng, params, x, h0 = _problem(2, 3, 2, 3, seed=5)
    h, cache = gru_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    dh_copy = dh.copy()
    cache_copy = [a.copy() for step in cache[2] for a in step]
    first = gru_backward(dh, cache)
    np.testing.assert_array_equal(dh, dh_copy)
    for a, b in zip([a for step in cache[2] for a in step], cache_copy):
        np.testing.assert_array_equal(a, b)
    h[:] = 0.0  # editing the returned h does not corrupt the cache
    np.testing.assert_array_equal(gru_backward(dh, cache)[0], first[0])


@pytest.mark.parametrize("d,h", [(1, 1), (3, 5), (10, 20), (128, 256)])
def test_param_count_is_what_init_allocates(d, h):
    params = gru_init(d, h, np.random.default_rng(0))
    allocated = sum(p.size for p in params.values())
    assert allocated == gru_param_count(d, h) == (d + h + 1) * h * 3
    assert gru_param_count(d, h, biases_per_gate=2) == allocated + 3 * h
    assert params["W_c"].shape == (h, d + h) and params["b_u"].shape == (h,)


def test_gru_names_the_mismatched_argument():
    params = gru_init(3, 4, np.random.default_rng(0))
    x, h0 = np.zeros((2, 5, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, T, D\), got shape"):
        gru_forward(x[0], h0, params)
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, H\), got \(3, 4\)"):
        gru_forward(x, np.zeros((3, 4)), params)
    with pytest.raises(ValueError, match=r"W_r must have shape \(4, 7\), got \(5, 7\)"):
        gru_forward(x, h0, {**params, "W_r": np.zeros((5, 7))})
    with pytest.raises(ValueError, match=r"params is missing \['W_c'\]"):
        gru_forward(x, h0, {k: v for k, v in params.items() if k != "W_c"})
    with pytest.raises(ValueError, match="hidden must be >= 1"):
        gru_init(3, 0, np.random.default_rng(0))
    h, cache = gru_forward(x, h0, params)
    with pytest.raises(ValueError, match=r"dh must have 3 dimensions \(2, 5, 4\), got shape"):
        gru_backward(h[:, 0], cache)
    _, step = gru_step_forward(x[:, 0], h0, params)
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 4\), got \(2, 3\)"):
        gru_step_backward(np.zeros((2, 3)), step)


def test_gate_values_are_the_gates_of_the_forward_pass():
    _, params, x, h0 = _problem(2, 5, 3, 4, seed=6)
    h, cache = gru_forward(x, h0, params)
    gates = gru_gate_values(cache)
    assert set(gates) == {"u", "r", "g"}
    for k in "ur":
        assert gates[k].shape == (2, 5, 4) and np.all((gates[k] > 0) & (gates[k] < 1))
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    np.testing.assert_allclose(h, gates["u"] * h_prev + (1 - gates["u"]) * gates["g"],
                               rtol=1e-12, atol=1e-15)


def test_gru_init_sets_the_update_bias():
    params = gru_init(2, 3, np.random.default_rng(0), update_bias=2.5)
    np.testing.assert_array_equal(params["b_u"], 2.5)
    np.testing.assert_array_equal(params["b_r"], 0.0)


@pytest.mark.parametrize("n,t", [(0, 3), (2, 0), (0, 0)])
def test_an_empty_batch_or_no_steps_gives_empty_states_and_zero_gradients(n, t):
    _, params, x, h0 = _problem(n, t, 3, 4)
    h, cache = gru_forward(x, h0, params)
    dx, dh0, grads = gru_backward(np.ones(h.shape), cache)
    assert h.shape == (n, t, 4) and dx.shape == x.shape
    np.testing.assert_array_equal(dh0, np.zeros((n, 4)))
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in params.items()}
    assert not any(g.any() for g in grads.values())
