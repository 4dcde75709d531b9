import numpy as np
import pytest

from dlnotes import MLP, SGD, fit, worked_example
from dlnotes.data import spirals, two_moons
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.losses import softmax_cross_entropy, squared_error
from dlnotes.mlp import WORKED_WEIGHTS
from dlnotes.train import Diverged


@pytest.mark.parametrize(
    "sizes,acts",
    [
        ([3, 2, 2], ["sigmoid", "sigmoid"]),
        ([4, 5, 3, 2], ["tanh", "relu", "identity"]),
        ([2, 6, 6, 6, 3], ["relu", "tanh", "sigmoid", "identity"]),
    ],
)
def test_mlp_backward_matches_finite_differences(sizes, acts):
    rng = np.random.default_rng(4)
    model = MLP.init(sizes, acts, rng, scale=0.8)
    x = rng.normal(size=(5, sizes[0]))
    y = rng.normal(size=(5, sizes[-1]))
    out, cache = model.forward(x)
    _, dout = squared_error(out, y)
    dx, grads, _ = model.backward(dout, cache)
    loss = lambda: squared_error(model.forward(x)[0], y)[0]  # noqa: E731
    bound = fd_error_bound(loss())
    for k, p in model.params.items():
        assert_grad_within(k, numerical_gradient(loss, p), grads[k], bound)
    assert_grad_within("x", numerical_gradient(loss, x), dx, bound)


def test_mlp_cross_entropy_gradients():
    rng = np.random.default_rng(5)
    model = MLP.init([2, 4, 3], ["tanh", "identity"], rng)
    x, labels = rng.normal(size=(6, 2)), rng.integers(0, 3, 6)
    _, grads = model.loss_and_grads(x, labels, "softmax_cross_entropy")
    f = lambda: softmax_cross_entropy(model.predict(x), labels)[0]  # noqa: E731
    for k, p in model.params.items():
        assert_grad_within(k, numerical_gradient(f, p), grads[k], fd_error_bound(f()))


def test_worked_example_reproduces_the_source_forward_pass():
    model, x, y = worked_example()
    out, cache = model.forward(x)
    np.testing.assert_allclose(cache["Z"][0], [[4.3, 5.3]])
    np.testing.assert_allclose(np.round(cache["X"][1], 4), [[0.9866, 0.9950]])
    np.testing.assert_allclose(np.round(cache["Z"][1], 4), [[2.0862, 1.3888]])
    np.testing.assert_allclose(np.round(out, 4), [[0.8896, 0.8004]])


def test_worked_weights_map_the_source_labels():
    model, _, _ = worked_example()
    values = [model.params[k][i] for k, i in WORKED_WEIGHTS.values()]
    np.testing.assert_allclose(values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1])


def test_dL_dw1_has_one_term_per_output_both_through_h1():
    model, x, y = worked_example()
    out, cache = model.forward(x)
    _, grads = model.loss_and_grads(x, y)
    (o1, o2), (h1, _) = out[0], cache["X"][1][0]
    w7, w8 = 0.7, 0.8
    through_o1 = (o1 - 0.1) * o1 * (1 - o1) * w7
    through_o2 = (o2 - 0.05) * o2 * (1 - o2) * w8
    by_hand = (through_o1 + through_o2) * h1 * (1 - h1) * 1.0  # x1 = 1
    assert grads["W1"][0, 0] == pytest.approx(by_hand, rel=1e-12)


def test_forward_does_not_keep_state_between_calls():
    model, x, _ = worked_example()
    first = model.predict(x)
    for _ in range(3):
        model.forward(x)
    np.testing.assert_array_equal(model.predict(x), first)
    assert set(vars(model)) == {"params", "activations"}


def test_mlp_rejects_bad_params_and_inputs():
    with pytest.raises(ValueError, match=r"params\['W2'\] must have shape \(M, 4\), got \(2, 3\)"):
        MLP({"W1": np.zeros((4, 2)), "b1": np.zeros(4), "W2": np.zeros((2, 3)), "b2": np.zeros(2)},
            ["relu", "identity"])
    with pytest.raises(ValueError, match="params must have keys"):
        MLP({"W1": np.zeros((4, 2))}, ["relu"])
    model, _, _ = worked_example()
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\), got \(1, 2\)"):
        model.forward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="activations must have len"):
        MLP.init([2, 3, 1], ["relu"], np.random.default_rng(0))


def test_sgd_step_lowers_the_worked_loss_and_keeps_inputs():
    model, x, y = worked_example()
    loss0, grads = model.loss_and_grads(x, y)
    before = {k: v.copy() for k, v in model.params.items()}
    new = SGD(0.5).step(model.params, grads)
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])
        np.testing.assert_allclose(new[k], before[k] - 0.5 * grads[k])
    assert MLP(new, model.activations).loss_and_grads(x, y)[0] < loss0


def test_sgd_momentum_accumulates_velocity():
    opt = SGD(0.1, momentum=0.9)
    p = {"w": np.array([1.0])}
    g = {"w": np.array([1.0])}
    p = opt.step(p, g)
    p = opt.step(p, g)
    np.testing.assert_allclose(p["w"], 1 - 0.1 * 1 - 0.1 * 1.9)


def test_sgd_rejects_bad_settings_and_grads():
    with pytest.raises(ValueError, match="lr must be positive"):
        SGD(0)
    with pytest.raises(ValueError, match=r"grads\['w'\] must have shape \(2,\), got \(3,\)"):
        SGD(0.1).step({"w": np.zeros(2)}, {"w": np.zeros(3)})


def test_fit_stops_at_the_threshold():
    model, x, y = worked_example()
    f = lambda p, step: MLP(p, model.activations).loss_and_grads(x, y)  # noqa: E731
    _, history = fit(f, model.params, SGD(0.5), steps=10_000, threshold=1e-3)
    assert history[-1] < 1e-3 <= history[-2]
    assert all(a > b for a, b in zip(history, history[1:]))


def test_fit_raises_diverged_with_the_history():
    def f(p, step):
        return float(p["w"][0] ** 2), {"w": 2 * p["w"]}

    with pytest.raises(Diverged) as info, np.errstate(over="ignore"):  # the overflow is the point
        fit(f, {"w": np.array([1.0])}, SGD(1e200), steps=10)
    assert not np.isfinite(info.value.history[-1])


@pytest.mark.parametrize("make", [two_moons, spirals])
def test_toy_data_sets_are_balanced_and_standardised(make):
    x, labels = make(101, 0.1, np.random.default_rng(0))
    assert x.shape == (101, 2) and labels.shape == (101,)
    assert set(np.unique(labels)) == {0, 1} and abs(labels.sum() - 50.5) <= 1
    np.testing.assert_allclose(x.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(0), 1)


def test_mlp_learns_two_moons():
    rng = np.random.default_rng(0)
    x, labels = two_moons(200, 0.1, rng)
    model = MLP.init([2, 16, 16, 2], ["tanh", "tanh", "identity"], rng)
    f = lambda p, step: MLP(p, model.activations).loss_and_grads(  # noqa: E731
        x, labels, "softmax_cross_entropy")
    params, _ = fit(f, model.params, SGD(0.5, momentum=0.9), steps=400)
    acc = np.mean(MLP(params, model.activations).predict(x).argmax(1) == labels)
    assert acc > 0.97
