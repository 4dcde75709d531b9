"""Chapter 5's figures and widget driven over their whole range, with no browser."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from dlnotes.memory_tasks import CELLS, SOLVED, recall_seed_grid
from dlnotes.viz import gated as viz


@pytest.fixture(scope="module")
def grid():
    # a tiny grid: enough steps to differ, not to learn
    return recall_seed_grid((2, 4, 8), (2, 4), seeds=(3, 5), steps=5, n_test=16)


def _drive(live):
    """Set every control to its min, max and a middle value (every option of a
    selection); check each change recomputed and redrew without raising."""
    for name, control in live.controls.items():
        default = control.value
        for v in control.options:
            before = (len(live.timings), live.result)
            control.value = v
            if v == default and len(live.timings) == before[0]:
                continue  # setting the current value fires no change
            assert len(live.timings) == before[0] + 1, f"{name}={v} did not recompute"
            assert live.result is not before[1]
            assert live.image.value[:4] == b"\x89PNG"
        control.value = default


def test_comparison_widget_follows_lag_and_seed(grid):
    live = viz.comparison_widget(grid, hidden=2)
    assert live.values() == {"lag": 8, "seed": 3}
    _drive(live)
    live.controls["seed"].value = 5
    live.controls["lag"].value = 2
    r = live.result
    assert (r["lag"], r["hidden"], r["seed"], r["n_seeds"]) == (2, 2, 5, 2)
    assert r["gates"]["f"].shape == (2, 3) and r["gates"]["u"].shape == (2, 3)
    for c in CELLS:
        solved = [np.mean(grid[c, 2, lag]["accuracy"] >= SOLVED) for lag in (2, 4, 8)]
        np.testing.assert_array_equal(r["solved"][c], solved)
        np.testing.assert_array_equal(r["history"][c], grid[c, 2, 2]["histories"][1])
        assert r["accuracy"][c] == grid[c, 2, 2]["accuracy"][1]
    assert "Lag 2, 2 hidden units" in live.status.value and "seed 5" in live.status.value


def test_comparison_gates_lie_in_zero_one(grid):
    r = viz.compute_comparison(grid, 8, 4, seed=5)
    for k in "ifu":
        g = r["gates"][k]
        assert g.shape == (4, 9) and np.all((g > 0) & (g < 1))


def test_comparison_counts_each_cell_at_the_lags_it_was_trained(grid):
    partial = dict(grid)
    del partial["rnn", 4, 2]
    r = viz.compute_comparison(partial, 8, 4, seed=3)
    assert list(r["lags"]["rnn"]) == [4, 8] and list(r["lags"]["gru"]) == [2, 4, 8]
    assert r["solved"]["rnn"].shape == (2,)
    fig = Figure()
    viz.draw_comparison(fig, r)
    assert len(fig.axes) == 5 and all(ax.get_title() for ax in fig.axes[:4])
    # the widget offers only the lags every cell has
    assert viz.comparison_widget(partial, hidden=4).controls["lag"].options == (4, 8)


def test_gradient_paths_show_the_cell_path_and_the_rnn_jacobian():
    r = viz.compute_gradient_paths(lag=20, hidden=4, n=8)
    assert r["rnn_jacobian"].shape == r["cell_path"][4.0].shape == (22,)
    assert r["rnn_jacobian"][0] == r["cell_path"][4.0][0] == 1.0
    # f near sigmoid(4) keeps most of the gradient, f near 1/2 halves it per step
    assert r["cell_path"][4.0][-1] > 0.3 > 1e-5 > r["cell_path"][0.0][-1]
    for c in CELLS:
        assert r["input_grads"][c].shape == (21,)
    fig = Figure()
    viz.draw_gradient_paths(fig, r)
    assert len(fig.axes) == 2 and all(ax.get_title() for ax in fig.axes)


def test_forget_bias_widget_follows_the_keep_bias_of_both_gated_cells():
    live = viz.forget_bias_widget(keep_bias=4.0, lag=8, hidden=4)
    (b, open_gains), = live.result["cell_path"].items()
    assert b == 4.0 and "b = 4" in live.status.value
    rnn = live.result["input_grads"]["rnn"]
    live.controls["keep_bias"].value = 0.0
    (b, shut_gains), = live.result["cell_path"].items()
    assert b == 0.0 and shut_gains[8] < open_gains[8]
    grads = live.result["input_grads"]
    np.testing.assert_array_equal(grads["rnn"], rnn)  # the RNN has no keep bias
    assert "b = 0" in live.status.value


# -- the character-level language model ----------------------------------------------------

from dlnotes import charlm  # noqa: E402

_V = len(charlm.vocabulary())


def _lm(cell="gru", H=6, seed=0):
    return charlm.init(cell, _V, H, np.random.default_rng(seed))


def test_stream_chunks_show_each_lane_and_chunk_of_the_text():
    text = "".join(chr(ord("a") + i % 26) for i in range(200))
    fig = Figure()
    viz.draw_stream_chunks(fig, text, lanes=3, chunks=4, T=5)
    shown = [t.get_text() for t in fig.axes[0].texts]
    x, _ = charlm.stream_batches(charlm.encode(text[:61]), 3, 5)
    for j in range(4):
        for b in range(3):
            assert charlm.decode(x[j, b]) in shown
    assert "lane 3" in shown and fig.axes[0].get_title()
    with pytest.raises(ValueError, match="at least lanes \\* chunks \\* T \\+ 1 = 61"):
        viz.draw_stream_chunks(Figure(), text[:60], lanes=3, chunks=4, T=5)


@pytest.mark.parametrize("cell", charlm.CELLS)
def test_position_loss_carried_is_the_perplexity_and_zeros_differ(cell):
    params = _lm(cell, seed=1)
    ids = np.random.default_rng(2).integers(0, _V, size=400)
    carried = viz.chunk_position_loss(cell, params, ids, lanes=4, T=8)
    zeros = viz.chunk_position_loss(cell, params, ids, lanes=4, T=8, carry=False)
    assert carried.shape == zeros.shape == (8,)
    assert np.exp(carried.mean()) == pytest.approx(
        charlm.perplexity(cell, params, ids, lanes=4, T=8), rel=1e-12)
    assert not np.allclose(carried[0], zeros[0])
    fig = Figure()
    viz.draw_position_loss(fig, {cell: {True: carried, False: zeros}})
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_title()
    with pytest.raises(TypeError, match="carry"):
        viz.chunk_position_loss(cell, params, ids, carry=1)
    with pytest.raises(ValueError, match="params"):
        viz.chunk_position_loss(cell, {"W_y": params["W_y"]}, ids)


def test_sample_at_temperature_zero_is_greedy_with_one_hot_probabilities():
    params = _lm("lstm", seed=3)
    r = viz.compute_sample("lstm", params, "the ", 0.0, length=10)
    assert r["text"] == charlm.sample("lstm", params, "the ", 10,
                                      np.random.default_rng(9), 0.0)
    assert r["probs"][0] == 1.0 and np.all(r["probs"][1:] == 0.0)
    hot = viz.compute_sample("lstm", params, "the ", 1.5, length=10, top=5)
    assert len(hot["symbols"]) == hot["probs"].shape[0] == 5
    assert hot["symbols"][0] == r["symbols"][0] and np.all(np.diff(hot["probs"]) <= 0)
    assert 0 < hot["probs"][0] < 1
    # the same symbols at every temperature, and the model's own beside them
    np.testing.assert_allclose(hot["probs_1"], r["probs_1"][:5])
    assert hot["probs"][0] < hot["probs_1"][0] < 1  # hot flattens
    cold = viz.compute_sample("lstm", params, "the ", 0.5, length=1)
    assert cold["symbols"] == r["symbols"] and cold["probs"][0] > r["probs_1"][0]


def test_sampling_widget_follows_temperature_and_prompt():
    params = _lm("gru", seed=4)
    prompts = ["the array ", "returns\n", ">>> np."]
    live = viz.sampling_widget("gru", params, prompts, temperature=0.6, length=30)
    assert live.values() == {"temperature": 0.6, "prompt": "the array "}
    assert live.declared["temperature"].book == [0.0, 0.3, 0.6, 1.0, 1.5]
    # a newline in a prompt shows as \\n, in the live drop-down and the book's
    assert [label for label, _ in live.controls["prompt"].options] == [
        "'the array '", "'returns\\n'", "'>>> np.'"]
    assert live.declared["prompt"].shown("returns\n") == "'returns\\n'"
    for prompt in prompts[::-1]:  # every prompt of the drop-down
        n = len(live.timings)
        live.controls["prompt"].value = prompt
        assert len(live.timings) == n + 1  # each a change: recomputed
        assert live.result["prompt"] == prompt
    for tau in live.declared["temperature"].book:  # the slider's book values
        live.controls["temperature"].value = tau
        assert live.result["temperature"] == tau
        assert live.image.value[:4] == b"\x89PNG"
    live.controls["prompt"].value = "returns\n"
    live.controls["temperature"].value = 1.0
    r = live.result
    assert (r["prompt"], r["temperature"], len(r["text"])) == ("returns\n", 1.0, 30)
    assert r["text"] == charlm.sample("gru", params, "returns\n", 30,
                                      np.random.default_rng(0), 1.0)
    assert "τ = 1" in live.status.value
    fig = Figure()
    viz.draw_sample(fig, r)
    assert len(fig.axes) == 2 and "'returns\\n'" in fig.axes[0].get_title(loc="left")


def test_clip_comparison_draws_every_run_both_ways():
    ids = np.random.default_rng(5).integers(0, _V, size=300)
    rng = np.random.default_rng
    runs = [[charlm.train("rnn", ids, 4, rng(s), lanes=2, T=8, clip=c) for s in (0, 1)]
            for c in (1.0, None)]
    fig = Figure()
    viz.draw_clip_comparison(fig, *runs)
    ax_loss, ax_norm = fig.axes
    assert len(ax_loss.lines) == 4 and len(ax_norm.lines) == 5  # and the threshold
    np.testing.assert_array_equal(ax_loss.lines[1].get_ydata(), runs[1][0]["loss"])
    assert ax_loss.get_title().startswith("vanilla RNN") and ax_norm.get_title()
    with pytest.raises(ValueError, match="same non-zero length"):
        viz.draw_clip_comparison(Figure(), runs[0], runs[1][:1])
