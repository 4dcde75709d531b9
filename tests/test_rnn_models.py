import numpy as np

from dlnotes import rnn_models


def test_echo_accuracy_is_echo_example_for_every_seed_and_window():
    kw = dict(length=6, delay=2, hidden=4, n=8, steps=5)
    acc = rnn_models.echo_accuracy([1, None], [0, 3], **kw)
    assert acc.shape == (2, 2)
    for i, s in enumerate([0, 3]):
        for j, k in enumerate([1, None]):
            assert acc[i, j] == rnn_models.echo_example(k, seed=s, **kw)["test_accuracy"]
    assert rnn_models.echo_accuracy([2], [], **kw).shape == (0, 1)


def test_word_examples_train_on_one_set_and_test_on_unseen_items():
    for example in (rnn_models.classifier_example, rnn_models.tagger_example):
        result = example(n=40, steps=3, n_test=20, seed=1)
        assert 0 <= result["test_accuracy"] <= 1 and len(result["history"]) == 4
        again = example(n=40, steps=3, n_test=20, seed=1)
        np.testing.assert_array_equal(result["params"]["W_h"], again["params"]["W_h"])
