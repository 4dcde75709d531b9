"""Beam search: decode by keeping the ``width`` most likely prefixes, not just one.

A decoder gives p(y_t | y_<t, x) one step at a time. Greedy decoding keeps the
single most likely token at each step; the sequence it builds need not be the
most likely one, log p(y | x) = sum_t log p(y_t | y_<t, x), because a token
that looks best now can lead only to unlikely continuations. Beam search
keeps the ``width`` prefixes of highest log-probability at each step: width 1
is greedy decoding, and a width of at least V^max_len tries every sequence
(``exhaustive_search`` does that directly, for tests on a small vocabulary).

Long sequences collect more negative log-probability terms, so the raw
log p favours short outputs. Length normalisation ranks the finished
hypotheses by ``score = log p / L**alpha`` instead, L the number of tokens
generated (``<eos>`` included, ``<bos>`` not): alpha = 0 is the raw log p,
alpha = 1 the mean log-probability per token. (This is the simple form; GNMT
divides by ((5 + L) / 6)**alpha instead, which weighs the length less for
short outputs.)

The search is generic over a ``step`` function that scores the next token of
a batch of B hypotheses of one example (see ``beam_search``);
``seq2seq_decoder`` makes one from a trained ``seq2seq.Seq2Seq``.
"""

from collections import namedtuple

import numpy as np

from ._checks import check_callable, check_int, check_number, check_shape
from .dense import dense_forward
from .gru import gru_step_forward
from .seq2seq import GRU_KEYS, Seq2Seq
from .seq2seq_attention import Seq2SeqAttention
from .tasks import one_hot
from .translate_task import BOS

Hypothesis = namedtuple("Hypothesis", "tokens log_prob score finished")
Hypothesis.__doc__ = """One decoded sequence.

tokens : int array (L,), the tokens generated after ``<bos>``, ending in
    ``<eos>`` when ``finished``
log_prob : float, log p(tokens | x), the sum of the step log-probabilities
score : float, log_prob / L**alpha, what hypotheses are ranked by
finished : bool, whether it ended with ``<eos>`` (False: cut at max_len)
"""


def _check_states(name, states, b):
    """An ndarray with first axis ``b``, or a tuple of them; float states finite."""
    parts = states if isinstance(states, tuple) else (states,)
    if not parts:
        raise ValueError(f"{name} must be an array or a tuple of arrays, got an empty tuple")
    for i, s in enumerate(parts):
        what = name if not isinstance(states, tuple) else f"{name}[{i}]"
        if not isinstance(s, np.ndarray):
            raise TypeError(f"{what} must be an ndarray (first axis one per hypothesis), "
                            f"got {type(s).__name__}")
        if s.ndim == 0 or s.shape[0] != b:
            raise ValueError(f"{what} must have first axis {b} (one per hypothesis), "
                             f"got shape {s.shape}")
        if s.dtype.kind == "f" and not np.isfinite(s).all():
            raise ValueError(f"{what} contains NaN or inf")
    return states


def _take(states, idx):
    """The states of the hypotheses ``idx``, in that order."""
    if isinstance(states, tuple):
        return tuple(s[idx] for s in states)
    return states[idx]


def _check_search(step, state0, bos, eos, max_len, alpha):
    check_callable("step", step)
    _check_states("state0", state0, 1)
    check_int("bos", bos, 0)
    check_int("eos", eos, 0)
    check_int("max_len", max_len, 1)
    check_number("alpha", alpha, 0)


class _Stepper:
    """Calls ``step`` and checks what it returns against the batch and V."""

    def __init__(self, step, eos):
        self.step, self.eos, self.V = step, eos, None

    def __call__(self, tokens, states):
        b = len(tokens)
        out = self.step(tokens, states)
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError("step must return (log_probs, new_states), got "
                            f"{type(out).__name__}")
        log_probs = check_shape("step's log_probs", out[0], (b, "V" if self.V is None
                                                             else self.V))
        if self.V is None:
            self.V = log_probs.shape[1]
            if self.eos >= self.V:
                raise ValueError(f"eos must be a token id in [0, V = {self.V}), got {self.eos}")
        if np.isnan(log_probs).any() or (log_probs == np.inf).any():
            raise ValueError("step returned NaN or +inf log-probabilities (log p <= 0; "
                             "-inf is p = 0)")
        return log_probs, _check_states("step's new_states", out[1], b)


def _finish(prefixes, log_p, finished, alpha):
    """Hypotheses for the rows of prefixes (B, L) with log-probs log_p (B,)."""
    L = prefixes.shape[1]
    return [Hypothesis(p.copy(), float(lp), float(lp) / L**alpha, finished)
            for p, lp in zip(prefixes, log_p)]


def _ranked(hyps):
    """Best score first; ties broken by the token sequences, so the order is fixed."""
    return sorted(hyps, key=lambda h: (-h.score, tuple(h.tokens.tolist())))


def beam_search(step, state0, bos, eos, width, max_len, alpha=0.0):
    """Beam search for one example.

    At each step every hypothesis in the beam is extended by every token; of
    those candidates the ``width`` with the highest total log-probability are
    kept (ties to the lower hypothesis, then token, index: width 1 is the
    arg-max of greedy decoding). A kept candidate that ends in ``eos`` is
    finished and leaves the beam, which then holds fewer hypotheses; the
    search stops when the beam is empty or after ``max_len`` steps, when the
    hypotheses still in it are returned too, unfinished.

    Parameters
    ----------
    step : callable (tokens, states) -> (log_probs, new_states)
        ``tokens`` int array (B,), the last token of each of B hypotheses of
        this one example (``bos`` at the first step); ``states`` their
        decoder states, an ndarray with first axis B or a tuple of them.
        Returns ``log_probs`` (B, V), log p of each next token, and the new
        states in the same layout. It must not keep state of its own.
    state0 : ndarray with first axis 1, or a tuple of them: the decoder's
        state before the first step (the encoder's context, say)
    bos, eos : int, the start and end tokens (eos in [0, V))
    width : int >= 1, the beam width
    max_len : int >= 1, the most tokens generated (``eos`` included)
    alpha : float >= 0, the length-normalisation exponent:
        ``score = log_prob / L**alpha``, L the number of tokens generated

    Returns
    -------
    list of at most ``width`` ``Hypothesis`` (tokens, log_prob, score,
    finished), best score first: the finished hypotheses and those cut at
    max_len. ``[0].tokens`` is the decoded sequence.
    """
    _check_search(step, state0, bos, eos, max_len, alpha)
    check_int("width", width, 1)
    stepper = _Stepper(step, eos)
    prefixes, log_p = np.zeros((1, 0), dtype=int), np.zeros(1)
    tokens, states = np.array([bos]), state0
    done = []
    for _ in range(max_len):
        log_probs, states = stepper(tokens, states)
        total = (log_p[:, None] + log_probs).ravel()  # (B V,), hypothesis-major
        best = np.argsort(-total, kind="stable")[:width]
        parents, tokens = np.divmod(best, stepper.V)
        prefixes = np.concatenate([prefixes[parents], tokens[:, None]], axis=1)
        log_p = total[best]
        ended = tokens == eos
        done += _finish(prefixes[ended], log_p[ended], True, alpha)
        prefixes, log_p, tokens = prefixes[~ended], log_p[~ended], tokens[~ended]
        states = _take(states, parents[~ended])
        if not len(tokens):
            break
    done += _finish(prefixes, log_p, False, alpha)
    return _ranked(done)[:width]


def exhaustive_search(step, state0, bos, eos, max_len, alpha=0.0, limit=100_000):
    """Every sequence up to ``max_len`` tokens, scored: the exact answer that
    beam search approximates, for a small vocabulary.

    Sequences are the ones ``beam_search`` can return: each ends at its first
    ``eos`` (finished) or has ``max_len`` tokens and no ``eos`` (cut). For
    a vocabulary of V tokens there are about V**max_len of them.

    Parameters
    ----------
    step, state0, bos, eos, max_len, alpha : as in ``beam_search``
    limit : int, the most hypotheses passed to ``step`` at once; a search
        that needs more raises a ValueError instead of running for hours

    Returns
    -------
    list of every ``Hypothesis``, best score first
    """
    _check_search(step, state0, bos, eos, max_len, alpha)
    check_int("limit", limit, 1)
    stepper = _Stepper(step, eos)
    prefixes, log_p = np.zeros((1, 0), dtype=int), np.zeros(1)
    tokens, states = np.array([bos]), state0
    done = []
    for t in range(max_len):
        if len(tokens) > limit:
            raise ValueError(f"exhaustive search needs {len(tokens)} hypotheses at step {t} "
                             f"(V = {stepper.V}), more than limit = {limit}: shorten max_len")
        log_probs, states = stepper(tokens, states)
        V = stepper.V
        parents = np.repeat(np.arange(len(tokens)), V)
        tokens = np.tile(np.arange(V), len(log_p))
        prefixes = np.concatenate([prefixes[parents], tokens[:, None]], axis=1)
        log_p = (log_p[:, None] + log_probs).ravel()
        ended = tokens == eos
        done += _finish(prefixes[ended], log_p[ended], True, alpha)
        prefixes, log_p, tokens = prefixes[~ended], log_p[~ended], tokens[~ended]
        states = _take(states, parents[~ended])
        if not len(tokens):
            break
    done += _finish(prefixes, log_p, False, alpha)
    return _ranked(done)


def seq2seq_decoder(model, src, src_len, params=None):
    """The ``step`` and ``state0`` of a ``seq2seq.Seq2Seq`` for one source.

    The state is the decoder's hidden state h (B, H); a step feeds the
    one-hot tokens to the decoder GRU and returns log softmax(W_y h + b_y):
    the same computation as ``Seq2Seq.greedy_decode``, one step at a time.
    For a ``Seq2SeqAttention`` the state is a tuple, see its ``decoder_step``.

    Parameters
    ----------
    model : Seq2Seq or Seq2SeqAttention
    src : int array (1, T), one right-padded source; src_len : int array (1,)
    params : dict, optional, weights to use instead of ``model.params``

    Returns
    -------
    step : callable (tokens (B,), h (B, H)) -> (log_probs (B, V), h (B, H))
    state0 : ndarray (1, H), the encoder's context c
    bos : int, the model's ``<bos>`` token, to pass on to the search
    """
    if isinstance(model, Seq2SeqAttention):
        return model.decoder_step(src, src_len, params)
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, got {type(model).__name__}")
    src = np.asarray(src)
    if src.ndim != 2 or src.shape[0] != 1:
        raise ValueError(f"src must have shape (1, T), one source, got {src.shape}")
    c, _ = model.encode(src, src_len, params)  # checks src, src_len and params
    p = model.params if params is None else params
    dec = {k: np.asarray(p[f"dec_{k}"], dtype=np.float64) for k in GRU_KEYS}
    W_y, b_y = np.asarray(p["W_y"], dtype=np.float64), np.asarray(p["b_y"], dtype=np.float64)
    V = model.V

    def step(tokens, h):
        h, _ = gru_step_forward(one_hot(np.asarray(tokens)[:, None], V)[:, 0], h, dec)
        z = dense_forward(h, W_y, b_y)[0]
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True)), h

    return step, c, BOS
