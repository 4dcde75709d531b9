"""Sequence to sequence: a GRU encoder, a GRU decoder, a softmax output layer.

The encoder reads the source x_1..x_T and keeps only its state after the
last real token, ``c = h^enc_{T_n}`` (T_n the length of example n). That one
vector starts the decoder, ``h^dec_0 = c``, which then runs on its own:

    h^dec_t = GRU(y_{t-1}, h^dec_{t-1}),    p_t = softmax(W_y h^dec_t + b_y),

with y_0 = ``<bos>``. In training y_{t-1} is the true previous token (teacher
forcing), so all steps run in one call; at inference it is the model's own
previous choice (greedy decoding), so the steps run one at a time. The output
length is not tied to the input's: decoding stops when the model emits
``<eos>``.

Tokens enter both GRUs as one-hot vectors, so the input columns of the GRU
weights act as the embedding table. The loss is the cross-entropy averaged
over real target tokens only: padded positions are masked out.
"""

import numpy as np

from ._checks import (
    check_examples,
    check_finite,
    check_int,
    check_ints,
    check_keys,
    check_like,
    check_number,
    check_rng,
    check_shape,
)
from .clip import clip_by_norm
from .dense import dense_backward, dense_forward
from .gru import gru_backward, gru_forward, gru_init, gru_param_count, gru_step_forward
from .losses import softmax
from .optim import Adam
from .seqloss import masked_accuracy, sequence_cross_entropy
from .tasks import one_hot
from .train import fit
from .translate_task import BOS, EOS, PAD, VOCAB, _check_batch, _subset, decode
from .translate_task import batch as task_batch

GRU_KEYS = ("W_u", "W_r", "W_c", "b_u", "b_r", "b_c")


def _check_tokens(name, tokens, V):
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"{name} must have 2 dimensions (N, T), got shape {tokens.shape}")
    if not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(f"{name} must hold integer token ids, got dtype {tokens.dtype}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= V):
        raise ValueError(
            f"{name} must hold ids in [0, {V}), got range [{tokens.min()}, {tokens.max()}]"
        )
    return tokens


class Seq2Seq:
    """Encoder-decoder over token ids, with GRU layers from ``dlnotes.gru``.

    Parameters
    ----------
    params : dict
        ``enc_W_u, enc_W_r, enc_W_c`` (H, V + H) and ``enc_b_u, enc_b_r,
        enc_b_c`` (H,): the encoder GRU on one-hot source tokens;
        ``dec_*`` the same for the decoder on one-hot target tokens;
        ``W_y`` (V, H), ``b_y`` (V,): the output layer. V is the vocabulary
        size (source and target share it), H the hidden size.
    """

    def __init__(self, params):
        expected = {f"{p}_{k}" for p in ("enc", "dec") for k in GRU_KEYS} | {"W_y", "b_y"}
        if set(check_keys("params", params, ())) != expected:
            raise ValueError(f"params must have keys {sorted(expected)}, got {sorted(params)}")
        W_y = check_shape("params['W_y']", params["W_y"], ("V", "H"))
        V, H = W_y.shape
        check_shape("params['b_y']", params["b_y"], (V,))
        for p in ("enc", "dec"):
            for k in ("W_u", "W_r", "W_c"):
                check_shape(f"params['{p}_{k}']", params[f"{p}_{k}"], (H, V + H))
            for k in ("b_u", "b_r", "b_c"):
                check_shape(f"params['{p}_{k}']", params[f"{p}_{k}"], (H,))
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

    @classmethod
    def init(cls, V, H, rng):
        """Random weights: ``gru_init`` for both GRUs, uniform in
        [-1/sqrt(H), 1/sqrt(H)] for W_y; biases zero.

        Returns a ``Seq2Seq`` for vocabulary size V and hidden size H.
        """
        check_int("V", V, 3)  # <pad>, <bos> and <eos> at least
        check_int("H", H, 1)
        rng = check_rng("rng", rng)
        s = 1 / np.sqrt(H)
        params = {"W_y": rng.uniform(-s, s, (V, H)), "b_y": np.zeros(V)}
        for p in ("enc", "dec"):
            params.update({f"{p}_{k}": v for k, v in gru_init(V, H, rng).items()})
        return cls(params)

    @property
    def V(self):
        """Vocabulary size."""
        return self.params["W_y"].shape[0]

    @property
    def H(self):
        """Hidden size of both GRUs."""
        return self.params["W_y"].shape[1]

    def param_count(self):
        """Number of trainable numbers: two GRUs and the output layer."""
        return 2 * gru_param_count(self.V, self.H) + self.V * (self.H + 1)

    @staticmethod
    def _gru(params, prefix):
        return {k: params[f"{prefix}_{k}"] for k in GRU_KEYS}

    def _weights(self, params, finite=False):
        """``params`` checked like the model's (the error names the key), or
        the model's own; ``finite`` where an arg-max would hide a NaN."""
        params = self.params if params is None else check_like(params, self.params, "Seq2Seq")
        if finite:
            for k, a in params.items():
                check_finite(f"params[{k!r}]", a)
        return params

    def _check_source(self, src, src_len):
        """src (N, T) ids in [0, V) and src_len (N,) ints in [1, T]."""
        src = _check_tokens("src", src, self.V)
        n, t = src.shape
        src_len = check_ints("src_len", src_len, (n,))
        if n and (src_len.min() < 1 or src_len.max() > t):
            raise ValueError(
                f"src_len must lie in [1, {t}], got range [{src_len.min()}, {src_len.max()}]"
            )
        return src, src_len

    def encode(self, src, src_len, params=None):
        """Run the encoder; return the context c = h^enc at each last real token.

        Parameters
        ----------
        src : int array (N, T), right-padded token ids
        src_len : int array (N,), real lengths, 1 <= src_len <= T

        Returns
        -------
        c : ndarray (N, H)
        cache : for the backward pass

        Weights given in ``params`` must be finite, the decoder's too: they
        do not reach c, so a NaN there would pass unseen.
        """
        src, src_len = self._check_source(src, src_len)
        return self._encode(src, src_len, self._weights(params, finite=params is not None))

    def _encode(self, src, src_len, params):
        """``encode`` on checked arguments."""
        n = src.shape[0]
        h, cache = gru_forward(one_hot(src, self.V), np.zeros((n, self.H)),
                               self._gru(params, "enc"))
        # Steps after an example's last token ran on padding; they are not read,
        # so they get no gradient either: that is the encoder side of the mask.
        last = src_len - 1
        return h[np.arange(n), last], (cache, last, h.shape)

    def forward(self, src, src_len, y_in, params=None):
        """Teacher-forced pass: logits for every decoder step at once.

        Parameters
        ----------
        src : int array (N, T), src_len : int array (N,), as in ``encode``
        y_in : int array (N, T'), decoder inputs ``<bos> y_1 .. y_{T'-1}``
        params : dict, optional, weights to use instead of ``self.params``

        Returns
        -------
        logits : ndarray (N, T', V), W_y h^dec_t + b_y
        cache : for ``backward``
        """
        params = self._weights(params)
        src, src_len = self._check_source(src, src_len)
        y_in = _check_tokens("y_in", y_in, self.V)
        if y_in.shape[0] != src.shape[0]:
            raise ValueError(f"y_in must have {src.shape[0]} rows like src, got {y_in.shape}")
        c, enc_cache = self._encode(src, src_len, params)
        h, dec_cache = gru_forward(one_hot(y_in, self.V), c, self._gru(params, "dec"))
        n, t, H = h.shape
        # One matrix product for the output layer at every step of every example.
        z, dense_cache = dense_forward(h.reshape(n * t, H), params["W_y"], params["b_y"])
        return z.reshape(n, t, self.V), (enc_cache, dec_cache, dense_cache)  # N T may be 0

    def backward(self, dlogits, cache):
        """Gradients of every parameter from dL/dlogits (N, T', V).

        Returns a dict with the keys of ``params``. The path runs output layer
        -> decoder GRU -> its initial state c -> the encoder GRU at each
        example's last real step.
        """
        enc_cache, dec_cache, dense_cache = cache
        (enc_gru_cache, last, enc_shape) = enc_cache
        n, t = dec_cache[0].shape[:2]  # the decoder's one-hot inputs (N, T', V)
        V, H = dense_cache[1].shape
        dlogits = check_shape("dlogits", dlogits, (n, t, V))
        dh, dW_y, db_y = dense_backward(dlogits.reshape(n * t, V), dense_cache)
        _, dc, dec_grads = gru_backward(dh.reshape(n, t, H), dec_cache)
        dh_enc = np.zeros(enc_shape)
        dh_enc[np.arange(n), last] = dc
        _, _, enc_grads = gru_backward(dh_enc, enc_gru_cache)
        grads = {"W_y": dW_y, "b_y": db_y}
        grads.update({f"enc_{k}": g for k, g in enc_grads.items()})
        grads.update({f"dec_{k}": g for k, g in dec_grads.items()})
        return grads

    def loss_and_grads(self, batch, params=None):
        """Masked cross-entropy and its gradients for one batch.

        ``batch`` is a dict with ``src``, ``src_len``, ``y_in``, ``y_out``
        (see ``translate_task.batch``). The loss is the mean over real target
        tokens; positions where ``y_out`` is ``<pad>`` are masked out of it
        and of its gradient. Returns (loss, grads).
        """
        batch = _check_batch("batch", batch, self.V)
        check_examples("batch", len(batch["src"]))
        logits, cache = self.forward(batch["src"], batch["src_len"], batch["y_in"], params)
        loss, dlogits = sequence_cross_entropy(logits, batch["y_out"], batch["y_out"] != PAD)
        return loss, self.backward(dlogits, cache)

    def greedy_decode(self, src, src_len, max_len, params=None, forced=None):
        """Decode step by step, feeding back the most likely token.

        Parameters
        ----------
        src : int array (N, T), src_len : int array (N,), as in ``encode``
        max_len : int, number of decoder steps (rows are not cut at ``<eos>``)
        forced : int array (N, K), optional; the first K inputs after
            ``<bos>`` are these tokens instead of the model's own choices,
            e.g. a true prefix with one error put in it

        Returns
        -------
        tokens : int array (N, max_len), argmax of p_t at each step
        probs : ndarray (N, max_len, V), p_t at each step
        """
        params = self._weights(params, finite=True)  # an arg-max hides a NaN
        src, src_len = self._check_source(src, src_len)
        check_int("max_len", max_len, 1)
        c, _ = self._encode(src, src_len, params)
        n = c.shape[0]
        if forced is not None:
            forced = _check_tokens("forced", forced, self.V)
            if forced.shape[0] != n:
                raise ValueError(f"forced must have {n} rows like src, got {forced.shape}")
        dec = self._gru(params, "dec")
        tokens = np.zeros((n, max_len), dtype=int)
        probs = np.zeros((n, max_len, self.V))
        prev, h = np.full(n, BOS), c
        for t in range(max_len):
            h, _ = gru_step_forward(one_hot(prev[:, None], self.V)[:, 0], h, dec)
            probs[:, t] = softmax(dense_forward(h, params["W_y"], params["b_y"])[0])
            tokens[:, t] = probs[:, t].argmax(axis=1)
            prev = forced[:, t] if forced is not None and t < forced.shape[1] else tokens[:, t]
        return tokens, probs

    def objective(self, data, batch_size, rng):
        """The function ``fit`` minimises: ``(params, step) -> (loss, grads)`` on a
        fresh random mini-batch of ``batch_size`` rows of ``data`` (a
        ``translate_task.batch`` dict) at every step. The data are checked
        here, once, not at every step."""
        data = _check_batch("data", data, self.V)
        n = len(data["src_len"])
        if n == 0:
            raise ValueError("data must hold at least one example, got none")
        check_int("batch_size", batch_size, 1)
        rng = check_rng("rng", rng)

        def loss_and_grads(params, step):
            return self.loss_and_grads(_subset(data, rng.integers(0, n, batch_size)), params)

        return loss_and_grads


def train(model, sources, rng, steps=1300, batch_size=16, lr=0.01, decay_at=1000, clip=1.0):
    """Train on random mini-batches of ``sources`` with Adam; return (params, history).

    The recipe of the chapter: teacher forcing, the masked loss, the global
    gradient norm clipped to ``clip`` (a rare long batch cannot throw the
    weights off), and the learning rate divided by 10 after ``decay_at``
    steps, which removes most of the mini-batch noise left at the end.

    The optimiser sees all the weights as one flat vector: Adam and the
    clipping act entry by entry and on the global norm, so the update is the
    same as on the dict of 14 arrays, at one array operation instead of 14.

    Parameters
    ----------
    model : Seq2Seq, its ``params`` are the starting point (not modified)
    sources : list of str, the training strings, or their
        ``translate_task.batch`` dict (build it once to train several models)
    rng : np.random.Generator, draws the mini-batches
    steps : int, total gradient steps; decay_at : int, steps at the first rate

    Returns
    -------
    params : dict, the trained weights
    history : list of float, the mini-batch loss before each step, then the
        loss of one more batch at the final weights (``steps + 1`` values)
    """
    _check_model(model)
    check_int("steps", steps, 0)
    if not 0 <= check_int("decay_at", decay_at) <= steps:
        raise ValueError(f"decay_at must lie in [0, steps = {steps}], got {decay_at}")
    check_number("clip", clip, 0, open_low=True)
    data = _check_batch("sources", sources, model.V) if isinstance(sources, dict) \
        else task_batch(sources)
    objective = model.objective(data, batch_size, rng)
    keys = list(model.params)
    shapes = [model.params[k].shape for k in keys]
    ends = np.cumsum([model.params[k].size for k in keys])

    def unflatten(theta):  # views into theta, one per weight array
        return {k: theta[e - int(np.prod(s)):e].reshape(s)
                for k, s, e in zip(keys, shapes, ends)}

    def flat_objective(flat, step):
        loss, grads = objective(unflatten(flat["theta"]), step)
        return loss, {"theta": np.concatenate([grads[k].ravel() for k in keys])}

    opt = Adam(lr)
    clip_grads = lambda grads: clip_by_norm(grads, clip)[0]  # noqa: E731
    flat = {"theta": np.concatenate([model.params[k].ravel() for k in keys])}
    flat, first = fit(flat_objective, flat, opt, decay_at, transform=clip_grads)
    opt.lr = lr / 10
    flat, second = fit(flat_objective, flat, opt, steps - decay_at, transform=clip_grads)
    params = {k: v.copy() for k, v in unflatten(flat["theta"]).items()}
    return params, first[:-1] + second


def train_seeds(V, H, sources, seeds, **kwargs):
    """Train one model per seed on the same strings with the same recipe.

    Seed s draws, with ``np.random.default_rng(s)``, the initial weights
    (``Seq2Seq.init``) and then the mini-batches; the training strings and
    the recipe are shared, so the spread of the results over seeds is the
    spread due to the initialisation and the order of the batches alone.

    Parameters
    ----------
    V, H : int, vocabulary size and hidden size
    sources : list of str, or their ``translate_task.batch`` dict
    seeds : sequence of S int, one run each
    **kwargs : the recipe, passed to ``train`` (steps, batch_size, lr,
        decay_at, clip)

    Returns
    -------
    models : list of S Seq2Seq, trained, in the order of ``seeds``
    histories : list of S lists of float (``steps + 1`` each), as ``train``
        returns them
    """
    if not isinstance(seeds, list | tuple | range):
        raise TypeError(f"seeds must be a list of ints, got {type(seeds).__name__}")
    for i, seed in enumerate(seeds):
        check_int(f"seeds[{i}]", seed, 0)
    check_int("V", V, 3)
    check_int("H", H, 1)
    data = sources if isinstance(sources, dict) else task_batch(sources)
    models, histories = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        params, history = train(Seq2Seq.init(V, H, rng), data, rng, **kwargs)
        models.append(Seq2Seq(params))
        histories.append(history)
    return models, histories


def token_accuracy(model, sources):
    """Token accuracy of the decoder fed the true tokens and fed its own.

    Parameters
    ----------
    model : Seq2Seq
    sources : list of N str of digits

    Returns
    -------
    forced : float, the fraction of real target tokens (digits and
        ``<eos>``) that are the argmax of p_t under teacher forcing
    own : float, the same fraction when greedy decoding feeds back the
        model's own choices (N x (T + 1) steps, T the longest source)
    """
    _check_model(model)
    b = task_batch(sources)
    mask = b["y_out"] != PAD
    logits, _ = model.forward(b["src"], b["src_len"], b["y_in"])
    tokens, _ = model.greedy_decode(b["src"], b["src_len"], b["y_out"].shape[1])
    return masked_accuracy(logits, b["y_out"], mask), float(np.mean((tokens == b["y_out"])[mask]))


def exact_match(tokens, y_out):
    """Whether each decoded row equals its target up to and including ``<eos>``.

    Parameters
    ----------
    tokens : int array (N, L), decoded tokens (anything after ``<eos>`` ignored)
    y_out : int array (N, T'), targets ending in ``<eos>`` then ``<pad>``

    Returns
    -------
    bool array (N,)
    """
    tokens = check_ints("tokens", tokens, (None, None), 0, len(VOCAB))
    y_out = check_ints("y_out", y_out, (None, None), 0, len(VOCAB))
    if len(tokens) != len(y_out):  # zip would drop the extra rows
        raise ValueError(f"tokens must have one row per row of y_out, {len(y_out)}, "
                         f"got {len(tokens)}")
    if not (y_out == EOS).any(axis=1).all():
        row = int(np.argmin((y_out == EOS).any(axis=1)))
        raise ValueError(f"y_out must end every row with <eos> ({EOS}); row {row} has none")
    out = np.zeros(len(y_out), dtype=bool)
    for i, (row, target) in enumerate(zip(tokens, y_out)):
        k = int(np.argmax(target == EOS)) + 1  # target length with its <eos>
        out[i] = row.shape[0] >= k and np.array_equal(row[:k], target[:k])
    return out


def evaluate(model, sources, params=None):
    """Greedy-decode digit strings and score them by exact match.

    Parameters
    ----------
    model : Seq2Seq
    sources : list of N str of digits
    params : dict, optional, weights to use instead of ``model.params``

    Returns
    -------
    dict with ``predictions`` (list of N str, each decoded up to its first
    ``<eos>``), ``correct`` (bool array (N,)) and ``lengths`` (int array (N,))
    """
    _check_model(model)
    data = task_batch(sources)
    max_len = data["y_out"].shape[1] + 1  # room for one digit too many
    tokens, _ = model.greedy_decode(data["src"], data["src_len"], max_len, params)
    return {"predictions": [decode(row) for row in tokens],
            "correct": exact_match(tokens, data["y_out"]), "lengths": data["src_len"]}


def rest_after_prefix(model, sources, k, rng=None, params=None):
    """Feed the decoder a true prefix, perhaps with a mistake, and score the rest.

    The decoder's first k inputs after ``<bos>`` are forced to the first k
    tokens of the right answer; with ``rng`` the k-th of them is replaced by
    a different random digit, as if the model had just got it wrong. The
    remaining steps are decoded greedily.

    Parameters
    ----------
    model : Seq2Seq
    sources : list of N str of digits, each at least k long
    k : int >= 1, the length of the forced prefix
    rng : np.random.Generator, optional; None keeps the prefix right

    Returns
    -------
    bool array (N,): whether every output from step k on, through ``<eos>``,
    is right (the outputs of steps 0..k-1 are not scored)
    """
    _check_model(model)
    if rng is not None:
        rng = check_rng("rng", rng)
    data = task_batch(sources)
    if not 1 <= check_int("k", k) <= data["src_len"].min():
        raise ValueError(f"k must lie in [1, {data['src_len'].min()}], got {k}")
    forced = data["y_in"][:, 1:k + 1].copy()
    if rng is not None:
        n_content = model.V - EOS - 1  # tokens after the three special ones
        shift = rng.integers(1, n_content, len(sources))
        forced[:, -1] = EOS + 1 + (forced[:, -1] - EOS - 1 + shift) % n_content
    tokens, _ = model.greedy_decode(data["src"], data["src_len"], data["y_out"].shape[1] + 1,
                                    params, forced=forced)
    return exact_match(tokens[:, k:], data["y_out"][:, k:])


def _check_model(model):
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, got {type(model).__name__}")
