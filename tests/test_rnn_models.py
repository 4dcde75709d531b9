import numpy as np
import pytest

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


def test_clipping_example_records_the_norm_before_clipping_and_bounds_every_step():
    kw = dict(seed=3, steps=12, n=8, length=10, delay=3)
    plain = rnn_models.clipping_example(None, **kw)
    clipped = rnn_models.clipping_example(0.05, **kw)
    assert plain["loss"].shape == plain["grad_norm"].shape == (12,)
    # the same data and weights: the first loss and gradient agree exactly
    assert plain["loss"][0] == clipped["loss"][0]
    assert plain["grad_norm"][0] == clipped["grad_norm"][0] > 0.05
    # a threshold above every norm changes nothing
    loose = rnn_models.clipping_example(1e9, **kw)
    np.testing.assert_array_equal(loose["loss"], plain["loss"])
    assert not plain["diverged"] and clipped["threshold"] == 0.05


def test_clipping_example_replays_plain_sgd_with_clip_by_norm():
    from dlnotes.clip import clip_by_norm
    kw = dict(n=4, length=8, delay=2)
    run = rnn_models.clipping_example(0.1, seed=1, steps=3, lr=0.7, **kw)
    x, targets, mask = rnn_models.echo_data(4, 8, 2, seed=1)
    p = rnn_models.init_rnn_params(4, 16, 4, np.random.default_rng(2))
    for step in range(3):
        loss, g = rnn_models.loss_and_grads(p, x, targets, mask)
        assert loss == run["loss"][step]
        g, norm = clip_by_norm(g, 0.1)
        assert norm == run["grad_norm"][step]
        p = {k: p[k] - 0.7 * g[k] for k in p}


def test_clipping_example_names_a_bad_threshold():
    with pytest.raises(ValueError, match="threshold"):
        rnn_models.clipping_example(-1.0, steps=2, n=2, length=6, delay=2)
