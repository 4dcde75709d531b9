"""Sequence to sequence with attention: the decoder looks back at every encoder state.

``seq2seq.Seq2Seq`` squeezes the source into one vector c. Here the decoder
keeps c as its initial state, h^dec_0 = c, and at every step also reads a
context, an attention-weighted average of all the encoder's states
h^enc_1..h^enc_T (padding masked out), with its previous state as the query:

    ctx_t   = attention(h^dec_{t-1}, keys = values = h^enc_1..h^enc_T)
    h^dec_t = GRU([one-hot y_{t-1}, ctx_t], h^dec_{t-1})
    p_t     = softmax(W_y h^dec_t + b_y)

The attention is additive (Bahdanau; weights ``att_W_q``, ``att_W_k``,
``att_b``, ``att_v`` from ``dlnotes.attention``) or scaled dot product (no
weights). The decoder GRU's input is V + H wide. Everything else, the
encoder, the masked loss, training, greedy decoding and its scores, is that
of ``seq2seq.Seq2Seq``, which this class extends: ``seq2seq.train``,
``evaluate``, ``token_accuracy`` and ``rest_after_prefix`` take either model.

Teacher forcing no longer runs the decoder in one call: its input at step t
needs ctx_t, which needs h^dec_{t-1}. Forward and backward loop over the
decoder's steps; back-propagation through time passes through the attention
into both the previous decoder state (the query) and every encoder state
(keys and values).
"""

import numpy as np

from ._checks import check_int, check_keys, check_rng, check_shape
from .attention import (
    ADDITIVE_KEYS,
    additive_attention_backward,
    additive_attention_forward,
    additive_attention_init,
    additive_attention_param_count,
    dot_product_attention_backward,
    dot_product_attention_forward,
)
from .dense import dense_backward, dense_forward
from .gru import (
    gru_backward,
    gru_forward,
    gru_init,
    gru_param_count,
    gru_step_backward,
    gru_step_forward,
)
from .losses import softmax
from .seq2seq import GRU_KEYS, Seq2Seq, _check_tokens
from .tasks import one_hot
from .translate_task import BOS

ATT_KEYS = tuple(f"att_{k}" for k in ADDITIVE_KEYS)
SCORES = ("additive", "dot")


class Seq2SeqAttention(Seq2Seq):
    """Encoder-decoder with attention over the encoder's states.

    Parameters
    ----------
    params : dict
        ``enc_W_u, enc_W_r, enc_W_c`` (H, V + H), ``enc_b_*`` (H,): the
        encoder GRU; ``dec_W_u, dec_W_r, dec_W_c`` (H, V + 2H), ``dec_b_*``
        (H,): the decoder GRU on [one-hot y_{t-1}, ctx_t]; ``W_y`` (V, H),
        ``b_y`` (V,): the output layer; for additive attention also
        ``att_W_q``, ``att_W_k`` (A, H), ``att_b``, ``att_v`` (A,). Without
        the ``att_*`` keys the attention is scaled dot product.
    """

    def __init__(self, params):
        check_keys("params", params, ())
        self.score = "additive" if any(k.startswith("att_") for k in params) else "dot"
        expected = {f"{p}_{k}" for p in ("enc", "dec") for k in GRU_KEYS} | {"W_y", "b_y"}
        expected |= set(ATT_KEYS) if self.score == "additive" else set()
        if set(params) != expected:
            raise ValueError(f"params must have keys {sorted(expected)}, got {sorted(params)}")
        W_y = check_shape("params['W_y']", params["W_y"], ("V", "H"))
        V, H = W_y.shape
        check_shape("params['b_y']", params["b_y"], (V,))
        for p, D in (("enc", V), ("dec", V + H)):
            for k in ("W_u", "W_r", "W_c"):
                check_shape(f"params['{p}_{k}']", params[f"{p}_{k}"], (H, D + H))
            for k in ("b_u", "b_r", "b_c"):
                check_shape(f"params['{p}_{k}']", params[f"{p}_{k}"], (H,))
        if self.score == "additive":
            A = check_shape("params['att_W_q']", params["att_W_q"], ("A", H)).shape[0]
            check_shape("params['att_W_k']", params["att_W_k"], (A, H))
            check_shape("params['att_b']", params["att_b"], (A,))
            check_shape("params['att_v']", params["att_v"], (A,))
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

    @classmethod
    def init(cls, V, H, rng, score="additive", A=None):
        """Random weights: ``gru_init`` for both GRUs, uniform in
        [-1/sqrt(H), 1/sqrt(H)] for W_y, ``additive_attention_init`` for the
        attention (A hidden units, H if None); biases zero.

        Returns a ``Seq2SeqAttention`` for vocabulary size V, hidden size H
        and ``score`` "additive" or "dot".
        """
        check_int("V", V, 3)
        check_int("H", H, 1)
        rng = check_rng("rng", rng)
        if score not in SCORES:
            raise ValueError(f"score must be one of {list(SCORES)}, got {score!r}")
        A = H if A is None else check_int("A", A, 1)
        s = 1 / np.sqrt(H)
        params = {"W_y": rng.uniform(-s, s, (V, H)), "b_y": np.zeros(V)}
        params.update({f"enc_{k}": v for k, v in gru_init(V, H, rng).items()})
        params.update({f"dec_{k}": v for k, v in gru_init(V + H, H, rng).items()})
        if score == "additive":
            params.update({f"att_{k}": v for k, v in additive_attention_init(H, H, A, rng).items()})
        return cls(params)

    @property
    def A(self):
        """Hidden size of additive attention (0 for dot product)."""
        return self.params["att_v"].shape[0] if self.score == "additive" else 0

    def param_count(self):
        """Number of trainable numbers: the encoder GRU (input V), the decoder
        GRU (input V + H), the output layer and the attention's A (2H + 2)."""
        V, H = self.V, self.H
        att = additive_attention_param_count(H, H, self.A) if self.A else 0
        return gru_param_count(V, H) + gru_param_count(V + H, H) + V * (H + 1) + att

    def _encode(self, src, src_len, params):
        """As ``Seq2Seq._encode``; the cache also keeps every encoder state."""
        n = src.shape[0]
        hs, cache = gru_forward(one_hot(src, self.V), np.zeros((n, self.H)),
                                self._gru(params, "enc"))
        last = src_len - 1
        return hs[np.arange(n), last], (cache, last, hs)

    def _attend(self, h, hs, mask, params):
        """ctx (N, H), weights (N, T) and the cache of one query h (N, H)."""
        if self.score == "additive":
            att = {k: params[f"att_{k}"] for k in ADDITIVE_KEYS}
            ctx, a, cache = additive_attention_forward(h[:, None], hs, hs, att, mask)
        else:
            ctx, a, cache = dot_product_attention_forward(h[:, None], hs, hs, mask)
        return ctx[:, 0], a[:, 0], cache

    def _step(self, x_tok, h, hs, mask, params):
        """One decoder step from one-hot inputs x_tok (N, V) and state h (N, H):
        returns h_t (N, H), the weights (N, T) and the step's caches."""
        ctx, a, att_cache = self._attend(h, hs, mask, params)
        h, gru_cache = gru_step_forward(np.concatenate([x_tok, ctx], axis=1), h,
                                        self._gru(params, "dec"))
        return h, a, (gru_cache, att_cache)

    def forward(self, src, src_len, y_in, params=None):
        """Teacher-forced pass: logits for every decoder step.

        Parameters
        ----------
        src : int array (N, T), src_len : int array (N,), as in ``encode``
        y_in : int array (N, T'), decoder inputs ``<bos> y_1 .. y_{T'-1}``
        params : dict, optional, weights to use instead of ``self.params``

        Returns
        -------
        logits : ndarray (N, T', V)
        cache : for ``backward``; ``attention_weights(cache)`` gives the
            weights (N, T', T)
        """
        params = self._weights(params)
        src, src_len = self._check_source(src, src_len)
        y_in = _check_tokens("y_in", y_in, self.V)
        if y_in.shape[0] != src.shape[0]:
            raise ValueError(f"y_in must have {src.shape[0]} rows like src, got {y_in.shape}")
        c, enc_cache = self._encode(src, src_len, params)
        hs = enc_cache[2]
        n, t = y_in.shape
        mask = np.arange(src.shape[1]) < src_len[:, None]
        x = one_hot(y_in, self.V)
        h_dec = np.empty((n, t, self.H))
        weights = np.empty((n, t, src.shape[1]))
        h, steps = c, []
        for s in range(t):
            h, weights[:, s], step = self._step(x[:, s], h, hs, mask, params)
            h_dec[:, s] = h
            steps.append(step)
        z, dense_cache = dense_forward(h_dec.reshape(n * t, self.H), params["W_y"],
                                       params["b_y"])
        return z.reshape(n, t, self.V), (enc_cache, steps, dense_cache, weights, params)

    def backward(self, dlogits, cache):
        """Gradients of every parameter from dL/dlogits (N, T', V).

        Returns a dict with the keys of ``params``. Back through time, each
        decoder step sends gradient to its previous state twice (through
        the GRU and as the attention's query) and to every encoder state
        (as keys and values); the encoder's last real state also gets the
        gradient of h^dec_0 = c.
        """
        enc_cache, steps, dense_cache, weights, params = cache
        enc_gru_cache, last, hs = enc_cache
        n, t = weights.shape[:2]
        V, H = self.V, self.H
        dlogits = check_shape("dlogits", dlogits, (n, t, V))
        dh_out, dW_y, db_y = dense_backward(dlogits.reshape(n * t, V), dense_cache)
        dh_out = dh_out.reshape(n, t, H)
        grads = {k: np.zeros_like(v) for k, v in params.items()}
        grads["W_y"], grads["b_y"] = dW_y, db_y
        dhs, dh = np.zeros_like(hs), np.zeros((n, H))
        for s in reversed(range(t)):
            gru_cache, att_cache = steps[s]
            dx, dh, g = gru_step_backward(dh_out[:, s] + dh, gru_cache)
            for k, v in g.items():
                grads[f"dec_{k}"] += v
            dctx = dx[:, None, V:]  # the context's part of the GRU input
            if self.score == "additive":
                dq, dK, dVal, ga = additive_attention_backward(dctx, att_cache)
                for k, v in ga.items():
                    grads[f"att_{k}"] += v
            else:
                dq, dK, dVal = dot_product_attention_backward(dctx, att_cache)
            dh = dh + dq[:, 0]
            dhs += dK + dVal
        dhs[np.arange(n), last] += dh  # h^dec_0 = c
        _, _, enc_grads = gru_backward(dhs, enc_gru_cache)
        grads.update({f"enc_{k}": g for k, g in enc_grads.items()})
        return grads

    def greedy_decode(self, src, src_len, max_len, params=None, forced=None):
        """Decode step by step, feeding back the most likely token.

        As ``Seq2Seq.greedy_decode``: returns tokens (N, max_len) and probs
        (N, max_len, V). ``decode_with_weights`` also returns the attention.
        """
        return self.decode_with_weights(src, src_len, max_len, params, forced)[:2]

    def decode_with_weights(self, src, src_len, max_len, params=None, forced=None):
        """Greedy decoding that also returns where the decoder looked.

        Parameters
        ----------
        src : int array (N, T), src_len : int array (N,)
        max_len : int, number of decoder steps (rows are not cut at ``<eos>``)
        forced : int array (N, K), optional, as in ``Seq2Seq.greedy_decode``

        Returns
        -------
        tokens : int array (N, max_len)
        probs : ndarray (N, max_len, V)
        weights : ndarray (N, max_len, T), the attention weights of each
            step over the source positions, 0 on padding, rows summing to 1
        """
        params = self._weights(params, finite=True)
        src, src_len = self._check_source(src, src_len)
        check_int("max_len", max_len, 1)
        c, (_, _, hs) = self._encode(src, src_len, params)
        n = c.shape[0]
        if forced is not None:
            forced = _check_tokens("forced", forced, self.V)
            if forced.shape[0] != n:
                raise ValueError(f"forced must have {n} rows like src, got {forced.shape}")
        mask = np.arange(src.shape[1]) < src_len[:, None]
        tokens = np.zeros((n, max_len), dtype=int)
        probs = np.zeros((n, max_len, self.V))
        weights = np.zeros((n, max_len, src.shape[1]))
        prev, h = np.full(n, BOS), c
        for t in range(max_len):
            h, weights[:, t], _ = self._step(one_hot(prev[:, None], self.V)[:, 0], h, hs, mask,
                                             params)
            probs[:, t] = softmax(dense_forward(h, params["W_y"], params["b_y"])[0])
            tokens[:, t] = probs[:, t].argmax(axis=1)
            prev = forced[:, t] if forced is not None and t < forced.shape[1] else tokens[:, t]
        return tokens, probs, weights

    def decoder_step(self, src, src_len, params=None):
        """The ``step`` and ``state0`` of ``beam.beam_search`` for one source.

        Parameters
        ----------
        src : int array (1, T), src_len : int array (1,)
        params : dict, optional, weights to use instead of ``self.params``

        Returns
        -------
        step : callable (tokens (B,), (h (B, H), hs (B, T, H), mask (B, T)))
            -> (log_probs (B, V), new states), one decoder step
        state0 : (c (1, H), hs (1, T, H), mask (1, T)): the context, the
            encoder's states and which of them are real
        bos : int, the ``<bos>`` token
        """
        params = self._weights(params, finite=True)
        src, src_len = self._check_source(src, src_len)
        if src.shape[0] != 1:
            raise ValueError(f"src must have shape (1, T), one source, got {src.shape}")
        c, (_, _, hs) = self._encode(src, src_len, params)
        mask = np.arange(src.shape[1]) < src_len[:, None]

        def step(tokens, states):
            h, hs, mask = states
            h, _, _ = self._step(one_hot(np.asarray(tokens)[:, None], self.V)[:, 0], h, hs,
                                 mask, params)
            z = dense_forward(h, params["W_y"], params["b_y"])[0]
            z = z - z.max(axis=1, keepdims=True)
            return z - np.log(np.exp(z).sum(axis=1, keepdims=True)), (h, hs, mask)

        return step, (c, hs, mask), BOS


def attention_weights(cache):
    """The attention weights of a teacher-forced pass.

    Parameters
    ----------
    cache : from ``Seq2SeqAttention.forward``

    Returns
    -------
    weights : ndarray (N, T', T), for decoder step t the weights over the
        source positions (0 on padding), a new array
    """
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise TypeError("cache must be the cache of Seq2SeqAttention.forward")
    return cache[3].copy()


def matched_plain_hidden(model):
    """The hidden size H' of the plain ``seq2seq.Seq2Seq`` whose parameter
    count is closest to ``model``'s: the attention-free baseline at the same
    parameter budget (ties go to the smaller H').

    Parameters
    ----------
    model : Seq2SeqAttention

    Returns
    -------
    H_plain : int >= 1
    count : int, that Seq2Seq's parameter count, to state beside the model's
    """
    if not isinstance(model, Seq2SeqAttention):
        raise TypeError(f"model must be a Seq2SeqAttention, got {type(model).__name__}")
    V, target = model.V, model.param_count()
    count = lambda h: 2 * gru_param_count(V, h) + V * (h + 1)  # noqa: E731, Seq2Seq's
    h = 1
    while count(h + 1) <= target:  # count grows with h: the last one not above target
        h += 1
    best = min((h, h + 1), key=lambda k: (abs(count(k) - target), k))
    return best, count(best)


def train_seeds(V, H, sources, seeds, score="additive", A=None, **kwargs):
    """``seq2seq.train_seeds`` for the attention model: one model per seed.

    Seed s draws, with ``np.random.default_rng(s)``, the initial weights
    (``Seq2SeqAttention.init(V, H, rng, score, A)``) and then the
    mini-batches; the recipe (``**kwargs``) is ``seq2seq.train``'s.

    Returns
    -------
    models : list of S Seq2SeqAttention, trained
    histories : list of S lists of float (``steps + 1`` each)
    """
    from . import seq2seq
    from .translate_task import batch as task_batch

    if not isinstance(seeds, list | tuple | range):
        raise TypeError(f"seeds must be a list of ints, got {type(seeds).__name__}")
    for i, seed in enumerate(seeds):
        check_int(f"seeds[{i}]", seed, 0)
    check_int("V", V, 3)
    check_int("H", H, 1)
    if score not in SCORES:
        raise ValueError(f"score must be one of {list(SCORES)}, got {score!r}")
    data = sources if isinstance(sources, dict) else task_batch(sources)
    models, histories = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        params, history = seq2seq.train(Seq2SeqAttention.init(V, H, rng, score, A), data, rng,
                                        **kwargs)
        models.append(Seq2SeqAttention(params))
        histories.append(history)
    return models, histories
