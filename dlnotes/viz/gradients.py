"""Figures and the widget of chapter 2: vanishing and exploding gradients.

Every experiment runs on the same deep network (``make_net``) and data
(``chapter_data``): two moons, N = 64 points, hidden width H = 32, trained
full-batch on the cross-entropy loss. ``compute_*`` functions run dlnotes and
return plain dicts; ``draw_*(fig, result)`` functions only plot.
"""

from functools import lru_cache

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..clip import clip_by_norm, clip_by_value
from ..data import two_moons
from ..deepnet import DeepMLP, train
from ..losses import softmax, softmax_cross_entropy
from .live import Choice, LiveFigure, Slider, Toggle
from .ticks import log_ticks

WIDTH, DEPTH, N_POINTS, LOSS = 32, 30, 64, "softmax_cross_entropy"
SCALES = (0.5, 1.0, 2.0, 4.0)
ACTIVATIONS = ("sigmoid", "tanh", "relu")


def chapter_data(n=N_POINTS, seed=0):
    """The chapter's batch: two moons, x (n, 2) standardised, labels (n,)."""
    return two_moons(n, 0.1, np.random.default_rng(seed))


def make_net(depth, activation, scale=1.0, init="xavier", residual=False,
             batchnorm=False, width=WIDTH, seed=1):
    """The chapter's deep network: 2 inputs, ``depth`` layers of ``width``, 2 outputs.

    ``scale`` multiplies the ``init`` scheme's standard deviation (its gain).
    The same ``seed`` draws the same weights, so two settings compare like
    with like.
    """
    return DeepMLP.init((2, width, 2, depth), activation, np.random.default_rng(seed),
                        init, scale, residual, batchnorm)


def first_layer_norm(model, data):
    """||dL/dW^1|| of ``model`` on ``data`` at its current weights."""
    x, labels = data
    return float(model.loss_and_grads(x, labels, LOSS)[2][0])


def compute_profiles(data, depth=DEPTH, activations=ACTIVATIONS, scales=SCALES):
    """Per-layer gradient norms at initialisation for each activation and scale.

    Returns a dict: ``norms[activation][scale]`` is an ndarray (depth,) of
    ||dL/dW^l||, l = 1..depth, for Xavier weights times ``scale``.
    """
    x, labels = data
    norms = {a: {s: make_net(depth, a, s).loss_and_grads(x, labels, LOSS)[2] for s in scales}
             for a in activations}
    return {"depth": depth, "scales": tuple(scales), "norms": norms}


def _log_axis(ax, xlabel, ylabel, title):
    ax.set_yscale("log")
    log_ticks(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)


NORM_LABEL = r"$\|\partial L / \partial W^l\|$ (log scale)"
LAYER_LABEL = "layer $l$ (1 = next to the input)"


def draw_profiles(fig, result):
    """One panel per activation, one line per weight scale, log scale."""
    axes = fig.subplots(1, len(result["norms"]), sharey=True)
    layers = np.arange(1, result["depth"] + 1)
    for ax, (act, by_scale) in zip(np.atleast_1d(axes), result["norms"].items()):
        for s, n in by_scale.items():
            ax.plot(layers, n, marker=".", label=f"{s:g} x Xavier")
        _log_axis(ax, LAYER_LABEL, NORM_LABEL if ax is np.atleast_1d(axes)[0] else "",
                  f"{act}, {result['depth']} layers")
    np.atleast_1d(axes)[0].legend(title="weight scale", fontsize=8)


INIT_SETTINGS = (("relu", "he"), ("relu", "xavier"), ("tanh", "xavier"))


def compute_init_check(settings=INIT_SETTINGS, width=100, depth=30, n=200,
                       seeds=tuple(range(1, 9))):
    """The mean square of the pre-activations through square random layers.

    For each (activation, init) of ``settings`` and each weight seed: a
    ``DeepMLP`` of ``depth`` dense layers with D = H = M = ``width`` (so every
    layer has fan_in = fan_out = width), biases 0, on x (n, width) drawn
    N(0, 1) from the same seed, one forward pass.

    Returns
    -------
    dict with ``ms[(activation, init)]``, ndarray (len(seeds), depth), the
    mean of Z_l ** 2 over the batch and the units, l = 1..depth;
    ``factor[(activation, init)]`` (len(seeds),), the mean over l of
    ms_l / ms_{l-1}, the factor by which one layer multiplies it; and the
    settings (``seeds``, ``width``, ``depth``, ``n``)
    """
    ms = {}
    for activation, init in settings:
        rows = []
        for s in seeds:
            rng = np.random.default_rng(s)
            model = DeepMLP.init((width, width, width, depth), activation, rng, init)
            x = rng.normal(size=(n, width))
            rows.append([np.mean(z ** 2) for z in model.forward(x)[1]["Z"]])
        ms[(activation, init)] = np.array(rows)
    factor = {k: np.mean(v[:, 1:] / v[:, :-1], axis=1) for k, v in ms.items()}
    return {"ms": ms, "factor": factor, "seeds": np.array(seeds), "width": width,
            "depth": depth, "n": n}


def _median_band(ax, layers, values, color, label):
    """The median over the rows of ``values`` (n, len(layers)) as a line, the
    range over the rows as a shaded band."""
    ax.plot(layers, np.median(values, axis=0), marker=".", color=color, label=label)
    ax.fill_between(layers, values.min(axis=0), values.max(axis=0), color=color,
                    alpha=0.2, lw=0)


def draw_init_check(fig, result):
    """``compute_init_check``: mean square of Z_l against l, median and range."""
    ax = fig.add_subplot()
    layers = np.arange(1, result["depth"] + 1)
    for i, ((act, init), v) in enumerate(result["ms"].items()):
        f = np.median(result["factor"][(act, init)])
        _median_band(ax, layers, v, f"C{i}", f"{act}, {init}: x{f:.2f} per layer")
    _log_axis(ax, LAYER_LABEL, r"mean of $Z_l^2$ (log scale)",
              f"Signal through {result['depth']} layers of {result['width']} units "
              f"at initialisation")
    ax.legend(fontsize=8)


def compute_depth_sweep(data, gains=(1.0, 1.2, 1.5), depths=tuple(range(5, 41, 5)),
                        seeds=(1, 2, 3, 4)):
    """||dL/dW^1|| of ReLU networks with He weights times ``gain``, against depth.

    Returns a dict with ``depths``, ``norms[gain]`` (len(depths),), the
    geometric mean over the weight ``seeds``, and ``factor[gain]``, the growth
    per layer exp(slope) of a least-squares line through log ||dL/dW^1||
    against depth.
    """
    norms, factor = {}, {}
    for g in gains:
        logs = [[np.log(first_layer_norm(make_net(L, "relu", g, "he", seed=s), data))
                 for L in depths] for s in seeds]
        norms[g] = np.exp(np.mean(logs, axis=0))
        factor[g] = float(np.exp(np.polyfit(depths, np.log(norms[g]), 1)[0]))
    return {"depths": np.array(depths), "norms": norms, "factor": factor}


def compute_exploding(data, gain=1.2, lr=0.05, steps=80, threshold=1.0, depth=DEPTH,
                      seed=1):
    """The same exploding ReLU network trained without and with clip_by_norm.

    Returns a dict with ``runs``: {"plain gradient descent": ..., "clipped
    by norm": ...}, each a ``dlnotes.deepnet.train`` result, and the settings;
    ``seed`` draws the weights (``make_net``).
    """
    x, labels = data
    model = make_net(depth, "relu", gain, "he", seed=seed)
    runs = {
        "plain gradient descent": train(model, x, labels, lr, steps, LOSS),
        f"clipped by norm at {threshold:g}": train(model, x, labels, lr, steps, LOSS,
                                                   clip=threshold),
    }
    return {"runs": runs, "gain": gain, "lr": lr, "threshold": threshold, "depth": depth}


def _loss_curves(ax, runs, title):
    """Loss against step, log scale; a diverged run ends in an x at the top."""
    finite_max = max(np.nanmax(np.where(np.isfinite(r["losses"]), r["losses"], np.nan))
                     for r in runs.values())
    top = 1e10 * max(r["losses"][0] for r in runs.values())
    for i, (label, r) in enumerate(runs.items()):
        losses = np.asarray(r["losses"], dtype=float)
        steps = np.arange(len(losses))
        shown = np.isfinite(losses) & (losses <= top)
        ax.plot(steps[shown], losses[shown], color=f"C{i}", label=label)
        if r["diverged_at"] is not None:
            ax.plot([r["diverged_at"]], [top], "x", color=f"C{i}", ms=10, mew=2, clip_on=False)
            ax.annotate(f"diverged: loss {losses[-1]} at step {r['diverged_at']}",
                        (r["diverged_at"], top), textcoords="offset points",
                        xytext=(8, -12), fontsize=8, color=f"C{i}")
    _log_axis(ax, "gradient-descent step (full batch)", "cross-entropy loss (log scale)",
              title)
    if finite_max > top:  # a diverging run would squash the others to a line
        lowest = min(np.nanmin(np.where(np.isfinite(r["losses"]), r["losses"], np.nan))
                     for r in runs.values())
        ax.set_ylim(lowest / 2, top)
    ax.legend(fontsize=8)


def draw_exploding(fig, result, sweep):
    """Left: ||dL/dW^1|| against depth (``sweep``); right: the two training runs."""
    ax1, ax2 = fig.subplots(1, 2)
    for i, (g, n) in enumerate(sweep["norms"].items()):
        ax1.plot(sweep["depths"], n, "o-", color=f"C{i}",
                 label=f"He x {g:g}: x{sweep['factor'][g]:.2f} per layer")
    _log_axis(ax1, "depth $L$ (layers)", r"$\|\partial L / \partial W^1\|$ (log scale)",
              "ReLU: first-layer gradient against depth")
    ax1.legend(fontsize=8)
    _loss_curves(ax2, result["runs"],
                 f"{result['depth']} ReLU layers, He x {result['gain']:g}, "
                 f"lr {result['lr']:g}")


def compute_clipping_2d(g=(2.5, 0.8), threshold=1.0):
    """A 2-D gradient clipped by norm and by value at the same threshold.

    Returns a dict with the vectors ``g``, ``by_norm``, ``by_value`` and their
    angles to the x axis in degrees (``angle_g``, ``angle_norm``, ``angle_value``).
    """
    grads = {"g": np.asarray(g, dtype=float)}
    by_norm = clip_by_norm(grads, threshold)[0]["g"]
    by_value = clip_by_value(grads, threshold)["g"]

    def angle(v):
        return float(np.degrees(np.arctan2(v[1], v[0])))

    return {"g": grads["g"], "by_norm": by_norm, "by_value": by_value, "threshold": threshold,
            "angle_g": angle(grads["g"]), "angle_norm": angle(by_norm),
            "angle_value": angle(by_value)}


def draw_clipping_2d(fig, result):
    """The gradient and its two clipped versions, with the circle and the square."""
    ax = fig.add_subplot()
    c = result["threshold"]
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(c * np.cos(t), c * np.sin(t), color="0.5", lw=1, label=f"norm = {c:g}")
    ax.plot([-c, c, c, -c, -c], [-c, -c, c, c, -c], color="0.5", lw=1, ls="--",
            label=f"|entries| <= {c:g}")
    for key, label, color in [("g", "gradient $g$", "C0"), ("by_norm", "clipped by norm", "C2"),
                              ("by_value", "clipped by value", "C3")]:
        v = result[key]
        ax.annotate("", v, (0, 0), arrowprops=dict(arrowstyle="-|>", color=color, lw=2))
        ax.plot([], [], color=color, lw=2,
                label=f"{label} ({v[0]:.2f}, {v[1]:.2f}), "
                      f"{result['angle_' + key.split('_')[-1]]:.1f} deg")
    g = result["g"]
    ax.plot([0, g[0] * 1.1], [0, g[1] * 1.1], color="C0", lw=0.5, ls=":")
    lim = max(abs(g).max(), c) * 1.15
    ax.set_xlim(-c * 1.15, lim)
    ax.set_ylim(-c * 1.15, lim * 0.75)
    ax.set_aspect("equal")
    ax.set_xlabel("$g_1$ (loss per unit of $w_1$)")
    ax.set_ylabel("$g_2$ (loss per unit of $w_2$)")
    ax.set_title("Clipping a 2-D gradient at threshold 1")
    ax.legend(fontsize=8, loc="upper left")


REMEDIES = {
    "plain sigmoid": dict(activation="sigmoid"),
    "ReLU, Xavier": dict(activation="relu"),
    "ReLU, He": dict(activation="relu", init="he"),
    "residual": dict(activation="sigmoid", residual=True),
    "batch norm": dict(activation="sigmoid", batchnorm=True),
}


def compute_remedies(data, depth=DEPTH, lr=0.05, steps=60, remedies=None, seed=1, keep=()):
    """Train the deep sigmoid network and each remedy on the same data and seed.

    ``remedies`` maps a label to ``make_net`` keyword arguments (default
    ``REMEDIES``); ``seed`` draws the weights of all of them; ``keep`` lists
    the steps whose parameters each run keeps (``dlnotes.deepnet.train``).
    Returns a dict with ``runs`` (label -> ``train`` result) and ``first``
    (label -> ||dL/dW^1|| at initialisation).
    """
    x, labels = data
    remedies = REMEDIES if remedies is None else remedies
    runs = {k: train(make_net(depth, seed=seed, **kw), x, labels, lr, steps, LOSS, keep=keep)
            for k, kw in remedies.items()}
    first = {k: float(r["norms"][0, 0]) for k, r in runs.items()}
    return {"runs": runs, "first": first, "depth": depth, "lr": lr}


def draw_runs(fig, runs, title):
    """Left: each run's per-layer gradient norms at step 0; right: its loss curve."""
    ax1, ax2 = fig.subplots(1, 2)
    for i, (label, r) in enumerate(runs.items()):
        n = r["norms"][0]
        ax1.plot(np.arange(1, len(n) + 1), n, marker=".", color=f"C{i}", label=label)
    _log_axis(ax1, LAYER_LABEL, NORM_LABEL, "Gradient norms at initialisation")
    ax1.legend(fontsize=8)
    _loss_curves(ax2, runs, title)


def draw_remedies(fig, result):
    """``draw_runs`` for ``compute_remedies``."""
    draw_runs(fig, result["runs"],
              f"Training, {result['depth']} layers, lr {result['lr']:g}")


def compute_signal(data, networks=None, depth=DEPTH, seeds=tuple(range(1, 9))):
    """Forward and backward signal of each network at initialisation.

    For each label of ``networks`` (label -> ``make_net`` keyword arguments,
    default ``REMEDIES``) and each weight seed: one forward pass on ``data``
    (x (N, 2), labels (N,)), the cross-entropy loss and one backward pass.

    Returns
    -------
    dict with ``seeds`` (n,) and, per label: ``spread[label]`` (n, depth),
    the standard deviation of Z_l over the N examples, averaged over its
    units, l = 1..depth (for a residual network Z_l is the stream); ``norms
    [label]`` (n, depth), ||dL/dW^l||; ``p[label]`` (n, N), each example's
    predicted probability of class 1
    """
    x, labels = data
    networks = REMEDIES if networks is None else networks
    spread, norms, p = {}, {}, {}
    for label, kw in networks.items():
        rows = []
        for s in seeds:
            model = make_net(depth, seed=s, **kw)
            out, cache = model.forward(x)
            _, dout = softmax_cross_entropy(out, labels)
            rows.append(([z.std(axis=0).mean() for z in cache["Z"]],
                         model.backward(dout, cache)[2], softmax(out)[:, 1]))
        spread[label], norms[label], p[label] = (np.array(a) for a in zip(*rows))
    return {"seeds": np.array(seeds), "depth": depth, "spread": spread, "norms": norms,
            "p": p}


def draw_signal(fig, result):
    """``compute_signal``: left the forward spread of Z_l, right ||dL/dW^l||,
    against l; median over the seeds (line) and range (band)."""
    ax1, ax2 = fig.subplots(1, 2, sharex=True)
    layers = np.arange(1, result["depth"] + 1)
    for i, label in enumerate(result["spread"]):
        _median_band(ax1, layers, result["spread"][label], f"C{i}", label)
        _median_band(ax2, layers, result["norms"][label], f"C{i}", label)
    n = len(result["seeds"])
    _log_axis(ax1, LAYER_LABEL, r"std of $Z_l$ over the batch (log scale)",
              f"Forward: the signal, {n} weight seeds")
    _log_axis(ax2, LAYER_LABEL, NORM_LABEL, f"Backward: the gradient, {n} weight seeds")
    ax1.legend(fontsize=8)


def compute_depth_ratio(data, networks, depths=(10, 20, 30, 40, 50), seeds=tuple(range(1, 9))):
    """First-to-last gradient ratio at initialisation against depth.

    For each label of ``networks`` (label -> ``make_net`` keyword arguments),
    each depth L of ``depths`` and each weight seed: ||dL/dW^1|| / ||dL/dW^L||
    on ``data`` (x (N, 2), labels (N,)). A flat profile gives about 1; a
    profile that grows towards the input, more.

    Returns
    -------
    dict with ``depths`` (k,), ``seeds`` (n,) and ``ratio[label]``, ndarray
    (n, k)
    """
    x, labels = data
    ratio = {}
    for label, kw in networks.items():
        rows = []
        for s in seeds:
            norms = [make_net(L, seed=s, **kw).loss_and_grads(x, labels, LOSS)[2] for L in depths]
            rows.append([n[0] / n[-1] for n in norms])
        ratio[label] = np.array(rows)
    return {"depths": np.array(depths), "seeds": np.array(seeds), "ratio": ratio}


def draw_depth_ratio(fig, result):
    """``compute_depth_ratio``: the ratio against depth, median and range."""
    ax = fig.add_subplot()
    for i, (label, r) in enumerate(result["ratio"].items()):
        _median_band(ax, result["depths"], r, f"C{i}", label)
    ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
    _log_axis(ax, "depth $L$ (layers)",
              r"$\|\partial L/\partial W^1\| \,/\, \|\partial L/\partial W^L\|$ (log)",
              f"First over last layer's gradient, {len(result['seeds'])} weight seeds")
    ax.legend(fontsize=8)


SEEDS = tuple(range(1, 11))  # weight seeds of the findings over seeds; 1 is the figures'


def run_summary(run):
    """What one training run reached, as plain floats.

    Parameters
    ----------
    run : dict, a ``dlnotes.deepnet.train`` result; its ``losses`` (S + 1,)
        are the loss before each of S steps and after the last, or up to the
        first non-finite loss when the run diverged

    Returns
    -------
    dict of float: ``start`` (the loss at step 0), ``final`` (the last loss,
    NaN or inf for a diverged run), ``best`` (the lowest finite loss) and
    ``best_step`` (its step), ``rise`` (the largest increase of the loss from
    one step to the next among finite losses, negative when every step
    lowered it) and ``diverged_at`` (the step of the first non-finite loss,
    NaN when there is none)
    """
    losses = np.asarray(run["losses"], dtype=np.float64)
    finite = losses[np.isfinite(losses)]
    rises = np.diff(finite)
    return {"start": float(losses[0]), "final": float(losses[-1]),
            "best": float(finite.min()), "best_step": float(finite.argmin()),
            "rise": float(rises.max()) if rises.size else np.nan,
            "diverged_at": np.nan if run["diverged_at"] is None else float(run["diverged_at"])}


def _stack(summaries):
    """{key: ndarray (n,)} from n ``run_summary`` dicts."""
    return {k: np.array([s[k] for s in summaries]) for k in summaries[0]}


def exploding_seeds(data, seeds=SEEDS, **settings):
    """``compute_exploding`` for each weight seed, summarised over the seeds.

    Parameters
    ----------
    data : (x (N, 2), labels (N,)), as ``chapter_data``
    seeds : sequence of n ints, the weight seeds
    **settings : ``compute_exploding``'s keyword arguments (gain, lr, ...)

    Returns
    -------
    dict with ``seeds`` (n,); ``first`` (n,), ||dL/dW^1|| at initialisation;
    ``plain`` and ``clipped``, each ``{key: ndarray (n,)}`` with the keys of
    ``run_summary``; ``example``, the full ``compute_exploding`` result of
    ``seeds[0]`` (for a figure of one run)
    """
    results = [compute_exploding(data, seed=s, **settings) for s in seeds]
    pairs = [list(r["runs"].values()) for r in results]
    return {"seeds": np.array(seeds),
            "first": np.array([p[0]["norms"][0, 0] for p in pairs]),
            "plain": _stack([run_summary(p[0]) for p in pairs]),
            "clipped": _stack([run_summary(p[1]) for p in pairs]),
            "example": results[0]}


def remedies_seeds(data, seeds=SEEDS, **settings):
    """``compute_remedies`` for each weight seed, summarised over the seeds.

    Parameters
    ----------
    data : (x (N, 2), labels (N,)), as ``chapter_data``
    seeds : sequence of n ints, the weight seeds (every network of a seed
        starts from that seed's draw)
    **settings : ``compute_remedies``'s keyword arguments (depth, lr, ...)

    Returns
    -------
    dict with ``seeds`` (n,) and, for each network label: ``first[label]``
    (n,), ||dL/dW^1|| at initialisation, ``top[label]`` (n,), ||dL/dW^L||
    there, and ``runs[label]``, ``{key: ndarray (n,)}`` with the keys of
    ``run_summary``; ``train[label]``, the n ``dlnotes.deepnet.train``
    results themselves (losses, norms of every step, kept parameters);
    ``example``, the full ``compute_remedies`` result of ``seeds[0]`` (for a
    figure of one run)
    """
    results = [compute_remedies(data, seed=s, **settings) for s in seeds]
    labels = list(results[0]["runs"])
    return {"seeds": np.array(seeds),
            "train": {k: [r["runs"][k] for r in results] for k in labels},
            "first": {k: np.array([r["first"][k] for r in results]) for k in labels},
            "top": {k: np.array([r["runs"][k]["norms"][0, -1] for r in results])
                    for k in labels},
            "runs": {k: _stack([run_summary(r["runs"][k]) for r in results]) for k in labels},
            "example": results[0]}


def spike_summary(run, after=10, window=5):
    """The largest late jump of a training run's loss, and the gradients around it.

    Parameters
    ----------
    run : dict, a finished (not diverged) ``dlnotes.deepnet.train`` result:
        ``losses`` (S + 1,) and ``norms`` (S + 1, L), ||dL/dW^l|| at each step
    after : int, look for the jump from this step on (0 <= after < S)
    window : int >= 1, the steps before the peak that ``growth`` looks back over

    Returns
    -------
    dict with ``peak``, the step just after the largest one-step rise of the
    loss from step ``after`` on; ``rise``, that rise; ``total`` (S + 1,), the
    norm of all weight gradients, sqrt(sum_l ||dL/dW^l||^2), at each step;
    ``growth``, total[peak] over its smallest value in the ``window`` steps
    before the peak; ``first_over_last``, ||dL/dW^1|| / ||dL/dW^L|| at the peak
    """
    losses = np.asarray(run["losses"], dtype=np.float64)
    norms = np.asarray(run["norms"], dtype=np.float64)
    if run.get("diverged_at") is not None or not np.all(np.isfinite(losses)):
        raise ValueError("spike_summary needs a finished run; this one diverged")
    if norms.shape[0] != losses.shape[0]:
        raise ValueError(f"run['norms'] must have one row per loss, {losses.shape[0]}, "
                         f"got shape {norms.shape}")
    if not (isinstance(after, int) and 0 <= after < len(losses) - 1):
        raise ValueError(f"after must be an int in [0, {len(losses) - 2}], got {after!r}")
    if not (isinstance(window, int) and window >= 1):
        raise ValueError(f"window must be an int >= 1, got {window!r}")
    rises = np.diff(losses)
    peak = after + int(np.argmax(rises[after:])) + 1
    total = np.sqrt((norms ** 2).sum(axis=1))
    return {"peak": peak, "rise": float(rises[peak - 1]), "total": total,
            "growth": float(total[peak] / total[max(0, peak - window):peak].min()),
            "first_over_last": float(norms[peak, 0] / norms[peak, -1])}


def spike_weights(model, data, lr, peak, window=5):
    """How much the weights move in the ``window`` steps before a loss spike.

    Trains ``model`` as ``dlnotes.deepnet.train`` does (full batch, learning
    rate ``lr``) for ``peak`` steps, keeping the weights after
    ``peak - window`` and after ``peak`` steps (``spike_summary`` finds the
    peak).

    Returns
    -------
    dict with ``change``, ||W(peak) - W(peak - window)|| / ||W(peak - window)||
    over all the weight matrices together (Frobenius); ``spectral`` (L,),
    ||W^l(peak)||_2 / ||W^l(peak - window)||_2 for each layer; and ``product``,
    the product of ``spectral``: how much the bound prod_l ||W^l||_2 on a
    signal's growth through the layers changed
    """
    if not (isinstance(peak, int) and isinstance(window, int) and 1 <= window <= peak):
        raise ValueError(f"need ints 1 <= window <= peak, got window={window!r}, "
                         f"peak={peak!r}")
    x, labels = data
    kept = train(model, x, labels, lr, peak, LOSS, keep=(peak - window, peak))["kept"]
    if len(kept) != 2:
        raise ValueError(f"training diverged before step {peak}")
    a, b = kept[peak - window], kept[peak]
    names = [f"W{l}" for l in range(1, model.depth + 1)]
    change = np.sqrt(sum(((b[k] - a[k]) ** 2).sum() for k in names)
                     / sum((a[k] ** 2).sum() for k in names))
    spectral = np.array([np.linalg.norm(b[k], 2) / np.linalg.norm(a[k], 2) for k in names])
    return {"change": float(change), "spectral": spectral, "product": float(np.prod(spectral))}


def dead_revival(model, x, kept):
    """Which hidden units dead at initialisation are alive again later.

    A unit is dead when its output f(Z) is 0 for every example of ``x``
    (``dlnotes.deepnet.dead_units`` counts the same units).

    Parameters
    ----------
    model : DeepMLP at its initial weights (L layers of H hidden units)
    x : ndarray (N, D)
    kept : dict step -> parameters later in training (``train(..., keep=)``)

    Returns
    -------
    dict with ``dead`` (L - 1, H) bool, the units dead at initialisation;
    ``n_dead`` and ``n_dead_first`` (ints, all hidden layers and the first);
    and, each a dict step -> value: ``revived`` (the fraction of the units
    dead at initialisation that are alive at that step, NaN if none was
    dead), ``revived_first`` (how many of the first hidden layer's are),
    ``died`` (how many units alive at initialisation are dead there) and
    ``died_first`` (how many of the first hidden layer's are)
    """
    def dead(params):
        return np.array([np.all(a <= 0, axis=0) for a in model.forward(x, params)[1]["X"]])

    d0 = dead(None)
    later = {k: dead(p) for k, p in sorted(kept.items())}
    n = int(d0.sum())
    return {"dead": d0, "n_dead": n, "n_dead_first": int(d0[0].sum()),
            "revived": {k: (d0 & ~d).sum() / n if n else np.nan for k, d in later.items()},
            "revived_first": {k: int((d0[0] & ~d[0]).sum()) for k, d in later.items()},
            "died": {k: int((d & ~d0).sum()) for k, d in later.items()},
            "died_first": {k: int((d[0] & ~d0[0]).sum()) for k, d in later.items()}}


def last_bit_sensitivity(model, data, lr, steps, clip=None):
    """How far one unit in the last place of the weights moves a training run.

    Trains ``model`` as ``dlnotes.deepnet.train`` does, and again from the
    same weights with every entry of ``W1`` moved to the next float64 up (a
    relative change of about 1e-16, the size of a rounding difference
    between two CPUs).

    Parameters
    ----------
    model : DeepMLP; data : (x (N, D), labels (N,))
    lr : float; steps : int; clip : float, optional (clip by global norm)

    Returns
    -------
    dict with ``losses`` and ``perturbed`` (S + 1,), the two loss curves, and
    ``rel_diff`` (S + 1,), |perturbed - losses| / |losses| at each step
    (both runs must stay finite)
    """
    x, labels = data
    moved = dict(model.params, W1=np.nextafter(model.params["W1"], np.inf))
    twin = DeepMLP(moved, model.activation, model.residual, model.batchnorm)
    a, b = (np.asarray(train(m, x, labels, lr, steps, LOSS, clip=clip)["losses"])
            for m in (model, twin))
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("last_bit_sensitivity needs two finite runs; one diverged")
    return {"losses": a, "perturbed": b, "rel_diff": np.abs(b - a) / np.abs(a)}


def compute_comparison(data, depth, activation, scale, residual, batchnorm, clip,
                       steps=12, lr=0.1, plain=None):
    """The widget's model: the plain network and the same one with the remedies.

    Both start from the same weights (Xavier times ``scale``) and train for
    ``steps`` full-batch steps; ``clip`` clips by global norm at 1. ``plain``
    may pass a precomputed plain run.
    """
    x, labels = data
    if plain is None:
        plain = train(make_net(depth, activation, scale), x, labels, lr, steps, LOSS)
    chosen = [name for name, on in [("residual", residual), ("batch norm", batchnorm),
                                    ("clipping", clip)] if on]
    if chosen:
        model = make_net(depth, activation, scale, residual=residual, batchnorm=batchnorm)
        remedied = train(model, x, labels, lr, steps, LOSS, clip=1.0 if clip else None)
    else:
        remedied = plain
    label = "with " + " + ".join(chosen) if chosen else "same (no remedy ticked)"
    return {"runs": {"plain": plain, label: remedied}, "depth": depth,
            "activation": activation, "scale": scale, "lr": lr}


def draw_comparison(fig, result):
    """``draw_runs`` for ``compute_comparison``; returns the status line."""
    draw_runs(fig, result["runs"],
              f"{result['depth']} {result['activation']} layers, "
              f"{result['scale']:g} x Xavier, lr {result['lr']:g}")
    (_, plain), (label, other) = result["runs"].items()
    p, o = plain["norms"][0, 0], other["norms"][0, 0]
    note = (f"First-layer gradient norm at the start: plain <b>{p:.2e}</b>, "
            f"{label} <b>{o:.2e}</b> ({o / p:.3g} times).")
    for name, r in [("plain", plain), (label, other)]:
        if r["diverged_at"] is not None:
            note += f" The {name} run <b>diverged</b> at step {r['diverged_at']}."
    return note


def gradient_widget(depth=20, activation="sigmoid", scale=1.0, residual=True,
                    batchnorm=False, clip=False, steps=12, lr=0.1):
    """Depth, activation, weight scale and the remedies -> profiles + training."""
    data = chapter_data()

    @lru_cache(maxsize=32)  # the plain run depends on three controls only
    def plain(depth, activation, scale):
        x, labels = data
        return train(make_net(depth, activation, scale), x, labels, lr, steps, LOSS)

    @lru_cache(maxsize=64)  # a setting seen before trains nothing
    def compute(depth, activation, scale, residual, batchnorm, clip):
        return compute_comparison(data, depth, activation, scale, residual, batchnorm, clip,
                                  steps, lr, plain(depth, activation, scale))

    controls = {
        "depth": Slider("layers", depth, 5, 40, 5, book=sorted({depth, 40})),
        "activation": Choice("activation", activation, list(ACTIVATIONS)),
        "scale": Slider("weights, times Xavier", scale, -2, 2, 0.25, base=2, fmt="{:.3g}",
                        book=sorted({scale, 0.25, 1.0, 2 ** 0.5, 2.0, 4.0})),
        "residual": Toggle("residual", residual),
        "batchnorm": Toggle("batch norm", batchnorm),
        "clip": Toggle("clip by norm at 1", clip),
    }
    return LiveFigure(controls, compute, draw_comparison, figsize=(10, 3.8),
                      alt="Gradient norm of every layer and the training loss, for the "
                          "plain network and the same one with the chosen remedies")
