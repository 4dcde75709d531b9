import numpy as np
import pytest

from dlnotes.clip import clip_by_norm, clip_by_value, global_norm


def test_clip_by_norm_rescales_every_array_to_the_threshold():
    grads = {"W": np.array([[3.0, 0.0], [0.0, 0.0]]), "b": np.array([4.0])}
    clipped, norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert set(clipped) == {"W", "b"}
    np.testing.assert_allclose(clipped["W"], [[0.6, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(clipped["b"], [0.8])
    assert global_norm(clipped) == pytest.approx(1.0)


def test_clip_by_norm_keeps_the_direction():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    clipped, norm = clip_by_norm(grads, 0.1)
    for k in grads:
        np.testing.assert_allclose(clipped[k] * norm / 0.1, grads[k])


def test_clip_by_norm_leaves_small_gradients_alone_and_inputs_unchanged():
    grads = {"W": np.array([0.3, -0.4])}
    clipped, norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped["W"], [0.3, -0.4])
    clipped["W"][0] = 99.0
    np.testing.assert_array_equal(grads["W"], [0.3, -0.4])


def test_clip_at_exactly_the_threshold_changes_nothing():
    clipped, norm = clip_by_norm({"g": np.array([3.0, 4.0])}, 5.0)
    assert norm == 5.0
    np.testing.assert_array_equal(clipped["g"], [3.0, 4.0])


def test_zero_gradient_stays_zero():
    with np.errstate(all="raise"):
        clipped, norm = clip_by_norm({"W": np.zeros((2, 2)), "b": np.zeros(0)}, 1.0)
    assert norm == 0.0
    np.testing.assert_array_equal(clipped["W"], np.zeros((2, 2)))


def test_global_norm_does_not_overflow():
    g = {"W": np.full(4, 1e200)}
    assert global_norm(g) == pytest.approx(2e200)
    clipped, _ = clip_by_norm(g, 2.0)
    np.testing.assert_allclose(clipped["W"], np.full(4, 1.0))


def test_clip_by_value_caps_entries_and_turns_the_vector():
    g = {"g": np.array([3.0, 0.5])}
    clipped = clip_by_value(g, 1.0)
    np.testing.assert_array_equal(clipped["g"], [1.0, 0.5])
    cos = clipped["g"] @ g["g"] / (np.linalg.norm(clipped["g"]) * np.linalg.norm(g["g"]))
    assert cos < 0.99
    np.testing.assert_array_equal(g["g"], [3.0, 0.5])


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="grads must be a dict"):
        clip_by_norm([np.ones(2)], 1.0)
    with pytest.raises(ValueError, match="threshold must be a positive"):
        clip_by_norm({"g": np.ones(2)}, 0.0)
    with pytest.raises(TypeError, match="threshold must be a positive number \\(a scalar\\)"):
        clip_by_norm({"g": np.ones(2)}, np.ones(2))
    with pytest.raises(ValueError, match="limit must be a positive"):
        clip_by_value({"g": np.ones(2)}, -1)
    with pytest.raises(ValueError, match=r"grads\['g'\] contains NaN or inf"):
        clip_by_norm({"g": np.array([np.nan, 1.0])}, 1.0)
    with pytest.raises(TypeError, match=r"grads\['g'\] must be an array of numbers"):
        clip_by_value({"g": np.array(["a"])}, 1.0)
