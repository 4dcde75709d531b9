import numpy as np
import pytest

from dlnotes import charlm as lm
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient

V = len(lm.vocabulary())


def _model(cell, N, T, H, seed=0):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=0.5, size=v.shape)
              for k, v in lm.init(cell, V, H, rng).items()}
    ids = rng.integers(0, V, size=(N, T))
    state = tuple(rng.normal(size=s.shape) for s in lm.initial_state(cell, N, H))
    return rng, params, ids, state


@pytest.mark.parametrize("cell", lm.CELLS)
@pytest.mark.parametrize("shape", [(1, 1, 2), (3, 4, 5), (2, 6, 3)])  # N, T, H
def test_backward_matches_finite_differences_from_a_carried_state(cell, shape):
    rng, params, ids, state = _model(cell, *shape, seed=1)
    logits, _, cache = lm.forward(cell, params, ids, state)
    dlogits = rng.normal(size=logits.shape)
    grads = lm.backward(dlogits, cache)
    assert set(grads) == set(params)
    f = lambda: lm.forward(cell, params, ids, state)[0]  # noqa: E731
    bound = fd_error_bound(logits, dlogits)
    for k, p in params.items():
        assert_grad_within(k, numerical_gradient(f, p, dlogits), grads[k], bound)


@pytest.mark.parametrize("cell", lm.CELLS)
def test_a_carried_state_continues_the_stream_exactly(cell):
    _, params, ids, _ = _model(cell, 2, 7, 4, seed=2)
    zero = lm.initial_state(cell, 2, 4)
    whole, end, _ = lm.forward(cell, params, ids, zero)
    first, mid, _ = lm.forward(cell, params, ids[:, :3], zero)
    second, end2, _ = lm.forward(cell, params, ids[:, 3:], mid)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, atol=1e-12)
    for a, b in zip(end, end2):
        np.testing.assert_allclose(a, b, atol=1e-12)
    # without the carried state the second chunk reads differently
    assert not np.allclose(lm.forward(cell, params, ids[:, 3:], zero)[0], second)


def test_loss_and_grads_is_the_mean_cross_entropy_of_the_next_symbol():
    _, params, ids, state = _model("gru", 2, 5, 3, seed=3)
    targets = np.roll(ids, -1, axis=1)
    loss, grads, _ = lm.loss_and_grads("gru", params, ids, targets, state)
    logits = lm.forward("gru", params, ids, state)[0]
    log_p = logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))
    expected = -np.take_along_axis(log_p, targets[..., None], axis=2).mean()
    assert loss == pytest.approx(expected, rel=1e-12)


def test_stream_batches_cut_lanes_that_continue_from_chunk_to_chunk():
    ids = np.arange(103) % V
    x, y = lm.stream_batches(ids, lanes=3, T=5)
    assert x.shape == y.shape == (6, 3, 5)  # 34 symbols a lane: 6 chunks of 5
    np.testing.assert_array_equal(y, (x + 1) % V)  # the next symbol
    for b in range(3):
        lane = x[:, b].ravel()
        np.testing.assert_array_equal(lane, np.arange(b * 34, b * 34 + 30) % V)
    with pytest.raises(ValueError, match="no chunk"):
        lm.stream_batches(np.arange(10), lanes=3, T=5)


def test_ngram_baselines_on_texts_whose_answer_is_known():
    rng = np.random.default_rng(0)
    uniform = rng.integers(0, 4, size=200_000)
    train, val = lm.split(uniform, 0.5)
    assert lm.ngram_perplexity(train, val, 4, 1) == pytest.approx(4, rel=1e-2)
    assert lm.ngram_perplexity(train, val, 4, 2) == pytest.approx(4, rel=1e-2)
    cycle = np.tile([0, 1, 2], 1000)  # each symbol fixes the next: a bigram knows it all
    train, val = lm.split(cycle, 0.2)
    assert lm.ngram_perplexity(train, val, 3, 1) == pytest.approx(3, rel=1e-2)
    assert lm.ngram_perplexity(train, val, 3, 2, k=1e-6) == pytest.approx(1, abs=1e-6)


def test_split_keeps_the_two_pieces_apart_and_in_order():
    train, val = lm.split(np.arange(100) % V, 0.1)
    np.testing.assert_array_equal(np.concatenate([train, val]), np.arange(100) % V)
    assert len(val) == 10


def test_numpy_text_is_in_the_vocabulary_and_round_trips():
    text = lm.numpy_text(20_000)
    assert len(text) == 20_000 and set(text) <= set(lm.vocabulary())
    assert "  " not in text and text == text.lower()
    assert lm.decode(lm.encode(text)) == text
    assert lm.numpy_text(500) == text[:500]  # the same text every call
    assert lm.decode(lm.encode("Ä b")) == lm.UNKNOWN + " b"


@pytest.mark.parametrize("cell", lm.CELLS)
def test_temperature_zero_samples_the_most_likely_symbol(cell):
    _, params, _, _ = _model(cell, 1, 1, 6, seed=4)
    out = lm.sample(cell, params, "the ", 8, np.random.default_rng(0), temperature=0)
    greedy, state = "", lm.initial_state(cell, 1, 6)
    logits, state, _ = lm.forward(cell, params, lm.encode("the ")[None], state)
    for _ in range(8):
        s = int(np.argmax(logits[0, -1]))
        greedy += lm.vocabulary()[s]
        logits, state, _ = lm.forward(cell, params, np.array([[s]]), state)
    assert out == greedy and len(out) == 8
    warm = lm.sample(cell, params, "the ", 200, np.random.default_rng(1), temperature=1.0)
    assert len(set(warm)) > len(set(out))  # sampling spreads over more symbols


@pytest.mark.parametrize("cell", lm.CELLS)
def test_training_on_a_repeated_sentence_beats_the_bigram_baseline(cell):
    text = "the cat sat on the mat and the dog sat on the log. " * 60
    train, val = lm.split(lm.encode(text), 0.25)
    run = lm.train(cell, train, 24, np.random.default_rng(0), lanes=4, T=16, epochs=12,
                   lr=0.02)
    assert run["loss"][-10:].mean() < 0.5 * run["loss"][:5].mean()
    bigram = lm.ngram_perplexity(train, val, V, 2)
    assert lm.perplexity(cell, run["params"], val, lanes=2, T=16) < bigram
    assert np.all(run["grad_norm"] > 0) and len(run["grad_norm"]) == len(run["loss"])


def test_clipping_bounds_every_step_and_carry_false_restarts_each_chunk():
    train = lm.encode(lm.numpy_text(3000))
    rng = np.random.default_rng
    a = lm.train("rnn", train, 8, rng(0), lanes=4, T=8, lr=0.01, clip=1e-3)
    b = lm.train("rnn", train, 8, rng(0), lanes=4, T=8, lr=0.01, clip=None)
    assert a["grad_norm"][0] == b["grad_norm"][0]  # the same first gradient
    assert not np.array_equal(a["params"]["W_h"], b["params"]["W_h"])
    c = lm.train("rnn", train, 8, rng(0), lanes=4, T=8, lr=0.01, carry=False)
    assert c["loss"][0] == b["loss"][0] and c["loss"][1] != b["loss"][1]


def test_bad_input_names_the_argument():
    _, params, ids, state = _model("lstm", 2, 3, 4)
    with pytest.raises(ValueError, match="cell"):
        lm.forward("transformer", params, ids, state)
    with pytest.raises(TypeError, match="state"):
        lm.forward("lstm", params, ids, state[:1])
    with pytest.raises(ValueError, match=r"state\[1\]"):
        lm.forward("lstm", params, ids, (state[0], state[1][:1]))
    with pytest.raises(ValueError, match="ids"):
        lm.forward("lstm", params, ids[0], state)
    with pytest.raises(ValueError, match=r"ids must hold symbol indices in \[0, V\) with V = 59"):
        lm.forward("lstm", params, ids + V, state)
    with pytest.raises(ValueError, match="prompt"):
        lm.sample("lstm", params, "", 3, np.random.default_rng(0))
