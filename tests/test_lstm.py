import numpy as np
import pytest

from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.lstm import (
    cell_path_gains,
    lstm_backward,
    lstm_forward,
    lstm_gate_values,
    lstm_init,
    lstm_param_count,
    lstm_step_backward,
    lstm_step_forward,
)

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 6, 2, 3)]  # N, T, D, H


def _problem(n, t, d, h, seed=0):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=0.7, size=v.shape) for k, v in lstm_init(d, h, rng).items()}
    x = rng.normal(size=(n, t, d))
    h0, c0 = rng.normal(size=(n, h)), rng.normal(size=(n, h))
    return rng, params, x, h0, c0


def _reference(x, h0, c0, params):
    """The source's equations, one gate and one step at a time."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h, c, hs, cs = h0, c0, [], []
    for t in range(x.shape[1]):
        z = np.concatenate([x[:, t], h], axis=1)
        f = sig(z @ params["W_f"].T + params["b_f"])
        i = sig(z @ params["W_i"].T + params["b_i"])
        o = sig(z @ params["W_o"].T + params["b_o"])
        c = i * np.tanh(z @ params["W_c"].T + params["b_c"]) + f * c
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_forward_matches_the_source_equations(shape):
    _, params, x, h0, c0 = _problem(*shape)
    h, c, _ = lstm_forward(x, h0, c0, params)
    h_ref, c_ref = _reference(x, h0, c0, params)
    np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c, c_ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("with_dc", [False, True])
def test_lstm_backward_matches_finite_differences(shape, with_dc):
    rng, params, x, h0, c0 = _problem(*shape, seed=1)
    h, c, cache = lstm_forward(x, h0, c0, params)
    dh = rng.normal(size=h.shape)
    dc = rng.normal(size=c.shape) if with_dc else None
    dx, dh0, dc0, grads = lstm_backward(dh, cache, dc)

    def loss():
        h, c, _ = lstm_forward(x, h0, c0, params)
        return np.sum(h * dh) + (np.sum(c * dc) if with_dc else 0.0)

    # the terms of the loss, whose rounding errors its sum keeps
    bound = fd_error_bound(h, dh) + (fd_error_bound(c, dc) if with_dc else 0.0)
    assert set(grads) == set(params)
    for k, p in params.items():
        assert_grad_within(k, numerical_gradient(loss, p), grads[k], bound)
    for name, arr, grad in [("x", x, dx), ("h0", h0, dh0), ("c0", c0, dc0)]:
        assert_grad_within(name, numerical_gradient(loss, arr), grad, bound)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 1, 3, 4), (4, 1, 2, 2)])
def test_lstm_step_backward_matches_finite_differences(shape):
    n, _, d, h = shape
    rng, params, x, h_prev, c_prev = _problem(*shape, seed=2)
    x_t = x[:, 0]
    dh, dc = rng.normal(size=(n, h)), rng.normal(size=(n, h))
    h_t, c_t, cache = lstm_step_forward(x_t, h_prev, c_prev, params)
    dx, dh_prev, dc_prev, grads = lstm_step_backward(dh, dc, cache)

    def loss():
        h_t, c_t, _ = lstm_step_forward(x_t, h_prev, c_prev, params)
        return np.sum(h_t * dh) + np.sum(c_t * dc)

    bound = fd_error_bound(h_t, dh) + fd_error_bound(c_t, dc)  # the loss's terms
    for k, p in params.items():
        assert_grad_within(k, numerical_gradient(loss, p), grads[k], bound)
    inputs = [("x_t", x_t, dx), ("h_prev", h_prev, dh_prev), ("c_prev", c_prev, dc_prev)]
    for name, arr, grad in inputs:
        assert_grad_within(name, numerical_gradient(loss, arr), grad, bound)


def test_lstm_sequence_is_the_step_repeated():
    _, params, x, h0, c0 = _problem(2, 4, 3, 5, seed=3)
    hs, cs, _ = lstm_forward(x, h0, c0, params)
    h, c = h0, c0
    for t in range(x.shape[1]):
        h, c, _ = lstm_step_forward(x[:, t], h, c, params)
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-13)
        np.testing.assert_allclose(cs[:, t], c, rtol=1e-13)


def test_cell_path_gradient_is_the_product_of_forget_gates():
    # with no recurrent weights, dc_{t-1} reaches c_0 only through c_t = f_t * c_{t-1} + ...
    rng, params, x, h0, c0 = _problem(2, 7, 3, 4, seed=4)
    for g in "fioc":
        params[f"W_{g}"][:, 3:] = 0.0
    h, c, cache = lstm_forward(x, h0, c0, params)
    dc = np.zeros_like(c)
    dc[:, -1] = 1.0
    _, dh0, dc0, _ = lstm_backward(np.zeros_like(h), cache, dc)
    f = 1 / (1 + np.exp(-(x @ params["W_f"][:, :3].T + params["b_f"])))
    np.testing.assert_allclose(dc0, f.prod(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(dh0, 0.0)


def test_lstm_backward_writes_into_neither_dh_nor_cache():
    rng, params, x, h0, c0 = _problem(2, 3, 2, 3, seed=5)
    h, c, cache = lstm_forward(x, h0, c0, params)
    dh = rng.normal(size=h.shape)
    dh_copy = dh.copy()
    cache_copy = [s for step in cache[2] for s in step]
    cache_copy = [a.copy() for a in cache_copy]
    first = lstm_backward(dh, cache)
    np.testing.assert_array_equal(dh, dh_copy)
    for a, b in zip([s for step in cache[2] for s in step], cache_copy):
        np.testing.assert_array_equal(a, b)
    second = lstm_backward(dh, cache)
    np.testing.assert_array_equal(first[0], second[0])
    h[:] = 0.0  # editing the returned h does not corrupt the cache
    np.testing.assert_array_equal(lstm_backward(dh, cache)[0], first[0])


@pytest.mark.parametrize("d,h", [(1, 1), (3, 5), (10, 20), (128, 256)])
def test_param_count_is_what_init_allocates(d, h):
    params = lstm_init(d, h, np.random.default_rng(0))
    allocated = sum(p.size for p in params.values())
    assert allocated == lstm_param_count(d, h) == (d + h + 1) * h * 4
    assert lstm_param_count(d, h, biases_per_gate=2) == allocated + 4 * h
    assert params["W_f"].shape == (h, d + h) and params["b_c"].shape == (h,)


def test_lstm_init_sets_the_forget_bias():
    params = lstm_init(2, 3, np.random.default_rng(0), forget_bias=2.0)
    np.testing.assert_array_equal(params["b_f"], 2.0)
    np.testing.assert_array_equal(params["b_i"], 0.0)
    with pytest.raises(ValueError, match="hidden must be >= 1"):
        lstm_init(2, 0, np.random.default_rng(0))


def test_lstm_names_the_mismatched_argument():
    params = lstm_init(3, 4, np.random.default_rng(0))
    x, h0, c0 = np.zeros((2, 5, 3)), np.zeros((2, 4)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, T, D\), got shape"):
        lstm_forward(x[0], h0, c0, params)
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, H\), got \(3, 4\)"):
        lstm_forward(x, np.zeros((3, 4)), c0, params)
    with pytest.raises(ValueError, match=r"c0 must have shape \(2, 4\), got \(2, 5\)"):
        lstm_forward(x, h0, np.zeros((2, 5)), params)
    with pytest.raises(ValueError, match=r"W_o must have shape \(4, 7\), got \(4, 6\)"):
        lstm_forward(x, h0, c0, {**params, "W_o": np.zeros((4, 6))})
    with pytest.raises(ValueError, match=r"params is missing \['b_i'\]"):
        lstm_forward(x, h0, c0, {k: v for k, v in params.items() if k != "b_i"})
    with pytest.raises(TypeError, match="x must be an array of numbers"):
        lstm_forward(np.full((2, 5, 3), "a"), h0, c0, params)
    h, c, cache = lstm_forward(x, h0, c0, params)
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 5, 4\), got \(2, 4, 4\)"):
        lstm_backward(h[:, 1:], cache)
    with pytest.raises(ValueError, match=r"dc must have 3 dimensions \(2, 5, 4\), got shape"):
        lstm_backward(h, cache, c[:, -1])
    with pytest.raises(ValueError, match=r"c_prev must have shape \(2, 4\), got \(1, 4\)"):
        lstm_step_forward(x[:, 0], h0, c0[:1], params)


def test_gate_values_are_the_gates_of_the_forward_pass():
    _, params, x, h0, c0 = _problem(2, 5, 3, 4, seed=6)
    h, c, cache = lstm_forward(x, h0, c0, params)
    gates = lstm_gate_values(cache)
    assert set(gates) == {"f", "i", "o", "g"}
    for k in "fio":
        assert gates[k].shape == (2, 5, 4) and np.all((gates[k] > 0) & (gates[k] < 1))
    c_prev = np.concatenate([c0[:, None], c[:, :-1]], axis=1)
    np.testing.assert_allclose(c, gates["i"] * gates["g"] + gates["f"] * c_prev, rtol=1e-13)
    np.testing.assert_allclose(h, gates["o"] * np.tanh(c), rtol=1e-13)
    gates["f"][:] = 0.0  # new arrays: the cache is untouched
    np.testing.assert_array_equal(lstm_backward(h, cache)[0], lstm_backward(h, cache)[0])
    assert lstm_gate_values(cache)["f"].min() > 0


def test_cell_path_gains_are_products_of_the_last_forget_gates():
    f = np.random.default_rng(7).uniform(0.5, 1.0, size=(6, 3))
    gains = cell_path_gains(f)
    assert gains.shape == (7, 3)
    np.testing.assert_array_equal(gains[0], 1.0)
    np.testing.assert_allclose(gains[2], f[-1] * f[-2])
    np.testing.assert_allclose(gains[6], f.prod(axis=0))
    with pytest.raises(ValueError, match=r"f must have 2 dimensions \(T, H\)"):
        cell_path_gains(f[None])


@pytest.mark.parametrize("n,t", [(0, 3), (2, 0), (0, 0)])
def test_an_empty_batch_or_no_steps_gives_empty_states_and_zero_gradients(n, t):
    _, params, x, h0, c0 = _problem(n, t, 3, 4)
    h, c, cache = lstm_forward(x, h0, c0, params)
    dx, dh0, dc0, grads = lstm_backward(np.ones(h.shape), cache)
    assert h.shape == c.shape == (n, t, 4) and dx.shape == x.shape
    np.testing.assert_array_equal(dh0, np.zeros((n, 4)))
    np.testing.assert_array_equal(dc0, np.zeros((n, 4)))
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in params.items()}
    assert not any(g.any() for g in grads.values())
