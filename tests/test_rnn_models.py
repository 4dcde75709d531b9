import numpy as np

from dlnotes import rnn_models


def test_word_examples_train_on_one_set_and_test_on_unseen_items():
    for example in (rnn_models.classifier_example, rnn_models.tagger_example):
        result = example(n=40, steps=3, n_test=20, seed=1)
        assert 0 <= result["test_accuracy"] <= 1 and len(result["history"]) == 4
        again = example(n=40, steps=3, n_test=20, seed=1)
        np.testing.assert_array_equal(result["params"]["W_h"], again["params"]["W_h"])
