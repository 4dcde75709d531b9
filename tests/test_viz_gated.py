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
