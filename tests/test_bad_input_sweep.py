"""Every public function of dlnotes, called with a learner's mistakes.

``REGISTRY`` holds one valid call per public function; ``sweep_support``
derives the bad calls from it (wrong ndim, a grown axis, NaN, inf, float32,
int, a list, None, a string, an int seed for an rng, a missing params key,
wrong-typed scalars) plus each entry's own ``bad`` hyper-parameters. Each
must raise a ValueError or TypeError from dlnotes that names the argument,
or, where the variant may be valid (a free batch axis, float32 input), run
with no RuntimeWarning and float64 output; NaN in must raise or show in the
output. No call may modify its inputs.

A new public function joins by adding one valid call here: the test below
fails for any public function without one. Not swept: ``dlnotes.selfcheck``
(its contract is a verdict for any answer, never an error) and
``dlnotes.viz`` (figures and widgets over matplotlib and ipywidgets; its
helpers' argument errors are tested at the end of this module).
"""

import importlib
import inspect
import pkgutil
from functools import lru_cache

import numpy as np
import pytest
from matplotlib.figure import Figure
from sweep_support import RUN, Call, Variant, outcome, variants

import dlnotes
from dlnotes import (
    activations,
    attention,
    backprop,
    beam,
    charlm,
    clip,
    cnn,
    conv,
    data,
    deepnet,
    dense,
    gradcheck,
    gru,
    init,
    losses,
    lstm,
    memory_tasks,
    mlp,
    norm,
    optim,
    residual,
    rnn,
    rnn_models,
    seq2seq,
    seq2seq_attention,
    seqloss,
    tasks,
    train,
    translate_task,
)

N, D, H, M, T = 3, 4, 5, 2, 6  # distinct, so a mix-up of two sizes shows

#: functions that still fail some of their variants (issue 18, not yet done):
#: expected to fail, strictly, so one that gets fixed must leave this list
KNOWN_GAPS = set()
EXCLUDED = ("dlnotes.selfcheck", "dlnotes.viz")


def public_functions():
    """Qualified names of every public function and method of dlnotes."""
    names = []
    for info in pkgutil.walk_packages(dlnotes.__path__, "dlnotes."):
        if info.name.startswith(EXCLUDED) or info.name.split(".")[-1].startswith("_"):
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                names.append(f"{info.name}.{name}")
            elif inspect.isclass(obj) and not issubclass(obj, Exception):
                names += [f"{info.name}.{name}.{k}" for k, v in vars(obj).items()
                          if (not k.startswith("_") or k == "__init__")
                          and (inspect.isfunction(v) or isinstance(v, classmethod))]
    return names


@lru_cache(maxsize=1)
def ctx():
    """Valid arguments shared by the registry, made once."""
    g = np.random.default_rng(0)
    c = {"g": g}
    c["x"], c["W"], c["b"] = g.normal(size=(N, D)), g.normal(size=(M, D)), g.normal(size=M)
    c["z"] = g.normal(size=(N, D))
    c["dNM"] = g.normal(size=(N, M))
    c["dND"] = g.normal(size=(N, D))
    c["labels"] = np.array([0, 1, 1])
    c["mlp"] = mlp.MLP.init([D, H, M], ["tanh", "identity"], np.random.default_rng(1))
    c["wex"] = mlp.worked_example()
    c["img"] = g.normal(size=(N, 2, 6, 6))
    c["Wc"], c["bc"] = g.normal(size=(4, 2, 3, 3)), g.normal(size=4)
    c["cnn"] = cnn.CNN.init(np.random.default_rng(2), image_shape=(1, 4, 4), filters=(2,),
                            kernel=3, classes=3)
    c["cnn_x"] = g.normal(size=(N, 1, 4, 4))
    c["deep"] = deepnet.DeepMLP.init((D, H, M, 3), "tanh", np.random.default_rng(3))
    c["deep_bn"] = deepnet.DeepMLP.init((D, H, M, 3), "relu", np.random.default_rng(3),
                                        residual=True, batchnorm=True)
    c["xs"] = g.normal(size=(N, T, D))
    c["h0"] = g.normal(size=(N, H))
    c["dh"] = g.normal(size=(N, T, H))
    c["rnn"] = rnn.init_rnn_params(D, H, M, np.random.default_rng(4))
    c["lstm"] = lstm.lstm_init(D, H, np.random.default_rng(5))
    c["gru"] = gru.gru_init(D, H, np.random.default_rng(6))
    c["targets"] = g.integers(0, M, (N, T))
    c["mask"] = np.ones((N, T), bool)
    c["mask"][0, 4:] = False
    c["logits3"] = g.normal(size=(N, T, M))
    c["recall"] = memory_tasks.recall_task(N, 3, np.random.default_rng(7))
    c["s2s"] = seq2seq.Seq2Seq.init(13, 4, np.random.default_rng(8))
    c["batch"] = translate_task.batch(["31", "4159", "2"])
    c["grads"] = {"W1": g.normal(size=(H, D)), "b1": g.normal(size=H)}
    return c


def registry():
    c = ctx()
    x, W, b, g = c["x"], c["W"], c["b"], c["g"]
    m, deep, bn, s2s = c["mlp"], c["deep"], c["deep_bn"], c["s2s"]
    xs, h0, dh, P = c["xs"], c["h0"], c["dh"], c["rnn"]
    L, G = c["lstm"], c["gru"]
    rx, rl = c["recall"]
    rp = memory_tasks.classifier_init("gru", rx.shape[2], H, 4, np.random.default_rng(9))
    tb = c["batch"]
    r = {}
    from dlnotes import book
    r["dlnotes.book.rounded"] = (book.rounded, {"value": 0.0154935, "sig": 4}, {})
    r["dlnotes.book.spread"] = (book.spread, {"values": np.array([1.0, 2.5, 2.0])}, {})
    r["dlnotes.book.solved"] = (book.solved, {"flags": [True, False, True]}, {})
    # any identifier is a name and a str is a value: their errors are in test_glue_precision
    r["dlnotes.book.glue"] = (book.glue, {"name": "x", "value": 0.25, "sig": 3},
                              {"fixed": ("name", "value")})

    def reg(fn, key=None, **kw):
        r[key or f"{fn.__module__}.{fn.__qualname__}"] = (fn, kw)

    def act(f):
        reg(f, z=c["z"], any_shape=("z",))

    for f in (activations.sigmoid, activations.tanh, activations.relu, activations.identity,
              activations.sigmoid_forward, activations.tanh_forward, activations.relu_forward,
              activations.identity_forward):
        act(f)
    for k in ("sigmoid", "tanh", "relu", "identity"):
        fwd, bwd = activations.ACTIVATIONS[k]
        reg(bwd, da=c["dND"], cache=fwd(c["z"])[1])
    reg(activations.get_activation, name="tanh", bad=({"name": "nope"},))
    reg(backprop.chain_rule_gradients, model=c["wex"][0], x=c["wex"][1], y=c["wex"][2],
        bad=({"model": m},))
    reg(clip.global_norm, grads=c["grads"], any_shape=("grads",))
    reg(clip.clip_by_norm, grads=c["grads"], threshold=1.0, any_shape=("grads",),
        bad=({"threshold": -1.0}, {"threshold": 0.0}))
    reg(clip.clip_by_value, grads=c["grads"], limit=0.5, any_shape=("grads",),
        bad=({"limit": -1.0},))
    reg(cnn.load_digits, test_fraction=0.25, seed=0,
        bad=({"test_fraction": 0.0}, {"test_fraction": 1.5}))
    reg(cnn.shift_images, x=c["img"], down=1, right=-2, fill=0.0, bad=({"down": 6},))
    cp = c["cnn"].params
    r["dlnotes.cnn.CNN.__init__"] = (cnn.CNN, {"params": cp, "image_shape": (1, 4, 4)},
                                     {"bad": ({"image_shape": (1, 4)},)})
    reg(cnn.CNN.init, rng=g, image_shape=(1, 4, 4), filters=(2,), kernel=3, classes=3,
        bad=({"kernel": 0}, {"filters": (0,)}, {"classes": 0}))
    reg(c["cnn"].forward, key="dlnotes.cnn.CNN.forward", x=c["cnn_x"], params=cp)
    reg(c["cnn"].backward, key="dlnotes.cnn.CNN.backward", dout=c["g"].normal(size=(N, 3)),
        cache=c["cnn"].forward(c["cnn_x"])[1])
    reg(c["cnn"].loss_and_grads, key="dlnotes.cnn.CNN.loss_and_grads", x=c["cnn_x"],
        labels=c["labels"], params=cp)
    reg(c["cnn"].predict, key="dlnotes.cnn.CNN.predict", x=c["cnn_x"], params=cp)
    reg(cnn.param_count, params=cp, fixed=("params",),  # counts any arrays, NaN or not
        bad=({"params": None},))
    reg(cnn.comparable_mlp, n_params=200, rng=g, inputs=D, classes=M,
        bad=({"n_params": 0},))
    reg(cnn.minibatch_objective, model=c["cnn"], x=c["cnn_x"], labels=c["labels"],
        batch_size=2, seed=0, bad=({"batch_size": 0},))
    reg(cnn.train, model=c["cnn"], x=c["cnn_x"], labels=c["labels"], epochs=1, batch_size=2,
        lr=0.01, momentum=0.9, seed=0, bad=({"lr": -0.1}, {"momentum": 1.0}, {"epochs": -1}))
    reg(cnn.accuracy, model=c["cnn"], x=c["cnn_x"], labels=c["labels"], params=cp)
    reg(cnn.cache_bytes, caches=c["cnn"].forward(c["cnn_x"])[1],  # any nesting: 0 for none
        exclude=list(c["cnn"].params.values()), fixed=("caches",), bad=({"exclude": 3},))
    reg(conv.output_size, size=8, kernel=3, stride=1, pad=1, axis="H",
        bad=({"stride": 0}, {"kernel": 0}, {"pad": -1}))
    reg(conv.dropped, size=8, kernel=3, stride=2, pad=1, axis="H",
        bad=({"stride": 0}, {"kernel": 11}, {"size": 0}))
    reg(conv.conv1d_matrix, kernel=np.array([1.0, 2.0, 3.0]), size=6, stride=1, pad=1,
        bad=({"size": 2, "pad": 0}, {"stride": 0}))
    reg(conv.receptive_field, layers=[(3, 1), (2, 2)], bad=({"layers": [(3, 0)]},))
    reg(conv.conv2d_flops, x_shape=(N, 2, 6, 6), W_shape=(4, 2, 3, 3), stride=1, pad=1,
        bad=({"x_shape": (N, 2, 6)}, {"W_shape": (4, 3, 3, 3)}))
    reg(conv.conv2d_forward, x=c["img"], W=c["Wc"], b=c["bc"], stride=1, pad=1,
        bad=({"stride": 0}, {"pad": -1}))
    reg(conv.conv2d_backward, dout=g.normal(size=(N, 4, 6, 6)),
        cache=conv.conv2d_forward(c["img"], c["Wc"], c["bc"], 1, 1)[1])
    reg(conv.maxpool2d_forward, x=c["img"], size=2, stride=2, bad=({"size": 0}, {"stride": 0}))
    reg(conv.maxpool2d_backward, dout=g.normal(size=(N, 2, 3, 3)),
        cache=conv.maxpool2d_forward(c["img"])[1])
    reg(conv.avgpool2d_forward, x=c["img"], size=2, stride=2, bad=({"size": 0},))
    reg(conv.avgpool2d_backward, dout=g.normal(size=(N, 2, 3, 3)),
        cache=conv.avgpool2d_forward(c["img"])[1])
    reg(conv.flatten_forward, x=c["img"])
    reg(conv.flatten_backward, dout=g.normal(size=(N, 72)), cache=conv.flatten_forward(c["img"])[1])
    for f in (data.two_moons, data.spirals):
        reg(f, n=20, noise=0.1, rng=g, bad=({"n": 1}, {"noise": -0.1}))
    reg(deepnet.act_dense_forward, z=c["z"], W=W, b=b, activation="tanh")
    reg(deepnet.act_dense_backward, dout=c["dNM"],
        cache=deepnet.act_dense_forward(c["z"], W, b, "tanh")[1])
    gam, bet = g.normal(size=D), g.normal(size=D)
    reg(deepnet.bn_act_dense_forward, z=c["z"], gamma=gam, beta=bet, W=W, b=b,
        activation="relu", nullable=("b",))  # b=None: no bias
    reg(deepnet.bn_act_dense_backward, dout=c["dNM"],
        cache=deepnet.bn_act_dense_forward(c["z"], gam, bet, W, b, "relu")[1])
    r["dlnotes.deepnet.DeepMLP.__init__"] = (
        deepnet.DeepMLP, {"params": bn.params, "activation": "relu", "residual": True,
                          "batchnorm": True}, {})
    reg(deepnet.DeepMLP.init, sizes=(D, H, M, 3), activation="tanh", rng=g, init="he",
        scale=1.0, bad=({"sizes": (D, H, M, 1)}, {"sizes": (D, 0, M, 3)}, {"scale": -1.0}))
    reg(bn.forward, key="dlnotes.deepnet.DeepMLP.forward", x=x, params=bn.params)
    reg(bn.backward, key="dlnotes.deepnet.DeepMLP.backward", dout=c["dNM"],
        cache=bn.forward(x)[1])
    reg(deep.loss_and_grads, key="dlnotes.deepnet.DeepMLP.loss_and_grads", x=x,
        y=c["labels"], loss="softmax_cross_entropy", params=deep.params)
    reg(deepnet.dead_units, model=deep, x=x, params=deep.params)
    reg(deepnet.train, model=deep, x=x, y=c["dNM"], lr=0.1, steps=2, loss="squared_error",
        clip=1.0, bad=({"lr": -0.1}, {"steps": -1}, {"clip": -1.0}))
    reg(dense.dense_forward, x=x, W=W, b=b)
    reg(dense.dense_backward, dout=c["dNM"], cache=dense.dense_forward(x, W, b)[1])
    xg = g.normal(size=(2, 3))
    reg(gradcheck.numerical_gradient, f=lambda: np.tanh(xg), x=xg, dout=g.normal(size=(2, 3)),
        h=1e-6, any_shape=("x", "dout"), bad=({"h": 0.0},))
    reg(gradcheck.rel_error, a=c["dND"], b=c["dND"] + 1e-9, any_shape=("a", "b"))
    reg(gradcheck.assert_grad_close, name="dW", numeric=c["dND"], analytic=c["dND"] + 1e-12,
        tol=1e-7, any_shape=("numeric", "analytic"), fixed=("name",),  # a free label
        answers=(AssertionError,), bad=({"tol": -1.0}, {"tol": np.nan}))
    reg(gradcheck.fd_error_bound, value=c["dND"], dout=c["z"], h=1e-6, d3=1.0,
        any_shape=("value",), bad=({"h": 0.0}, {"d3": -1.0}))
    reg(gradcheck.assert_grad_within, name="dW", numeric=c["dND"], analytic=c["dND"] + 1e-12,
        bound=1e-9, any_shape=("numeric", "analytic"), fixed=("name",),  # a free label
        answers=(AssertionError,), bad=({"bound": -1.0}, {"bound": np.nan}))
    Wg, bg = g.normal(size=(2, 3)), g.normal(size=2)
    reg(gradcheck.error_by_step, f=lambda: float(np.sum(np.tanh(Wg)) + bg @ bg),
        params={"W": Wg, "b": bg}, analytic={"W": 1 - np.tanh(Wg) ** 2, "b": 2 * bg},
        hs=[1e-3, 1e-6], bad=({"hs": []}, {"hs": [0.0]}, {"hs": [-1e-3]}))
    reg(gru.gru_step_forward, x_t=x, h_prev=h0, params=G)
    reg(gru.gru_step_backward, dh=h0, cache=gru.gru_step_forward(x, h0, G)[1])
    reg(gru.gru_forward, x=xs, h0=h0, params=G)
    reg(gru.gru_backward, dh=dh, cache=gru.gru_forward(xs, h0, G)[1])
    reg(gru.gru_gate_values, cache=gru.gru_forward(xs, h0, G)[1])
    reg(gru.gru_init, input_dim=D, hidden=H, rng=g, update_bias=1.0,
        bad=({"hidden": 0}, {"input_dim": 2.5}))
    reg(gru.gru_param_count, input_dim=D, hidden=H, biases_per_gate=1,
        bad=({"hidden": 0}, {"biases_per_gate": -1}))
    for f in (init.normal, init.xavier, init.he):
        scale = {"std": 0.5} if f is init.normal else {"gain": 1.0}
        reg(f, fan_in=D, fan_out=H, rng=g, **scale,
            bad=({"fan_in": 0}, {next(iter(scale)): -1.0}))
    reg(init.get_initializer, name="he", bad=({"name": "nope"},))
    reg(losses.squared_error, y_hat=c["dNM"], y=c["dNM"] + 1)
    reg(losses.softmax, logits=c["dNM"])
    reg(losses.softmax_cross_entropy, logits=c["dNM"], labels=c["labels"])
    c0 = g.normal(size=(N, H))
    reg(lstm.lstm_step_forward, x_t=x, h_prev=h0, c_prev=c0, params=L)
    reg(lstm.lstm_step_backward, dh=h0, dc=c0, cache=lstm.lstm_step_forward(x, h0, c0, L)[2])
    reg(lstm.lstm_forward, x=xs, h0=h0, c0=c0, params=L)
    reg(lstm.lstm_backward, dh=dh, cache=lstm.lstm_forward(xs, h0, c0, L)[2], dc=dh)
    reg(lstm.lstm_gate_values, cache=lstm.lstm_forward(xs, h0, c0, L)[2])
    reg(lstm.cell_path_gains, f=g.uniform(size=(T, H)))
    reg(lstm.lstm_init, input_dim=D, hidden=H, rng=g, forget_bias=1.0, input_bias=0.0,
        bad=({"hidden": 0}, {"hidden": 2.5}))
    reg(lstm.lstm_param_count, input_dim=D, hidden=H, biases_per_gate=1,
        bad=({"hidden": 0},))
    reg(memory_tasks.recall_task, n=N, lag=3, rng=g, symbols=4,
        bad=({"lag": 0}, {"symbols": 1}))
    reg(memory_tasks.classifier_init, cell="lstm", input_dim=D, hidden=H, classes=M, rng=g,
        keep_bias=4.0, bad=({"hidden": 0}, {"classes": 0}))
    reg(memory_tasks.classifier_forward, cell="gru", params=rp, x=rx)
    reg(memory_tasks.classifier_backward, dlogits=g.normal(size=(N, 4)),
        cache=memory_tasks.classifier_forward("gru", rp, rx)[1])
    reg(memory_tasks.classifier_loss_and_grads, cell="gru", params=rp, x=rx, labels=rl)
    reg(memory_tasks.classifier_accuracy, cell="gru", params=rp, x=rx, labels=rl)
    reg(memory_tasks.train_recall, cell="rnn", lag=2, hidden=3, seed=0, steps=2, batch=4,
        lr=0.02, clip=1.0, threshold=0.02, keep_bias=4.0, symbols=3, n_test=8,
        bad=({"steps": -1}, {"lr": -1.0}, {"clip": 0.0}, {"batch": 0}))
    runs = memory_tasks.recall_grid([2], [3], cells=("rnn",), steps=1, batch=4, n_test=4)
    reg(memory_tasks.recall_grid, lags=[2], hiddens=[3], cells=("rnn",), steps=1, batch=4,
        n_test=4, bad=({"cells": ("rnn", "nope")}, {"lags": [0]}))
    reg(memory_tasks.longest_solved, runs=runs, cell="rnn", hidden=3,
        bad=({"hidden": 99},))
    reg(memory_tasks.train_recall_seeds, cell="rnn", lag=2, hidden=3, seeds=[0, 1],
        steps=2, batch=4, lr=0.02, clip=1.0, threshold=0.02, keep_bias=4.0, symbols=3,
        n_test=8, bad=({"steps": -1}, {"lr": -1.0}, {"clip": 0.0}, {"batch": 0},
                       {"seeds": []}))
    seeds_run = memory_tasks.train_recall_seeds("rnn", 2, 3, [0, 1], steps=1, batch=4,
                                                n_test=4)
    reg(memory_tasks.seed_run, result=seeds_run, k=1, bad=({"k": 2},))
    reg(memory_tasks.recall_seed_grid, lags=[2], hiddens=[3], seeds=[0, 1], cells=("rnn",),
        steps=1, batch=4, n_test=4, bad=({"cells": ("rnn", "nope")}, {"lags": [0]}))
    reg(memory_tasks.input_gradient_norms, cell="gru", params=rp, x=rx, labels=rl)
    r["dlnotes.mlp.MLP.__init__"] = (mlp.MLP, {"params": m.params,
                                               "activations": ["tanh", "identity"]},
                                     {"bad": ({"activations": ["tanh"]},)})
    reg(mlp.MLP.init, sizes=[D, H, M], activations="tanh", rng=g, scale=0.5,
        bad=({"sizes": [D, 0, M]}, {"sizes": [D, 2.5, M]}, {"scale": -1.0}))
    reg(m.forward, key="dlnotes.mlp.MLP.forward", x=x, params=m.params)
    reg(m.backward, key="dlnotes.mlp.MLP.backward", dout=c["dNM"], cache=m.forward(x)[1])
    reg(m.loss_and_grads, key="dlnotes.mlp.MLP.loss_and_grads", x=x, y=c["dNM"],
        loss="squared_error", params=m.params)
    reg(m.predict, key="dlnotes.mlp.MLP.predict", x=x, params=m.params)
    reg(m.objective, key="dlnotes.mlp.MLP.objective", x=x, y=c["labels"],
        loss="softmax_cross_entropy")
    reg(mlp.worked_example)
    gam = g.uniform(0.5, 1.5, D)
    reg(norm.batchnorm_forward, x=x, gamma=gam, beta=bet, eps=1e-5, bad=({"eps": -1.0},))
    bn_cache = norm.batchnorm_forward(x, gam, bet)[1]
    reg(norm.batchnorm_backward, dout=c["dND"], cache=bn_cache)
    reg(norm.batchnorm_running_stats, running_mean=np.zeros(D), running_var=np.ones(D),
        cache=bn_cache, momentum=0.1, bad=({"momentum": 0.0},))
    reg(norm.batchnorm_eval, x=x, gamma=gam, beta=bet, running_mean=bet,
        running_var=gam, eps=1e-5, bad=({"eps": 0.0}, {"running_var": -gam}))
    r["dlnotes.optim.SGD.__init__"] = (optim.SGD, {"lr": 0.1, "momentum": 0.5},
                                       {"bad": ({"lr": np.inf}, {"momentum": 1.0})})
    r["dlnotes.optim.Adam.__init__"] = (optim.Adam, {"lr": 0.1, "beta1": 0.9, "beta2": 0.99,
                                                     "eps": 1e-8},
                                        {"bad": ({"lr": np.inf}, {"beta1": 1.0})})
    reg(optim.SGD(0.1, 0.5).step, key="dlnotes.optim.SGD.step", params=m.params,
        grads=m.loss_and_grads(x, c["dNM"])[1])
    reg(optim.Adam(0.1).step, key="dlnotes.optim.Adam.step", params=m.params,
        grads=m.loss_and_grads(x, c["dNM"])[1])
    Wr, br = g.normal(size=(D, D)), g.normal(size=D)
    r["dlnotes.residual.residual_forward"] = (
        lambda x, branch_forward, W, b: residual.residual_forward(x, branch_forward, W, b,
                                                                  "tanh"),
        {"x": c["z"], "branch_forward": deepnet.act_dense_forward, "W": Wr, "b": br}, {})
    reg(residual.residual_backward, dout=c["dND"], branch_backward=deepnet.act_dense_backward,
        cache=residual.residual_forward(c["z"], deepnet.act_dense_forward, Wr, br, "tanh")[1])
    reg(rnn.rnn_step_forward, x_t=x, h_prev=h0, W_x=P["W_x"], W_h=P["W_h"], b_x=P["b_x"])
    reg(rnn.rnn_step_backward, dh_t=h0,
        cache=rnn.rnn_step_forward(x, h0, P["W_x"], P["W_h"], P["b_x"])[1])
    Pr = {k: P[k] for k in ("W_x", "W_h", "b_x")}  # rnn_forward ignores W_y and b_y
    reg(rnn.rnn_forward, x=xs, h0=h0, params=Pr)
    hs, rc = rnn.rnn_forward(xs, h0, P)
    reg(rnn.rnn_backward, dh=dh, cache=rc, truncate=2, bad=({"truncate": 0},))
    reg(rnn.rnn_truncated_states, x=xs, h0=h0, params=Pr, h_fixed=hs, truncate=2,
        bad=({"truncate": 0},))
    reg(rnn.rnn_output_forward, h=hs, W_y=P["W_y"], b_y=P["b_y"])
    reg(rnn.rnn_output_backward, dy=c["logits3"],
        cache=rnn.rnn_output_forward(hs, P["W_y"], P["b_y"])[1])
    reg(rnn.init_rnn_params, D=D, H=H, M=M, rng=g, radius=0.9,
        bad=({"H": 0}, {"radius": -1.0}))
    reg(rnn.param_count, D=D, H=H, M=M, bad=({"H": 0},))
    reg(rnn.state_jacobian_norms, h=hs[0], W_h=P["W_h"])
    lg = rnn_models.logits_forward(P, xs)
    reg(rnn_models.logits_forward, params=P, x=xs, h0=h0)
    reg(rnn_models.logits_backward, dlogits=c["logits3"], cache=lg[1], truncate=2,
        bad=({"truncate": 0},))
    reg(rnn_models.loss_and_grads, params=P, x=xs, targets=c["targets"], mask=c["mask"],
        truncate=2)
    reg(rnn_models.train, params=P, x=xs, targets=c["targets"], mask=c["mask"], steps=2,
        lr=0.1, momentum=0.5, truncate=2, bad=({"steps": -1}, {"lr": np.inf}))
    mp = rnn.init_rnn_params(len(rnn_models.TUNES) + len(tasks.NOTES), 4, len(tasks.NOTES),
                             np.random.default_rng(10))
    reg(rnn_models.as_mlp, params=P)
    reg(rnn_models.generate, params=mp, x1=rnn_models.melody_feedback(np.array([0, 2])),
        feedback=rnn_models.melody_feedback, steps=3, rng=g, temperature=0.5, stop=6,
        bad=({"temperature": -1.0}, {"stop": 99}))
    reg(rnn_models.melody_feedback, notes=np.array([0, 2, 6]))
    reg(rnn_models.melody_data)
    reg(rnn_models.melody_example, hidden=3, steps=2, lr=0.2, seed=0, bad=({"hidden": 0},))
    reg(rnn_models.play, params=mp, tune="twinkle", rng=g, temperature=0.5, steps=3)
    reg(rnn_models.classifier_example, n=6, hidden=3, steps=2, lr=0.2, seed=0,
        bad=({"n": 0},))
    reg(rnn_models.tagger_example, n=6, hidden=3, steps=2, lr=0.2, seed=0, bad=({"n": 0},))
    wp = rnn.init_rnn_params(len(tasks.SENTIMENT_VOCAB), 3, 2, np.random.default_rng(11))
    reg(rnn_models.read_words, params=wp, text="the plot was fun", vocab=tasks.SENTIMENT_VOCAB)
    reg(rnn_models.truncation_error, params=P, x=xs, targets=c["targets"], mask=c["mask"],
        truncate=2, nullable=("mask",), bad=({"truncate": 0},))  # mask=None: every step
    reg(rnn_models.echo_data, n=N, length=5, delay=2, vocab=3, seed=0,
        bad=({"delay": 5}, {"vocab": 0}))
    reg(rnn_models.echo_example, truncate=2, delay=1, length=4, vocab=3, hidden=3, n=4,
        steps=2, lr=0.5, seed=0, bad=({"truncate": 0},))
    reg(rnn_models.echo_accuracy, windows=[1, None], seeds=[0, 1], delay=1, length=4,
        hidden=3, n=4, steps=2)
    reg(rnn_models.clipping_example, threshold=0.5, seed=0, delay=1, length=4, hidden=3, n=4,
        steps=2, lr=0.5, nullable=("threshold",), bad=({"threshold": 0.0}, {"steps": 0}))
    sp = s2s.params
    r["dlnotes.seq2seq.Seq2Seq.__init__"] = (seq2seq.Seq2Seq, {"params": sp}, {})
    reg(seq2seq.Seq2Seq.init, V=13, H=4, rng=g, bad=({"V": 0}, {"H": 0}))
    reg(s2s.param_count, key="dlnotes.seq2seq.Seq2Seq.param_count")
    reg(s2s.encode, key="dlnotes.seq2seq.Seq2Seq.encode", src=tb["src"],
        src_len=tb["src_len"], params=sp, bad=({"src_len": tb["src_len"] + 9},))
    reg(s2s.forward, key="dlnotes.seq2seq.Seq2Seq.forward", src=tb["src"],
        src_len=tb["src_len"], y_in=tb["y_in"], params=sp)
    fl = s2s.forward(tb["src"], tb["src_len"], tb["y_in"])
    reg(s2s.backward, key="dlnotes.seq2seq.Seq2Seq.backward",
        dlogits=g.normal(size=fl[0].shape), cache=fl[1])
    reg(s2s.loss_and_grads, key="dlnotes.seq2seq.Seq2Seq.loss_and_grads", batch=tb,
        params=sp, bad=({"batch": {**tb, "y_out": tb["y_out"][:2]}},))
    reg(s2s.greedy_decode, key="dlnotes.seq2seq.Seq2Seq.greedy_decode", src=tb["src"],
        src_len=tb["src_len"], max_len=3, params=sp, forced=tb["y_in"][:, 1:2],
        bad=({"max_len": 0},))
    reg(s2s.objective, key="dlnotes.seq2seq.Seq2Seq.objective", data=tb, batch_size=2,
        rng=g, bad=({"batch_size": 0},))
    reg(seq2seq.train, model=s2s, sources=["31", "4159"], rng=g, steps=2, batch_size=2,
        lr=0.01, decay_at=1, clip=1.0, bad=({"steps": -1}, {"sources": []}, {"lr": 0.0}))
    reg(seq2seq.exact_match, tokens=tb["y_out"], y_out=tb["y_out"],
        bad=({"tokens": tb["y_out"][:2]},))
    reg(seq2seq.evaluate, model=s2s, sources=["31", "4159"], params=sp,
        bad=({"sources": ["3a"]},))
    reg(seq2seq.rest_after_prefix, model=s2s, sources=["31", "4159"], k=1, rng=g, params=sp,
        bad=({"k": 0}, {"k": 3}))
    reg(seq2seq.train_seeds, V=13, H=4, sources=["31", "4159"], seeds=[0], steps=2,
        batch_size=2, decay_at=1)
    reg(seq2seq.token_accuracy, model=s2s, sources=["31", "4159"], bad=({"sources": ["3a"]},))
    reg(seqloss.sequence_cross_entropy, logits=c["logits3"], targets=c["targets"],
        mask=c["mask"])
    reg(seqloss.last_step_mask, mask=c["mask"])
    reg(seqloss.masked_accuracy, logits=c["logits3"], targets=c["targets"], mask=c["mask"])
    reg(seqloss.sample_from_logits, logits=c["dNM"], rng=g, temperature=0.5,
        bad=({"temperature": -1.0},))
    reg(tasks.one_hot, tokens=c["targets"], V=M, any_shape=("tokens",), bad=({"V": 0},))
    reg(tasks.pad_sequences, seqs=[[1, 2], [3]], pad=0,
        bad=({"seqs": []}, {"seqs": [[1.5]]}, {"seqs": [[]]}))
    reg(tasks.delayed_echo, n=N, length=5, delay=2, vocab=3, rng=g,
        bad=({"delay": 5}, {"vocab": 0}, {"n": -1}))
    reg(tasks.sentiment, n=N, rng=g, bad=({"n": -1},))
    reg(tasks.entity_tags, n=N, rng=g, bad=({"n": -1},))
    reg(tasks.unseen_split, make=tasks.sentiment, n_train=N, n_test=N, rng=g,
        bad=({"n_test": 0}, {"max_draws": 0}))
    reg(train.fit, loss_and_grads=m.objective(x, c["dNM"]), params=m.params,
        optimizer=optim.SGD(0.1), steps=2, threshold=1e-3, transform=None,
        bad=({"steps": -1}, {"threshold": np.nan}, {"optimizer": None}))
    reg(translate_task.translate, source="314", bad=({"source": "3a"},))
    reg(translate_task.random_strings, n=N, min_len=1, max_len=3, rng=g,
        bad=({"min_len": 0}, {"max_len": 0}, {"n": -1}))
    reg(translate_task.split, n_train=5, n_test=3, min_len=1, max_len=3, rng=g,
        bad=({"n_test": -1}, {"min_len": 0}))
    reg(translate_task.encode, strings=["31", "4"], bad=({"strings": []},))
    reg(translate_task.decode, tokens=tb["y_out"][1], bad=({"tokens": np.array([3, -1])},))
    reg(translate_task.teacher_forcing_pair, targets=["31", "4"], bad=({"targets": []},))
    reg(translate_task.batch, sources=["31", "4"], bad=({"sources": []},))
    reg(translate_task.subset, data=tb, idx=np.array([0, 2]),
        bad=({"idx": np.array([0, 3])}, {"idx": np.array([], int)}))
    # chapter 7: attention, beam search, seq2seq with attention
    aq, aK, aV = g.normal(size=(N, 2, D)), g.normal(size=(N, T, D)), g.normal(size=(N, T, H))
    am = np.ones((N, T), bool)
    am[0, 4:] = False
    AP = attention.additive_attention_init(D, D, M, np.random.default_rng(10))
    reg(attention.masked_softmax, scores=g.normal(size=(N, 2, T)), mask=am,
        bad=({"mask": np.zeros((N, T), bool)},))
    reg(attention.dot_product_attention_forward, q=aq, K=aK, V=aV, mask=am, scaled=True,
        bad=({"scaled": 1}, {"K": aK[..., :2]}))
    reg(attention.dot_product_attention_backward, dcontext=g.normal(size=(N, 2, H)),
        cache=attention.dot_product_attention_forward(aq, aK, aV, am)[2])
    reg(attention.additive_attention_forward, q=aq, K=aK, V=aV, params=AP, mask=am,
        bad=({"mask": am[:, :3]},))
    reg(attention.additive_attention_backward, dcontext=g.normal(size=(N, 2, H)),
        cache=attention.additive_attention_forward(aq, aK, aV, AP, am)[2])
    reg(attention.additive_attention_init, dq=D, dk=H, A=M, rng=g, bad=({"A": 0},))
    reg(attention.additive_attention_param_count, dq=D, dk=H, A=M, bad=({"dq": 0},))
    reg(attention.softmax_saturation, dims=[4, 16], n_keys=5, n_queries=3, rng=g,
        bad=({"dims": []}, {"n_keys": 1}, {"dims": [0]}))

    def toy_step(tokens, h):  # a fixed next-token distribution; the state counts steps
        return np.tile(np.log([0.2, 0.5, 0.3]), (len(tokens), 1)), h + 1.0

    # a state's shape is its step function's business: any shape with first axis 1
    reg(beam.beam_search, step=toy_step, state0=np.zeros((1, 2)), bos=1, eos=0, width=2,
        max_len=3, alpha=0.5, any_shape=("state0",),
        bad=({"width": 0}, {"eos": 3}, {"state0": np.zeros((2, 2))}, {"alpha": -1.0}))
    reg(beam.exhaustive_search, step=toy_step, state0=np.zeros((1, 2)), bos=1, eos=0,
        max_len=3, alpha=0.5, limit=100, any_shape=("state0",),
        bad=({"max_len": 0}, {"eos": 3}, {"limit": 2}))
    reg(beam.seq2seq_decoder, model=s2s, src=tb["src"][:1], src_len=tb["src_len"][:1],
        params=sp, bad=({"src": tb["src"]},))
    s2a = seq2seq_attention.Seq2SeqAttention.init(13, 4, np.random.default_rng(11), A=3)
    ap, k = s2a.params, "dlnotes.seq2seq_attention.Seq2SeqAttention."
    r[k + "__init__"] = (seq2seq_attention.Seq2SeqAttention, {"params": ap}, {})
    reg(seq2seq_attention.Seq2SeqAttention.init, V=13, H=4, rng=g, score="additive", A=3,
        bad=({"V": 0}, {"H": 0}, {"A": 0}, {"score": "nope"}))
    reg(s2a.param_count, key=k + "param_count")
    reg(s2a.forward, key=k + "forward", src=tb["src"], src_len=tb["src_len"], y_in=tb["y_in"],
        params=ap, bad=({"src_len": tb["src_len"] + 9},))
    fa = s2a.forward(tb["src"], tb["src_len"], tb["y_in"])
    reg(s2a.backward, key=k + "backward", dlogits=g.normal(size=fa[0].shape), cache=fa[1])
    for name in ("greedy_decode", "decode_with_weights"):
        reg(getattr(s2a, name), key=k + name, src=tb["src"], src_len=tb["src_len"], max_len=3,
            params=ap, forced=tb["y_in"][:, 1:2], bad=({"max_len": 0},))
    reg(s2a.decoder_step, key=k + "decoder_step", src=tb["src"][:1], src_len=tb["src_len"][:1],
        params=ap, bad=({"src": tb["src"], "src_len": tb["src_len"]},))
    reg(seq2seq_attention.attention_weights, cache=fa[1])
    reg(seq2seq_attention.matched_plain_hidden, model=s2a, bad=({"model": s2s},))
    reg(seq2seq_attention.train_seeds, V=13, H=4, sources=["31", "4159"], seeds=[0],
        score="dot", A=None, steps=2, batch_size=2, decay_at=1, nullable=("A",),
        bad=({"score": "nope"},))
    # the character-level language model
    cV = len(charlm.vocabulary())
    cp = charlm.init("gru", cV, 3, np.random.default_rng(12))
    cids, cst = np.array([[1, 2, 3], [4, 5, 6]]), charlm.initial_state("gru", 2, 3)
    stream = charlm.encode(charlm.numpy_text(400))
    reg(charlm.numpy_text, max_chars=300, nullable=("max_chars",), bad=({"max_chars": 0},))
    reg(charlm.vocabulary)
    reg(charlm.encode, text="the array", bad=({"text": 3},))
    reg(charlm.decode, ids=cids, any_shape=("ids",), bad=({"ids": cids + cV},))
    reg(charlm.split, ids=stream, val_fraction=0.1, bad=({"val_fraction": 1.0},))
    reg(charlm.ngram_perplexity, train_ids=stream[:300], val_ids=stream[300:], V=cV, n=2,
        k=1.0, bad=({"n": 3}, {"k": 0.0}, {"V": 2}))
    reg(charlm.init, cell="gru", V=cV, hidden=3, rng=g, bad=({"cell": "cnn"}, {"V": 1}))
    reg(charlm.initial_state, cell="lstm", N=2, hidden=3, bad=({"N": 0},))
    reg(charlm.forward, cell="gru", params=cp, ids=cids, state=cst,
        bad=({"ids": cids[0]}, {"state": (cst[0][:1],)}))
    cl, _, ccache = charlm.forward("gru", cp, cids, cst)
    reg(charlm.backward, dlogits=np.ones_like(cl), cache=ccache)
    reg(charlm.loss_and_grads, cell="gru", params=cp, ids=cids, targets=cids, state=cst,
        bad=({"targets": cids[:, :2]},))
    reg(charlm.stream_batches, ids=stream, lanes=2, T=5, bad=({"T": 0}, {"lanes": 400}))
    reg(charlm.train, cell="rnn", train_ids=stream, hidden=3, rng=g, lanes=2, T=5, epochs=1,
        lr=0.01, clip=1.0, carry=True, nullable=("clip",), bad=({"lr": 0.0}, {"epochs": 0}))
    reg(charlm.perplexity, cell="gru", params=cp, ids=stream, lanes=2, T=5,
        bad=({"lanes": 0},))
    reg(charlm.sample, cell="gru", params=cp, prompt="the", length=4, rng=g, temperature=0.5,
        bad=({"prompt": ""}, {"temperature": -1.0}))
    return r


def _as_call(entry):
    fn, kw = entry
    opts = {k: kw.pop(k) for k in ("any_shape", "bad", "fixed", "answers", "nullable")
            if k in kw}
    return Call(fn, kw, **opts)


@lru_cache(maxsize=1)
def calls():
    out = {}
    for name, entry in registry().items():
        if len(entry) == 3:
            fn, kw, opts = entry
            out[name] = Call(fn, dict(kw), **opts)
        else:
            fn, kw = entry
            out[name] = _as_call((fn, dict(kw)))
    return out


def test_every_public_function_has_a_valid_call():
    missing = sorted(set(public_functions()) - set(calls()))
    assert not missing, f"public functions with no valid call in REGISTRY: {missing}"


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="issue 18: not yet checked"))
    if n in KNOWN_GAPS else n for n in sorted(public_functions())])
def test_bad_input_gets_a_clear_error(name):
    if name not in calls():
        pytest.fail(f"{name} has no valid call in the registry")
    call = calls()[name]
    valid = outcome(call.fn, _valid_variant(call))
    assert valid is None, f"the valid call fails: {valid}"
    failures = [f"{v.label}: {why}" for v in variants(call)
                if (why := outcome(call.fn, v, call.answers)) is not None]
    assert not failures, f"{name}:\n  " + "\n  ".join(failures)


def _valid_variant(call):
    return Variant("valid", "valid", RUN, (), call.kwargs)


def test_figure_helpers_list_the_valid_choices():
    from dlnotes.viz import cnn as vcnn
    from dlnotes.viz import mlp as vmlp

    c = ctx()
    with pytest.raises(ValueError, match="kernel must be one of"):
        vcnn.compute_kernel_map(c["img"][0, :1], "nope")
    with pytest.raises(ValueError, match="name must be one of"):
        vmlp.toy_data("nope")
    model = c["cnn"]
    labels = np.zeros(N, int)
    with pytest.raises(ValueError, match="block must be one of"):
        vcnn.compute_feature_maps(model, model.params, c["cnn_x"], labels, 0, "conv 9")
    with pytest.raises(ValueError, match=r"index must lie in \[0, 2\]"):
        vcnn.compute_feature_maps(model, model.params, c["cnn_x"], labels, N, "conv 1")
    with pytest.raises(ValueError, match="per_epoch must be"):
        vcnn.draw_training(Figure(), {"a": [1.0, 0.5]}, 0)


def test_a_loss_over_an_empty_batch_says_so_in_the_callers_words():
    c = ctx()
    rp = memory_tasks.classifier_init("gru", D, H, M, np.random.default_rng(0))
    calls = {
        "x": [lambda: c["mlp"].loss_and_grads(c["x"][:0], c["dNM"][:0]),
              lambda: c["deep"].loss_and_grads(c["x"][:0], c["dNM"][:0]),
              lambda: c["cnn"].loss_and_grads(c["cnn_x"][:0], c["labels"][:0]),
              lambda: memory_tasks.classifier_loss_and_grads("gru", rp, c["xs"][:0],
                                                             c["labels"][:0]),
              lambda: rnn_models.loss_and_grads(c["rnn"], c["xs"][:0], c["targets"][:0])],
        "batch": [lambda: c["s2s"].loss_and_grads({k: v[:0] for k, v in c["batch"].items()})],
    }
    for name, fs in calls.items():
        for f in fs:
            with pytest.raises(ValueError, match=f"{name} must hold at least one example"):
                f()


def test_the_attention_figure_helpers_name_their_argument():
    from dlnotes.viz import attention as vatt

    s2a = seq2seq_attention.Seq2SeqAttention.init(13, 4, np.random.default_rng(0), "dot")
    g = np.random.default_rng(0)
    for call, match in [
            (lambda: vatt.compute_heatmap(s2a, "3a1"), "source must be"),
            (lambda: vatt.compute_heatmap(ctx()["s2s"], "31"), "model must be"),
            (lambda: vatt.compute_alignment(s2a, [0], 2, g), "lengths must be"),
            (lambda: vatt.compute_alignment(s2a, [3], 0, g), "n must be"),
            (lambda: vatt.compute_alignment(s2a, [3], 2, 0), "rng must be"),
            (lambda: vatt.mirrored_share(np.ones((2, 3)), np.array([1, 1])),
             "weights must have shape"),
            (lambda: vatt.attention_widget({"dot": s2a}, ["12", ""]), r"sources\[1\]"),
            (lambda: vatt.draw_attention_decoder(Figure(), "31", 3), "step must lie")]:
        with pytest.raises((ValueError, TypeError), match=match):
            call()
