import numpy as np
import pytest

from dlnotes import init as I
from dlnotes.data import two_moons
from dlnotes.deepnet import DeepMLP, dead_units, train
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.losses import softmax_cross_entropy, squared_error


def _third_derivative(f, x, s=1e-4):
    """The largest |f'''| along one entry of x, by Richardson: the central
    difference's error is s**2 / 6 * f''' + O(s**4), so the differences at
    steps 2s and s differ by s**2 / 2 * f'''."""
    coarse, fine = numerical_gradient(f, x, h=2 * s), numerical_gradient(f, x, h=s)
    return np.abs(coarse - fine).max() * 2 / s**2 * 2  # an estimate: doubled


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("residual,batchnorm", [(False, False), (True, False),
                                                (False, True), (True, True)])
@pytest.mark.parametrize("sizes,n", [((3, 4, 2, 4), 5), ((2, 3, 1, 2), 4)])
def test_deep_mlp_backward_matches_finite_differences(activation, residual, batchnorm, sizes, n):
    rng = np.random.default_rng(sum(sizes) + n)
    model = DeepMLP.init(sizes, activation, rng, "xavier", 1.5, residual, batchnorm)
    # move gamma and beta off their initial 1 and 0 so their gradients are generic
    model.params.update({k: rng.normal(size=v.shape) for k, v in model.params.items()
                         if k[0] in "gb"})
    x, y = rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[2]))
    out, cache = model.forward(x)
    _, dout = squared_error(out, y)
    dx, grads, norms = model.backward(dout, cache)
    loss = lambda: squared_error(model.forward(x)[0], y)[0]  # noqa: E731
    assert set(grads) == set(model.params)
    # batch norm over a few examples can divide by a small batch deviation:
    # f''' is then far above the loss, and the truncation term is measured
    for k, p in [*model.params.items(), ("x", x)]:
        bound = fd_error_bound(loss(), d3=_third_derivative(loss, p))
        assert_grad_within(k, numerical_gradient(loss, p), grads.get(k, dx), bound)
    np.testing.assert_allclose(norms, [np.linalg.norm(grads[f"W{l}"])
                                       for l in range(1, sizes[3] + 1)])


def test_cross_entropy_gradients_of_a_residual_batchnorm_net():
    rng = np.random.default_rng(9)
    model = DeepMLP.init((2, 3, 3, 3), "tanh", rng, residual=True, batchnorm=True)
    x, labels = rng.normal(size=(6, 2)), rng.integers(0, 3, 6)
    _, grads, _ = model.loss_and_grads(x, labels, "softmax_cross_entropy")
    f = lambda: softmax_cross_entropy(model.forward(x)[0], labels)[0]  # noqa: E731
    for k, p in model.params.items():
        assert_grad_within(k, numerical_gradient(f, p), grads[k], fd_error_bound(f()))


def _moons():
    x, labels = two_moons(32, 0.1, np.random.default_rng(0))
    return x, labels


def test_sigmoid_gradient_vanishes_with_depth_and_the_remedies_restore_it():
    x, labels = _moons()

    def first_layer(activation, **kw):
        model = DeepMLP.init((2, 16, 2, 20), activation, np.random.default_rng(1), **kw)
        norms = model.loss_and_grads(x, labels, "softmax_cross_entropy")[2]
        return norms[0], norms[-1]

    first, last = first_layer("sigmoid")
    assert first < 1e-8 * last  # sigmoid' <= 1/4 at every one of 19 layers
    for kw in [dict(init="he"), dict(residual=True), dict(batchnorm=True)]:
        activation = "relu" if kw.get("init") == "he" else "sigmoid"
        remedied, last = first_layer(activation, **kw)
        assert remedied > 1e6 * first, kw
        assert 1e-3 < remedied / last < 1e3, kw


def test_exploding_net_diverges_and_clipping_rescues_it():
    x, labels = _moons()
    model = DeepMLP.init((2, 16, 2, 20), "relu", np.random.default_rng(1), "he", 1.4)
    plain = train(model, x, labels, 0.05, 20, "softmax_cross_entropy")
    assert plain["diverged_at"] is not None and plain["params"] is None
    assert not np.isfinite(plain["losses"][-1])
    clipped = train(model, x, labels, 0.05, 20, "softmax_cross_entropy", clip=1.0)
    assert clipped["diverged_at"] is None
    assert clipped["losses"][-1] < 0.2 * clipped["losses"][0]
    assert clipped["norms"].shape == (21, 20)
    np.testing.assert_array_equal(clipped["norms"][0], plain["norms"][0])


def test_no_state_grows_between_calls():
    x, labels = _moons()
    model = DeepMLP.init((2, 4, 2, 5), "tanh", np.random.default_rng(0), batchnorm=True)
    before = {k: v.copy() for k, v in model.params.items()}
    first = model.loss_and_grads(x, labels, "softmax_cross_entropy")
    for _ in range(3):
        again = model.loss_and_grads(x, labels, "softmax_cross_entropy")
    assert again[0] == first[0]
    np.testing.assert_array_equal(again[2], first[2])
    train(model, x, labels, 0.1, 3, "softmax_cross_entropy")
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])
    assert set(vars(model)) == {"params", "activation", "residual", "batchnorm"}


def test_init_keys_shapes_and_depth():
    model = DeepMLP.init((3, 5, 2, 4), "relu", np.random.default_rng(0), batchnorm=True)
    assert model.depth == 4
    assert model.params["W1"].shape == (5, 3) and model.params["W4"].shape == (2, 5)
    assert "gamma1" not in model.params and model.params["gamma4"].shape == (5,)
    # batch norm cancels every bias but the output layer's
    assert sorted(k for k in model.params if k.startswith("b")) == [
        "b4", "beta2", "beta3", "beta4"]


@pytest.mark.parametrize("name,std", [("xavier", np.sqrt(2 / (400 + 100))),
                                      ("he", np.sqrt(2 / 400)), ("normal", 0.7)])
def test_initializers_have_their_standard_deviation(name, std):
    scale = 0.7 if name == "normal" else 1.0
    W = I.get_initializer(name)(400, 100, np.random.default_rng(0), scale)
    assert W.shape == (100, 400)
    assert W.std() == pytest.approx(std, rel=0.02)


def test_initializer_gain_scales_the_weights():
    a = I.he(10, 10, np.random.default_rng(0), gain=2.0)
    b = I.he(10, 10, np.random.default_rng(0))
    np.testing.assert_allclose(a, 2 * b)


def test_bad_settings_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="init must be one of"):
        DeepMLP.init((2, 3, 1, 3), "relu", rng, init="glorot")
    with pytest.raises(ValueError, match="activation must be one of"):
        DeepMLP.init((2, 3, 1, 3), "swish", rng)
    with pytest.raises(ValueError, match=r"sizes\[3\] \(L\) must be >= 2"):
        DeepMLP.init((2, 3, 1, 1), "relu", rng)
    with pytest.raises(ValueError, match="fan_in must be >= 1"):
        I.xavier(0, 3, rng)
    with pytest.raises(ValueError, match="std must be >= 0"):
        I.normal(2, 3, rng, -1.0)
    model = DeepMLP.init((2, 3, 1, 3), "relu", rng)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\), got \(4, 3\)"):
        model.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="loss must be one of"):
        model.loss_and_grads(np.zeros((4, 2)), np.zeros((4, 1)), "hinge")
    bad = dict(model.params, W2=np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"params\['W2'\] must have shape \(3, 3\), got \(3, 4\)"):
        DeepMLP(bad, "relu")
    with pytest.raises(ValueError, match="params must have keys"):
        DeepMLP(model.params, "relu", batchnorm=True)


def test_dead_units_counts_relu_units_that_are_zero_on_the_whole_batch():
    x, _ = _moons()
    model = DeepMLP.init((2, 4, 2, 3), "relu", np.random.default_rng(0))
    assert dead_units(model, x)[0] == 0.0
    params = dict(model.params, b1=np.array([-100.0, -100.0, 0.0, 0.0]))
    assert dead_units(model, x, params)[0] == 0.5
    sigmoid = DeepMLP.init((2, 4, 2, 3), "sigmoid", np.random.default_rng(0))
    np.testing.assert_array_equal(dead_units(sigmoid, x), [0.0, 0.0])


@pytest.mark.parametrize("residual", [False, True])
def test_forward_returns_the_pre_activations_of_every_layer(residual):
    rng = np.random.default_rng(4)
    model = DeepMLP.init((3, 5, 2, 4), "tanh", rng, residual=residual)
    x = rng.normal(size=(6, 3))
    out, cache = model.forward(x)
    Z = cache["Z"]
    assert [z.shape for z in Z] == [(6, 5)] * 3 + [(6, 2)]
    np.testing.assert_array_equal(Z[-1], out)
    np.testing.assert_array_equal(Z[0], x @ model.params["W1"].T + model.params["b1"])
    for z, a in zip(Z[:-1], cache["X"]):  # X_l = f(Z_l)
        np.testing.assert_array_equal(a, np.tanh(z))


def test_train_keeps_the_parameters_of_the_steps_asked_for():
    x, labels = _moons()
    model = DeepMLP.init((2, 4, 2, 3), "tanh", np.random.default_rng(0))
    run = train(model, x, labels, 0.1, 3, "softmax_cross_entropy", keep=(0, 2, 7))
    assert sorted(run["kept"]) == [0, 2]  # step 7 is never reached
    for k, v in model.params.items():
        np.testing.assert_array_equal(run["kept"][0][k], v)
        assert run["kept"][0][k] is not v  # a copy
    again = train(model, x, labels, 0.1, 2, "softmax_cross_entropy")
    for k, v in again["params"].items():
        np.testing.assert_array_equal(run["kept"][2][k], v)
    assert train(model, x, labels, 0.1, 1, "softmax_cross_entropy")["kept"] == {}
    with pytest.raises(TypeError, match="keep must be a sequence"):
        train(model, x, labels, 0.1, 1, "softmax_cross_entropy", keep=2)
    with pytest.raises(ValueError, match=r"keep\[\] must be >= 0"):
        train(model, x, labels, 0.1, 1, "softmax_cross_entropy", keep=(-1,))
