import numpy as np
import pytest
from matplotlib.figure import Figure

from dlnotes import tasks
from dlnotes.rnn import init_rnn_params
from dlnotes.selfcheck import rnn as check
from dlnotes.viz import rnn as viz


def _drive(live):
    """Set every control to its min, max and a middle value (or each option);
    the result must change and nothing may raise."""
    for name, control in live.controls.items():
        if hasattr(control, "min"):
            values = [control.min, control.max, (control.min + control.max) / 2]
            if isinstance(control.value, int):
                values = [int(v) for v in values]
        else:
            values = ["", "zzz", " ".join(["we", "met", "paris"] * 5), "the movie was not good"]
        for v in values:
            before = live.result
            control.value = v
            assert live.result is not before, (name, v)
            assert live.image.value, (name, v)


def test_gradient_norm_widget_follows_every_control():
    live = viz.gradient_norm_widget()
    _drive(live)
    assert len(live.timings) == 1 + 3 * len(live.controls)
    live.controls["length"].value = 40
    assert live.result["norms"].shape == (41,)


def test_gradient_norms_shrink_below_radius_one_and_grow_far_above():
    small = viz.compute_gradient_norms(0.5, 60)
    large = viz.compute_gradient_norms(3.0, 60)
    assert small["norms"][-1] < 1e-12 and large["norms"][-1] > 1e3
    # tanh' <= 1: the tanh RNN never exceeds the linear RNN with the same W_h
    for r in (small, large):
        assert np.all(r["norms"] <= r["linear"] * (1 + 1e-12))


def test_reading_widget_handles_known_unknown_and_empty_text():
    params = init_rnn_params(len(tasks.ENTITY_VOCAB), 4, 3, np.random.default_rng(0))
    live = viz.reading_widget(params, tasks.ENTITY_VOCAB, tasks.ENTITY_TAGS, "we met paris")
    assert live.result["probs"].shape == (3, 3)
    _drive(live)
    live.controls["text"].value = "we met bob"
    assert live.result["unknown"] == ["bob"] and "bob" in live.status.value
    live.controls["text"].value = ""
    assert live.result["words"] == [] and "Vocabulary" in live.status.value


def test_static_figures_draw():
    fig = Figure()
    viz.draw_gradient_norm_family(fig, [viz.compute_gradient_norms(r, 20) for r in (0.5, 2.0)])
    assert fig.axes[0].get_title()
    for seeds in ((0,), (0, 1)):
        result = viz.compute_truncation([1, 2, 4], [1, 3], [0.5, 0.9], delay=2, length=8,
                                        seeds=seeds)
        S = len(seeds)
        assert result["errors"].shape == (S, 2, 3) and result["accuracy"].shape == (S, 3)
        fig = Figure()
        viz.draw_truncation(fig, result)
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
        assert ("median" in fig.axes[1].get_title()) == (S > 1)


def test_self_checks_accept_dlnotes_answers_and_reject_others():
    x, h0, params = check.scalar_example()
    h1 = np.tanh(0.5)
    h2 = np.tanh(0.25 + 0.8 * h1)
    h3 = np.tanh(-0.25 + 0.8 * h2)
    assert check.scalar_state(3, h3) and not check.scalar_state(3, h2)
    a3 = 1 - h3**2
    a2 = a3 * 0.8 * (1 - h2**2)
    assert check.scalar_dL_dWh(a3 * h2 + a2 * h1)
    assert check.scalar_dL_dWh(a3 * h2, truncate=1) and not check.scalar_dL_dWh(a3 * h2)
    assert check.param_count(27, 100, 27, 27 * 100 + 100 * 100 + 100 + 100 * 27 + 27)
    assert check.min_window(3, 4) and not check.min_window(3, 3)
    assert check.steps_below(0.9, 1e-3, int(np.ceil(np.log(1e-3) / np.log(0.9))))
    assert not check.scalar_state(1, None)
    with pytest.raises(ValueError, match="t must be 1, 2 or 3"):
        check.scalar_state(4, 0.0)


def test_clipping_figure_shows_both_runs_of_every_seed_and_the_threshold():
    result = viz.compute_clipping([0, 1], threshold=0.5, steps=6, n=4, length=8, delay=2)
    assert [r["seed"] for r in result["plain"]] == [0, 1]
    assert all(r["threshold"] is None for r in result["plain"])
    assert all(r["threshold"] == 0.5 for r in result["clipped"])
    fig = Figure()
    viz.draw_clipping(fig, result)
    loss_ax, norm_ax = fig.axes
    assert len(loss_ax.lines) == 4 and len(norm_ax.lines) == 5  # + threshold
    assert norm_ax.get_yscale() == "log"
