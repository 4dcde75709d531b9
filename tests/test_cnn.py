import numpy as np
import pytest

from dlnotes import cnn
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.losses import softmax_cross_entropy


@pytest.mark.parametrize("image_shape,filters,kernel", [
    ((1, 4, 4), (2, 3), 3),
    ((2, 8, 8), (3,), 5),
    ((1, 8, 16), (3, 2, 2), 1),
])
def test_cnn_backward_matches_finite_differences(image_shape, filters, kernel):
    rng = np.random.default_rng(10)
    model = cnn.CNN.init(rng, image_shape, filters, kernel, classes=3)
    for k in model.params:  # nonzero biases, so the check covers them too
        if k.startswith("b"):
            model.params[k] = rng.normal(0, 0.1, model.params[k].shape)
    x = rng.normal(size=(3, *image_shape))
    labels = rng.integers(0, 3, 3)
    loss, grads = model.loss_and_grads(x, labels)
    logits, cache = model.forward(x)
    dx, _ = model.backward(softmax_cross_entropy(logits, labels)[1], cache)
    f = lambda: softmax_cross_entropy(model.predict(x), labels)[0]  # noqa: E731
    assert loss == pytest.approx(f())
    bound = fd_error_bound(loss)
    for k, p in model.params.items():
        assert_grad_within(k, numerical_gradient(f, p), grads[k], bound)
    assert_grad_within("x", numerical_gradient(f, x), dx, bound)


def test_cnn_forward_exposes_feature_maps_and_keeps_no_state():
    model = cnn.CNN.init(np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(2, 1, 8, 8))
    logits, cache = model.forward(x)
    assert logits.shape == (2, 10)
    assert [m.shape for m in cache["maps"]] == [(2, 16, 8, 8), (2, 32, 4, 4)]
    assert all(np.all(m >= 0) for m in cache["maps"])  # after the ReLU
    model.forward(x)
    np.testing.assert_array_equal(model.predict(x), logits)
    assert set(vars(model)) == {"params", "image_shape"}


def test_cnn_parameter_count_and_comparable_mlp():
    model = cnn.CNN.init(np.random.default_rng(0))
    n = cnn.param_count(model.params)
    assert n == (16 * 9 + 16) + (32 * 16 * 9 + 32) + (10 * 32 * 2 * 2 + 10)
    mlp = cnn.comparable_mlp(n, np.random.default_rng(0))
    # one more or one fewer hidden unit changes the count by 64 + 1 + 10
    assert abs(cnn.param_count(mlp.params) - n) <= (64 + 1 + 10) / 2
    assert mlp.params["W1"].shape[1] == 64 and mlp.params["W2"].shape[0] == 10


def test_cnn_rejects_bad_params_and_inputs():
    rng = np.random.default_rng(0)
    good = cnn.CNN.init(rng).params
    with pytest.raises(ValueError, match="params must have keys W1, b1, ..., WL, bL"):
        cnn.CNN({"W1": good["W1"], "b1": good["b1"]}, (1, 8, 8))
    with pytest.raises(ValueError, match=r"params\['W1'\] must have shape \(F, 3, K, K\)"):
        cnn.CNN(good, (3, 8, 8))
    with pytest.raises(ValueError, match=r"params\['W3'\] must have shape \(M, 128\)"):
        cnn.CNN({**good, "W3": np.zeros((10, 127))}, (1, 8, 8))
    with pytest.raises(ValueError, match="odd kernel side, got 2"):
        cnn.CNN({**good, "W1": np.zeros((16, 1, 2, 2))}, (1, 8, 8))
    # 6 -> 3 after one pooling, then floored to 1 (row 2 dropped): 32 * 1 * 2 features
    with pytest.raises(ValueError, match=r"params\['W3'\] must have shape \(M, 64\)"):
        cnn.CNN(good, (1, 6, 8))
    model = cnn.CNN(good, (1, 8, 8))
    with pytest.raises(ValueError, match=r"x must have 4 dimensions \(N, 1, 8, 8\), got"):
        model.forward(np.zeros((2, 64)))
    with pytest.raises(ValueError, match="loss must be 'softmax_cross_entropy'"):
        model.loss_and_grads(np.zeros((1, 1, 8, 8)), np.zeros(1, int), "squared_error")


def test_digits_are_split_with_a_seed_and_standardised_on_training_pixels():
    d = cnn.load_digits()
    assert d.x_train.shape == (1348, 1, 8, 8) and d.x_test.shape == (449, 1, 8, 8)
    assert d.labels_train.shape == (1348,) and set(np.unique(d.labels_test)) == set(range(10))
    assert abs(d.x_train.mean()) < 1e-12 and d.x_train.std() == pytest.approx(1)
    again = cnn.load_digits()
    np.testing.assert_array_equal(again.x_test, d.x_test)
    other = cnn.load_digits(seed=1)
    assert not np.array_equal(other.labels_test, d.labels_test)
    raw = np.concatenate([d.x_train, d.x_test]) * d.std + d.mean
    np.testing.assert_allclose(raw, np.round(raw), atol=1e-9)  # gray levels 0..16
    assert raw.min() == pytest.approx(0) and raw.max() == pytest.approx(16)
    with pytest.raises(ValueError, match="test_fraction must lie in"):
        cnn.load_digits(test_fraction=1.0)


def test_minibatches_visit_every_example_once_per_epoch():
    class Recorder:
        def loss_and_grads(self, x, labels, loss, params):
            return float(len(x)), {"seen": x}

    x = np.arange(10.0)
    objective, per_epoch = cnn.minibatch_objective(Recorder(), x, np.zeros(10, int), 4)
    assert per_epoch == 3
    epoch0 = [objective(None, s)[1]["seen"] for s in range(3)]
    assert [len(b) for b in epoch0] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(epoch0)), x)
    epoch1 = np.concatenate([objective(None, s)[1]["seen"] for s in range(3, 6)])
    assert not np.array_equal(np.concatenate(epoch0), epoch1)
    np.testing.assert_array_equal(objective(None, 4)[1]["seen"], objective(None, 4)[1]["seen"])
    with pytest.raises(ValueError, match=r"batch_size must lie in \[1, 10\], got 11"):
        cnn.minibatch_objective(Recorder(), x, np.zeros(10, int), 11)


def test_cnn_reaches_97_percent_on_the_digits_with_the_chapter_settings():
    d = cnn.load_digits()
    model = cnn.CNN.init(np.random.default_rng(0))
    params, history = cnn.train(model, d.x_train, d.labels_train)
    assert len(history) == 10 * 43 + 1  # 43 batches of 32 per epoch, then the final loss
    assert cnn.accuracy(model, d.x_test, d.labels_test, params) >= 0.97


def test_selfchecks_accept_the_right_answers_and_hint_otherwise():
    from dlnotes.dense import dense_forward
    from dlnotes.selfcheck import cnn as check

    assert check.output_side(28, 5, 1, 2, 28) and not check.output_side(28, 5, 1, 2, 24)
    # stride 2 does not divide 28 + 4 - 5 = 27: floored to 14
    assert check.output_side(28, 5, 2, 2, 14) and not check.output_side(28, 5, 2, 2, "error")
    assert check.output_side(2, 5, 1, 1, " Error")  # a kernel larger than 2 + 2
    assert not check.output_side(28, 5, 1, 2, "error")
    assert check.conv_params(3, 16, 3, 448)
    assert not check.conv_params(3, 16, 3, 432)  # the biases forgotten
    assert check.dense_params_same_output(1, 8, 16, 3, 1, 65 * 1024)
    x, dout = check.pooling_exercise()
    by_hand = np.zeros((4, 4))
    by_hand[1, 0], by_hand[1, 3], by_hand[2, 1], by_hand[3, 2] = 1.0, -2.0, 0.5, 3.0
    assert check.maxpool_backward(by_hand) and check.maxpool_backward(by_hand[None, None])
    wrong = check.maxpool_backward(np.ones((4, 4)))
    assert not wrong and "Hint" in repr(wrong)
    assert "expected an array of shape (4, 4)" in repr(check.maxpool_backward(np.ones(3)))
    x, W, b = check.one_by_one_exercise()
    pixels = x.transpose(0, 2, 3, 1).reshape(-1, 3)
    out = dense_forward(pixels, W.reshape(5, 3), b)[0].reshape(2, 4, 4, 5).transpose(0, 3, 1, 2)
    assert check.one_by_one_conv(out)
    assert not check.one_by_one_conv(out.transpose(0, 1, 3, 2))
    assert check.receptive_field_side([(3, 1), (2, 2), (3, 1), (2, 2)], 10)
    assert "No answer yet" in repr(check.receptive_field_side([(3, 1)], None))


def test_shift_images_moves_pixels_and_fills_the_gap():
    x = np.arange(2 * 1 * 3 * 4, dtype=float).reshape(2, 1, 3, 4)
    down = cnn.shift_images(x, 1, 0, -1.0)
    np.testing.assert_array_equal(down[:, :, 1:], x[:, :, :2])
    assert np.all(down[:, :, 0] == -1.0)
    left = cnn.shift_images(x, 0, -2, 0.0)
    np.testing.assert_array_equal(left[..., :2], x[..., 2:])
    np.testing.assert_array_equal(cnn.shift_images(x, 0, 0, 5.0), x)
    with pytest.raises(ValueError, match="out of view"):
        cnn.shift_images(x, 3, 0, 0.0)


def test_load_digits_reads_the_images_scikit_learn_ships():
    from sklearn.datasets import load_digits as sklearn_digits

    images, labels = cnn._digit_images()
    data = sklearn_digits()
    np.testing.assert_array_equal(images, data.images[:, None])
    np.testing.assert_array_equal(labels, data.target)
    assert images.dtype == np.float64 and not images.flags.writeable
    d = cnn.load_digits(seed=3)
    order = np.random.default_rng(3).permutation(1797)
    train = data.images[order[449:], None]
    mean, std = train.mean(), train.std()
    np.testing.assert_array_equal(d.x_train, (train - mean) / std)
    np.testing.assert_array_equal(d.labels_test, data.target[order[:449]])


def test_cache_bytes_counts_each_buffer_once_and_skips_the_parameters():
    a, w = np.zeros(10), np.ones((2, 3))
    assert cnn.cache_bytes((a, a.reshape(2, 5), {"s": a[:3]}, (4, 4), "x")) == 80
    assert cnn.cache_bytes([a, w], exclude=[w]) == 80
    assert cnn.cache_bytes([a, w.T], exclude=[w]) == 80  # a view of a parameter
    assert cnn.cache_bytes(None) == 0
    with pytest.raises(TypeError, match="exclude must be an iterable of arrays"):
        cnn.cache_bytes(a, exclude=w)


@pytest.mark.parametrize("n,side", [(5, 8), (2, 12)])
def test_cache_bytes_of_the_cnn_is_what_each_backward_reads(n, side):
    # conv: the im2col columns (C K K, OH OW N); ReLU: its input z; max pool:
    # the one-hot arg-max mask (2, 2, N, F, H/2, W/2) of bools; dense: its input
    model = cnn.CNN.init(np.random.default_rng(0), image_shape=(1, side, side))
    _, cache = model.forward(np.zeros((n, 1, side, side)))
    f1, f2, s1, s2 = 16, 32, side, side // 2
    expected = 8 * (9 * s1 * s1 * n + f1 * s1 * s1 * n) + 4 * n * f1 * (s1 // 2) ** 2
    expected += 8 * (9 * f1 * s2 * s2 * n + f2 * s2 * s2 * n) + 4 * n * f2 * (s2 // 2) ** 2
    expected += 8 * n * f2 * (s2 // 2) ** 2  # the flattened maps
    kept = {k: v for k, v in cache.items() if k != "maps"}  # maps: for figures only
    assert cnn.cache_bytes(kept, exclude=model.params.values()) == expected
