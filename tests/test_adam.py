import numpy as np
import pytest

from dlnotes.optim import Adam


def test_adam_first_step_is_lr_times_the_sign_of_the_gradient():
    params = {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.0])}
    grads = {"W": np.array([[1e-2, -50.0], [3.0, 0.0]]), "b": np.array([-2e3])}
    new = Adam(lr=0.1).step(params, grads)
    np.testing.assert_allclose(new["W"], params["W"] - 0.1 * np.sign(grads["W"]), atol=1e-6)
    np.testing.assert_allclose(new["b"], [0.1])


def test_adam_matches_the_update_rule_written_out():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=3)
    opt, params = Adam(lr=0.01, beta1=0.8, beta2=0.9, eps=1e-6), {"p": theta}
    m = v = np.zeros(3)
    for t in range(1, 5):
        g = rng.normal(size=3)
        params = opt.step(params, {"p": g})
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        theta = theta - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-6)
        np.testing.assert_allclose(params["p"], theta, rtol=1e-12)


def test_adam_minimises_a_badly_scaled_quadratic_and_leaves_inputs_alone():
    scale = np.array([1e-3, 1.0, 1e3])
    params = {"x": np.ones(3)}
    start = params["x"].copy()
    opt = Adam(lr=0.05)
    for _ in range(400):
        g = {"x": scale * params["x"]}
        g_copy = g["x"].copy()
        new = opt.step(params, g)
        np.testing.assert_array_equal(g["x"], g_copy)
        params = new
    assert np.all(np.abs(params["x"][1:]) < 1e-2)
    assert abs(params["x"][0]) < 0.5  # even the gradient 1e6 times smaller moved
    np.testing.assert_array_equal(start, np.ones(3))


def test_adam_rejects_bad_settings_and_mismatched_grads():
    with pytest.raises(ValueError, match="lr must be positive"):
        Adam(lr=0)
    with pytest.raises(ValueError, match=r"beta2 must lie in \[0, 1\)"):
        Adam(lr=0.1, beta2=1.0)
    with pytest.raises(ValueError, match="eps must be positive"):
        Adam(lr=0.1, eps=0)
    opt = Adam(lr=0.1)
    with pytest.raises(ValueError, match="grads must have the keys"):
        opt.step({"a": np.zeros(2)}, {"b": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['a'\] must have shape \(2,\), got \(3,\)"):
        opt.step({"a": np.zeros(2)}, {"a": np.zeros(3)})
