import numpy as np
import pytest

from dlnotes import memory_tasks
from dlnotes.clip import clip_by_norm
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.losses import softmax_cross_entropy
from dlnotes.memory_tasks import (
    CELLS,
    SOLVED,
    _stacked_backward,
    _stacked_forward,
    classifier_backward,
    classifier_forward,
    classifier_init,
    input_gradient_norms,
    longest_solved,
    recall_seed_grid,
    recall_task,
    seed_run,
    train_recall,
    train_recall_seeds,
)


def test_recall_task_flags_the_first_symbol_and_labels_it():
    x, labels = recall_task(50, 6, np.random.default_rng(0), symbols=3)
    assert x.shape == (50, 7, 4) and labels.shape == (50,)
    np.testing.assert_array_equal(x[:, :, :3].sum(axis=2), 1.0)  # one symbol per step
    np.testing.assert_array_equal(x[:, 0, 3], 1.0)  # the flag, at t = 0 only
    np.testing.assert_array_equal(x[:, 1:, 3], 0.0)
    np.testing.assert_array_equal(labels, x[:, 0, :3].argmax(axis=1))
    assert set(np.unique(x[:, 1:, :3].argmax(axis=2))) == {0, 1, 2}  # look-alike noise
    again, _ = recall_task(50, 6, np.random.default_rng(0), symbols=3)
    np.testing.assert_array_equal(x, again)


def test_recall_task_rejects_bad_sizes():
    with pytest.raises(ValueError, match="lag must be at least 1, got 0"):
        recall_task(2, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="symbols must be at least 2"):
        recall_task(2, 3, np.random.default_rng(0), symbols=1)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("n,t,hidden", [(2, 3, 3), (3, 5, 2)])
def test_classifier_backward_matches_finite_differences(cell, n, t, hidden):
    rng = np.random.default_rng(1)
    params = classifier_init(cell, 4, hidden, 3, rng, keep_bias=0.5)
    params = {k: v + rng.normal(scale=0.3, size=v.shape) for k, v in params.items()}
    x, labels = rng.normal(size=(n, t, 4)), rng.integers(0, 3, n)
    logits, cache = classifier_forward(cell, params, x)
    _, dlogits = softmax_cross_entropy(logits, labels)
    dx, grads = classifier_backward(dlogits, cache)
    loss = lambda: softmax_cross_entropy(classifier_forward(cell, params, x)[0], labels)[0]  # noqa: E731
    assert set(grads) == set(params)
    bound = fd_error_bound(loss())
    for k, p in params.items():
        assert_grad_within(f"{cell} {k}", numerical_gradient(loss, p), grads[k], bound)
    assert_grad_within(f"{cell} x", numerical_gradient(loss, x), dx, bound)


def test_classifier_init_biases_the_gates_towards_keeping():
    rng = np.random.default_rng(0)
    lstm = classifier_init("lstm", 5, 4, 4, rng, keep_bias=3.0)
    np.testing.assert_array_equal(lstm["b_f"], 3.0)
    np.testing.assert_array_equal(lstm["b_i"], -3.0)
    gru = classifier_init("gru", 5, 4, 4, rng, keep_bias=3.0)
    np.testing.assert_array_equal(gru["b_u"], 3.0)
    assert set(classifier_init("rnn", 5, 4, 4, rng)) == {"W_x", "W_h", "b_x", "W_y", "b_y"}
    with pytest.raises(ValueError, match=r"cell must be one of \('rnn', 'lstm', 'gru'\)"):
        classifier_init("transformer", 5, 4, 4, rng)


def test_training_is_deterministic_and_solves_a_short_lag():
    a = train_recall("gru", 4, 8, seed=3)
    b = train_recall("gru", 4, 8, seed=3)
    np.testing.assert_array_equal(a["history"], b["history"])
    assert a["accuracy"] >= SOLVED and a["steps"] < 300
    assert a["history"][-1] < 0.02  # stopped by the threshold


def test_a_vanilla_rnn_fails_where_an_lstm_remembers():
    rnn = train_recall("rnn", 32, 4, steps=150)
    lstm = train_recall("lstm", 32, 4, steps=300)
    assert rnn["accuracy"] < 0.5 <= SOLVED <= lstm["accuracy"]


def test_longest_solved_stops_at_the_first_failure():
    runs = {("lstm", 4, lag): {"accuracy": acc}
            for lag, acc in [(4, 1.0), (8, 0.95), (16, 0.5), (32, 1.0)]}
    assert longest_solved(runs, "lstm", 4) == 8
    runs["lstm", 4, 4]["accuracy"] = 0.3
    assert longest_solved(runs, "lstm", 4) == 0


def test_input_gradient_norms_are_the_norms_of_dx():
    rng = np.random.default_rng(2)
    params = classifier_init("lstm", 5, 4, 4, rng)
    x, labels = recall_task(6, 5, rng)
    norms = input_gradient_norms("lstm", params, x, labels)
    logits, cache = classifier_forward("lstm", params, x)
    dx, _ = classifier_backward(softmax_cross_entropy(logits, labels)[1], cache)
    np.testing.assert_allclose(norms, np.linalg.norm(dx, axis=2).mean(axis=0))
    assert norms.shape == (6,)


@pytest.mark.parametrize("cell", CELLS)
def test_stacked_classifier_is_the_classifier_of_each_slice(cell):
    rng = np.random.default_rng(4)
    each = [classifier_init(cell, 5, 3, 4, np.random.default_rng(s)) for s in range(2)]
    params = {k: np.stack([p[k] for p in each]) for k in each[0]}
    x, labels = rng.normal(size=(2, 6, 7, 5)), rng.integers(0, 4, (2, 6))
    logits, cache = _stacked_forward(cell, params, x)
    dlogits = np.stack([softmax_cross_entropy(logits[s], labels[s])[1] for s in range(2)])
    grads = _stacked_backward(dlogits, cache)
    for s in range(2):
        logits_s, cache_s = classifier_forward(cell, each[s], x[s])
        np.testing.assert_allclose(logits[s], logits_s, rtol=1e-12, atol=1e-14)
        for k, g in classifier_backward(dlogits[s], cache_s)[1].items():
            np.testing.assert_allclose(grads[k][s], g, rtol=1e-12, atol=1e-14, err_msg=k)


def test_clip_each_clips_every_model_of_the_stack_on_its_own():
    rng = np.random.default_rng(5)
    grads = {"W": rng.normal(size=(3, 4, 2)), "b": rng.normal(size=(3, 4))}
    grads["W"][1] *= 1e-3  # model 1 is under the threshold, left as it is
    clipped = memory_tasks._clip_each(grads, 1.0)
    for s in range(3):
        alone, _ = clip_by_norm({k: g[s] for k, g in grads.items()}, 1.0)
        for k in grads:
            np.testing.assert_allclose(clipped[k][s], alone[k], rtol=1e-14)


def test_training_over_seeds_is_train_recall_for_each_seed():
    # a loose threshold, so the runs stop at different steps and the stack
    # shrinks while the others train on
    kwargs = dict(steps=60, threshold=1.0, n_test=32)
    result = train_recall_seeds("lstm", 3, 4, seeds=[2, 0, 3], **kwargs)
    assert len(set(result["steps"])) > 1, "pick seeds that stop at different steps"
    for k, seed in enumerate([2, 0, 3]):
        alone = train_recall("lstm", 3, 4, seed=seed, **kwargs)
        run = seed_run(result, k)
        assert run["seed"] == seed and run["steps"] == alone["steps"]
        np.testing.assert_allclose(run["history"], alone["history"], rtol=1e-9)
        assert abs(run["accuracy"] - alone["accuracy"]) <= 1 / 32
        for name, p in alone["params"].items():
            np.testing.assert_allclose(run["params"][name], p, rtol=1e-7, atol=1e-9)


def test_seed_grid_holds_one_result_per_setting():
    grid = recall_seed_grid((2, 3), (2,), seeds=range(2), cells=("rnn", "gru"),
                            steps=3, n_test=8)
    assert list(grid) == [("rnn", 2, 2), ("rnn", 2, 3), ("gru", 2, 2), ("gru", 2, 3)]
    r = grid["gru", 2, 3]
    assert r["accuracy"].shape == (2,) and r["params"]["W_u"].shape == (2, 2, 5 + 2)
    assert [len(h) for h in r["histories"]] == [4, 4] and list(r["steps"]) == [3, 3]
    with pytest.raises(ValueError, match="seeds"):
        train_recall_seeds("gru", 3, 2, seeds=[])
    with pytest.raises(TypeError, match="seeds"):
        train_recall_seeds("gru", 3, 2, seeds=3)
    with pytest.raises(ValueError, match="seeds"):
        train_recall_seeds("gru", 3, 2, seeds=[0, -1])
    with pytest.raises(ValueError, match="steps"):
        train_recall_seeds("gru", 3, 2, seeds=[0], steps=-1)
    with pytest.raises(ValueError, match="k must"):
        seed_run(r, 2)
