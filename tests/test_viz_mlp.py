"""Chapter 1's widgets driven over their whole range, with no browser."""

import numpy as np
import pytest

from dlnotes.viz import mlp as viz


def _drive(live):
    """Set every control to its min, max and a middle value (every option of a
    dropdown); check each change recomputed and redrew without raising."""
    for name, control in live.controls.items():
        default = control.value
        if hasattr(control, "options"):
            values = list(control.options)
        else:
            lo, hi = control.min, control.max
            mid = (lo + hi) / 2 if not isinstance(lo, int) else (lo + hi) // 2
            values = [lo, hi, mid]
            if type(control).__name__ == "FloatLogSlider":
                values = [control.base**v for v in values]
        for v in values:
            before = (len(live.timings), live.image.value)
            control.value = v
            if control.value == default and len(live.timings) == before[0]:
                continue  # setting the current value fires no change
            assert len(live.timings) == before[0] + 1, f"{name}={v} did not recompute"
            assert live.image.value and live.image.value[:4] == b"\x89PNG"
        control.value = default


def test_loss_curve_widget_follows_its_sliders():
    live = viz.loss_curve_widget()
    steps0 = live.result["steps"]
    _drive(live)
    live.controls["lr"].value = 10.0
    assert live.result["steps"] < steps0
    live.controls["threshold"].value = 1e-4
    assert "Below 1e-04" in live.status.value
    live.controls["lr"].value = 1000.0  # the sigmoid saturates: stuck
    assert not live.result["reached"] and live.result["steps"] == 2000
    assert "Not below 1e-04 after 2000 steps: stuck at 6.2" in live.status.value
    live.controls["threshold"].value = 1e-2  # the stuck loss counts as reached
    assert live.result["reached"] and live.result["steps"] == 1


def test_lr_widget_follows_its_slider_and_shows_a_step_too_large():
    live = viz.lr_widget()
    assert live.result["histories"].shape == (3, 201)
    _drive(live)
    live.controls["lr"].value = 100.0
    r = live.result
    assert np.all(r["final"] > r["start"])
    assert "<b>3 of 3</b> runs end above their start" in live.status.value
    live.controls["lr"].value = 0.1
    assert np.all(live.result["peak"] <= live.result["start"])


def test_compute_lr_runs_is_one_plain_gradient_descent_run_per_seed():
    r = viz.compute_lr_runs(0.3, seeds=[2, 0], steps=5)
    assert r["histories"].shape == (2, 6)
    np.testing.assert_array_equal(r["seeds"], [2, 0])
    np.testing.assert_array_equal(r["start"], r["histories"][:, 0])
    np.testing.assert_array_equal(r["final"], r["histories"][:, -1])
    assert np.all(r["peak"] >= r["start"])
    one = viz.compute_lr_runs(0.3, seeds=[0], steps=5)
    np.testing.assert_array_equal(one["histories"][0], r["histories"][1])
    for bad in ([], [-1], [0.5]):
        with pytest.raises(ValueError, match="seeds"):
            viz.compute_lr_runs(0.3, seeds=bad)
    with pytest.raises(ValueError, match="lr"):
        viz.compute_lr_runs(-0.3)
    with pytest.raises(ValueError, match="dataset"):
        viz.compute_lr_runs(0.3, dataset="moons")


def test_classifier_widget_follows_its_controls():
    live = viz.classifier_widget()
    acc0 = live.result["accuracy"]
    _drive(live)
    live.controls["depth"].value = 1
    live.controls["hidden"].value = 2
    assert live.result["sizes"] == [2, 2, 2]
    assert live.result["accuracy"] != acc0


def test_training_to_threshold_reports_steps_and_reaching():
    r = viz.compute_training_to_threshold(lr=0.5, threshold=1e-3)
    assert r["reached"] and not r["diverged"]
    assert r["history"][-1] < 1e-3 <= r["history"][-2]
    assert r["steps"] == len(r["history"]) - 1
    r = viz.compute_training_to_threshold(lr=0.1, threshold=1e-4, max_steps=10)
    assert not r["reached"] and r["steps"] == 10


@pytest.mark.parametrize("lr", [0.1, 0.5, 10.0])
@pytest.mark.parametrize("threshold", [1e-4, 1e-3, 1e-2])
def test_cutting_a_long_run_equals_training_to_the_threshold(lr, threshold):
    long_run = viz.compute_training_to_threshold(lr, 1e-4, max_steps=500)
    direct = viz.compute_training_to_threshold(lr, threshold, max_steps=500)
    cut = viz.cut_at_threshold(long_run, threshold)
    np.testing.assert_array_equal(cut["history"], direct["history"])
    for key in ["steps", "reached", "diverged", "threshold"]:
        assert cut[key] == direct[key], key


def test_sliders_update_on_release_only():
    for live in (viz.loss_curve_widget(), viz.lr_widget()):
        assert all(not c.continuous_update for c in live.controls.values())


def test_classifier_probabilities_are_a_grid_of_probabilities():
    r = viz.compute_classifier(viz.toy_data("spirals"), 8, 2, "relu", 0.3, steps=20)
    assert r["p"].shape == viz.GRID.shape[:2]
    assert np.all((r["p"] >= 0) & (r["p"] <= 1))


def test_unknown_data_set_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of.*'circles'"):
        viz.toy_data("circles")


def test_classifier_widget_trains_a_setting_seen_before_only_once():
    live = viz.classifier_widget()
    first = live.result
    live.controls["hidden"].value = 4
    live.controls["hidden"].value = 8  # back to the default
    assert live.result is first


def test_classifier_accuracy_over_seeds_is_compute_classifier_per_seed():
    seeds = [0, 3]
    acc = viz.classifier_accuracy_over_seeds("two moons", seeds, hidden=4, depth=1,
                                             activation="tanh", lr=0.3, steps=20)
    assert acc.shape == (2,)
    for s, a in zip(seeds, acc):
        run = viz.compute_classifier(viz.toy_data("two moons", seed=s), 4, 1, "tanh", 0.3,
                                     steps=20, seed=s)
        assert a == run["accuracy"]
    assert acc[0] != acc[1]  # each seed draws its own points and weights
    for bad in ([], [-1], [0.5]):
        with pytest.raises(ValueError, match="seeds"):
            viz.classifier_accuracy_over_seeds("two moons", bad, 4, 1, "tanh", 0.3)
    with pytest.raises(ValueError, match="dataset"):
        viz.classifier_accuracy_over_seeds("moons", [0], 4, 1, "tanh", 0.3)


def test_network_labels_sit_on_their_own_edge_only():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2))
    viz.draw_network(fig)
    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    edges = [ax.transData.transform(np.c_[line.get_xdata(), line.get_ydata()])
             for line in ax.lines]
    assert len(edges) == 10
    labels = [t for t in ax.texts if t.get_text().startswith("$w_")]
    assert len(labels) == 10
    boxes = [t.get_window_extent(renderer) for t in labels]
    s = np.linspace(0, 1, 400)[:, None]
    for label, box in zip(labels, boxes):
        centre = ax.transData.transform(label.get_position())
        for a, b in edges:
            pts = a + s * (b - a)
            own = np.min(np.linalg.norm(pts - centre, axis=1)) < 2  # pixels
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                      & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
            assert own or not inside.any(), f"an edge crosses {label.get_text()}"
        for other in boxes:
            if other is not box:
                assert not box.overlaps(other), label.get_text()


def test_step_error_is_a_u_between_truncation_and_round_off():
    from matplotlib.figure import Figure

    r = viz.compute_step_error()
    hs, errs = r["hs"], r["errors"]
    assert hs.shape == errs.shape == r["truncation"].shape == r["roundoff"].shape
    # truncation side: the measured error is the h^2 line (its Taylor term)
    big = hs >= 1e-3
    np.testing.assert_allclose(errs[big], r["truncation"][big], rtol=0.05)
    # round-off side: at most about eps L / (2 h |g|) (a few ulps of L; 10x room)
    small = hs <= 1e-7
    assert np.all(errs[small] < 10 * r["roundoff"][small])
    best = errs.argmin()
    assert 3e-6 <= hs[best] <= 1e-4 and errs[best] < 1e-8
    assert min(errs[0], errs[-1]) > 1e5 * errs[best]
    assert 1e-5 < r["h_star"] < 1e-4
    np.testing.assert_allclose(r["g_min"], 4.0429e-4, rtol=1e-4)  # dL/dw2
    fig = Figure(figsize=(7, 4))
    viz.draw_step_error(fig, r)
    assert len(fig.axes) == 1 and fig.axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="anchor must be one of hs"):
        viz.compute_step_error([1e-2, 1e-4], anchor=1e-3)
