import numpy as np
import pytest

from dlnotes import translate_task as tt
from dlnotes.clip import clip_by_norm
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.gru import gru_forward
from dlnotes.optim import Adam
from dlnotes.seq2seq import (
    Seq2Seq,
    evaluate,
    exact_match,
    rest_after_prefix,
    token_accuracy,
    train,
    train_seeds,
)
from dlnotes.seqloss import sequence_cross_entropy
from dlnotes.tasks import one_hot
from dlnotes.train import fit


def random_batch(rng, n, T, T_out, V):
    """Token ids with ragged lengths, padded on the right like translate_task's."""
    src_len = rng.integers(1, T + 1, n)
    src_len[0] = T
    y_len = rng.integers(1, T_out + 1, n)
    y_len[-1] = T_out
    src = np.where(np.arange(T) < src_len[:, None], rng.integers(3, V, (n, T)), tt.PAD)
    y_out = np.where(np.arange(T_out) < y_len[:, None], rng.integers(3, V, (n, T_out)), tt.PAD)
    y_out[np.arange(n), y_len - 1] = tt.EOS
    y_in = np.concatenate([np.full((n, 1), tt.BOS), y_out[:, :-1]], axis=1)
    y_in[y_in == tt.EOS] = tt.PAD
    return {"src": src, "src_len": src_len, "y_in": y_in, "y_out": y_out}


def masked_loss(model, b):
    logits = model.forward(b["src"], b["src_len"], b["y_in"])[0]
    return sequence_cross_entropy(logits, b["y_out"], b["y_out"] != tt.PAD)[0]


@pytest.mark.parametrize("n,T,T_out,V,H", [(3, 4, 5, 5, 3), (2, 2, 3, 7, 4), (1, 1, 1, 4, 2)])
def test_full_backward_matches_finite_differences(n, T, T_out, V, H):
    rng = np.random.default_rng(7)
    model = Seq2Seq.init(V, H, rng)
    # weights of order one and non-zero biases: gradients far from round-off size
    model.params = {k: v + rng.normal(0, 1.0, v.shape) for k, v in model.params.items()}
    b = random_batch(rng, n, T, T_out, V)
    loss, grads = model.loss_and_grads(b)
    bound = fd_error_bound(loss)
    assert set(grads) == set(model.params)
    for k, p in model.params.items():
        num = numerical_gradient(lambda: masked_loss(model, b), p)
        assert_grad_within(k, num, grads[k], bound)


def test_padding_changes_neither_the_loss_nor_the_gradients():
    rng = np.random.default_rng(8)
    model = Seq2Seq.init(6, 4, rng)
    b = random_batch(rng, 4, 3, 4, 6)
    loss, grads = model.loss_and_grads(b)
    wider = {
        "src": np.pad(b["src"], ((0, 0), (0, 3)), constant_values=tt.PAD),
        "src_len": b["src_len"],
        "y_in": np.pad(b["y_in"], ((0, 0), (0, 2)), constant_values=tt.PAD),
        "y_out": np.pad(b["y_out"], ((0, 0), (0, 2)), constant_values=tt.PAD),
    }
    # whatever sits after a source's last real token is never read
    wider["src"][:, 3:] = rng.integers(3, 6, (4, 3))
    loss2, grads2 = model.loss_and_grads(wider)
    assert loss2 == pytest.approx(loss, rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads2[k], grads[k], rtol=1e-10, atol=1e-14)


def test_the_context_is_the_encoder_state_after_the_last_real_token():
    rng = np.random.default_rng(9)
    model = Seq2Seq.init(13, 5, rng)
    src, src_len = tt.encode(["31415", "27", "1"])
    c, _ = model.encode(src, src_len)
    enc = {k[4:]: v for k, v in model.params.items() if k.startswith("enc_")}
    for i, s in enumerate(["31415", "27", "1"]):
        tokens, _ = tt.encode([s])
        h, _ = gru_forward(one_hot(tokens, 13), np.zeros((1, 5)), enc)
        np.testing.assert_allclose(c[i], h[0, -1], rtol=1e-12)


def test_greedy_decoding_fed_the_true_tokens_reproduces_teacher_forcing():
    rng = np.random.default_rng(10)
    model = Seq2Seq.init(13, 6, rng)
    b = tt.batch(["5031", "8", "662"])
    logits, _ = model.forward(b["src"], b["src_len"], b["y_in"])
    T_out = b["y_out"].shape[1]
    tokens, probs = model.greedy_decode(b["src"], b["src_len"], T_out,
                                        forced=b["y_in"][:, 1:])
    p = np.exp(logits - logits.max(2, keepdims=True))
    np.testing.assert_allclose(probs, p / p.sum(2, keepdims=True), rtol=1e-10)
    np.testing.assert_array_equal(tokens, logits.argmax(2))


def test_greedy_decoding_feeds_back_its_own_argmax():
    rng = np.random.default_rng(11)
    model = Seq2Seq.init(13, 6, rng)
    src, src_len = tt.encode(["123", "45"])
    tokens, probs = model.greedy_decode(src, src_len, 5)
    np.testing.assert_array_equal(tokens, probs.argmax(2))
    np.testing.assert_allclose(probs.sum(2), 1.0)
    # the same as teacher forcing on its own choices
    y_in = np.concatenate([np.full((2, 1), tt.BOS), tokens[:, :-1]], axis=1)
    logits, _ = model.forward(src, src_len, y_in)
    np.testing.assert_array_equal(logits.argmax(2), tokens)


def test_exact_match_scores_through_eos_and_ignores_what_follows():
    _, y_out = tt.teacher_forcing_pair(["12", "3"])
    d, E = tt.INDEX, tt.EOS
    tokens = np.array([[d["1"], d["2"], E, d["9"]],   # right, then junk after <eos>
                       [d["3"], d["3"], E, E]])        # one digit too many
    np.testing.assert_array_equal(exact_match(tokens, y_out), [True, False])
    np.testing.assert_array_equal(exact_match(tokens[:, :2], y_out), [False, False])


def test_a_small_model_learns_to_reverse_short_strings():
    rng = np.random.default_rng(0)
    strings, test = tt.split(2000, 200, 1, 3, rng)
    model = Seq2Seq.init(len(tt.VOCAB), 32, rng)
    start = {k: v.copy() for k, v in model.params.items()}
    params, history = train(model, strings, rng, steps=400, decay_at=300)
    assert len(history) == 401
    assert np.mean(history[-20:]) < 0.2 * history[0]
    for k in start:  # the model's own weights are the starting point, untouched
        np.testing.assert_array_equal(model.params[k], start[k])
    result = evaluate(model, test, params)
    assert result["correct"].mean() > 0.9
    assert result["predictions"][0] == test[0][::-1] or not result["correct"][0]
    # a wrong token fed to the decoder can only make the rest worse
    right = rest_after_prefix(model, [s for s in test if len(s) == 3], 1, params=params)
    wrong = rest_after_prefix(model, [s for s in test if len(s) == 3], 1,
                              np.random.default_rng(1), params=params)
    assert right.mean() >= wrong.mean()


def test_the_model_keeps_only_its_params_and_counts_them():
    rng = np.random.default_rng(12)
    model = Seq2Seq.init(13, 8, rng)
    b = tt.batch(["12", "345"])
    first = model.loss_and_grads(b)[0]
    for _ in range(3):
        model.greedy_decode(b["src"], b["src_len"], 4)
    assert model.loss_and_grads(b)[0] == first
    assert set(vars(model)) == {"params"}
    assert model.param_count() == sum(p.size for p in model.params.values())
    assert (model.V, model.H) == (13, 8)


def test_bad_inputs_are_named():
    rng = np.random.default_rng(13)
    model = Seq2Seq.init(13, 4, rng)
    src, src_len = tt.encode(["12", "345"])
    with pytest.raises(ValueError, match=r"src_len must lie in \[1, 3\], got range \[2, 4\]"):
        model.encode(src, np.array([2, 4]))
    with pytest.raises(ValueError, match=r"src_len must have shape \(2,\), got \(3,\)"):
        model.encode(src, np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"src must hold ids in \[0, 13\), got range"):
        model.encode(src + 20, src_len)
    with pytest.raises(TypeError, match="src must hold integer token ids"):
        model.encode(src.astype(float), src_len)
    with pytest.raises(ValueError, match=r"y_in must have 2 rows like src, got \(1, 3\)"):
        model.forward(src, src_len, np.ones((1, 3), dtype=int))
    with pytest.raises(ValueError, match=r"y_in must have 2 dimensions \(N, T\)"):
        model.forward(src, src_len, np.ones(3, dtype=int))
    with pytest.raises(ValueError, match=r"decay_at must lie in \[0, steps = 5\], got 6"):
        train(model, ["12"], rng, steps=5, decay_at=6)
    with pytest.raises(ValueError, match=r"k must lie in \[1, 2\], got 3"):
        rest_after_prefix(model, ["12", "345"], 3)
    params = dict(model.params)
    params["dec_W_c"] = np.zeros((4, 16))
    with pytest.raises(ValueError, match=r"params\['dec_W_c'\] must have shape \(4, 17\)"):
        Seq2Seq(params)
    del params["dec_W_c"]
    with pytest.raises(ValueError, match="params must have keys"):
        Seq2Seq(params)


def test_train_on_one_flat_vector_is_adam_on_the_dict_of_arrays():
    rng = np.random.default_rng(3)
    strings = tt.random_strings(50, 1, 4, rng)
    model = Seq2Seq.init(13, 5, rng)
    params, history = train(model, strings, np.random.default_rng(4), steps=6, decay_at=3,
                            batch_size=8)
    # a prebuilt batch dict is the same as the strings
    again, history2 = train(model, tt.batch(strings), np.random.default_rng(4), steps=6,
                            decay_at=3, batch_size=8)
    assert history2 == history
    # the reference: Adam and clipping over the dict of 14 arrays
    objective = model.objective(tt.batch(strings), 8, np.random.default_rng(4))
    opt = Adam(0.01)
    ref, first = fit(objective, model.params, opt, 3,
                     transform=lambda g: clip_by_norm(g, 1.0)[0])
    opt.lr = 0.001
    ref, second = fit(objective, ref, opt, 3, transform=lambda g: clip_by_norm(g, 1.0)[0])
    assert history == pytest.approx(first[:-1] + second, rel=1e-12)
    for k in ref:
        np.testing.assert_array_equal(again[k], params[k])
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-10, atol=1e-13)
        assert params[k].shape == model.params[k].shape and params[k].base is None


def test_train_seeds_trains_one_model_per_seed_as_train_would():
    strings = tt.random_strings(40, 1, 3, np.random.default_rng(5))
    models, histories = train_seeds(13, 4, strings, [7, 8], steps=3, decay_at=2)
    assert len(models) == len(histories) == 2
    assert all(len(h) == 4 and m.H == 4 and m.V == 13 for m, h in zip(models, histories))
    rng = np.random.default_rng(7)
    params, history = train(Seq2Seq.init(13, 4, rng), strings, rng, steps=3, decay_at=2)
    assert histories[0] == history
    for k in params:
        np.testing.assert_array_equal(models[0].params[k], params[k])
    assert histories[1] != histories[0]


def test_token_accuracy_scores_teacher_forcing_and_greedy_decoding():
    model = Seq2Seq.init(13, 6, np.random.default_rng(14))
    strings = ["123", "45", "6"]
    forced, own = token_accuracy(model, strings)
    b = tt.batch(strings)
    mask = b["y_out"] != tt.PAD
    logits, _ = model.forward(b["src"], b["src_len"], b["y_in"])
    tokens, _ = model.greedy_decode(b["src"], b["src_len"], b["y_out"].shape[1])
    assert forced == np.mean((logits.argmax(2) == b["y_out"])[mask])
    assert own == np.mean((tokens == b["y_out"])[mask])
    # a model that has the right answer fed to it can only gain: here the
    # first step, where both read <bos>, agrees
    np.testing.assert_array_equal(tokens[:, 0], logits.argmax(2)[:, 0])

