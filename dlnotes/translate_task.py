"""A toy translation task with a checkable answer: reverse a string of digits.

"31415" -> "51413". Like translation it maps a sequence to a sequence and
reorders it; unlike translation the right answer is unique, so a model's
output can be scored by exact match. The model is never told the output's
length: it has to emit the end token ``<eos>`` itself.

Tokens are integers: 0 ``<pad>``, 1 ``<bos>``, 2 ``<eos>``, then the digits
"0".."9" as 3..12. Source and target share this one vocabulary of V = 13.
"""

import numpy as np

from ._checks import check_int, check_ints, check_keys, check_rng
from .tasks import pad_sequences

PAD, BOS, EOS = 0, 1, 2
VOCAB = ["<pad>", "<bos>", "<eos>", *"0123456789"]
INDEX = {t: i for i, t in enumerate(VOCAB)}


def translate(source):
    """The right answer for a source string: its characters reversed."""
    if not isinstance(source, str) or not (source.isdigit() and source.isascii()):
        raise ValueError(f"source must be a string of digits 0-9, got {source!r}")
    return source[::-1]


def random_strings(n, min_len, max_len, rng):
    """``n`` random digit strings, lengths uniform in [min_len, max_len].

    Parameters
    ----------
    n : int
    min_len, max_len : int, 1 <= min_len <= max_len
    rng : np.random.Generator

    Returns
    -------
    list of n str
    """
    check_int("n", n, 0)
    check_int("min_len", min_len)
    check_int("max_len", max_len)
    rng = check_rng("rng", rng)
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got {min_len} and {max_len}")
    lengths = rng.integers(min_len, max_len + 1, n)
    digits = rng.integers(0, 10, (n, max_len))
    return ["".join(map(str, row[:k])) for row, k in zip(digits, lengths)]


def split(n_train, n_test, min_len, max_len, rng):
    """Training strings and held-out strings, the two sets disjoint.

    Held-out strings are distinct and none occurs in the training list, so
    exact match on them measures generalisation, not memory. Short lengths
    have few strings (10 of length 1), so the held-out set may hold fewer
    short ones than long ones.

    Returns
    -------
    train : list of n_train str (may repeat)
    test : list of at most n_test distinct str, none in ``train``
    """
    check_int("n_train", n_train, 0)
    check_int("n_test", n_test, 0)
    rng = check_rng("rng", rng)
    train = random_strings(n_train, min_len, max_len, rng)
    seen = set(train)
    test = []
    for s in random_strings(4 * n_test, min_len, max_len, rng):
        if s not in seen and len(test) < n_test:
            test.append(s)
            seen.add(s)
    return train, test


def encode(strings):
    """Token ids of digit strings, right-padded with ``<pad>``.

    Parameters
    ----------
    strings : list of N str of digits, each non-empty

    Returns
    -------
    tokens : int array (N, T), T the longest length; PAD after each string
    lengths : int array (N,)
    """
    return _encode("strings", strings)


def _check_strings(name, strings):
    """A non-empty list of digit strings, each error naming the argument."""
    if isinstance(strings, str):
        raise TypeError(f"{name} must be a list of str, got one str; wrap it in a list")
    if not isinstance(strings, list | tuple):
        raise TypeError(f"{name} must be a non-empty list of str, got {strings!r:.60}")
    if not strings:
        raise ValueError(f"{name} must be a non-empty list of str, got an empty one")
    for s in strings:
        if not isinstance(s, str) or not s or not s.isdigit() or not s.isascii():
            raise ValueError(f"every string of {name} must be a non-empty string of digits "
                             f"0-9, got {s!r}")
    return strings


def _encode(name, strings):
    _check_strings(name, strings)
    tokens, mask = pad_sequences([[INDEX[c] for c in s] for s in strings], pad=PAD)
    return tokens, mask.sum(axis=1)


def decode(tokens):
    """The string a row of token ids spells, up to its first ``<eos>``.

    ``<pad>`` and ``<bos>`` are skipped; ``tokens`` is a 1-d int array of
    ids in [0, V). Returns a str.
    """
    out = []
    for t in check_ints("tokens", tokens, (None,), 0, len(VOCAB)):
        if t == EOS:
            break
        if t > EOS:
            out.append(VOCAB[t])
    return "".join(out)


def teacher_forcing_pair(targets):
    """Decoder inputs and outputs for target strings, shifted by one step.

    The decoder reads ``<bos> y_1 .. y_{T'-1} y_T'`` and must predict
    ``y_1 .. y_T' <eos>``: at every step its input is the previous *true*
    token (teacher forcing). Rows are right-padded with ``<pad>``.

    Parameters
    ----------
    targets : list of N str of digits

    Returns
    -------
    y_in : int array (N, T'+1), starting with BOS
    y_out : int array (N, T'+1), ending each row with EOS, PAD after it
    """
    tokens, lengths = _encode("targets", targets)
    n, t = tokens.shape
    y_in = np.full((n, t + 1), PAD, dtype=int)
    y_out = np.full((n, t + 1), PAD, dtype=int)
    y_in[:, 0] = BOS
    y_in[:, 1:] = tokens
    y_out[:, :t] = tokens
    y_out[np.arange(n), lengths] = EOS
    return y_in, y_out


def batch(sources):
    """Everything a training step needs for a list of source strings.

    Returns a dict: ``src`` (N, T) and ``src_len`` (N,) from ``encode``,
    ``y_in`` and ``y_out`` (N, T+1) from ``teacher_forcing_pair`` of the
    reversed strings.
    """
    src, src_len = _encode("sources", sources)
    y_in, y_out = teacher_forcing_pair([translate(s) for s in sources])
    return {"src": src, "src_len": src_len, "y_in": y_in, "y_out": y_out}


def subset(data, idx):
    """Rows ``idx`` of a ``batch`` dict, with all-padding columns cut off.

    A mini-batch of short strings then costs only its own length in time
    steps, not the longest string of the whole training set.

    data : a ``batch`` dict; idx : int array (K,) of row numbers, K >= 1
    """
    data = _check_batch("data", data, len(VOCAB))
    idx = check_ints("idx", idx, (None,), 0, len(data["src_len"]))
    if len(idx) == 0:
        raise ValueError("idx must select at least one row, got none")
    return _subset(data, idx)


def _check_batch(name, data, V):
    """Check a ``batch`` dict, each error naming its key: ``src`` (N, T) and
    ``y_in``, ``y_out`` (N, T') ids in [0, V), ``src_len`` (N,) in [1, T].
    Returns the four as int arrays."""
    check_keys(name, data, ("src", "src_len", "y_in", "y_out"))
    src = check_ints(f"{name}['src']", data["src"], (None, None), 0, V)
    n, t = src.shape
    src_len = check_ints(f"{name}['src_len']", data["src_len"], (n,), 1, t + 1)
    y_in = check_ints(f"{name}['y_in']", data["y_in"], (n, None), 0, V)
    y_out = check_ints(f"{name}['y_out']", data["y_out"], y_in.shape, 0, V)
    return {"src": src, "src_len": src_len, "y_in": y_in, "y_out": y_out}


def _subset(data, idx):
    """``subset`` of a checked batch: the training loop's path."""
    src_len = data["src_len"][idx]
    y_len = (data["y_out"][idx] != PAD).sum(axis=1)
    T, T_out = src_len.max(), y_len.max()
    return {"src": data["src"][idx, :T], "src_len": src_len,
            "y_in": data["y_in"][idx, :T_out], "y_out": data["y_out"][idx, :T_out]}
