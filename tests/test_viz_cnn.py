"""Chapter 3's widgets driven over their whole range, with no browser."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlnotes import cnn  # noqa: E402
from dlnotes.viz import cnn as viz  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    return cnn.load_digits()


def _drive(live):
    """Set every slider to its min, max and middle, every dropdown to each
    option; check each change recomputed, changed the result and redrew."""
    for name, control in live.controls.items():
        default = control.value
        if hasattr(control, "options"):
            values = list(control.options)
        elif hasattr(control, "min"):
            values = [control.min, control.max, (control.min + control.max) // 2]
        else:
            continue  # free text: driven by the widget's own test
        for v in values:
            if v == control.value:
                continue
            before, result = len(live.timings), live.result
            control.value = v
            assert len(live.timings) == before + 1, f"{name}={v} did not recompute"
            assert live.result is not result
            assert live.image.value[:4] == b"\x89PNG"
        control.value = default


def test_kernel_widget_follows_digit_kernel_and_custom_text(digits):
    live = viz.kernel_widget(digits.x_test[:20])
    first = live.result["fmap"].copy()
    _drive(live)
    live.controls["kernel"].value = "custom"
    live.controls["custom"].value = "0 0 0; 0 2 0; 0 0 0"
    np.testing.assert_allclose(live.result["fmap"], 2 * digits.x_test[0, 0])
    live.controls["custom"].value = "1 2; 3"
    assert live.result["fmap"] is None and "kernel must be 3 rows of 3" in live.status.value
    live.controls["kernel"].value = "vertical edges (Sobel)"
    np.testing.assert_array_equal(live.result["fmap"], first)


def test_kernel_map_is_the_padded_cross_correlation(digits):
    image = digits.x_test[3]
    r = viz.compute_kernel_map(image, "vertical edges (Sobel)")
    padded = np.pad(image[0], 1)
    i, j = 4, 5
    expected = np.sum(padded[i:i + 3, j:j + 3] * np.array(viz.KERNELS[r["name"]]))
    assert r["fmap"][i, j] == pytest.approx(expected)
    identity = viz.compute_kernel_map(image, "identity")
    np.testing.assert_allclose(identity["fmap"], image[0])


def test_output_grid_widget_reports_sizes_floors_and_misfits():
    live = viz.output_grid_widget()
    assert live.result["out"] == 8 and live.result["dropped"] == 0
    _drive(live)
    live.controls["stride"].value = 2
    live.controls["pad"].value = 0
    # 8 - 3 = 5 is odd: floored to 3, row and column 7 of the image dropped
    assert live.result["out"] == 3 and live.result["dropped"] == 1
    assert "1 row and 1 column" in live.status.value
    assert "the last 1 of them rows" in live.status.value
    live.controls["pad"].value = 1  # 3x3, stride 2, pad 1 on 8: only padding dropped
    assert live.result["out"] == 4 and "(all of them padding)" in live.status.value
    live.controls["stride"].value = 7  # 10 - 3 = 7: two windows, nothing dropped
    assert live.result["out"] == 2 and live.result["dropped"] == 0
    assert "pixels between windows are skipped" in live.status.value
    live.controls["size"].value = 3
    live.controls["kernel"].value = 5
    live.controls["pad"].value = 0
    assert "larger than the padded input" in live.result["error"]
    live.controls["pad"].value = 1
    assert live.result["out"] == 1


def test_output_grid_widget_widens_a_range_rather_than_clamp():
    live = viz.output_grid_widget(size=14, kernel=3, stride=9, pad=1)
    assert live.controls["stride"].max == 9 and live.controls["stride"].value == 9
    assert live.controls["size"].max == 14 and live.result["out"] == 2
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        viz.output_grid_widget(stride=0)


def test_feature_map_widget_shows_each_block(digits):
    model = cnn.CNN.init(np.random.default_rng(0))
    live = viz.feature_map_widget(model, model.params, digits.x_test[:30], digits.labels_test[:30])
    assert live.result["maps"].shape == (16, 8, 8)
    _drive(live)
    live.controls["block"].value = "conv 2"
    assert live.result["maps"].shape == (32, 4, 4)
    assert live.result["probs"].sum() == pytest.approx(1)
    assert "Predicted" in live.status.value


def test_mosaic_places_tiles_with_nan_gaps():
    tiles = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    m = viz._mosaic(tiles, 2)
    assert m.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_array_equal(m[3:5, 4:7], tiles[3])
    assert np.isnan(m[2]).all() and np.isnan(m[6:, 3:]).all()


def test_the_mosaic_gaps_have_a_colour_that_no_weight_takes(digits):
    model = cnn.CNN.init(np.random.default_rng(0))
    fig = plt.figure()
    viz.draw_feature_maps(fig, viz.compute_feature_maps(
        model, model.params, digits.x_test[:3], digits.labels_test[:3], 0, "conv 1"))
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 3
    for im in images[1:]:  # the filters, then the maps: NaN gaps between tiles
        assert np.ma.getmaskarray(im.get_array()).any()
        gap = np.array(im.cmap.get_bad()[:3])
        assert np.ptp(gap) == 0  # a gray
        # farther from every colour of the map than a step of the map itself
        colours = im.cmap(np.linspace(0, 1, 256))[:, :3]
        assert np.min(np.linalg.norm(colours - gap, axis=1)) > 0.15
    plt.close(fig)


def test_static_figures_draw(digits):
    model = cnn.CNN.init(np.random.default_rng(0))
    fig = plt.figure()
    viz.draw_digits(fig, digits.x_train, digits.labels_train)
    assert len(fig.axes) == 10
    fig = plt.figure()
    viz.draw_training(fig, {"CNN": np.linspace(2, 0.1, 43 * 3 + 1)}, 43)
    assert len(fig.axes[0].lines[0].get_xdata()) == 3
    fig = plt.figure()
    predicted = model.predict(digits.x_test).argmax(1)
    viz.draw_mistakes(fig, digits.x_test, digits.labels_test, predicted, limit=5)
    assert len(fig.axes) == 5
    plt.close("all")


def test_comparison_of_seed_0_is_the_chapters_run():
    # the chapter trains seed 0 with this code, one epoch here to be quick,
    # and takes seeds 1, 2, ... from compute_comparison
    d = cnn.load_digits(test_fraction=0.25, seed=0)
    model = cnn.CNN.init(np.random.default_rng(0), image_shape=(1, 8, 8),
                         filters=(16, 32), kernel=3, classes=10)
    mlp = cnn.comparable_mlp(cnn.param_count(model.params), np.random.default_rng(0))
    flat = d.x_train.reshape(len(d.x_train), -1)
    cnn_params, _ = cnn.train(model, d.x_train, d.labels_train, epochs=1)
    mlp_params, _ = cnn.train(mlp, flat, d.labels_train, epochs=1)
    fill = (0 - d.mean) / d.std
    study = viz.compute_comparison([0], epochs=1)
    assert study["cnn"][0] == cnn.accuracy(model, d.x_test, d.labels_test, cnn_params)
    assert study["mlp"][0] == cnn.accuracy(mlp, d.x_test.reshape(len(d.x_test), -1),
                                           d.labels_test, mlp_params)
    assert study["cnn_shifted"].shape == study["mlp_shifted"].shape == (1, len(viz.SHIFTS))
    np.testing.assert_array_equal(study["cnn_shifted"][0], viz.shifted_accuracy(
        model, cnn_params, d.x_test, d.labels_test, viz.SHIFTS, fill))
    for k, (down, right) in enumerate(viz.SHIFTS):
        moved = cnn.shift_images(d.x_test, down, right, fill).reshape(len(d.x_test), -1)
        assert study["mlp_shifted"][0, k] == cnn.accuracy(mlp, moved, d.labels_test,
                                                          mlp_params)
    np.testing.assert_array_equal(study["seeds"], [0])


def test_shifted_accuracy_without_a_move_is_the_accuracy(digits):
    model = cnn.CNN.init(np.random.default_rng(1))
    x, labels = digits.x_test[:50], digits.labels_test[:50]
    acc = viz.shifted_accuracy(model, model.params, x, labels, [(0, 0), (1, 0)], -0.8)
    assert acc.shape == (2,) and acc[0] == cnn.accuracy(model, x, labels)
    mlp = cnn.comparable_mlp(200, np.random.default_rng(1))
    flat = x.reshape(len(x), -1)
    assert viz.shifted_accuracy(mlp, mlp.params, x, labels, [(0, 0)], 0.0)[0] == \
        cnn.accuracy(mlp, flat, labels)


def test_shuffled_pixels_are_one_permutation_for_every_image_and_channel():
    x = np.arange(2 * 3 * 4 * 4, dtype=float).reshape(2, 3, 4, 4)
    order = np.random.default_rng(0).permutation(16)
    out = viz._shuffle_pixels(x, order)
    for n in range(2):
        for c in range(3):
            np.testing.assert_array_equal(out[n, c].ravel(), x[n, c].ravel()[order])


def test_comparison_on_shuffled_pixels_trains_on_other_inputs():
    plain = viz.compute_comparison([1], epochs=1, shifts=())
    shuffled = viz.compute_comparison([1], epochs=1, shifts=(), permute=True)
    assert plain["cnn_shifted"].shape == (1, 0)
    assert shuffled["cnn"][0] != plain["cnn"][0] and shuffled["mlp"][0] != plain["mlp"][0]
    with pytest.raises(ValueError, match="shifts must be empty"):
        viz.compute_comparison([1], epochs=1, permute=True)
    for bad in ([], [-1], [1.0]):
        with pytest.raises(ValueError, match="seeds"):
            viz.compute_comparison(bad, epochs=1)


def test_learn_kernel_recovers_a_known_kernel_by_gradient_descent(digits):
    sobel = np.array(viz.KERNELS["vertical edges (Sobel)"], float)
    runs = [viz.learn_kernel(digits.x_train, sobel, steps=150, n=32, seed=s) for s in range(3)]
    for run in runs:
        assert run["loss"].shape == run["error"].shape == (151,)
        assert run["error"][0] > 0.5 and run["error"][-1] < 1e-2  # from random to K
        assert np.all(np.diff(run["loss"]) <= 0)  # a small enough step: monotone
        assert abs(run["bias"]) < 1e-2
    np.testing.assert_allclose(runs[0]["learned"], sobel, atol=1e-2)
    # the gradient it descends is conv2d_backward's: one step by hand agrees
    x = digits.x_train[np.random.default_rng(0).choice(len(digits.x_train), 32, replace=False)]
    one = viz.learn_kernel(digits.x_train, sobel, steps=1, n=32, seed=0)
    W0 = np.random.default_rng(0)
    W0.choice(len(digits.x_train), 32, replace=False)
    W0 = W0.normal(0, np.sqrt(1 / 3), (1, 1, 3, 3))
    y = sum(W0[0, 0, p, q] * np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))[:, :, p:p + 8, q:q + 8]
            for p in range(3) for q in range(3))
    t = sum(sobel[p, q] * np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))[:, :, p:p + 8, q:q + 8]
            for p in range(3) for q in range(3))
    assert one["loss"][0] == pytest.approx(0.5 * np.mean((y - t) ** 2))
    fig = plt.figure()
    viz.draw_learned_kernel(fig, runs)
    assert len(fig.axes) == 4
    plt.close(fig)


def test_learn_kernel_names_bad_arguments(digits):
    with pytest.raises(ValueError, match=r"kernel must be a square 2-D array with an odd side, "
                                         r"got shape \(2, 2\)"):
        viz.learn_kernel(digits.x_train, np.ones((2, 2)))
    with pytest.raises(ValueError, match="n must lie in"):
        viz.learn_kernel(digits.x_train[:5], np.ones((3, 3)), n=6)
    with pytest.raises(ValueError, match="lr must be"):
        viz.learn_kernel(digits.x_train, np.ones((3, 3)), lr=0)
