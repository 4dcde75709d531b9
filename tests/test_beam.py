import numpy as np
import pytest

from dlnotes import translate_task as tt
from dlnotes.beam import Hypothesis, beam_search, exhaustive_search, seq2seq_decoder
from dlnotes.seq2seq import Seq2Seq

EOS = 0  # the toy decoders' end token


def table_step(table, V):
    """A decoder given by a table: prefix (tuple of tokens) -> p(next token).

    The state of a hypothesis is its prefix, an int array (B, t); prefixes not
    in the table get the uniform distribution."""

    def step(tokens, prefixes):
        prefixes = np.concatenate([prefixes, tokens[:, None]], axis=1)
        p = np.array([table.get(tuple(row[1:].tolist()), np.full(V, 1 / V))
                      for row in prefixes])
        with np.errstate(divide="ignore"):  # p = 0 is log p = -inf, allowed
            return np.log(p), prefixes

    return step


def random_step(V, seed, concentration=0.5):
    """A random decoder: p(next | prefix) drawn from a Dirichlet seeded by the
    prefix, so every call for the same prefix gives the same distribution.
    The state is the prefix plus a float array, to exercise tuple states."""

    def step(tokens, states):
        prefixes, h = states
        prefixes = np.concatenate([prefixes, tokens[:, None]], axis=1)
        p = np.array([np.random.default_rng([seed, *row.tolist()]).dirichlet(
            np.full(V, concentration)) for row in prefixes])
        return np.log(p), (prefixes, h + 1.0)

    return step


def _start(bos=9):
    return (np.zeros((1, 0), dtype=int), np.zeros((1, 2)))


def greedy(step, state0, bos, eos, max_len):
    """Greedy decoding, the reference: feed back the arg-max until eos."""
    tokens, log_p, state, prev = [], 0.0, state0, np.array([bos])
    for _ in range(max_len):
        log_probs, state = step(prev, state)
        prev = np.array([int(np.argmax(log_probs[0]))])
        tokens.append(int(prev[0]))
        log_p += log_probs[0, prev[0]]
        if prev[0] == eos:
            break
    return tokens, log_p


# the constructed case: the best first token ("a", p = 0.5) does not start the
# best sequence ("b <eos>", p = 0.4 * 0.9 = 0.36 against "a <eos>", 0.5 * 0.36)
A, B = 1, 2
TRAP = {(): [0.1, 0.5, 0.4], (A,): [0.36, 0.34, 0.30], (B,): [0.9, 0.05, 0.05]}


def test_greedy_loses_where_a_beam_of_two_finds_the_exhaustive_optimum():
    step = table_step(TRAP, 3)
    state0 = np.zeros((1, 0), dtype=int)
    g_tokens, g_log_p = greedy(step, state0, 9, EOS, 4)
    assert g_tokens == [A, EOS]
    assert g_log_p == pytest.approx(np.log(0.5 * 0.36), rel=1e-14)
    exact = exhaustive_search(step, state0, 9, EOS, 4)
    assert len(exact) == 1 + 2 * (1 + 2 * (1 + 2 * (1 + 2)))  # ends in <eos> or is cut at 4
    assert exact[0].tokens.tolist() == [B, EOS]
    assert exact[0].log_prob == pytest.approx(np.log(0.36), rel=1e-14)
    assert beam_search(step, state0, 9, EOS, 1, 4)[0].tokens.tolist() == g_tokens
    for width in (2, 3):
        best = beam_search(step, state0, 9, EOS, width, 4)[0]
        assert best.tokens.tolist() == [B, EOS] and best.finished
        assert best.log_prob == exact[0].log_prob  # exactly: the same sums in the same order
        assert best.score == best.log_prob  # alpha = 0


def _tokens(hyps):
    return [h.tokens.tolist() for h in hyps]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("V,max_len", [(2, 5), (3, 4), (4, 3)])
def test_width_one_is_greedy_decoding(seed, V, max_len):
    step, state0 = random_step(V, seed), _start()
    tokens, log_p = greedy(step, state0, 7, EOS, max_len)
    (best,) = beam_search(step, state0, 7, EOS, 1, max_len)
    assert best.tokens.tolist() == tokens
    assert best.log_prob == log_p
    assert best.finished == (tokens[-1] == EOS)


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("V,max_len", [(2, 5), (3, 4), (4, 3)])
def test_a_wide_enough_beam_is_exhaustive_search(seed, V, max_len, alpha):
    step, state0 = random_step(V, seed), _start()
    exact = exhaustive_search(step, state0, 7, EOS, max_len, alpha)
    wide = beam_search(step, state0, 7, EOS, V**max_len, max_len, alpha)
    assert _tokens(wide) == _tokens(exact)
    for w, e in zip(wide, exact):
        assert (w.log_prob, w.score, w.finished) == (e.log_prob, e.score, e.finished)
    # a narrow beam: each of its log-probabilities is the exact one of its
    # sequence, and its best is never better than the optimum
    by_tokens = {tuple(e.tokens.tolist()): e for e in exact}
    narrow = beam_search(step, state0, 7, EOS, 2, max_len, alpha)
    assert len(narrow) == 2
    assert narrow[0].score <= exact[0].score
    for h in narrow:
        assert h.log_prob == by_tokens[tuple(h.tokens.tolist())].log_prob
        assert h.score == pytest.approx(h.log_prob / len(h.tokens) ** alpha, rel=1e-15)


def test_exhaustive_probabilities_sum_to_one():
    for seed in range(3):
        exact = exhaustive_search(random_step(3, seed), _start(), 7, EOS, 4)
        assert len(exact) == sum(2**t for t in range(4)) + 2**4  # ended at t + 1, or cut
        np.testing.assert_allclose(sum(np.exp(h.log_prob) for h in exact), 1.0, rtol=1e-12)
        assert all(h.finished == (h.tokens[-1] == EOS) for h in exact)
        assert all(EOS not in h.tokens[:-1] for h in exact)


def test_length_normalisation_changes_the_winner():
    # "<eos>" at once: p = 0.4; "a a <eos>": p = 0.3 * 0.9 * 0.95 = 0.2565, less
    # in all, but 0.2565**(1/3) = 0.64 per token against 0.4
    table = {(): [0.4, 0.3, 0.3], (A,): [0.1, 0.9, 0.0], (A, A): [0.95, 0.05, 0.0]}
    step, state0 = table_step(table, 3), np.zeros((1, 0), dtype=int)
    for search in (lambda a: exhaustive_search(step, state0, 9, EOS, 4, a),
                   lambda a: beam_search(step, state0, 9, EOS, 3, 4, a)):
        raw, per_token = search(0.0)[0], search(1.0)[0]
        assert raw.tokens.tolist() == [EOS]
        assert raw.log_prob == pytest.approx(np.log(0.4), rel=1e-14)
        assert per_token.tokens.tolist() == [A, A, EOS]
        assert per_token.log_prob == pytest.approx(np.log(0.2565), rel=1e-14)
        assert per_token.score == pytest.approx(np.log(0.2565) / 3, rel=1e-14)


def test_max_len_stops_the_search_and_returns_the_unfinished():
    never_ends = table_step({}, 3)  # uniform: p(<eos>) = 1/3 at every step
    hyps = beam_search(lambda t, s: (never_ends(t, s)[0] + np.log([1e-3, 1, 1]),
                                     never_ends(t, s)[1]),
                       np.zeros((1, 0), dtype=int), 9, EOS, 3, 5)
    assert len(hyps) == 3
    assert all(len(h.tokens) == 5 and not h.finished and EOS not in h.tokens for h in hyps)
    assert isinstance(hyps[0], Hypothesis)


def test_the_beam_passes_each_hypothesis_its_own_state():
    seen = []

    def step(tokens, states):
        prefixes, h = states
        seen.append((tokens.copy(), prefixes.copy(), h.copy()))
        # the float state counts the hypothesis' steps and adds its tokens
        return random_step(3, 0)(tokens, (prefixes, h))[0], \
            (np.concatenate([prefixes, tokens[:, None]], axis=1), h + tokens[:, None] + 1)

    beam_search(step, _start(), 7, EOS, 3, 4)
    for tokens, prefixes, h in seen[1:]:
        assert len(tokens) == len(prefixes) == len(h) <= 3
        np.testing.assert_array_equal(h[:, 0], (prefixes[:, 1:] + 1).sum(axis=1) + 8)


def _model_and_sources(seed):
    """A random Seq2Seq with weights of order one, so the outputs vary and
    some end early."""
    rng = np.random.default_rng(seed)
    model = Seq2Seq.init(len(tt.VOCAB), 6, rng)
    model.params = {k: v + rng.normal(0, 1.0, v.shape) for k, v in model.params.items()}
    model.params["b_y"][tt.EOS] += 1.5
    return model, tt.random_strings(6, 1, 4, rng)


def test_width_one_on_a_seq2seq_is_its_greedy_decoder():
    ended, max_len = 0, 6
    for seed, i in ((seed, i) for seed in range(3) for i in range(6)):
        if i == 0:
            model, sources = _model_and_sources(seed)
            src, src_len = tt.encode(sources)
            tokens, probs = model.greedy_decode(src, src_len, max_len)
        step, state0, bos = seq2seq_decoder(model, src[i:i + 1], src_len[i:i + 1])
        (best,) = beam_search(step, state0, bos, tt.EOS, 1, max_len)
        k = len(best.tokens)
        np.testing.assert_array_equal(best.tokens, tokens[i, :k])
        assert best.finished == (tt.EOS in tokens[i]) and tt.EOS not in tokens[i, :k - 1]
        ended += best.finished
        log_p = np.log(probs[i, np.arange(k), tokens[i, :k]]).sum()
        assert best.log_prob == pytest.approx(log_p, rel=1e-12)
    assert 1 <= ended < 18  # the check covers the stop at <eos>, and max_len


def test_a_seq2seq_beam_is_exact_against_exhaustive_search():
    model, sources = _model_and_sources(3)
    src, src_len = tt.encode(sources[:2])
    for i in range(2):
        step, state0, bos = seq2seq_decoder(model, src[i:i + 1], src_len[i:i + 1])
        exact = exhaustive_search(step, state0, bos, tt.EOS, 3)
        assert len(exact) == 1 + 12 + 12**2 + 12**3  # <eos> after 0, 1, 2 of 12 others, or cut
        np.testing.assert_allclose(sum(np.exp(h.log_prob) for h in exact), 1.0, rtol=1e-12)
        wide = beam_search(step, state0, bos, tt.EOS, len(exact), 3)
        assert _tokens(wide) == _tokens(exact)
        assert [h.log_prob for h in wide] == pytest.approx([h.log_prob for h in exact],
                                                           rel=1e-12, abs=1e-12)
        for width in (1, 3, 10):
            best = beam_search(step, state0, bos, tt.EOS, width, 3)[0]
            assert best.log_prob <= exact[0].log_prob + 1e-12


def test_bad_input_names_the_argument():
    step, state0 = table_step(TRAP, 3), np.zeros((1, 0), dtype=int)
    with pytest.raises(ValueError, match="width must be >= 1, got 0"):
        beam_search(step, state0, 9, EOS, 0, 4)
    with pytest.raises(TypeError, match="width must be an int, got float"):
        beam_search(step, state0, 9, EOS, 2.0, 4)
    with pytest.raises(ValueError, match="max_len must be >= 1, got 0"):
        beam_search(step, state0, 9, EOS, 2, 0)
    with pytest.raises(ValueError, match="alpha must be >= 0, got -0.5"):
        beam_search(step, state0, 9, EOS, 2, 4, -0.5)
    with pytest.raises(TypeError, match="step must be callable"):
        beam_search(None, state0, 9, EOS, 2, 4)
    with pytest.raises(ValueError, match=r"eos must be a token id in \[0, V = 3\), got 3"):
        beam_search(step, state0, 9, 3, 2, 4)
    with pytest.raises(ValueError, match=r"state0 must have first axis 1 .*got shape \(2, 0\)"):
        beam_search(step, np.zeros((2, 0), dtype=int), 9, EOS, 2, 4)
    with pytest.raises(TypeError, match=r"state0\[1\] must be an ndarray"):
        beam_search(step, (state0, [1.0]), 9, EOS, 2, 4)
    with pytest.raises(ValueError, match="state0 contains NaN or inf"):
        beam_search(step, np.full((1, 2), np.nan), 9, EOS, 2, 4)
    with pytest.raises(ValueError, match=r"step's log_probs must have shape \(1, V\)"):
        beam_search(lambda t, s: (np.zeros((2, 3)), s), state0, 9, EOS, 2, 4)
    with pytest.raises(ValueError, match=r"log_probs must have shape \(1, 3\), got \(1, 4\)"):
        beam_search(lambda t, s: (np.log(np.full((len(t), 3 + len(s[0]), ), 0.2)),
                                  np.concatenate([s, t[:, None]], axis=1)),
                    state0, 9, EOS, 2, 4)
    with pytest.raises(ValueError, match="step returned NaN"):
        beam_search(lambda t, s: (np.full((len(t), 3), np.nan), s), state0, 9, EOS, 2, 4)
    with pytest.raises(TypeError, match=r"step must return \(log_probs, new_states\)"):
        beam_search(lambda t, s: np.zeros((1, 3)), state0, 9, EOS, 2, 4)
    with pytest.raises(ValueError, match=r"step's new_states must have first axis 2"):
        beam_search(lambda t, s: (np.tile(np.log([0.1, 0.45, 0.45]), (len(t), 1)), state0),
                    state0, 9, EOS, 2, 4)
    with pytest.raises(ValueError, match="more than limit = 100: shorten max_len"):
        exhaustive_search(table_step({}, 4), state0, 9, EOS, 6, limit=100)
    model, _ = _model_and_sources(0)
    src, src_len = tt.encode(["12", "3"])
    with pytest.raises(ValueError, match=r"src must have shape \(1, T\), one source"):
        seq2seq_decoder(model, src, src_len)
    with pytest.raises(TypeError, match="model must be a Seq2Seq"):
        seq2seq_decoder(None, src[:1], src_len[:1])
    with pytest.raises(ValueError, match="src_len must lie in"):
        seq2seq_decoder(model, src[:1], src_len[:1] + 5)
