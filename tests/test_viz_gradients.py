import numpy as np
import pytest
from matplotlib.figure import Figure

from dlnotes.clip import clip_by_norm
from dlnotes.norm import batchnorm_forward
from dlnotes.selfcheck import gradients as check
from dlnotes.viz import gradients as viz


def _values(control):
    """Min, max and a middle value of a slider; every option of a dropdown;
    both states of a checkbox, starting from the one it is not in."""
    if hasattr(control, "base"):  # a log slider: min and max are exponents
        return [control.base ** e for e in (control.max, control.min, 0.5 * control.max)]
    if hasattr(control, "min"):
        values = [control.max, control.min, (control.min + control.max) / 2]
        return [int(v) for v in values] if isinstance(control.value, int) else values
    if hasattr(control, "options"):
        current = control.value
        return [o for o in control.options if o != current] + [current]
    return [not control.value, control.value]


def test_gradient_widget_follows_every_control():
    live = viz.gradient_widget(steps=2)
    updates = 1
    for name, control in live.controls.items():
        for v in _values(control):
            updates += 1
            before = live.result
            control.value = v
            assert live.result is not before, (name, v)
            assert live.image.value, (name, v)
    assert len(live.timings) == updates
    runs = list(live.result["runs"].values())
    assert runs[0]["norms"].shape == (3, live.controls["depth"].value)


def test_comparison_shows_the_remedy_and_reports_the_first_layer_ratio():
    data = viz.chapter_data(16)
    result = viz.compute_comparison(data, 8, "sigmoid", 1.0, True, False, False, steps=1)
    (plain_label, plain), (label, other) = result["runs"].items()
    assert plain_label == "plain" and label == "with residual"
    assert other["norms"][0, 0] > 10 * plain["norms"][0, 0]
    fig = Figure()
    note = viz.draw_comparison(fig, result)
    assert "First-layer gradient norm" in note and "times" in note
    same = viz.compute_comparison(data, 8, "relu", 1.0, False, False, False, steps=1)
    assert "no remedy" in list(same["runs"])[1]


def test_compute_functions_measure_what_the_chapter_says():
    data = viz.chapter_data(16)
    prof = viz.compute_profiles(data, depth=10, scales=(1.0,))
    sig = prof["norms"]["sigmoid"][1.0]
    assert sig.shape == (10,) and sig[0] < 1e-3 * sig[-1]
    sweep = viz.compute_depth_sweep(data, gains=(1.5,), depths=(4, 8, 12), seeds=(1, 2))
    assert sweep["factor"][1.5] > 1.2
    ex = viz.compute_exploding(data, gain=1.5, lr=0.05, steps=10, depth=12)
    plain, clipped = ex["runs"].values()
    assert plain["diverged_at"] is not None and clipped["diverged_at"] is None
    rem = viz.compute_remedies(data, depth=10, steps=2)
    assert rem["first"]["batch norm"] > rem["first"]["plain sigmoid"]


def test_static_figures_have_titles_and_labels():
    data = viz.chapter_data(16)
    drawings = [
        (viz.draw_profiles, viz.compute_profiles(data, depth=4, scales=(1.0, 2.0))),
        (viz.draw_clipping_2d, viz.compute_clipping_2d()),
        (viz.draw_remedies, viz.compute_remedies(data, depth=4, steps=2)),
    ]
    for draw, result in drawings:
        fig = Figure()
        draw(fig, result)
        assert all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)
    fig = Figure()
    sweep = viz.compute_depth_sweep(data, gains=(1.0,), depths=(2, 4), seeds=(1,))
    viz.draw_exploding(fig, viz.compute_exploding(data, 1.5, 0.05, 5, depth=6), sweep)
    assert all(ax.get_title() and ax.get_ylabel() for ax in fig.axes)


def test_norm_clipping_keeps_the_angle_and_value_clipping_turns_it():
    r = viz.compute_clipping_2d((2.5, 0.8), 1.0)
    assert r["angle_norm"] == pytest.approx(r["angle_g"])
    assert r["angle_value"] > r["angle_g"] + 10
    assert np.linalg.norm(r["by_norm"]) == pytest.approx(1.0)


def test_self_checks_accept_dlnotes_answers_and_reject_others():
    assert check.sigmoid_product_bound(10, 0.25**10)
    assert not check.sigmoid_product_bound(10, 0.5**10)
    grads = {"W": np.array([[3.0, 4.0]]), "b": np.array([12.0])}
    assert check.clipping(grads, 6.5, 13.0, {"W": np.array([[1.5, 2.0]]), "b": np.array([6.0])})
    assert not check.clipping(grads, 6.5, 13.0, {"W": np.array([[1.5, 2.0]]), "b": np.array([6.5])})
    assert not check.clipping(grads, 6.5, 6.5, dict(grads))
    assert not check.clipping(grads, 6.5, 13.0, None)
    clipped, norm = clip_by_norm(grads, 6.5)
    assert check.clipping(grads, 6.5, norm, clipped)
    x = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 1.0]])
    dout = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.5]])
    x_hat = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    assert check.bn_dgamma(x, dout, (dout * x_hat).sum(0))
    assert not check.bn_dgamma(x, dout, dout.sum(0))
    _, cache = batchnorm_forward(x, np.ones(2), np.zeros(2))
    assert check.bn_dgamma(x, dout, (dout * cache["x_hat"]).sum(0))
    assert check.residual_factor(0.1, 10, 1.1**10)
    assert not check.residual_factor(0.1, 10, 0.1**10)
    assert not check.residual_factor(0.1, 10, None)


def test_gradient_widget_trains_a_setting_seen_before_only_once():
    live = viz.gradient_widget(steps=2)
    first = live.result
    live.controls["batchnorm"].value = True
    live.controls["batchnorm"].value = False
    assert live.result is first


def test_run_summary_reads_a_finished_and_a_diverged_run():
    done = viz.run_summary({"losses": [3.0, 1.0, 2.0, 0.5], "diverged_at": None})
    assert done == {"start": 3.0, "final": 0.5, "best": 0.5, "best_step": 3.0,
                    "rise": 1.0, "diverged_at": done["diverged_at"]}
    assert np.isnan(done["diverged_at"])
    smooth = viz.run_summary({"losses": [3.0, 2.0, 1.5], "diverged_at": None})
    assert smooth["rise"] == -0.5  # every step lowered the loss
    gone = viz.run_summary({"losses": [2.0, 1e10, np.nan], "diverged_at": 2})
    assert np.isnan(gone["final"]) and gone["diverged_at"] == 2.0
    assert gone["best"] == 2.0 and gone["best_step"] == 0.0 and gone["rise"] == 1e10 - 2


def test_exploding_seeds_summarises_one_run_pair_per_seed():
    data = viz.chapter_data(16)
    settings = dict(gain=1.5, lr=0.05, steps=3, depth=8)
    over = viz.exploding_seeds(data, seeds=(1, 2), **settings)
    assert list(over["seeds"]) == [1, 2] and over["first"].shape == (2,)
    for side in ("plain", "clipped"):
        assert set(over[side]) == {"start", "final", "best", "best_step", "rise",
                                   "diverged_at"}
        assert all(v.shape == (2,) for v in over[side].values())
    assert np.array_equal(over["plain"]["start"], over["clipped"]["start"])
    one = viz.compute_exploding(data, seed=2, **settings)
    plain2, clipped2 = one["runs"].values()
    assert over["first"][1] == plain2["norms"][0, 0]
    assert over["clipped"]["final"][1] == clipped2["losses"][-1]
    assert over["example"]["runs"].keys() == one["runs"].keys()
    assert over["first"][0] != over["first"][1]  # another seed, other weights


def test_remedies_seeds_runs_every_network_from_each_seed():
    data = viz.chapter_data(16)
    over = viz.remedies_seeds(data, seeds=(1, 2, 3), depth=6, steps=2)
    assert set(over["first"]) == set(viz.REMEDIES) == set(over["runs"])
    assert all(v.shape == (3,) for v in over["first"].values())
    assert all(v.shape == (3,) for v in over["top"].values())
    seed2 = viz.compute_remedies(data, depth=6, steps=2, seed=2)
    for label in viz.REMEDIES:
        assert over["first"][label][1] == seed2["first"][label]
        assert over["runs"][label]["final"][1] == seed2["runs"][label]["losses"][-1]
        assert over["top"][label][1] == seed2["runs"][label]["norms"][0, -1]
    assert over["example"]["first"] == viz.compute_remedies(data, depth=6, steps=2)["first"]


def test_last_bit_sensitivity_moves_w1_by_one_ulp_and_compares_the_runs():
    data = viz.chapter_data(16)
    model = viz.make_net(6, "sigmoid", residual=True)
    before = {k: v.copy() for k, v in model.params.items()}
    r = viz.last_bit_sensitivity(model, data, 0.1, 4)
    assert r["losses"].shape == r["perturbed"].shape == r["rel_diff"].shape == (5,)
    assert np.all(r["rel_diff"] < 1e-12)  # a smooth run stays put
    assert all(np.array_equal(before[k], model.params[k]) for k in before)
    exploding = viz.make_net(12, "relu", 1.5, "he")
    with pytest.raises(ValueError, match="diverged"):
        viz.last_bit_sensitivity(exploding, data, 0.5, 10)


def test_init_check_measures_the_factor_per_layer():
    r = viz.compute_init_check(width=40, depth=8, n=60, seeds=(1, 2))
    assert set(r["ms"]) == set(viz.INIT_SETTINGS)
    assert all(v.shape == (2, 8) for v in r["ms"].values())
    he, xavier = r["factor"][("relu", "he")], r["factor"][("relu", "xavier")]
    # the same draws scaled by 1/sqrt(2), and relu is positively homogeneous
    np.testing.assert_allclose(xavier, he / 2, rtol=1e-12)
    assert np.all(np.abs(he - 1) < 0.2)
    # Z_1 = W x, x ~ N(0, 1): its mean square is fan_in * var(W) = 2 for He
    assert np.all(np.abs(r["ms"][("relu", "he")][:, 0] - 2) < 0.3)
    fig = Figure()
    viz.draw_init_check(fig, r)
    assert all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)


def test_signal_measures_the_forward_spread_beside_the_gradient():
    data = viz.chapter_data(16)
    r = viz.compute_signal(data, depth=8, seeds=(1, 2))
    assert set(r["spread"]) == set(viz.REMEDIES)
    for label in viz.REMEDIES:
        assert r["spread"][label].shape == r["norms"][label].shape == (2, 8)
        assert r["p"][label].shape == (2, 16)
    x, labels = data
    model = viz.make_net(8, "sigmoid", seed=2)
    out, cache = model.forward(x)
    assert r["spread"]["plain sigmoid"][1, 0] == cache["Z"][0].std(axis=0).mean()
    np.testing.assert_array_equal(r["norms"]["plain sigmoid"][1],
                                  model.loss_and_grads(x, labels, viz.LOSS)[2])
    # the sigmoid stack loses the differences between the examples; batch
    # norm restores them at every layer
    sig, bn = r["spread"]["plain sigmoid"], r["spread"]["batch norm"]
    assert np.all(sig[:, -1] < 1e-2 * sig[:, 0]) and np.all(bn[:, -1] > 0.1)
    p_sig, p_bn = r["p"]["plain sigmoid"], r["p"]["batch norm"]
    assert np.all(np.ptp(p_sig, axis=1) < np.ptp(p_bn, axis=1))
    fig = Figure()
    viz.draw_signal(fig, r)
    assert all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)


def test_depth_ratio_divides_the_first_layers_gradient_by_the_last():
    data = viz.chapter_data(16)
    nets = {"bn": dict(activation="relu", init="he", batchnorm=True)}
    r = viz.compute_depth_ratio(data, nets, depths=(4, 8), seeds=(1, 2, 3))
    assert r["ratio"]["bn"].shape == (3, 2) and list(r["depths"]) == [4, 8]
    x, labels = data
    n = viz.make_net(8, seed=2, **nets["bn"]).loss_and_grads(x, labels, viz.LOSS)[2]
    assert r["ratio"]["bn"][1, 1] == n[0] / n[-1]
    fig = Figure()
    viz.draw_depth_ratio(fig, r)
    assert all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)


def test_dead_revival_follows_the_units_dead_at_initialisation():
    from dlnotes.deepnet import DeepMLP, dead_units, train

    x, labels = viz.chapter_data(16)
    model = viz.make_net(8, "relu", init="he", width=6, seed=3)
    run = train(model, x, labels, 0.05, 6, viz.LOSS, keep=(0, 3, 6))
    assert sorted(run["kept"]) == [0, 3, 6]
    assert all(np.array_equal(run["kept"][0][k], model.params[k]) for k in model.params)
    r = viz.dead_revival(model, x, run["kept"])
    assert r["dead"].shape == (7, 6) and r["n_dead"] > 0
    np.testing.assert_allclose(r["dead"].mean(axis=1), dead_units(model, x))
    assert r["revived"][0] == 0 and r["died"][0] == 0 and r["revived_first"][0] == 0
    assert r["died_first"][0] == 0 and r["died_first"][6] <= r["died"][6]
    for k in (3, 6):  # dead now = dead at the start - revived + died
        now = round(dead_units(model, x, run["kept"][k]).sum() * 6)
        assert now == r["n_dead"] - round(r["revived"][k] * r["n_dead"]) + r["died"][k]
    # a unit made dead in the first hidden layer stays dead: its weights get
    # no gradient, and its input is the data
    params = dict(model.params, b1=np.where(np.arange(6) == 0, -100.0, 0.0))
    forced = DeepMLP(params, model.activation)
    run = train(forced, x, labels, 0.05, 5, viz.LOSS, keep=(5,))
    r = viz.dead_revival(forced, x, run["kept"])
    assert r["n_dead_first"] == 1 and r["revived_first"][5] == 0


def test_spike_summary_finds_the_largest_late_rise_and_the_norms_there():
    norms = np.array([[1.0, 1.0], [1.0, 2.0], [3.0, 4.0], [0.5, 0.5], [6.0, 8.0]])
    run = {"losses": [1.0, 0.5, 2.0, 0.4, 0.9], "norms": norms, "diverged_at": None}
    r = viz.spike_summary(run, after=0, window=2)
    assert r["peak"] == 2 and r["rise"] == 1.5
    np.testing.assert_allclose(r["total"], [np.sqrt(2), np.sqrt(5), 5.0, np.sqrt(0.5), 10.0])
    assert r["growth"] == pytest.approx(5.0 / np.sqrt(2)) and r["first_over_last"] == 0.75
    late = viz.spike_summary(run, after=2, window=1)
    assert late["peak"] == 4 and late["growth"] == pytest.approx(10.0 / np.sqrt(0.5))
    with pytest.raises(ValueError, match="diverged"):
        viz.spike_summary(dict(run, diverged_at=3))
    with pytest.raises(ValueError, match="after must be"):
        viz.spike_summary(run, after=4)


def test_spike_weights_measures_the_change_of_the_weights_before_a_peak():
    data = viz.chapter_data(16)
    model = viz.make_net(6, "relu", init="he", seed=2)
    r = viz.spike_weights(model, data, 0.05, 4, window=2)
    from dlnotes.deepnet import train

    kept = train(model, *data, 0.05, 4, viz.LOSS, keep=(2, 4))["kept"]
    a, b = kept[2], kept[4]
    assert r["spectral"].shape == (6,)
    assert r["spectral"][0] == np.linalg.norm(b["W1"], 2) / np.linalg.norm(a["W1"], 2)
    assert r["product"] == pytest.approx(np.prod(r["spectral"]))
    assert 0 < r["change"] < 0.5
    with pytest.raises(ValueError, match="window"):
        viz.spike_weights(model, data, 0.05, 2, window=3)
