"""A character-level language model: an RNN, LSTM or GRU that predicts the
next character of a text, trained by truncated BPTT over one long stream.

The text is numpy's own documentation (``numpy_text``): it ships with a
package the course pins in ``constraints.txt``, so every machine that
installs the course reads the same characters, and nothing is downloaded.

A language model gives every next character a probability,
p(x_{t+1} | x_1..x_t), and is scored by its *perplexity* on held-out text,
exp(-(1/n) sum log p(x_{t+1} | x_1..x_t)): the number of characters it is, on
average, as unsure between as a uniform guess. A model that knows nothing
has the vocabulary's size V; the n-gram counts of ``ngram_perplexity`` are
the baselines a recurrent model must beat.

Training reads the stream as B parallel lanes (``stream_batches``), cut into
chunks of T steps. Each chunk starts from the state the previous chunk ended
in (the state is *carried*), but the gradient stops at the chunk's start
(*truncated* BPTT): the model sees dependencies longer than T in the forward
pass without paying for them in the backward pass.
"""

import inspect

import numpy as np

from ._checks import check_finite, check_int, check_keys, check_number, check_rng, check_shape
from .clip import clip_by_norm, global_norm
from .gru import gru_backward, gru_forward, gru_init
from .lstm import lstm_backward, lstm_forward, lstm_init
from .optim import Adam
from .rnn import init_rnn_params, rnn_backward, rnn_forward
from .seqloss import sequence_cross_entropy

CELLS = ("rnn", "lstm", "gru")
_KEYS = {"rnn": ("W_x", "W_h", "b_x"),
         "lstm": ("W_f", "W_i", "W_o", "W_c", "b_f", "b_i", "b_o", "b_c"),
         "gru": ("W_u", "W_r", "W_c", "b_u", "b_r", "b_c")}

#: characters kept from the text; everything else becomes ``UNKNOWN``
ALPHABET = "\n abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"()[]=+-*/<>_"
UNKNOWN = "~"


# -- the text --------------------------------------------------------------------------


def numpy_text(max_chars=None):
    """The docstrings of numpy's public top-level functions, in name order,
    lower-cased, each followed by a blank line (a str).

    Characters outside ``ALPHABET`` become ``UNKNOWN``; runs of spaces
    shrink to one. ``max_chars`` (int >= 1) keeps the first that many.
    """
    import numpy  # the pinned version: the text is fixed by constraints.txt

    if max_chars is not None:
        check_int("max_chars", max_chars, 1)
    keep = set(ALPHABET)
    docs = []
    for name in sorted(dir(numpy)):
        obj = getattr(numpy, name)
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj):
            continue
        doc = inspect.getdoc(obj)
        if doc:
            docs.append(doc)
    text = "\n\n".join(docs).lower()
    text = "".join(c if c in keep else UNKNOWN for c in text)
    text = " ".join(part for part in text.split(" ") if part)  # no runs of spaces
    return text if max_chars is None else text[:max_chars]


def vocabulary():
    """The model's symbols: ``ALPHABET`` and ``UNKNOWN``; index i is symbol i."""
    return ALPHABET + UNKNOWN


def encode(text):
    """Symbol indices (n,) of ``text``; characters outside the vocabulary
    map to ``UNKNOWN``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    index = {c: i for i, c in enumerate(vocabulary())}
    unknown = index[UNKNOWN]
    return np.array([index.get(c, unknown) for c in text], dtype=np.int64)


def decode(ids):
    """The text of symbol indices ``ids`` (any shape, flattened)."""
    ids = np.asarray(ids)
    V = len(vocabulary())
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be an int array of symbol indices, got {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must be ints in [0, {V}), got values in "
                         f"[{ids.min()}, {ids.max()}]")
    return "".join(vocabulary()[i] for i in ids.ravel())


def split(ids, val_fraction=0.1):
    """The first (1 - ``val_fraction``) of the stream for training, the rest
    for validation: two contiguous pieces, so no validation text is seen in
    training. Returns (train_ids, val_ids)."""
    ids = _check_ids("ids", ids)
    check_number("val_fraction", val_fraction, 0, 1, open_low=True, open_high=True)
    cut = int(round(len(ids) * (1 - val_fraction)))
    if cut < 2 or len(ids) - cut < 2:
        raise ValueError(f"ids of length {len(ids)} split at {val_fraction} leaves fewer "
                         f"than 2 symbols on one side")
    return ids[:cut], ids[cut:]


# -- baselines -------------------------------------------------------------------------


def ngram_perplexity(train_ids, val_ids, V, n, k=1.0):
    """Perplexity on ``val_ids`` of the n-gram model counted on ``train_ids``
    (n = 1: unigram, 2: bigram), with add-k smoothing: p(b | a) =
    (count(a b) + k) / (count(a) + k V), so no symbol gets probability 0.

    The first n - 1 validation symbols have no full context and are not
    scored. Returns a float >= 1.
    """
    check_int("V", V, 1)
    train_ids = _check_ids("train_ids", train_ids, V=V)
    val_ids = _check_ids("val_ids", val_ids, V=V)
    check_int("n", n, 1, 2)
    check_number("k", k, 0, open_low=True)
    if n == 1:
        counts = np.bincount(train_ids, minlength=V) + k
        log_p = np.log(counts / counts.sum())[val_ids]
    else:
        counts = np.full((V, V), k)
        np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
        log_p = np.log(counts / counts.sum(axis=1, keepdims=True))[val_ids[:-1], val_ids[1:]]
    return float(np.exp(-log_p.mean()))


# -- the model -------------------------------------------------------------------------


def init(cell, V, hidden, rng):
    """Parameters of a ``cell`` ("rnn", "lstm" or "gru") language model over V
    symbols: the cell's own init (the RNN with an orthogonal W_h of spectral
    radius 0.9; the LSTM with forget bias 1), read out by W_y (V, H), b_y (V,).
    The input is the one-hot symbol, so the cell's input columns act as the
    embedding table."""
    _check_cell(cell)
    check_int("V", V, 2)
    check_int("hidden", hidden, 1)
    rng = check_rng("rng", rng)
    if cell == "rnn":
        return init_rnn_params(V, hidden, V, rng)
    params = lstm_init(V, hidden, rng) if cell == "lstm" else gru_init(V, hidden, rng)
    params["W_y"] = rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(V, hidden))
    params["b_y"] = np.zeros(V)
    return params


def initial_state(cell, N, hidden):
    """Zeros: (h0,) for the RNN and GRU, (h0, c0) for the LSTM, each (N, H)."""
    _check_cell(cell)
    return tuple(np.zeros((check_int("N", N, 1), check_int("hidden", hidden, 1)))
                 for _ in range(2 if cell == "lstm" else 1))


def forward(cell, params, ids, state):
    """Logits of the next symbol after every symbol of ``ids``.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    params : from ``init``
    ids : int array (N, T), symbols in [0, V)
    state : tuple of (N, H) arrays, the state before the first symbol
        (``initial_state`` or the ``state`` a previous call returned)

    Returns
    -------
    logits : ndarray (N, T, V)
    state : the state after the last symbol, to carry into the next chunk
    cache : for ``backward``
    """
    W_y, b_y = _check_params(cell, params)
    V, H = W_y.shape
    ids = _check_ids("ids", ids, ndim=2, V=V)
    N = ids.shape[0]
    if not isinstance(state, tuple) or len(state) != (2 if cell == "lstm" else 1):
        raise TypeError(f"state must be a tuple of {2 if cell == 'lstm' else 1} arrays "
                        f"(initial_state('{cell}', N, H)), got {type(state).__name__}")
    state = tuple(check_shape(f"state[{i}]", s, (N, H)) for i, s in enumerate(state))
    x = np.eye(V)[ids]  # one-hot (N, T, V)
    if cell == "rnn":
        h, rec = rnn_forward(x, state[0], params)
        new = (h[:, -1],)
    elif cell == "lstm":
        h, c, rec = lstm_forward(x, state[0], state[1], params)
        new = (h[:, -1], c[:, -1])
    else:
        h, rec = gru_forward(x, state[0], params)
        new = (h[:, -1],)
    logits = h @ W_y.T + b_y
    return logits, new, (cell, rec, h, W_y)


def backward(dlogits, cache):
    """Gradients of every parameter, given dL/dlogits (N, T, V). The
    gradient stops at the chunk's initial state (truncated BPTT): the state
    carried in is a constant. Returns a dict keyed like ``params``."""
    cell, rec, h, W_y = cache
    N, T, H = h.shape
    dlogits = check_shape("dlogits", dlogits, (N, T, W_y.shape[0]))
    dh = dlogits @ W_y
    grads = {"W_y": dlogits.reshape(N * T, -1).T @ h.reshape(N * T, H),
             "b_y": dlogits.sum(axis=(0, 1))}
    if cell == "rnn":
        grads.update(rnn_backward(dh, rec)[2])
    elif cell == "lstm":
        grads.update(lstm_backward(dh, rec)[3])
    else:
        grads.update(gru_backward(dh, rec)[2])
    return grads


def loss_and_grads(cell, params, ids, targets, state):
    """Mean cross-entropy of predicting ``targets`` (N, T) from ``ids`` (N, T)
    and its gradients; returns (loss, grads, state after the chunk)."""
    logits, new, cache = forward(cell, params, ids, state)
    loss, dlogits = sequence_cross_entropy(logits, targets)
    return loss, backward(dlogits, cache), new


# -- training over a stream --------------------------------------------------------------


def stream_batches(ids, lanes, T):
    """The stream cut into ``lanes`` parallel lanes and chunks of T steps.

    Lane b reads the b-th contiguous piece of the stream, so chunk j of lane b
    continues chunk j - 1 of the same lane: a carried state sees the text it
    follows. Returns (inputs, targets), each (J, lanes, T) ints, J the number
    of whole chunks; targets are the inputs shifted by one symbol.
    """
    ids = _check_ids("ids", ids)
    check_int("lanes", lanes, 1)
    check_int("T", T, 1)
    per_lane = (len(ids) - 1) // lanes
    J = per_lane // T
    if J < 1:
        raise ValueError(f"ids of length {len(ids)} hold no chunk of {lanes} lanes x T = {T} "
                         f"steps: need at least {lanes * T + 1} symbols")
    n = J * T
    x = np.stack([ids[b * per_lane:b * per_lane + n] for b in range(lanes)])
    y = np.stack([ids[b * per_lane + 1:b * per_lane + n + 1] for b in range(lanes)])
    return (x.reshape(lanes, J, T).transpose(1, 0, 2),
            y.reshape(lanes, J, T).transpose(1, 0, 2))


def train(cell, train_ids, hidden, rng, lanes=16, T=32, epochs=1, lr=0.01, clip=1.0,
          carry=True):
    """Truncated BPTT with Adam over the training stream.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    train_ids : int array (n,), the training stream
    hidden : int, units of the cell
    rng : numpy Generator, draws the initial weights
    lanes, T : the stream as ``lanes`` parallel lanes in chunks of T steps
    epochs : passes over the stream
    lr : Adam's step size
    clip : float > 0 or None; the gradient's global norm is clipped to it
    carry : True: each chunk starts from the state the previous one ended in;
        False: from zeros (every chunk forgets its past)

    Returns
    -------
    dict with ``params``, ``loss`` (one float per step, the chunk's mean
    cross-entropy in nats), ``grad_norm`` (the norm before clipping, per step)
    and the settings.
    """
    _check_cell(cell)
    train_ids = _check_ids("train_ids", train_ids)
    check_int("epochs", epochs, 1)
    if not isinstance(carry, bool):
        raise TypeError(f"carry must be True or False, got {carry!r}")
    check_number("lr", lr, 0, open_low=True)
    if clip is not None:
        check_number("clip", clip, 0, open_low=True)
    V = len(vocabulary())
    inputs, targets = stream_batches(train_ids, lanes, T)
    params = init(cell, V, hidden, rng)
    opt, losses, norms = Adam(lr), [], []
    for _ in range(epochs):
        state = initial_state(cell, lanes, hidden)
        for x, y in zip(inputs, targets):
            if not carry:
                state = initial_state(cell, lanes, hidden)
            loss, grads, state = loss_and_grads(cell, params, x, y, state)
            if not np.isfinite(loss):
                raise FloatingPointError(f"the loss became {loss} at step {len(losses)}")
            if clip is None:
                norm = global_norm(grads)
            else:
                grads, norm = clip_by_norm(grads, clip)
            params = opt.step(params, grads)
            losses.append(float(loss))
            norms.append(norm)
    return {"params": params, "loss": np.array(losses), "grad_norm": np.array(norms),
            "cell": cell, "hidden": hidden, "lanes": lanes, "T": T, "clip": clip,
            "carry": carry}


def perplexity(cell, params, ids, lanes=8, T=64):
    """Perplexity of the model on the stream ``ids``, read as ``lanes`` lanes
    with the state carried from chunk to chunk (so every prediction after the
    first chunk has all of its lane's past). Returns a float >= 1."""
    H = _check_params(cell, params)[0].shape[1]
    inputs, targets = stream_batches(ids, lanes, T)
    state, total = initial_state(cell, lanes, H), 0.0
    for x, y in zip(inputs, targets):
        logits, state, _ = forward(cell, params, x, state)
        total += sequence_cross_entropy(logits, y)[0]
    return float(np.exp(total / len(inputs)))


def sample(cell, params, prompt, length, rng, temperature=1.0):
    """Continue ``prompt`` (a str) by ``length`` symbols drawn one at a time
    from softmax(logits / temperature); temperature 0 takes the most likely
    symbol (greedy). Returns the continuation (a str, without the prompt)."""
    H = _check_params(cell, params)[0].shape[1]
    for k, v in params.items():  # a NaN weight would sample from NaN probabilities
        check_finite(f"params[{k!r}]", v)
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    check_int("length", length, 0)
    rng = check_rng("rng", rng)
    check_number("temperature", temperature, 0)
    logits, state, _ = forward(cell, params, encode(prompt)[None], initial_state(cell, 1, H))
    last, out = logits[0, -1], []
    for _ in range(length):
        if temperature == 0:
            symbol = int(np.argmax(last))
        else:
            z = last / temperature
            p = np.exp(z - z.max())
            symbol = int(rng.choice(len(p), p=p / p.sum()))
        out.append(symbol)
        logits, state, _ = forward(cell, params, np.array([[symbol]]), state)
        last = logits[0, -1]
    return decode(np.array(out, dtype=np.int64))


# -- checks ---------------------------------------------------------------------------------


def _check_cell(cell):
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")


def _check_params(cell, params):
    """The readout W_y (V, H), b_y (V,), after checking that ``params`` holds
    the cell's weights (the cell's own forward checks their shapes)."""
    _check_cell(cell)
    check_keys("params", params, _KEYS[cell] + ("W_y", "b_y"))
    W_y = check_shape("params['W_y']", params["W_y"], ("V", "H"))
    return W_y, check_shape("params['b_y']", params["b_y"], (W_y.shape[0],))


def _check_ids(name, ids, ndim=1, V=None):
    """Symbol indices in [0, V) (V: the course's vocabulary unless given)."""
    V = len(vocabulary()) if V is None else V
    ids = np.asarray(ids)
    if ids.ndim != ndim or not np.issubdtype(ids.dtype, np.integer) or ids.size == 0:
        raise ValueError(f"{name} must be a non-empty int array with {ndim} axes, got "
                         f"{ids.dtype} of shape {ids.shape}")
    if ids.min() < 0 or ids.max() >= V:
        raise ValueError(f"{name} must hold symbol indices in [0, V) with V = {V}, got "
                         f"values in [{ids.min()}, {ids.max()}]")
    return ids
