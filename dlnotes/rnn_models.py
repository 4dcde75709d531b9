"""Four of the five RNN architectures as small models that train in seconds.

Every model here is the same vanilla RNN with a softmax output at every step
(``params`` W_x, W_h, b_x, W_y, b_y); the architectures differ only in which
steps get an input and which outputs the loss reads:

- one-to-one (N_x = N_y = 1): T = 1 and h_0 = 0, which is the one-hidden-layer
  MLP of chapter 1 (``as_mlp``);
- one-to-many: one input x_1, then each output fed back as the next input
  (``melody_example``, ``generate``);
- many-to-one: the loss reads only the output after the last real step
  (``classifier_example``);
- many-to-many, N_x = N_y: an output at every step (``tagger_example``);
- many-to-many, N_x != N_y (encoder-decoder) is chapter 6's sequence-to-sequence
  model.
"""

import numpy as np

from . import tasks
from ._checks import (
    check_callable,
    check_choice,
    check_examples,
    check_finite,
    check_int,
    check_ints,
    check_keys,
    check_rng,
    check_shape,
)
from .clip import clip_by_norm, global_norm
from .mlp import MLP
from .optim import SGD
from .rnn import (
    init_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_output_backward,
    rnn_output_forward,
    rnn_step_forward,
)
from .seqloss import last_step_mask, masked_accuracy, sample_from_logits, sequence_cross_entropy
from .train import Diverged, fit

KEYS = ("W_x", "W_h", "b_x", "W_y", "b_y")


def _check_model(params, D="D"):
    """The model's five arrays as float64, each error naming its key:
    W_x (H, D), W_h (H, H), b_x (H,), W_y (M, H), b_y (M,)."""
    check_keys("params", params, KEYS)
    p = {"W_x": check_shape("params['W_x']", params["W_x"], ("H", D))}
    H = p["W_x"].shape[0]
    p["W_h"] = check_shape("params['W_h']", params["W_h"], (H, H))
    p["b_x"] = check_shape("params['b_x']", params["b_x"], (H,))
    p["W_y"] = check_shape("params['W_y']", params["W_y"], ("M", H))
    p["b_y"] = check_shape("params['b_y']", params["b_y"], (p["W_y"].shape[0],))
    return p


def _check_finite_model(params):
    """Where an arg-max or a sample would hide a NaN weight."""
    for k in KEYS:
        check_finite(f"params[{k!r}]", params[k])
    return params


def logits_forward(params, x, h0=None):
    """Logits y_t = W_y h_t + b_y at every step.

    Parameters
    ----------
    params : dict W_x (H, D), W_h (H, H), b_x (H,), W_y (M, H), b_y (M,)
    x : ndarray (N, T, D)
    h0 : ndarray (N, H), optional; zeros by default

    Returns
    -------
    logits : ndarray (N, T, M)
    cache : for ``logits_backward``
    """
    p = _check_model(params)
    x = check_shape("x", x, ("N", "T", p["W_x"].shape[1]))
    if h0 is None:
        h0 = np.zeros((x.shape[0], p["W_h"].shape[0]))
    h, rnn_cache = rnn_forward(x, h0, params)
    logits, out_cache = rnn_output_forward(h, params["W_y"], params["b_y"])
    return logits, (rnn_cache, out_cache, h)


def logits_backward(dlogits, cache, truncate=None):
    """Gradients of ``logits_forward``; ``truncate`` as in ``rnn_backward``.

    Returns
    -------
    dx : ndarray (N, T, D)
    dh0 : ndarray (N, H)
    grads : dict with the keys of ``params``
    """
    rnn_cache, out_cache, h = cache
    M = out_cache[0][1].shape[0]  # the dense layer's W_y
    dlogits = check_shape("dlogits", dlogits, (*h.shape[:2], M))
    dh, dW_y, db_y = rnn_output_backward(dlogits, out_cache)
    dx, dh0, grads = rnn_backward(dh, rnn_cache, truncate)
    return dx, dh0, {**grads, "W_y": dW_y, "b_y": db_y}


def loss_and_grads(params, x, targets, mask=None, truncate=None):
    """Masked sequence cross-entropy and its gradient for every parameter.

    x (N, T, D); targets (N, T) ints; mask (N, T) bool or None. Returns
    (loss, grads) with grads keyed like ``params``.
    """
    logits, cache = logits_forward(params, x)
    check_examples("x", len(logits))
    if logits.shape[1] == 0:
        raise ValueError("x must have at least one time step: the loss is a mean over steps")
    loss, dlogits = sequence_cross_entropy(logits, targets, mask)
    return loss, logits_backward(dlogits, cache, truncate)[2]


def train(params, x, targets, mask=None, steps=300, lr=0.5, momentum=0.9, truncate=None):
    """Full-batch SGD with momentum on ``loss_and_grads``.

    Returns (params, history) as ``dlnotes.train.fit`` does.
    """
    def objective(p, step):
        return loss_and_grads(p, x, targets, mask, truncate)

    return fit(objective, params, SGD(lr, momentum), steps)


def as_mlp(params):
    """The one-to-one RNN (T = 1, h_0 = 0) as chapter 1's MLP.

    With h_0 = 0 the term W_h h_0 vanishes, so y_1 = W_y tanh(W_x x_1 + b_x) + b_y:
    a tanh hidden layer W1 = W_x, b1 = b_x and a linear output W2 = W_y, b2 = b_y.
    """
    # W_h drops out, so a NaN there would vanish without a trace
    p = _check_finite_model(_check_model(params))
    return MLP({"W1": p["W_x"], "b1": p["b_x"], "W2": p["W_y"], "b2": p["b_y"]},
               ["tanh", "identity"])


def generate(params, x1, feedback, steps, rng, temperature=0.0, stop=None):
    """One-to-many: from one input, feed each sampled output back in.

    Parameters
    ----------
    params : dict as in ``logits_forward``
    x1 : ndarray (N, D), the one input
    feedback : callable (tokens (N,) ints) -> ndarray (N, D), the next input
    steps : int, the most outputs to produce
    rng : np.random.Generator, used when temperature > 0
    temperature : float, 0 for the most likely output (greedy)
    stop : int, optional; generation ends once every row has produced it

    Returns
    -------
    tokens : int array (N, steps'), steps' <= steps; after a row's ``stop``
        token the row keeps whatever was sampled (callers cut at ``stop``)
    """
    params = _check_finite_model(_check_model(params))
    x_t = check_finite("x1", check_shape("x1", x1, ("N", params["W_x"].shape[1])))
    check_callable("feedback", feedback)
    check_int("steps", steps, 1)
    rng = check_rng("rng", rng)  # once: an int seed made anew each step would repeat
    if stop is not None:
        check_int("stop", stop, 0, params["W_y"].shape[0] - 1)
    h = np.zeros((x_t.shape[0], params["W_h"].shape[0]))
    out, done = [], np.zeros(x_t.shape[0], dtype=bool)
    for _ in range(steps):
        h, _ = rnn_step_forward(x_t, h, params["W_x"], params["W_h"], params["b_x"])
        token = sample_from_logits(h @ params["W_y"].T + params["b_y"], rng, temperature)
        out.append(token)
        if stop is not None:
            done |= token == stop
            if done.all():
                break
        x_t = feedback(token)
    return np.stack(out, axis=1)


# -- one-to-many: continue a tune from its name ------------------------------

TUNES = list(tasks.MELODIES)
_END = tasks.NOTES.index("|")


def melody_feedback(notes):
    """The input after a note: the note one-hot in the note slots (N, D)."""
    notes = check_ints("notes", notes, (None,), 0, len(tasks.NOTES))
    x = np.zeros((len(notes), len(TUNES) + len(tasks.NOTES)))
    x[np.arange(len(notes)), len(TUNES) + notes] = 1.0
    return x


def melody_data():
    """Teacher-forcing data for the tunes of ``tasks.MELODIES``.

    Input 1 is the tune's name (one-hot among the tunes); input t > 1 is
    note t - 1; target t is note t, then the end symbol "|".

    Returns
    -------
    x : ndarray (N, T, D) with N tunes and D = tunes + notes
    targets : int array (N, T), indices into ``tasks.NOTES``
    mask : bool array (N, T)
    """
    notes = [[tasks.NOTES.index(n) for n in tasks.MELODIES[name]] + [_END] for name in TUNES]
    targets, mask = tasks.pad_sequences(notes, pad=_END)
    x = np.zeros(targets.shape + (len(TUNES) + len(tasks.NOTES),))
    for i in range(len(TUNES)):
        x[i, 0, i] = 1.0
        x[i, 1:] = melody_feedback(targets[i, :-1])
    return x, targets, mask


def melody_example(hidden=32, steps=300, lr=0.2, seed=0):
    """Train the one-to-many tune generator; returns a dict with ``params``,
    ``history`` and ``accuracy`` (teacher-forced next-note accuracy)."""
    _check_settings(hidden, seed)
    x, targets, mask = melody_data()
    params = init_rnn_params(x.shape[2], hidden, len(tasks.NOTES), np.random.default_rng(seed))
    params, history = train(params, x, targets, mask, steps=steps, lr=lr)
    acc = masked_accuracy(logits_forward(params, x)[0], targets, mask)
    return {"params": params, "history": history, "accuracy": acc}


def play(params, tune, rng, temperature=0.0, steps=30):
    """Generate the notes that follow the name of ``tune``, as a list of names."""
    # a melody model reads tunes + notes and outputs notes
    p = _check_model(params, len(TUNES) + len(tasks.NOTES))
    check_shape("params['W_y']", p["W_y"], (len(tasks.NOTES), p["W_h"].shape[0]))
    x1 = np.zeros((1, len(TUNES) + len(tasks.NOTES)))
    x1[0, TUNES.index(check_choice("tune", tune, TUNES))] = 1.0
    out = generate(params, x1, melody_feedback, steps, rng, temperature, stop=_END)[0]
    names = [tasks.NOTES[i] for i in out]
    return names[: names.index("|")] if "|" in names else names


# -- many-to-one and many-to-many on words ------------------------------------

def classifier_example(n=400, hidden=16, steps=150, lr=0.2, seed=0, n_test=400):
    """Train a many-to-one sentiment classifier on ``tasks.sentiment``.

    The loss reads the output after each review's last word only. The test
    set is ``n_test`` reviews none of which is in the training set
    (``tasks.unseen_split``). Returns a dict with ``params``, ``history``,
    ``train_accuracy`` and ``test_accuracy``.
    """
    _check_settings(hidden, seed)
    rng = np.random.default_rng(seed)
    train_set, test_set = tasks.unseen_split(tasks.sentiment, n, n_test, rng)
    params = init_rnn_params(len(tasks.SENTIMENT_VOCAB), hidden, 2, rng)

    def inputs(tokens, labels, mask):
        x = tasks.one_hot(tokens, len(tasks.SENTIMENT_VOCAB))
        return x, np.repeat(labels[:, None], tokens.shape[1], axis=1), last_step_mask(mask)

    x, targets, last = inputs(*train_set)
    params, history = train(params, x, targets, last, steps=steps, lr=lr)
    result = {"params": params, "history": history,
              "train_accuracy": masked_accuracy(logits_forward(params, x)[0], targets, last)}
    x, targets, last = inputs(*test_set)
    result["test_accuracy"] = masked_accuracy(logits_forward(params, x)[0], targets, last)
    return result


def tagger_example(n=200, hidden=16, steps=100, lr=0.2, seed=0, n_test=400):
    """Train a many-to-many tagger on ``tasks.entity_tags`` (O / PER / LOC).

    The test set is ``n_test`` sentences none of which is in the training
    set (``tasks.unseen_split``). Returns a dict with ``params``, ``history``,
    ``train_accuracy`` and ``test_accuracy`` (per real word).
    """
    _check_settings(hidden, seed)
    rng = np.random.default_rng(seed)
    train_set, test_set = tasks.unseen_split(tasks.entity_tags, n, n_test, rng)
    params = init_rnn_params(len(tasks.ENTITY_VOCAB), hidden, len(tasks.ENTITY_TAGS), rng)
    tokens, tags, mask = train_set
    x = tasks.one_hot(tokens, len(tasks.ENTITY_VOCAB))
    params, history = train(params, x, tags, mask, steps=steps, lr=lr)
    result = {"params": params, "history": history,
              "train_accuracy": masked_accuracy(logits_forward(params, x)[0], tags, mask)}
    tokens, tags, mask = test_set
    x = tasks.one_hot(tokens, len(tasks.ENTITY_VOCAB))
    result["test_accuracy"] = masked_accuracy(logits_forward(params, x)[0], tags, mask)
    return result


def read_words(params, text, vocab):
    """Run a word model on typed text and return its output after every word.

    Parameters
    ----------
    params : a trained model's params
    text : str, words separated by spaces (case is ignored)
    vocab : list of str, the model's words

    Returns
    -------
    words : list of the known words, in order
    probs : ndarray (len(words), M), softmax of the output after each word
    unknown : list of the words not in ``vocab`` (skipped)
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str of words, got {type(text).__name__}")
    if not isinstance(vocab, list | tuple) or not all(isinstance(w, str) for w in vocab):
        raise TypeError(f"vocab must be a list of words (str), got {vocab!r:.60}")
    params = _check_model(params, len(vocab))
    index = {w: i for i, w in enumerate(vocab)}
    typed = text.lower().split()
    words = [w for w in typed if w in index]
    unknown = [w for w in typed if w not in index]
    if not words:
        return words, np.zeros((0, params["W_y"].shape[0])), unknown
    x = tasks.one_hot(np.array([[index[w] for w in words]]), len(vocab))
    logits = logits_forward(params, x)[0][0]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return words, p / p.sum(axis=1, keepdims=True), unknown


# -- truncated BPTT on a task that needs a memory of ``delay`` steps ----------

def _flat(grads):
    return np.concatenate([grads[k].ravel() for k in sorted(grads)])


def truncation_error(params, x, targets, mask, truncate):
    """Relative error of the truncated gradient against full BPTT.

    All parameters' gradients are taken as one vector g; returns
    ||g_k - g|| / ||g|| with g_k from ``truncate=k`` (a float).
    """
    check_int("truncate", truncate, 1)  # None is full BPTT: no error to measure
    full = _flat(loss_and_grads(params, x, targets, mask)[1])
    cut = _flat(loss_and_grads(params, x, targets, mask, truncate)[1])
    return float(np.linalg.norm(cut - full) / np.linalg.norm(full))


def echo_data(n, length=16, delay=3, vocab=4, seed=0):
    """``tasks.delayed_echo`` as model inputs: (x (n, T, V), targets, mask)."""
    tokens, targets, mask = tasks.delayed_echo(n, length, delay, vocab,
                                               np.random.default_rng(check_int("seed", seed, 0)))
    return tasks.one_hot(tokens, vocab), targets, mask


def echo_example(truncate=None, delay=3, length=16, vocab=4, hidden=16, n=32, steps=200,
                 lr=0.5, seed=0):
    """Train on the delayed echo with BPTT truncated to ``truncate`` steps.

    Every window starts from the same weights and data. Returns a dict with
    ``params``, ``history`` and ``test_accuracy`` (on 256 fresh sequences,
    over the steps that have a target).
    """
    _check_settings(hidden, seed)
    x, targets, mask = echo_data(n, length, delay, vocab, seed)
    params = init_rnn_params(vocab, hidden, vocab, np.random.default_rng(seed + 1))
    params, history = train(params, x, targets, mask, steps=steps, lr=lr, truncate=truncate)
    x, targets, mask = echo_data(256, length, delay, vocab, seed + 2)
    acc = masked_accuracy(logits_forward(params, x)[0], targets, mask)
    return {"params": params, "history": history, "test_accuracy": acc}


def clipping_example(threshold=None, seed=0, delay=6, length=20, hidden=16, n=64, steps=400,
                     lr=2.0):
    """Plain SGD (no momentum) on the delayed echo, its gradient's norm clipped
    to ``threshold`` at every step (``clip.clip_by_norm``) or not (None).

    A large learning rate on a long echo makes the loss surface's steep walls
    matter: without clipping one step can throw the weights far away. Seed s
    draws the data and the initial weights as ``echo_example(seed=s)`` does,
    the same with and without clipping.

    Returns
    -------
    dict with ``loss`` (S,) and ``grad_norm`` (S,), S <= steps: the loss and
    the global norm of its gradient before clipping at each step taken (a
    non-finite loss ends the run early: the last entry of ``loss`` is then inf
    or NaN and ``diverged`` is True); ``threshold``, ``lr``, ``seed``,
    ``diverged``.
    """
    _check_settings(hidden, seed)
    check_int("steps", steps, 1)
    x, targets, mask = echo_data(n, length, delay, seed=seed)
    params = init_rnn_params(x.shape[2], hidden, x.shape[2], np.random.default_rng(seed + 1))
    norms = []

    def objective(p, step):
        loss, grads = loss_and_grads(p, x, targets, mask)
        norms.append(global_norm(grads) if np.isfinite(loss) else np.nan)
        return loss, grads

    def clip(grads):
        return clip_by_norm(grads, threshold)[0]

    try:
        history = fit(objective, params, SGD(lr), steps - 1,
                      transform=None if threshold is None else clip)[1]
        diverged = False
    except Diverged as e:
        history, diverged = e.history, True
    return {"loss": np.array(history), "grad_norm": np.array(norms), "threshold": threshold,
            "lr": lr, "seed": seed, "diverged": diverged}


def echo_accuracy(windows, seeds, delay=3, length=16, **kwargs):
    """Test accuracy on the delayed echo for every (seed, window) pair.

    Parameters
    ----------
    windows : sequence of K windows, each an int k >= 1 (``truncate=k``) or
        None (full BPTT)
    seeds : sequence of S ints; seed s draws the training data, the initial
        weights and the test data as ``echo_example(seed=s)`` does, the same
        for every window
    delay, length : the task, as in ``echo_example``
    kwargs : further arguments of ``echo_example`` (hidden, n, steps, lr, ...)

    Returns
    -------
    accuracy : ndarray (S, K), accuracy[i, j] the test accuracy of seed
        ``seeds[i]`` trained with window ``windows[j]``
    """
    for name, values in (("windows", windows), ("seeds", seeds)):
        if not isinstance(values, list | tuple | range):
            raise TypeError(f"{name} must be a list, got {type(values).__name__}")
    for j, k in enumerate(windows):
        if k is not None:
            check_int(f"windows[{j}]", k, 1)
    for i, s in enumerate(seeds):
        check_int(f"seeds[{i}]", s, 0)
    return np.array([[echo_example(k, delay, length, seed=s, **kwargs)["test_accuracy"]
                      for k in windows] for s in seeds]).reshape(len(seeds), len(windows))


def _check_settings(hidden, seed):
    """An example's hidden size and seed, named as the caller knows them."""
    check_int("hidden", hidden, 1)
    check_int("seed", seed, 0)
