"""Small sequence tasks for the recurrent chapters, made with numpy.

Every task returns integer token arrays (N, T) and, where sequences differ in
length, a boolean ``mask`` (N, T) that is True at real steps and False at
padding. ``one_hot`` turns tokens into the (N, T, D) inputs of ``rnn_forward``.

- ``delayed_echo``: repeat the symbol seen ``delay`` steps ago (a memory of
  exactly ``delay`` steps; many-to-many with Nx = Ny).
- ``sentiment``: tiny movie reviews with "not" and "but", one label per
  review (many-to-one).
- ``entity_tags``: tag every word O / PER / LOC where the same name can be a
  person or a place and only the words before it tell which (many-to-many).
- ``MELODIES``: three tunes to continue from one input (one-to-many).
"""

import numpy as np

from ._checks import check_int, check_ints, check_rng


def one_hot(tokens, V):
    """One-hot encode integer tokens.

    Parameters
    ----------
    tokens : int array (N, T), values in [0, V)
    V : int, vocabulary size

    Returns
    -------
    x : ndarray (N, T, V), float64
    """
    V = check_int("V", V, 1)
    tokens = np.asarray(tokens)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(f"tokens must be integers, got dtype {tokens.dtype}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= V):
        raise ValueError(
            f"tokens must lie in [0, {V}), got range [{tokens.min()}, {tokens.max()}]"
        )
    return np.eye(V)[tokens]


def pad_sequences(seqs, pad=0):
    """Stack sequences of different lengths into one padded array.

    Parameters
    ----------
    seqs : list of N lists of ints
    pad : int, the token written after a sequence ends

    Returns
    -------
    tokens : int array (N, T) with T the longest length
    mask : bool array (N, T), True at real steps
    """
    if not isinstance(seqs, list | tuple):
        raise TypeError(f"seqs must be a list of sequences of ints, got {type(seqs).__name__}")
    if not seqs:
        raise ValueError("seqs must hold at least one sequence")
    pad = check_int("pad", pad)
    seqs = [check_ints(f"seqs[{i}]", s, (None,)) for i, s in enumerate(seqs)]
    T = max(len(s) for s in seqs)
    if T == 0:
        raise ValueError(f"seqs must hold at least one token, got {len(seqs)} empty sequences")
    tokens = np.full((len(seqs), T), pad, dtype=int)
    mask = np.zeros((len(seqs), T), dtype=bool)
    for i, s in enumerate(seqs):
        tokens[i, : len(s)] = s
        mask[i, : len(s)] = True
    return tokens, mask


def delayed_echo(n, length, delay, vocab, rng):
    """Sequences of random symbols; the target at step t is the input at t - delay.

    Solving it needs a memory of exactly ``delay`` steps, so it shows what a
    truncated gradient window (or a vanishing gradient) can and cannot learn.

    Parameters
    ----------
    n, length : int, number of sequences N and their length T
    delay : int, 0 <= delay < length
    vocab : int, number of symbols V
    rng : np.random.Generator

    Returns
    -------
    tokens : int array (N, T), values in [0, V)
    targets : int array (N, T); targets[:, t] = tokens[:, t - delay], and 0
        for t < delay, where there is nothing to echo
    mask : bool array (N, T), False for t < delay
    """
    check_int("n", n, 0)
    check_int("length", length, 1)
    check_int("delay", delay)
    check_int("vocab", vocab, 1)
    rng = check_rng("rng", rng)
    if not 0 <= delay < length:
        raise ValueError(f"delay must lie in [0, {length}), got {delay}")
    tokens = rng.integers(0, vocab, size=(n, length))
    targets = np.zeros_like(tokens)
    targets[:, delay:] = tokens[:, : length - delay]
    mask = np.zeros((n, length), dtype=bool)
    mask[:, delay:] = True
    return tokens, targets, mask


#: words of the ``sentiment`` task; index 0 is the padding token
SENTIMENT_VOCAB = [
    "<pad>", "the", "movie", "plot", "actors", "was", "were", "not", "very",
    "and", "but", "good", "great", "fun", "bad", "boring", "awful",
]
_POSITIVE, _NEGATIVE = ["good", "great", "fun"], ["bad", "boring", "awful"]


def _clause(rng, polarity):
    """Words of one clause whose meaning has ``polarity`` (+1 or -1)."""
    noun = rng.choice(["movie", "plot", "actors"])
    verb = "were" if noun == "actors" else "was"
    negated = bool(rng.integers(2))
    words = ["the", noun, verb] + (["not"] if negated else [])
    if rng.integers(2):
        words.append("very")
    pool = _POSITIVE if polarity * (-1 if negated else 1) > 0 else _NEGATIVE
    return words + [rng.choice(pool)]


def sentiment(n, rng):
    """Tiny reviews labelled by the polarity of their last clause.

    A review is one clause ("the plot was not very good") or two joined by
    "and" (same polarity) or "but" (opposite polarity). "not" flips an
    adjective, so the label needs the word before the adjective, and with
    "but" the first clause must be overridden.

    Returns
    -------
    tokens : int array (N, T), indices into ``SENTIMENT_VOCAB``, padded with 0
    labels : int array (N,), 1 positive, 0 negative
    mask : bool array (N, T)
    """
    check_int("n", n, 1)
    rng = check_rng("rng", rng)
    seqs, labels = [], []
    vocab = {w: i for i, w in enumerate(SENTIMENT_VOCAB)}
    for _ in range(n):
        polarity = rng.choice([-1, 1])
        words = _clause(rng, polarity)
        join = rng.choice(["", "and", "but"])
        if join:
            polarity = -polarity if join == "but" else polarity
            words += [join] + _clause(rng, polarity)
        seqs.append([vocab[w] for w in words])
        labels.append(int(polarity > 0))
    tokens, mask = pad_sequences(seqs)
    return tokens, np.array(labels), mask


#: words of the ``entity_tags`` task; index 0 is the padding token
ENTITY_VOCAB = [
    "<pad>", "i", "we", "they", "met", "called", "saw", "flew", "drove", "moved",
    "to", "from", "in", "with", "and", "paris", "jordan", "sydney", "georgia",
    "austin", "florence",
]
#: tags of the ``entity_tags`` task
ENTITY_TAGS = ["O", "PER", "LOC"]
_NAMES = ["paris", "jordan", "sydney", "georgia", "austin", "florence"]


def entity_tags(n, rng):
    """Sentences whose names are people or places depending on what came before.

    Every name ("paris", "jordan", ...) is both a first name and a place. It is
    a person (PER) after "met", "called", "saw" or "with", a place (LOC) after
    "to", "from" or "in", and after "and" it takes the tag of the name before
    "and". Every other word is O. Examples: "we met paris and jordan in
    sydney" -> O O PER O PER O LOC; "i flew to georgia with austin" ->
    O O O LOC O PER.

    Returns
    -------
    tokens : int array (N, T), indices into ``ENTITY_VOCAB``, padded with 0
    tags : int array (N, T), indices into ``ENTITY_TAGS`` (0 at padding)
    mask : bool array (N, T)
    """
    check_int("n", n, 1)
    rng = check_rng("rng", rng)
    vocab = {w: i for i, w in enumerate(ENTITY_VOCAB)}
    PER, LOC = 1, 2
    seqs, tag_seqs = [], []
    for _ in range(n):
        words = [rng.choice(["i", "we", "they"])]
        tags = [0]
        if rng.integers(2):
            words.append(rng.choice(["met", "called", "saw"]))
            tags.append(0)
            kind, tail = PER, rng.choice(["to", "from", "in"])
        else:
            words += [rng.choice(["flew", "drove", "moved"]), rng.choice(["to", "from"])]
            tags += [0, 0]
            kind, tail = LOC, "with"
        names = rng.choice(_NAMES, size=2 + rng.integers(2), replace=False)
        words.append(names[0])
        tags.append(kind)
        if rng.integers(2):
            words += ["and", names[1]]
            tags += [0, kind]
        if rng.integers(2):
            words += [tail, names[-1]]
            tags += [0, PER if tail == "with" else LOC]
        seqs.append([vocab[w] for w in words])
        tag_seqs.append(tags)
    tokens, mask = pad_sequences(seqs)
    return tokens, pad_sequences(tag_seqs)[0], mask


#: the opening phrases of three public-domain tunes, as note names
MELODIES = {
    "twinkle": "C C G G A A G F F E E D D C".split(),
    "ode to joy": "E E F G G F E D C C D E E D D".split(),
    "mary's lamb": "E D C D E E E D D D E G G".split(),
}
#: the notes of ``MELODIES`` and the end-of-tune symbol "|"
NOTES = ["C", "D", "E", "F", "G", "A", "|"]


def unseen_split(make, n_train, n_test, rng, max_draws=100):
    """A training set and a test set from one task, no test item seen in training.

    The word tasks draw from a small space of sentences, so two independent
    draws share many items: a test set drawn like the training set would
    partly measure memory. Here the training set is ``make(n_train, rng)``;
    the test set draws further items from the same generator and keeps the
    first ``n_test`` whose real tokens (``tokens[i][mask[i]]``) are not those
    of any training item. (The test set may repeat an item of its own, as the
    generator does; its distribution is the generator's, given unseen.)

    Parameters
    ----------
    make : callable (n, rng) -> (tokens (n, T), y, mask (n, T)), a task
        generator such as ``sentiment`` or ``entity_tags``; y is (n,) per
        item or (n, T) per step, and padding is 0 in tokens and y
    n_train, n_test : int >= 1, the number of items N in each set
    rng : np.random.Generator
    max_draws : int, batches of ``n_test`` items to draw before giving up

    Returns
    -------
    train, test : tuples (tokens (N, T), y, mask (N, T)) as ``make`` returns
        them, each padded to its own longest item

    Raises
    ------
    ValueError if ``max_draws`` batches hold fewer than ``n_test`` unseen
    items (the task has too few distinct items for the sizes asked).
    """
    for name, n in (("n_train", n_train), ("n_test", n_test), ("max_draws", max_draws)):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"{name} must be an int >= 1, got {n!r}")
    if not callable(make):
        raise TypeError("make must be a task generator (n, rng) -> (tokens, y, mask), "
                        f"got {type(make).__name__} {make!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a np.random.Generator, got {type(rng).__name__}")
    train = make(n_train, rng)
    seen = {tuple(row[m]) for row, m in zip(train[0], train[2])}
    seqs, ys = [], []
    for _ in range(max_draws):
        tokens, y, mask = make(n_test, rng)
        for i in range(len(tokens)):
            real = tokens[i][mask[i]]
            if tuple(real) not in seen:
                seqs.append(list(real))
                ys.append(y[i] if y.ndim == 1 else list(y[i][mask[i]]))
        if len(seqs) >= n_test:
            tokens, mask = pad_sequences(seqs[:n_test])
            y = np.array(ys[:n_test]) if y.ndim == 1 else pad_sequences(ys[:n_test])[0]
            return train, (tokens, y, mask)
    raise ValueError(f"found only {len(seqs)} unseen items in {max_draws} draws of "
                     f"{n_test}, fewer than n_test = {n_test}")
