"""Chapter 5's figures and widget driven over their whole range, with no browser."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from dlnotes.memory_tasks import CELLS, recall_grid
from dlnotes.viz import gated as viz


@pytest.fixture(scope="module")
def runs():
    # a tiny grid: enough steps to differ, not to learn
    return recall_grid((2, 4, 8), (2, 4), steps=5, n_test=16)


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


def test_comparison_widget_follows_lag_and_hidden_size(runs):
    live = viz.comparison_widget(runs)
    assert live.values() == {"lag": 8, "hidden": 4}
    _drive(live)
    live.controls["hidden"].value = 2
    live.controls["lag"].value = 2
    r = live.result
    assert (r["lag"], r["hidden"]) == (2, 2)
    assert r["gates"]["f"].shape == (2, 3) and r["gates"]["u"].shape == (2, 3)
    for c in CELLS:
        np.testing.assert_array_equal(
            r["accuracy"][c], [runs[c, 2, lag]["accuracy"] for lag in (2, 4, 8)])
        np.testing.assert_array_equal(r["history"][c], runs[c, 2, 2]["history"])
    assert "Lag 2, 2 hidden units" in live.status.value


def test_comparison_gates_lie_in_zero_one(runs):
    r = viz.compute_comparison(runs, 8, 4)
    for k in "ifu":
        g = r["gates"][k]
        assert g.shape == (4, 9) and np.all((g > 0) & (g < 1))


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
