import numpy as np
import pytest

from dlnotes import rnn_models, tasks
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.rnn import (
    init_rnn_params,
    param_count,
    rnn_backward,
    rnn_forward,
    rnn_output_backward,
    rnn_output_forward,
    rnn_step_backward,
    rnn_step_forward,
    rnn_truncated_states,
    state_jacobian_norms,
)
from dlnotes.seqloss import sequence_cross_entropy

SHAPES = [(1, 1, 1, 1), (2, 4, 3, 5), (3, 7, 2, 4)]  # (N, T, D, H)


def _setup(N, T, D, H, seed=0, radius=1.2):
    rng = np.random.default_rng(seed)
    params = init_rnn_params(D, H, 2, rng, radius=radius)
    params["b_x"] = rng.normal(size=H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    return rng, params, x, h0


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5)])
def test_step_backward_matches_finite_differences(N, D, H):
    rng = np.random.default_rng(1)
    x_t, h_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    W_x, W_h, b_x = rng.normal(size=(H, D)), rng.normal(size=(H, H)), rng.normal(size=H)
    h_t, cache = rnn_step_forward(x_t, h_prev, W_x, W_h, b_x)
    np.testing.assert_allclose(h_t, np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b_x))
    dh_t = rng.normal(size=(N, H))
    grads = rnn_step_backward(dh_t, cache)
    f = lambda: rnn_step_forward(x_t, h_prev, W_x, W_h, b_x)[0]  # noqa: E731
    for name, arr, g in zip(["x_t", "h_prev", "W_x", "W_h", "b_x"],
                            [x_t, h_prev, W_x, W_h, b_x], grads):
        assert_grad_within(name, numerical_gradient(f, arr, dh_t), g, fd_error_bound(h_t, dh_t))


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_sequence_forward_is_the_step_repeated_with_shared_weights(N, T, D, H):
    _, params, x, h0 = _setup(N, T, D, H)
    h, _ = rnn_forward(x, h0, params)
    h_t = h0
    for t in range(T):
        h_t, _ = rnn_step_forward(x[:, t], h_t, params["W_x"], params["W_h"], params["b_x"])
        np.testing.assert_allclose(h[:, t], h_t, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_full_bptt_matches_finite_differences(N, T, D, H):
    rng, params, x, h0 = _setup(N, T, D, H)
    h, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    dx, dh0, grads = rnn_backward(dh, cache)
    f = lambda: rnn_forward(x, h0, params)[0]  # noqa: E731
    bound = fd_error_bound(h, dh)
    assert_grad_within("x", numerical_gradient(f, x, dh), dx, bound)
    assert_grad_within("h0", numerical_gradient(f, h0, dh), dh0, bound)
    for k in ("W_x", "W_h", "b_x"):
        assert_grad_within(k, numerical_gradient(f, params[k], dh), grads[k], bound)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_full_bptt_equals_step_backward_replayed_in_a_loop(N, T, D, H):
    rng, params, x, h0 = _setup(N, T, D, H)
    h, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    dx, dh0, grads = rnn_backward(dh, cache)
    caches, h_t = [], h0
    for t in range(T):
        h_t, c = rnn_step_forward(x[:, t], h_t, params["W_x"], params["W_h"], params["b_x"])
        caches.append(c)
    carry, total = np.zeros_like(h0), {k: 0.0 for k in grads}
    for t in reversed(range(T)):
        dx_t, carry, dW_x, dW_h, db_x = rnn_step_backward(dh[:, t] + carry, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-10, atol=1e-12)
        for k, g in zip(("W_x", "W_h", "b_x"), (dW_x, dW_h, db_x)):
            total[k] = total[k] + g
    np.testing.assert_allclose(dh0, carry, rtol=1e-10, atol=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("N,T,D,H", SHAPES[1:])
@pytest.mark.parametrize("k", [1, 2, 3, 6])
def test_truncated_bptt_is_the_exact_gradient_of_the_windowed_objective(N, T, D, H, k):
    rng, params, x, h0 = _setup(N, T, D, H)
    h, cache = rnn_forward(x, h0, params)
    h_fixed = h.copy()
    np.testing.assert_allclose(rnn_truncated_states(x, h0, params, h_fixed, k), h, atol=1e-14)
    dh = rng.normal(size=h.shape)
    dx, dh0, grads = rnn_backward(dh, cache, truncate=k)
    f = lambda: rnn_truncated_states(x, h0, params, h_fixed, k)  # noqa: E731
    bound = fd_error_bound(h, dh)
    assert_grad_within("x", numerical_gradient(f, x, dh), dx, bound)
    assert_grad_within("h0", numerical_gradient(f, h0, dh), dh0, bound)
    for key in ("W_x", "W_h", "b_x"):
        assert_grad_within(key, numerical_gradient(f, params[key], dh), grads[key], bound)


def test_truncation_at_or_beyond_the_length_is_full_bptt():
    rng, params, x, h0 = _setup(2, 5, 3, 4)
    h, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    full = rnn_backward(dh, cache)
    for k in (5, 9):
        dx, dh0, grads = rnn_backward(dh, cache, truncate=k)
        np.testing.assert_allclose(dx, full[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(dh0, full[1], rtol=1e-12, atol=1e-14)
        for key in grads:
            np.testing.assert_allclose(grads[key], full[2][key], rtol=1e-12, atol=1e-14)


def test_truncate_one_keeps_only_each_steps_local_term():
    rng, params, x, h0 = _setup(2, 5, 3, 4)
    h, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    _, _, grads = rnn_backward(dh, cache, truncate=1)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    local = sum(
        rnn_step_backward(dh[:, t], rnn_step_forward(
            x[:, t], h_prev[:, t], params["W_x"], params["W_h"], params["b_x"])[1])[3]
        for t in range(5)
    )
    np.testing.assert_allclose(grads["W_h"], local, rtol=1e-12)


def test_truncated_gradient_cannot_reach_an_input_k_or_more_steps_back():
    rng, params, x, h0 = _setup(1, 8, 2, 3)
    h, cache = rnn_forward(x, h0, params)
    dh = np.zeros_like(h)
    dh[:, 7] = rng.normal(size=3)  # a loss at the last step only
    for k in (1, 3, 5):
        dx, _, _ = rnn_backward(dh, cache, truncate=k)
        reached = np.flatnonzero(np.abs(dx[0]).sum(axis=1) > 0)
        np.testing.assert_array_equal(reached, np.arange(8 - k, 8))


def test_backward_leaves_dh_and_the_cache_untouched():
    rng, params, x, h0 = _setup(2, 5, 3, 4)
    h, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    copies = [dh.copy()] + [c.copy() for c in cache]
    for k in (None, 2):
        rnn_backward(dh, cache, truncate=k)
    for a, b in zip(copies, [dh, *cache]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("N,T,H,M", [(1, 1, 1, 1), (2, 3, 4, 5)])
def test_output_layer_matches_finite_differences(N, T, H, M):
    rng = np.random.default_rng(2)
    h, W_y, b_y = rng.normal(size=(N, T, H)), rng.normal(size=(M, H)), rng.normal(size=M)
    y, cache = rnn_output_forward(h, W_y, b_y)
    np.testing.assert_allclose(y[:, -1], h[:, -1] @ W_y.T + b_y)
    dy = rng.normal(size=y.shape)
    grads = rnn_output_backward(dy, cache)
    f = lambda: rnn_output_forward(h, W_y, b_y)[0]  # noqa: E731
    bound = fd_error_bound(y, dy, d3=0)  # linear in each argument: no truncation
    for name, arr, g in zip(["h", "W_y", "b_y"], [h, W_y, b_y], grads):
        assert_grad_within(name, numerical_gradient(f, arr, dy), g, bound)


def test_rnn_rejects_bad_shapes_and_windows():
    _, params, x, h0 = _setup(2, 4, 3, 5)
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, T, D\), got shape"):
        rnn_forward(x[0], h0, params)
    with pytest.raises(ValueError, match=r"params\['W_x'\] must have shape \(H, 2\), got \(5, 3\)"):
        rnn_forward(x[:, :, :2], h0, params)
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 5\), got \(2, 4\)"):
        rnn_forward(x, h0[:, :4], params)
    with pytest.raises(ValueError, match=r"params\['W_h'\] must have shape \(5, 5\), got \(5, 4\)"):
        rnn_forward(x, h0, {**params, "W_h": np.zeros((5, 4))})
    with pytest.raises(ValueError, match="missing 'b_x'"):
        rnn_forward(x, h0, {"W_x": params["W_x"], "W_h": params["W_h"]})
    h, cache = rnn_forward(x, h0, params)
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 4, 5\), got \(2, 3, 5\)"):
        rnn_backward(h[:, :3], cache)
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match="truncate must be None or an int >= 1"):
            rnn_backward(h, cache, truncate=bad)


def test_init_gives_w_h_the_requested_spectral_radius_and_norm():
    params = init_rnn_params(3, 6, 2, np.random.default_rng(0), radius=0.7)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(params["W_h"])), 0.7)
    np.testing.assert_allclose(np.linalg.norm(params["W_h"], 2), 0.7)
    assert sum(v.size for v in params.values()) == param_count(3, 6, 2)


def test_state_jacobian_norms_match_a_finite_difference_jacobian():
    _, params, x, h0 = _setup(1, 6, 2, 3)
    h, _ = rnn_forward(x, h0, params)
    norms = state_jacobian_norms(h[0], params["W_h"])
    for n in (1, 3, 6):
        h_start = (h0 if n == 6 else h[:, 5 - n]).copy()  # h_{T-n}
        def h_T(tail=x[:, 6 - n:], h_start=h_start):
            return rnn_forward(tail, h_start, params)[0][0, -1]

        J = np.stack([numerical_gradient(h_T, h_start, e)[0] for e in np.eye(3)])
        # each of J's 9 entries errs by at most the bound, so its 2-norm by at
        # most 3 bounds (the error's Frobenius norm); norms[6] is about 1e-4,
        # so a relative tolerance of 1e-7 asked for digits round-off destroys
        bound = max(fd_error_bound(h_T(), e) for e in np.eye(3))
        assert abs(norms[n] - np.linalg.norm(J, 2)) <= 3 * bound
    assert norms[0] == pytest.approx(1.0)


def test_state_jacobian_norms_follow_the_radius_when_tanh_is_linear():
    params = init_rnn_params(2, 5, 1, np.random.default_rng(0), radius=0.8)
    x = 1e-9 * np.random.default_rng(1).normal(size=(1, 10, 2))
    h, _ = rnn_forward(x, np.zeros((1, 5)), params)
    np.testing.assert_allclose(state_jacobian_norms(h[0], params["W_h"]), 0.8 ** np.arange(11),
                               rtol=1e-9)


def test_model_gradients_with_a_padding_mask_match_finite_differences():
    rng = np.random.default_rng(3)
    params = init_rnn_params(3, 4, 5, rng)
    x = rng.normal(size=(2, 6, 3))
    targets = rng.integers(0, 5, size=(2, 6))
    mask = np.array([[True] * 6, [True] * 3 + [False] * 3])
    for k in (None, 2):
        loss, grads = rnn_models.loss_and_grads(params, x, targets, mask, truncate=k)
        if k is None:
            f = lambda: sequence_cross_entropy(  # noqa: E731
                rnn_models.logits_forward(params, x)[0], targets, mask)[0]
            for key, p in params.items():
                assert_grad_within(key, numerical_gradient(f, p), grads[key],
                                   fd_error_bound(loss))
        else:  # the output layer sees no recurrence: its gradient is not truncated
            full = rnn_models.loss_and_grads(params, x, targets, mask)[1]
            np.testing.assert_allclose(grads["W_y"], full["W_y"])


def test_one_to_one_rnn_is_chapter_ones_mlp():
    rng = np.random.default_rng(4)
    params = init_rnn_params(3, 4, 2, rng)
    params["b_x"] = rng.normal(size=4)
    x = rng.normal(size=(5, 1, 3))
    logits, _ = rnn_models.logits_forward(params, x)
    np.testing.assert_allclose(logits[:, 0], rnn_models.as_mlp(params).predict(x[:, 0]))


def test_melody_generator_plays_every_tune_from_its_name():
    result = rnn_models.melody_example()
    assert result["accuracy"] == 1.0
    for tune, notes in tasks.MELODIES.items():
        assert rnn_models.play(result["params"], tune, np.random.default_rng(0)) == notes


def test_many_to_one_and_many_to_many_examples_generalise():
    assert rnn_models.classifier_example()["test_accuracy"] > 0.97
    assert rnn_models.tagger_example()["test_accuracy"] > 0.97


def test_read_words_skips_unknown_words_and_returns_probabilities():
    params = init_rnn_params(len(tasks.ENTITY_VOCAB), 4, 3, np.random.default_rng(0))
    words, probs, unknown = rnn_models.read_words(params, "We met Bob in Paris", tasks.ENTITY_VOCAB)
    assert words == ["we", "met", "in", "paris"] and unknown == ["bob"]
    assert probs.shape == (4, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1)
    assert rnn_models.read_words(params, "bob", tasks.ENTITY_VOCAB)[1].shape == (0, 3)


def test_the_gradient_check_rejects_a_backward_that_drops_the_oldest_step():
    # truncate=T-1 is full BPTT without one path, the longest: from the last
    # loss back to the first step. A backward missing it must fail
    rng, params, x, h0 = _setup(*SHAPES[2])
    h, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=h.shape)
    _, _, grads = rnn_backward(dh, cache, truncate=x.shape[1] - 1)
    num = numerical_gradient(lambda: rnn_forward(x, h0, params)[0], params["W_h"], dh)
    with pytest.raises(AssertionError, match="W_h: error"):
        assert_grad_within("W_h", num, grads["W_h"], fd_error_bound(h, dh))


@pytest.mark.parametrize("N,T", [(0, 3), (2, 0), (0, 0)])
@pytest.mark.parametrize("truncate", [None, 2])
def test_an_empty_batch_or_no_steps_gives_empty_states_and_zero_gradients(N, T, truncate):
    _, params, x, h0 = _setup(N, T, 3, 4)
    h, cache = rnn_forward(x, h0, params)
    dx, dh0, grads = rnn_backward(np.ones(h.shape), cache, truncate)
    assert h.shape == (N, T, 4) and dx.shape == x.shape
    np.testing.assert_array_equal(dh0, np.zeros((N, 4)))
    assert {k: g.shape for k, g in grads.items()} == {k: params[k].shape
                                                     for k in ("W_x", "W_h", "b_x")}
    assert not any(g.any() for g in grads.values())
