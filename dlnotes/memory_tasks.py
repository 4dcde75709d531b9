"""A long-memory task, and one sequence classifier for the RNN, LSTM and GRU.

The recall task: every step shows one of K symbols, and the first step also
raises a flag; after ``lag`` more random symbols the model must name the
flagged one. Chance is 1/K, and the only way above it is to carry the symbol
across ``lag`` steps of look-alike noise, so the gradient that teaches the
model to store it must cross them too.

The classifier is one recurrent layer (``"rnn"``, ``"lstm"`` or ``"gru"``)
started from a zero state, and a dense readout of its last hidden state,
logits = W_y h_T + b_y. ``train_recall`` trains any of the three the same way:
Adam, the same batches, global-norm clipping, the same budget of steps.
``train_recall_seeds`` gives the runs of several seeds the same training, all
at once as one stack of independent models (``dlnotes._stacked``), which costs
about what one run costs: a finding is stated over seeds, not from one run.
"""

from collections.abc import Mapping

import numpy as np

from ._checks import (
    check_examples,
    check_finite,
    check_int,
    check_ints,
    check_keys,
    check_number,
    check_rng,
    check_shape,
)
from ._stacked import gru_backward as _gru_backward_s
from ._stacked import gru_forward as _gru_forward_s
from ._stacked import lstm_backward as _lstm_backward_s
from ._stacked import lstm_forward as _lstm_forward_s
from ._stacked import rnn_backward as _rnn_backward_s
from ._stacked import rnn_forward as _rnn_forward_s
from .clip import clip_by_norm
from .gru import gru_backward, gru_forward, gru_init
from .losses import softmax_cross_entropy
from .lstm import lstm_backward, lstm_forward, lstm_init
from .optim import Adam
from .rnn import init_rnn_params, rnn_backward, rnn_forward
from .train import Diverged, fit

CELLS = ("rnn", "lstm", "gru")
#: each cell's recurrent keys, and the bias whose length is H
_KEYS = {"rnn": ("W_x", "W_h", "b_x"),
         "lstm": ("W_f", "W_i", "W_o", "W_c", "b_f", "b_i", "b_o", "b_c"),
         "gru": ("W_u", "W_r", "W_c", "b_u", "b_r", "b_c")}


def recall_task(n, lag, rng, symbols=4):
    """Sequences of random symbols whose label is the flagged first one.

    Every step shows one of ``symbols`` symbols, one-hot; the first step also
    raises a flag channel ("remember this one"). After ``lag`` more random
    symbols, on the same channels, the model must name the flagged symbol.
    A fixed filter cannot ignore the later symbols, since they look like the
    one to keep: the model must store on the flag and then stop writing.

    Parameters
    ----------
    n : int, number of sequences N
    lag : int >= 1, steps between the flagged symbol and the end of the sequence
    rng : np.random.Generator
    symbols : int >= 2, the alphabet size K (chance is 1/K)

    Returns
    -------
    x : ndarray (N, T, D), T = lag + 1, D = symbols + 1 (the flag is the last
        channel, 1 at t = 0 only)
    labels : int array (N,), the symbol at t = 0, in [0, symbols)
    """
    check_int("n", n, 0)
    if check_int("lag", lag) < 1:
        raise ValueError(f"lag must be at least 1, got {lag}")
    if check_int("symbols", symbols) < 2:
        raise ValueError(f"symbols must be at least 2, got {symbols}")
    rng = check_rng("rng", rng)
    tokens = rng.integers(0, symbols, size=(n, lag + 1))
    x = np.zeros((n, lag + 1, symbols + 1))
    np.put_along_axis(x, tokens[..., None], 1.0, axis=2)
    x[:, 0, symbols] = 1.0
    return x, tokens[:, 0]


def _check_cell(cell, name="cell"):
    if not isinstance(cell, str) or cell not in CELLS:
        raise ValueError(f"{name} must be one of {CELLS}, got {cell!r}")
    return cell


def _check_classifier(cell, params):
    """The readout W_y (M, H), b_y (M,) against the recurrent layer's H, named
    by key (the layer's own forward checks its weights). Returns W_y, b_y."""
    check_keys("params", params, _KEYS[cell] + ("W_y", "b_y"))
    bias = _KEYS[cell][-1]
    H = check_shape(f"params[{bias!r}]", params[bias], ("H",)).shape[0]
    W_y = check_shape("params['W_y']", params["W_y"], ("M", H))
    return W_y, check_shape("params['b_y']", params["b_y"], (W_y.shape[0],))


def classifier_init(cell, input_dim, hidden, classes, rng, keep_bias=4.0):
    """Parameters of a recurrent layer plus the readout W_y (M, H), b_y (M,).

    The RNN gets the RNN chapter's ``init_rnn_params`` (orthogonal W_h with
    spectral radius 0.9). The LSTM and GRU get their modules' inits with the
    gates biased towards keeping the memory: the GRU's b_u = ``keep_bias``
    (u_t starts near sigmoid(4) = 0.982: keep 98%, write 2%), and the LSTM's
    b_f = ``keep_bias``, b_i = -``keep_bias`` (f_t near 0.982, i_t near 0.018),
    the same start, since an LSTM's forget and input gates are not tied.
    """
    _check_cell(cell)
    for name, value in (("input_dim", input_dim), ("hidden", hidden), ("classes", classes)):
        check_int(name, value, 1)
    rng = check_rng("rng", rng)
    check_number("keep_bias", keep_bias)  # the RNN has no gate to bias, but a typo is a typo
    if cell == "rnn":
        return init_rnn_params(input_dim, hidden, classes, rng)
    if cell == "lstm":
        params = lstm_init(input_dim, hidden, rng, forget_bias=keep_bias, input_bias=-keep_bias)
    else:
        params = gru_init(input_dim, hidden, rng, update_bias=keep_bias)
    params["W_y"] = rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(classes, hidden))
    params["b_y"] = np.zeros(classes)
    return params


def classifier_forward(cell, params, x):
    """Logits of the last step for a batch of sequences.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    params : from ``classifier_init``
    x : ndarray (N, T, D)

    Returns
    -------
    logits : ndarray (N, M)
    cache : for ``classifier_backward``
    """
    _check_cell(cell)
    W_y, b_y = _check_classifier(cell, params)
    x = check_shape("x", x, ("N", "T", "D"))
    if x.shape[1] == 0:
        raise ValueError(f"x must have at least one time step (T >= 1) for the last "
                         f"state to read, got shape {x.shape}")
    h0 = np.zeros((x.shape[0], W_y.shape[1]))
    if cell == "rnn":
        h, rec = rnn_forward(x, h0, params)
    elif cell == "lstm":
        h, _, rec = lstm_forward(x, h0, h0, params)
    else:
        h, rec = gru_forward(x, h0, params)
    return h[:, -1] @ W_y.T + b_y, (cell, rec, h, W_y)


def classifier_backward(dlogits, cache):
    """Gradients of ``classifier_forward``.

    Parameters
    ----------
    dlogits : ndarray (N, M)
    cache : from ``classifier_forward``

    Returns
    -------
    dx : ndarray (N, T, D), how much each input step moves the loss
    grads : dict with the keys of params
    """
    cell, rec, h, W_y = cache
    dlogits = check_shape("dlogits", dlogits, (h.shape[0], W_y.shape[0]))
    dh = np.zeros_like(h)
    dh[:, -1] = dlogits @ W_y  # the loss reads only h_T
    if cell == "rnn":
        dx, _, grads = rnn_backward(dh, rec)
    elif cell == "lstm":
        dx, _, _, grads = lstm_backward(dh, rec)
    else:
        dx, _, grads = gru_backward(dh, rec)
    grads["W_y"] = dlogits.T @ h[:, -1]
    grads["b_y"] = dlogits.sum(axis=0)
    return dx, grads


def classifier_loss_and_grads(cell, params, x, labels):
    """Mean softmax cross-entropy of the last step's logits, and its gradients.

    Returns
    -------
    loss : float
    grads : dict with the keys of params
    """
    logits, cache = classifier_forward(cell, params, x)
    check_examples("x", len(logits))
    loss, dlogits = softmax_cross_entropy(logits, labels)
    return loss, classifier_backward(dlogits, cache)[1]


def classifier_accuracy(cell, params, x, labels):
    """Fraction of sequences whose arg-max logit is the label."""
    logits, _ = classifier_forward(cell, params, x)
    labels = check_ints("labels", labels, (len(logits),), 0, logits.shape[1])
    if len(labels) == 0:
        raise ValueError("x must hold at least one sequence to score, got none")
    # an arg-max hides a NaN: refuse it in what the logits came from
    check_finite("x", x)
    for k in _KEYS[cell] + ("W_y", "b_y"):
        check_finite(f"params[{k!r}]", params[k])
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def train_recall(cell, lag, hidden, seed=0, steps=300, batch=16, lr=0.02,
                 clip=1.0, threshold=0.02, keep_bias=4.0, symbols=4, n_test=256):
    """Train a classifier on ``recall_task`` and measure it on new sequences.

    Every step draws a fresh batch from a generator seeded by (seed, step), so
    the three cells see the same sequences in the same order. Training stops
    after ``steps`` Adam steps (learning rate ``lr``, gradients clipped to
    global norm ``clip``) or as soon as a batch's loss falls below
    ``threshold``.

    Returns
    -------
    run : dict with "params" (trained), "history" (loss per step, as from
        ``fit``), "accuracy" (on ``n_test`` held-out sequences from a
        generator no training batch uses), "steps" (steps taken) and the arguments cell, lag, hidden
    """
    _check_cell(cell)
    _check_training(lag, hidden, steps, batch, symbols, n_test, clip, threshold)
    check_int("seed", seed, 0)
    D = symbols + 1
    params = classifier_init(cell, D, hidden, symbols, np.random.default_rng(seed),
                             keep_bias=keep_bias)

    def loss_and_grads(p, step):
        x, labels = recall_task(batch, lag, np.random.default_rng([seed, step]), symbols)
        return classifier_loss_and_grads(cell, p, x, labels)

    params, history = fit(loss_and_grads, params, Adam(lr), steps, threshold=threshold,
                          transform=lambda g: clip_by_norm(g, clip)[0])
    x, labels = recall_task(n_test, lag, np.random.default_rng([seed, 2**31]), symbols)
    return {
        "cell": cell, "lag": lag, "hidden": hidden, "params": params,
        "history": np.array(history), "steps": len(history) - 1,
        "accuracy": classifier_accuracy(cell, params, x, labels),
    }


#: a run "solves" the task when its held-out accuracy reaches this
SOLVED = 0.9


def recall_grid(lags, hiddens, cells=CELLS, **kwargs):
    """``train_recall`` for every cell, hidden size and lag.

    Returns
    -------
    runs : dict (cell, hidden, lag) -> run, in that loop order
    """
    _check_grid(lags, hiddens, cells)
    return {(c, H, lag): train_recall(c, lag, H, **kwargs)
            for c in cells for H in hiddens for lag in lags}


def longest_solved(runs, cell, hidden):
    """The longest lag of ``runs`` such that ``cell`` with ``hidden`` units
    solves it and every shorter lag (accuracy >= SOLVED); 0 if none."""
    if not isinstance(runs, Mapping):
        raise TypeError(f"runs must be recall_grid's dict, got {type(runs).__name__}")
    _check_cell(cell)
    check_int("hidden", hidden, 1)
    lags = sorted(lag for c, H, lag in runs if (c, H) == (cell, hidden))
    if not lags:
        have = sorted({(c, H) for c, H, _ in runs})
        raise ValueError(f"runs hold no run of cell={cell!r} with hidden={hidden}; "
                         f"their (cell, hidden) are {have}")
    best = 0
    for lag in lags:
        if runs[cell, hidden, lag]["accuracy"] < SOLVED:
            break
        best = lag
    return best


def input_gradient_norms(cell, params, x, labels):
    """How strongly each input step moves the loss: ||dL/dx_t||, t = 0..T-1.

    The norm is over the D input features, averaged over the N sequences; at
    t = 0 it is the signal that teaches the model to store the symbol.

    Returns
    -------
    norms : ndarray (T,)
    """
    logits, cache = classifier_forward(cell, params, x)
    check_examples("x", len(logits))
    _, dlogits = softmax_cross_entropy(logits, labels)
    dx, _ = classifier_backward(dlogits, cache)
    return np.linalg.norm(dx, axis=2).mean(axis=0)


# --- the same training over seeds, S models in lockstep (dlnotes._stacked) ---


def _stacked_forward(cell, params, x):
    """``classifier_forward`` for S models at once, each on its own batch.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    params : ``classifier_init``'s dict with a leading axis S on every array,
        e.g. W_y (S, M, H), b_y (S, M)
    x : ndarray (S, N, T, D)

    Returns
    -------
    logits : ndarray (S, N, M)
    cache : for ``_stacked_backward``
    """
    _check_cell(cell)
    x = check_shape("x", x, ("S", "N", "T", "D"))
    S, N = x.shape[:2]
    W_y = check_shape("W_y", params["W_y"], (S, "M", "H"))
    h0 = np.zeros((S, N, W_y.shape[2]))
    if cell == "rnn":
        h, rec = _rnn_forward_s(x, h0, params)
    elif cell == "lstm":
        h, rec = _lstm_forward_s(x, h0, h0, params)
    else:
        h, rec = _gru_forward_s(x, h0, params)
    logits = h[:, :, -1] @ np.swapaxes(W_y, 1, 2) + params["b_y"][:, None]
    return logits, (cell, rec, h, W_y)


def _stacked_backward(dlogits, cache):
    """Weight gradients of ``_stacked_forward``.

    Parameters
    ----------
    dlogits : ndarray (S, N, M)

    Returns
    -------
    grads : dict with the keys of params, each with the leading axis S
    """
    cell, rec, h, W_y = cache
    dlogits = check_shape("dlogits", dlogits, h.shape[:2] + (W_y.shape[1],))
    dh = np.zeros_like(h)
    dh[:, :, -1] = dlogits @ W_y  # the loss reads only h_T
    backward = {"rnn": _rnn_backward_s, "lstm": _lstm_backward_s, "gru": _gru_backward_s}
    grads = backward[cell](dh, rec)
    grads["W_y"] = np.swapaxes(dlogits, 1, 2) @ h[:, :, -1]
    grads["b_y"] = dlogits.sum(axis=1)
    return grads


def _clip_each(grads, clip):
    """``clip_by_norm(grads, clip)`` for each model s of the stack on its own:
    one global norm per model over all its arrays (the same formula)."""
    rows = [g.reshape(len(g), -1) for g in grads.values()]  # (S, size) each
    m = np.max([np.max(np.abs(r), axis=1) for r in rows], axis=0)
    m = np.where(m > 0.0, m, 1.0)  # a zero gradient stays zero
    norm = m * np.sqrt(sum(np.sum((r / m[:, None]) ** 2, axis=1) for r in rows))
    factor = np.where(norm > clip, clip / norm, 1.0)
    return {k: factor.reshape((-1,) + (1,) * (g.ndim - 1)) * g for k, g in grads.items()}


def train_recall_seeds(cell, lag, hidden, seeds=range(5), steps=300, batch=16, lr=0.02,
                       clip=1.0, threshold=0.02, keep_bias=4.0, symbols=4, n_test=256):
    """``train_recall`` for every seed of ``seeds``, the S runs in lockstep.

    Run s starts from the weights, sees the batches and is tested on the
    sequences that ``train_recall(cell, lag, hidden, seed=seeds[s])`` uses,
    with the same Adam, clipping (per run) and stopping rule: a run stops,
    and keeps its weights, at the first step whose batch loss is below
    ``threshold``, or after ``steps`` steps. The stack trains until its last
    run stops, but all S runs cost about as much as one (see
    ``dlnotes._stacked``).

    Returns
    -------
    result : dict with "cell", "lag", "hidden", "seeds" (list of S),
        "accuracy" (S,) held-out accuracy of each run, "steps" (S,) int,
        steps each run took, "histories" (list of S arrays, each run's losses
        as ``train_recall``'s "history") and "params" (the final weights,
        ``classifier_init``'s keys with the leading axis S); ``seed_run``
        gives run s in ``train_recall``'s form.
    """
    _check_cell(cell)
    if isinstance(seeds, str) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of ints, got {seeds!r}")
    seeds = [check_int("seeds[i]", s, 0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed, got none")
    _check_training(lag, hidden, steps, batch, symbols, n_test, clip, threshold)
    S, D = len(seeds), symbols + 1
    inits = [classifier_init(cell, D, hidden, symbols, np.random.default_rng(s),
                             keep_bias=keep_bias) for s in seeds]
    params = {k: np.stack([p[k] for p in inits]) for k in inits[0]}

    def batches(n, key, which):
        data = [recall_task(n, lag, np.random.default_rng([seeds[s], key]), symbols)
                for s in which]
        return np.stack([d[0] for d in data]), np.stack([d[1] for d in data])

    # the runs still training: the stack shrinks as runs stop, so a stopped
    # run costs nothing; its weights wait in ``final``
    optimizer, live = Adam(lr), np.arange(S)
    histories, final = [[] for _ in seeds], {}
    for step in range(steps + 1):
        x, labels = batches(batch, step, live)
        logits, cache = _stacked_forward(cell, params, x)
        losses, dlogits = zip(*(softmax_cross_entropy(logits[j], labels[j])
                                for j in range(len(live))))
        for j, s in enumerate(live):
            histories[s].append(losses[j])
            if not np.isfinite(losses[j]):
                raise Diverged(step, histories[s])
        stop = (np.array(losses) < threshold) | (step == steps)
        for j in np.flatnonzero(stop):
            final[live[j]] = {k: v[j] for k, v in params.items()}
        if stop.all():
            break
        grads = _clip_each(_stacked_backward(np.stack(dlogits), cache), clip)
        params = optimizer.step(params, grads)
        if stop.any():  # drop the stopped runs, and their Adam moments
            go = ~stop
            live = live[go]
            params = {k: v[go] for k, v in params.items()}
            optimizer.m = {k: v[go] for k, v in optimizer.m.items()}
            optimizer.v = {k: v[go] for k, v in optimizer.v.items()}
    params = {k: np.stack([final[s][k] for s in range(S)]) for k in params}
    x, labels = batches(n_test, 2**31, range(S))
    logits, _ = _stacked_forward(cell, params, x)
    return {
        "cell": cell, "lag": lag, "hidden": hidden, "seeds": seeds, "params": params,
        "accuracy": np.mean(np.argmax(logits, axis=2) == labels, axis=1),
        "steps": np.array([len(h) - 1 for h in histories]),
        "histories": [np.array(h) for h in histories],
    }


def seed_run(result, k):
    """Run k of a ``train_recall_seeds`` result in ``train_recall``'s form:
    a dict with "cell", "lag", "hidden", "seed", "params" (own copies),
    "history", "steps" and "accuracy"."""
    check_keys("result", result, ("cell", "lag", "hidden", "seeds", "params", "histories",
                                  "steps", "accuracy"))
    check_int("k", k, 0, len(result["seeds"]) - 1)
    return {
        "cell": result["cell"], "lag": result["lag"], "hidden": result["hidden"],
        "seed": result["seeds"][k],
        "params": {name: v[k].copy() for name, v in result["params"].items()},
        "history": result["histories"][k], "steps": int(result["steps"][k]),
        "accuracy": float(result["accuracy"][k]),
    }


def recall_seed_grid(lags, hiddens, seeds=range(5), cells=CELLS, **kwargs):
    """``train_recall_seeds`` for every cell, hidden size and lag.

    Returns
    -------
    results : dict (cell, hidden, lag) -> result, in that loop order
    """
    _check_grid(lags, hiddens, cells)
    return {(c, H, lag): train_recall_seeds(c, lag, H, seeds, **kwargs)
            for c in cells for H in hiddens for lag in lags}


def _check_training(lag, hidden, steps, batch, symbols, n_test, clip, threshold):
    """The settings train_recall and train_recall_seeds share."""
    for name, value, low in (("lag", lag, 1), ("hidden", hidden, 1), ("steps", steps, 0),
                             ("batch", batch, 1), ("symbols", symbols, 2),
                             ("n_test", n_test, 1)):
        check_int(name, value, low)
    check_number("clip", clip, 0, open_low=True)
    check_number("threshold", threshold)


def _check_grid(lags, hiddens, cells):
    """Every setting of a grid, before any of it trains."""
    for name, values in (("lags", lags), ("hiddens", hiddens), ("cells", cells)):
        if not isinstance(values, list | tuple | range):
            raise TypeError(f"{name} must be a list, got {type(values).__name__}")
    for i, lag in enumerate(lags):
        check_int(f"lags[{i}]", lag, 1)
    for i, H in enumerate(hiddens):
        check_int(f"hiddens[{i}]", H, 1)
    for i, c in enumerate(cells):
        _check_cell(c, f"cells[{i}]")
