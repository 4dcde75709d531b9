"""Figures and widgets of chapter 1: the worked network, the gradient
check's error against its step, training to a threshold, and a small MLP on
a 2-D data set."""

from functools import lru_cache

import numpy as np

from .._checks import check_choice, check_number
from ..data import spirals, two_moons
from ..gradcheck import error_by_step
from ..losses import squared_error
from ..mlp import MLP, WORKED_WEIGHTS, worked_example
from ..optim import SGD
from ..train import Diverged, fit
from .live import Choice, LiveFigure, Slider
from .ticks import log_ticks


def draw_network(fig, model=None):
    """Draw the worked example's 3-2-2 network with every weight labelled.

    ``model`` defaults to ``worked_example()``; its weights are printed on
    the edges as w1..w10 = value, and its biases beside each layer.
    """
    model = model or worked_example()[0]
    ax = fig.add_subplot()
    pos = {
        "x1": (0, 2), "x2": (0, 1), "x3": (0, 0),
        "h1": (1, 1.6), "h2": (1, 0.4), "o1": (2, 1.6), "o2": (2, 0.4),
    }
    # label position along each edge, staggered so no two labels collide
    # and no other edge crosses a label (tests/test_viz_mlp.py checks both)
    frac = {"w1": .55, "w2": .3, "w3": .3, "w4": .7, "w5": .3, "w6": .45,
            "w7": .5, "w8": .3, "w9": .7, "w10": .5}
    for w, (key, (j, i)) in WORKED_WEIGHTS.items():
        src = (["x1", "x2", "x3"] if key == "W1" else ["h1", "h2"])[i]
        dst = (["h1", "h2"] if key == "W1" else ["o1", "o2"])[j]
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        ax.plot([x0, x1], [y0, y1], color="0.6", lw=1, zorder=1)
        t = frac[w]
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0),
                f"$w_{{{w[1:]}}}={model.params[key][j, i]:.1f}$", fontsize=9,
                ha="center", va="center", zorder=3,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    colors = {"x": "#cfe2f3", "h": "#d9ead3", "o": "#fce5cd"}
    for name, (x, y) in pos.items():
        ax.scatter([x], [y], s=900, color=colors[name[0]], edgecolor="k", zorder=2)
        ax.text(x, y, f"${name[0]}_{name[1]}$", ha="center", va="center", fontsize=12, zorder=4)
    for l, x in [(1, 1), (2, 2)]:
        ax.text(x, -0.45, f"bias $b_{l} = {model.params[f'b{l}'][0]:.1f}$",
                ha="center", fontsize=10)
    for x, label in [(0, "input"), (1, "hidden (sigmoid)"), (2, "output (sigmoid)")]:
        ax.text(x, 2.45, label, ha="center", fontsize=10, weight="bold")
    ax.set_xlim(-0.35, 2.35)
    ax.set_ylim(-0.6, 2.6)
    ax.set_axis_off()
    ax.set_title("The worked example: 3 inputs, 2 hidden units, 2 outputs")


#: the steps h of the gradient-check figure: 10^-1 to 10^-12, half decades
STEPS = 10.0 ** -np.arange(1, 12.25, 0.5)


def compute_step_error(hs=STEPS, anchor=1e-3):
    """The worked example's gradient check against its step h, with the two
    error terms of a central difference.

    Parameters
    ----------
    hs : sequence of K positive steps (default ``STEPS``)
    anchor : the step, one of ``hs``, through whose measured error the
        truncation line c h^2 is drawn (it must lie where truncation rules)

    Returns a dict: ``hs`` (K,); ``errors`` (K,), the largest relative error
    of ``numerical_gradient`` against the backward pass over the 12
    parameters (``gradcheck.error_by_step``); ``truncation`` (K,), c h^2;
    ``roundoff`` (K,), eps |L| / (2 h |g|) for the smallest gradient g (each
    value of L rounded by about eps |L|, the difference divided by 2h, and
    relative to |numeric| + |analytic| = 2|g|), with no fitted constant;
    ``h_star``, the step where the two lines cross; ``loss`` L and
    ``g_min`` |g|.
    """
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or not np.any(np.isclose(hs, anchor, rtol=1e-9)):
        raise ValueError(f"anchor must be one of hs, got anchor={anchor!r}")
    model, x, y = worked_example()
    out, cache = model.forward(x)
    loss, dout = squared_error(out, y)
    _, grads, _ = model.backward(dout, cache)

    def f():
        return squared_error(model.forward(x)[0], y)[0]

    errors = error_by_step(f, model.params, grads, hs)
    c = errors[np.isclose(hs, anchor, rtol=1e-9)][0] / anchor**2
    g_min = min(float(np.abs(g).min()) for g in grads.values())
    eps = np.finfo(np.float64).eps
    k = eps * loss / (2 * g_min)  # roundoff = k / h
    return {"hs": hs, "errors": errors, "truncation": c * hs**2, "roundoff": k / hs,
            "h_star": (k / c) ** (1 / 3), "loss": loss, "g_min": g_min, "anchor": anchor}


def draw_step_error(fig, result):
    """Plot ``compute_step_error``: the measured error and both lines, log-log."""
    ax = fig.add_subplot()
    hs = result["hs"]
    ax.loglog(hs, result["errors"], "o-", color="C0", lw=2, ms=4,
              label="measured (12 parameters)")
    ax.loglog(hs, result["truncation"], "--", color="C1",
              label="truncation $\\propto h^2$ (through the point at "
                    f"$h = 10^{{{np.log10(result['anchor']):.0f}}}$)")
    ax.loglog(hs, result["roundoff"], ":", color="C3", lw=2,
              label="round-off $\\varepsilon L / (2h|g|)$")
    ax.axvline(result["h_star"], color="0.5", lw=1, label="$h^*$, where the lines cross")
    at = np.isclose(hs, 1e-6, rtol=1e-9)
    if at.any():  # numerical_gradient's default step
        e = result["errors"][at][0]
        ax.plot([1e-6], [e], "o", ms=11, mfc="none", mec="k")
        ax.annotate("default $h = 10^{-6}$", (1e-6, e), xytext=(1e-5, e * 30),
                    fontsize=9, arrowprops=dict(arrowstyle="-", color="k", lw=0.8))
    ax.set_ylim(result["errors"].min() / 10, result["errors"].max() * 30)
    ax.set_xlim(hs.min() / 2, hs.max() * 2)
    ax.set_xlabel("finite-difference step $h$")
    ax.set_ylabel("largest relative error")
    ax.set_title("Gradient check of the worked example: error against step")
    ax.legend(fontsize=9, loc="upper center")


def compute_training_to_threshold(lr, threshold, max_steps=2000):
    """Train the worked example with gradient descent until the loss < threshold.

    Returns a dict: ``history`` (loss before each step, then the final loss),
    ``steps`` taken, ``reached`` (bool), ``diverged`` (bool).
    """
    model, x, y = worked_example()
    try:
        _, history = fit(model.objective(x, y), model.params, SGD(lr),
                         steps=max_steps, threshold=threshold)
        diverged = False
    except Diverged as err:
        history, diverged = err.history, True
    return {"history": np.array(history), "steps": len(history) - 1, "lr": lr,
            "threshold": threshold, "reached": history[-1] < threshold,
            "diverged": diverged}


def cut_at_threshold(result, threshold):
    """The run a higher ``threshold`` would have made, cut from ``result``.

    ``result`` comes from ``compute_training_to_threshold`` with a threshold
    at most ``threshold`` and the same learning rate: gradient descent takes
    the same steps whatever the threshold, so the shorter run is a prefix.
    """
    h = result["history"]
    below = np.flatnonzero(h < threshold)
    if below.size:
        h = h[: below[0] + 1]
    return {**result, "history": h, "steps": len(h) - 1, "threshold": threshold,
            "reached": bool(below.size), "diverged": result["diverged"] and not below.size}


def draw_loss_curve(fig, result):
    """Plot a ``compute_training_to_threshold`` result on a log scale."""
    ax = fig.add_subplot()
    h = result["history"]
    ax.semilogy(np.arange(len(h)), h, lw=2, label="loss $L$")
    ax.axhline(result["threshold"], color="C3", ls="--", label="threshold")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("loss $\\frac{1}{2}\\sum_i (o_i - y_i)^2$ (log scale)")
    ax.set_title(f"Training the worked example, learning rate {result['lr']:.3g}")
    log_ticks(ax.yaxis)
    ax.legend()
    if result["diverged"]:
        return "<b>Diverged</b>: the loss became inf or NaN."
    if result["reached"]:
        return (f"Below {result['threshold']:.0e} after <b>{result['steps']}</b> steps "
                f"(final loss {h[-1]:.2e}).")
    return (f"Not below {result['threshold']:.0e} after {result['steps']} steps: "
            f"stuck at {h[-1]:.2e}.")


def loss_curve_widget(lr=0.5, threshold=1e-3):
    """Learning rate (0.1 to 1000) and loss threshold -> the loss curve of the
    worked example and its step count (up to 2000 steps)."""
    controls = {
        "lr": Slider("learning rate", lr, -1, 3, 0.1, base=10, fmt="{:.2g}",
                     book=[0.1, 0.5, 2.0, 10.0, 30.0, 100.0, 1000.0]),
        "threshold": Slider("threshold", threshold, -4, -2, 0.25, base=10, fmt="{:.0e}",
                            book=[1e-4, 1e-3, 1e-2]),
    }
    lowest = 1e-4
    runs = {}  # one run per learning rate, to the lowest threshold: moving the
    # threshold then only cuts a stored run instead of training again

    def compute(lr, threshold):
        if lr not in runs:
            runs[lr] = compute_training_to_threshold(lr, lowest)
        return cut_at_threshold(runs[lr], threshold)

    return LiveFigure(controls, compute, draw_loss_curve, figsize=(7, 3.5),
                      alt="Loss of the worked example against gradient-descent steps, "
                          "log scale, with the threshold as a dashed line")


DATASETS = {"two moons": two_moons, "spirals": spirals}


def toy_data(name="two moons", n=200, noise=0.15, seed=0):
    """The 2-D data set of the classifier widget: (x (n, 2), labels (n,))."""
    return DATASETS[check_choice("name", name, list(DATASETS))](n, noise,
                                                                np.random.default_rng(seed))


#: the grid on which decision boundaries are drawn, shared by every update
GRID = np.stack(np.meshgrid(np.linspace(-3, 3, 80), np.linspace(-3, 3, 80)), -1)


def compute_classifier(data, hidden, depth, activation, lr, steps=300, seed=0):
    """Train an MLP classifier on a 2-D data set.

    Parameters
    ----------
    data : (x (N, 2), labels (N,)), e.g. from ``toy_data``
    hidden, depth : units per hidden layer and number of hidden layers
    activation : "sigmoid", "tanh" or "relu" for the hidden layers
    lr : learning rate of SGD with momentum 0.9, full batch

    Returns a dict with ``history``, ``accuracy`` (on the training data),
    ``p`` (80, 80), the probability of class 1 on ``GRID``, and the settings.
    """
    x, labels = data
    rng = np.random.default_rng(seed)
    sizes = [2] + [hidden] * depth + [2]
    model = MLP.init(sizes, [activation] * depth + ["identity"], rng)
    obj = model.objective(x, labels, "softmax_cross_entropy")
    try:
        params, history = fit(obj, model.params, SGD(lr, momentum=0.9), steps=steps)
    except Diverged as err:
        params, history = model.params, err.history
    logits = model.predict(GRID.reshape(-1, 2), params)
    logits = logits - logits.max(1, keepdims=True)
    p = np.exp(logits[:, 1]) / np.exp(logits).sum(1)
    accuracy = float(np.mean(model.predict(x, params).argmax(1) == labels))
    return {"history": np.array(history), "accuracy": accuracy, "p": p.reshape(GRID.shape[:2]),
            "x": x, "labels": labels, "sizes": sizes, "activation": activation}


def classifier_accuracy_over_seeds(dataset, seeds, hidden, depth, activation, lr, steps=300):
    """The training accuracy of ``compute_classifier``, once per seed.

    Seed s draws both the data set, ``toy_data(dataset, seed=s)`` (its own
    200 points), and the initial weights, ``compute_classifier(..., seed=s)``;
    seed 0 is the run the chapter draws.

    Parameters
    ----------
    dataset : a name from ``DATASETS``
    seeds : sequence of S >= 1 ints >= 0
    hidden, depth, activation, lr, steps : as ``compute_classifier``

    Returns
    -------
    ndarray (S,), the fraction of its training points each run classifies
    correctly.
    """
    check_choice("dataset", dataset, list(DATASETS))
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int | np.integer) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of ints >= 0, got {seeds!r}")
    return np.array([compute_classifier(toy_data(dataset, seed=s), hidden, depth, activation,
                                        lr, steps, seed=s)["accuracy"] for s in seeds])


def compute_lr_runs(lr, seeds=(0, 1, 2), steps=200, dataset="two moons"):
    """The chapter's 2-8-8-2 tanh classifier trained by plain full-batch
    gradient descent (no momentum) at one learning rate, once per seed.

    Seed s draws the data, ``toy_data(dataset, seed=s)``, and the initial
    weights, as ``classifier_accuracy_over_seeds`` does.

    Parameters
    ----------
    lr : learning rate > 0
    seeds : sequence of S >= 1 ints >= 0
    steps : gradient steps per run
    dataset : a name from ``DATASETS``

    Returns a dict: ``lr``, ``seeds`` (S,); ``histories`` (S, steps + 1), the
    cross-entropy before each step and after the last (inf after a
    non-finite loss); ``start``, ``final`` and ``peak`` (S,), the first, last
    and largest loss of each run.
    """
    check_number("lr", lr, 0, open_low=True)
    check_choice("dataset", dataset, list(DATASETS))
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int | np.integer) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of ints >= 0, got {seeds!r}")
    histories = np.full((len(seeds), steps + 1), np.inf)
    for row, s in enumerate(seeds):
        x, labels = toy_data(dataset, seed=s)
        model = MLP.init([2, 8, 8, 2], ["tanh", "tanh", "identity"],
                         np.random.default_rng(s))
        obj = model.objective(x, labels, "softmax_cross_entropy")
        try:
            _, h = fit(obj, model.params, SGD(lr), steps=steps)
        except Diverged as err:
            h = err.history
        histories[row, :len(h)] = h
    return {"lr": lr, "seeds": np.array(seeds), "histories": histories,
            "start": histories[:, 0], "final": histories[:, -1],
            "peak": histories.max(axis=1)}


def draw_lr_runs(fig, result):
    """Plot ``compute_lr_runs``: each seed's loss against steps, log scale."""
    ax = fig.add_subplot()
    for s, h in zip(result["seeds"], result["histories"]):
        line, = ax.semilogy(h, lw=1.5, label=f"seed {s}")
        ax.plot([0], [h[0]], "o", color=line.get_color(), ms=4)
    finite = result["histories"][np.isfinite(result["histories"])]
    ax.set_ylim(min(1e-3, finite.min() / 2), max(1e4, finite.max() * 2))
    log_ticks(ax.yaxis)
    ax.set_xlabel("gradient-descent step (full batch, no momentum)")
    ax.set_ylabel("cross-entropy loss (log scale)")
    ax.set_title(f"Two moons, 2-8-8-2 tanh network, learning rate {result['lr']:.3g}")
    ax.legend(loc="lower left", fontsize=9)
    up = int(np.sum(result["final"] > result["start"]))
    jump = float(np.max(result["peak"] / result["start"]))
    return (f"Final loss {', '.join(f'{v:.2g}' for v in result['final'])}; "
            f"<b>{up} of {len(result['seeds'])}</b> runs end above their start; "
            f"the largest loss is {jump:.3g} times the start.")


def lr_widget(lr=1.0):
    """Learning rate (0.03 to 100) -> the loss curves of three seeds of the
    two-moons classifier under plain gradient descent."""
    controls = {
        "lr": Slider("learning rate", lr, -1.5, 2, 0.1, base=10, fmt="{:.2g}",
                     book=[0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]),
    }

    @lru_cache(maxsize=64)  # a learning rate seen before trains nothing
    def compute(lr):
        return compute_lr_runs(lr)

    return LiveFigure(controls, compute, draw_lr_runs, figsize=(7, 3.5),
                      alt="Cross-entropy loss of three training runs of the two-moons "
                          "classifier against gradient-descent steps, log scale")


def draw_classifier(fig, result):
    """Decision boundary (left) and loss curve (right) of ``compute_classifier``."""
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.3])
    ax1.contourf(GRID[..., 0], GRID[..., 1], result["p"], levels=np.linspace(0, 1, 11),
                 cmap="RdBu_r", alpha=0.6)
    ax1.contour(GRID[..., 0], GRID[..., 1], result["p"], levels=[0.5], colors="k")
    x, labels = result["x"], result["labels"]
    ax1.scatter(x[:, 0], x[:, 1], c=labels, cmap="RdBu_r", s=10, edgecolor="k", lw=0.3)
    ax1.set_xlabel("$x_1$ (standardised)")
    ax1.set_ylabel("$x_2$ (standardised)")
    arch = "-".join(map(str, result["sizes"]))
    ax1.set_title(f"{arch} {result['activation']}: accuracy {result['accuracy']:.1%}")
    h = result["history"]
    ax2.semilogy(h)
    log_ticks(ax2.yaxis)
    ax2.set_xlabel("gradient-descent step (full batch)")
    ax2.set_ylabel("cross-entropy loss (log scale)")
    ax2.set_title("Training loss")
    return f"Training accuracy <b>{result['accuracy']:.1%}</b>, final loss {h[-1]:.3g}."


def classifier_widget(dataset="two moons", hidden=8, depth=2, activation="tanh", lr=0.3):
    """Data set, hidden units, depth, activation, learning rate -> boundary + loss."""
    cache = {name: toy_data(name) for name in DATASETS}  # made once, not per update
    controls = {
        "dataset": Choice("data", dataset, list(DATASETS)),
        "hidden": Slider("units per hidden layer", hidden, 2, 32, 1, book=[2, 8, 32]),
        "depth": Slider("hidden layers", depth, 1, 4, 1, book=[1, 2, 4]),
        "activation": Choice("activation", activation, ["tanh", "relu", "sigmoid"]),
        "lr": Slider("learning rate", lr, -2, 0, 0.1, base=10, fmt="{:.2g}",
                     book=[0.03, 0.3]),
    }

    @lru_cache(maxsize=64)  # a setting seen before trains nothing
    def compute(dataset, **kw):
        return compute_classifier(cache[dataset], **kw)

    return LiveFigure(controls, compute, draw_classifier, figsize=(9, 3.6),
                      alt="Decision boundary of a trained MLP over the training points, "
                          "and its training loss against steps")
