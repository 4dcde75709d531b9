import numpy as np
import pytest

from dlnotes import tasks


def test_one_hot_places_a_single_one_per_step():
    x = tasks.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert x.shape == (2, 2, 3)
    np.testing.assert_array_equal(x.sum(axis=2), 1)
    np.testing.assert_array_equal(x.argmax(axis=2), [[0, 2], [1, 1]])


def test_one_hot_rejects_out_of_range_and_float_tokens():
    with pytest.raises(ValueError, match=r"tokens must lie in \[0, 3\), got range \[0, 3\]"):
        tasks.one_hot(np.array([[0, 3]]), 3)
    with pytest.raises(TypeError, match="tokens must be integers"):
        tasks.one_hot(np.array([[0.0]]), 3)


def test_pad_sequences_pads_and_masks():
    tokens, mask = tasks.pad_sequences([[4, 5, 6], [7]], pad=9)
    np.testing.assert_array_equal(tokens, [[4, 5, 6], [7, 9, 9]])
    np.testing.assert_array_equal(mask, [[True, True, True], [True, False, False]])


def test_delayed_echo_targets_are_the_inputs_delay_steps_ago():
    tokens, targets, mask = tasks.delayed_echo(5, 8, 3, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(targets[:, 3:], tokens[:, :5])
    assert not mask[:, :3].any() and mask[:, 3:].all()
    with pytest.raises(ValueError, match="delay must lie in"):
        tasks.delayed_echo(5, 8, 8, 4, np.random.default_rng(0))


def _decode(tokens, mask, vocab):
    return [[vocab[i] for i in row[m]] for row, m in zip(tokens, mask)]


def test_sentiment_label_follows_the_last_adjective_and_its_not():
    tokens, labels, mask = tasks.sentiment(300, np.random.default_rng(1))
    for words, label in zip(_decode(tokens, mask, tasks.SENTIMENT_VOCAB), labels):
        positive = words[-1] in ("good", "great", "fun")
        negated = "not" in words[-3:-1]
        assert label == int(positive != negated), words
    assert 0.3 < labels.mean() < 0.7


def test_entity_tags_follow_the_word_before_each_name():
    tokens, tags, mask = tasks.entity_tags(300, np.random.default_rng(2))
    for words, row in zip(_decode(tokens, mask, tasks.ENTITY_VOCAB), tags):
        for i, w in enumerate(words):
            tag = tasks.ENTITY_TAGS[row[i]]
            if w not in tasks._NAMES:
                assert tag == "O"
            elif words[i - 1] in ("met", "called", "saw", "with"):
                assert tag == "PER"
            elif words[i - 1] in ("to", "from", "in"):
                assert tag == "LOC"
            else:
                assert words[i - 1] == "and" and tag == tasks.ENTITY_TAGS[row[i - 2]]


def test_melodies_use_only_known_notes():
    for notes in tasks.MELODIES.values():
        assert set(notes) <= set(tasks.NOTES[:-1])


def _items(tokens, mask):
    return [tuple(row[m]) for row, m in zip(tokens, mask)]


@pytest.mark.parametrize("make, n_train", [(tasks.sentiment, 400), (tasks.entity_tags, 200)])
def test_unseen_split_keeps_every_test_item_out_of_training(make, n_train):
    # a plain second draw repeats many training items (a third of the reviews)
    rng = np.random.default_rng(0)
    first, second = make(n_train, rng), make(400, rng)
    assert set(_items(first[0], first[2])) & set(_items(second[0], second[2]))
    train, test = tasks.unseen_split(make, n_train, 400, np.random.default_rng(0))
    assert len(train[0]) == n_train and len(test[0]) == 400
    assert not set(_items(train[0], train[2])) & set(_items(test[0], test[2]))
    # the test items keep their labels: the same item drawn by the task's rules
    vocab = tasks.SENTIMENT_VOCAB if make is tasks.sentiment else tasks.ENTITY_VOCAB
    for words, y, m in zip(_decode(test[0], test[2], vocab), test[1], test[2]):
        assert len(words) == m.sum()
        if make is tasks.sentiment:
            negated = "not" in words[-3:-1]
            assert y == int((words[-1] in ("good", "great", "fun")) != negated), words
        else:
            assert not y[~m].any() and all(
                (tasks.ENTITY_TAGS[t] != "O") == (w in tasks._NAMES)
                for w, t in zip(words, y[m]))


def test_unseen_split_is_reproducible_and_refuses_a_task_too_small():
    a = tasks.unseen_split(tasks.sentiment, 50, 30, np.random.default_rng(3))
    b = tasks.unseen_split(tasks.sentiment, 50, 30, np.random.default_rng(3))
    for x, y in zip(a[0] + a[1], b[0] + b[1]):
        np.testing.assert_array_equal(x, y)

    def one_item(n, rng):
        return np.ones((n, 2), dtype=int), np.zeros(n, dtype=int), np.ones((n, 2), dtype=bool)

    with pytest.raises(ValueError, match="unseen items"):
        tasks.unseen_split(one_item, 5, 5, np.random.default_rng(0), max_draws=3)
    with pytest.raises(ValueError, match="n_test must be an int >= 1"):
        tasks.unseen_split(tasks.sentiment, 5, 0, np.random.default_rng(0))
