"""Figures and widgets of chapter 4: how the gradient through time shrinks or
grows, what truncated BPTT loses, and trained RNNs reading typed words."""

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from ..rnn import init_rnn_params, rnn_forward, state_jacobian_norms
from ..rnn_models import (
    clipping_example,
    echo_accuracy,
    echo_data,
    read_words,
    truncation_error,
)
from .live import LiveFigure, Slider, Text

# -- the gradient through time --------------------------------------------------


def compute_gradient_norms(radius, length, input_scale=1.0, hidden=16, seed=0):
    """||dh_T / dh_{T-n}||_2 for n = 0..T along one random sequence.

    W_h is ``radius`` times a fixed random orthogonal matrix (the same for
    every radius), W_x Gaussian, inputs Gaussian with std ``input_scale``.

    Returns a dict with ``norms`` (T + 1,), ``linear`` = radius^n (the norms
    of a linear RNN with the same W_h) and the settings.
    """
    params = init_rnn_params(4, hidden, 1, np.random.default_rng(seed), radius=radius)
    x = input_scale * np.random.default_rng(seed + 1).normal(size=(1, length, 4))
    h, _ = rnn_forward(x, np.zeros((1, hidden)), params)
    return {"norms": state_jacobian_norms(h[0], params["W_h"]),
            "linear": radius ** np.arange(length + 1.0),
            "radius": radius, "length": length, "input_scale": input_scale}


#: the fixed y range of the gradient-norm plots, so moving a slider never rescales
#: the axis; below 1e-16 of its size a gradient term is lost to float64 round-off
NORM_RANGE = (1e-16, 1e8)


def _norm_axis(ax):
    """Log y axis over ``NORM_RANGE``, one labelled tick every 4 decades."""
    ax.set_yscale("log")
    ax.set_ylim(*NORM_RANGE)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=[1.0], numticks=7))
    ax.yaxis.set_minor_locator(NullLocator())  # ~100 minor ticks make a redraw slow
    ax.set_xlabel("distance back in time $T - t$ (steps)")
    ax.set_ylabel("$\\|\\partial h_T / \\partial h_t\\|_2$ (log scale)")


def _steps_to(norms, level):
    """The first n with norms[n] < level, or None."""
    below = np.flatnonzero(norms < level)
    return int(below[0]) if below.size else None


def draw_gradient_norms(fig, result):
    """One ``compute_gradient_norms`` curve with its linear reference, log scale."""
    ax = fig.add_subplot()
    n = np.arange(result["length"] + 1)
    rho = result["radius"]
    _norm_axis(ax)
    ax.plot(n, result["norms"], lw=2, label="tanh RNN")
    ax.plot(n, result["linear"], "--", color="0.4",
            label="linear RNN, same $W_h$: $\\rho^{T-t}$")
    ax.axhline(1.0, color="0.8", lw=1)
    ax.set_title(f"Gradient through time, spectral radius {rho:.2f}, "
                 f"input scale {result['input_scale']:.1f}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    end = result["norms"][-1]
    n3 = _steps_to(result["norms"], 1e-3)
    if n3 is not None:
        return (f"The gradient falls below 10<sup>-3</sup> of its size after "
                f"<b>{n3}</b> steps; after {result['length']} steps it is {end:.1e}.")
    return f"After {result['length']} steps the gradient is multiplied by <b>{end:.1e}</b>."


def gradient_norm_widget(radius=0.9, length=100, input_scale=1.0):
    """Spectral radius, sequence length and input scale -> ||dh_T/dh_t||."""
    controls = {
        "radius": Slider("spectral radius ρ", radius, 0.1, 3.0, 0.05,
                         book=sorted({radius, 0.5, 0.9, 1.0, 1.1, 1.5, 3.0})),
        "length": Slider("length T", length, 5, 200, 5, book=sorted({length, 25, 200})),
        "input_scale": Slider("input scale", input_scale, 0.0, 3.0, 0.1,
                              book=sorted({input_scale, 0.0, 3.0})),
    }
    return LiveFigure(controls, compute_gradient_norms, draw_gradient_norms, figsize=(8, 3.8),
                      alt="Norm of the gradient through time against the distance back, "
                          "log scale, for the tanh RNN and a linear one")


def draw_gradient_norm_family(fig, results):
    """Several ``compute_gradient_norms`` results (one per radius) on one plot."""
    ax = fig.add_subplot()
    _norm_axis(ax)
    for i, r in enumerate(results):
        n = np.arange(r["length"] + 1)
        ax.plot(n, r["norms"], lw=2, color=f"C{i}", label=f"ρ = {r['radius']:.2f}")
        ax.plot(n, r["linear"], ":", lw=1, color=f"C{i}")
    ax.set_title("Gradient through time for several spectral radii "
                 "(dotted: linear RNN, $\\rho^{T-t}$)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))


# -- truncated BPTT ----------------------------------------------------------------


def compute_truncation(error_windows, train_windows, radii, delay=3, length=16, seeds=(0,)):
    """What truncated BPTT loses on the delayed echo of ``delay`` steps, over seeds.

    Seed s draws the 32 training sequences and the initial weights (as
    ``echo_example(seed=s)``), for every window and radius.

    Returns a dict with ``errors`` (S, len(radii), len(error_windows)): the
    relative error of each window's gradient against full BPTT, at the
    initial weights of each spectral radius; ``accuracy``
    (S, len(train_windows) + 1): the test accuracy after training with each
    window and, last, with full BPTT (``rnn_models.echo_accuracy``); and the
    settings, with ``seeds`` (S,).
    """
    errors = []
    for s in seeds:
        x, targets, mask = echo_data(32, length, delay, seed=s)
        V = x.shape[2]
        errors.append([
            [truncation_error(init_rnn_params(V, 16, V, np.random.default_rng(s + 1),
                                              radius=rho), x, targets, mask, k)
             for k in error_windows]
            for rho in radii])
    accuracy = echo_accuracy(list(train_windows) + [None], seeds, delay, length)
    return {"error_windows": np.array(error_windows), "train_windows": np.array(train_windows),
            "radii": np.array(radii), "errors": np.array(errors), "accuracy": accuracy,
            "delay": delay, "length": length, "seeds": np.array(seeds)}


def draw_truncation(fig, result):
    """Gradient error (left) and trained accuracy (right) against the window k:
    medians over the seeds, with their range (band, bar) and each seed (dots)."""
    ax1, ax2 = fig.subplots(1, 2)
    S = len(result["seeds"])
    for i, rho in enumerate(result["radii"]):
        err = result["errors"][:, i]
        ax1.semilogy(result["error_windows"], np.median(err, axis=0), "o-", color=f"C{i}",
                     label=f"ρ = {rho:.2f}")
        if S > 1:
            ax1.fill_between(result["error_windows"], err.min(axis=0), err.max(axis=0),
                             color=f"C{i}", alpha=0.2, lw=0)
    ax1.set_xlabel("window $k$ (steps of history kept)")
    ax1.set_ylabel("$\\|g_k - g\\| / \\|g\\|$ (log scale)")
    ax1.set_title(f"Gradient error, T = {result['length']}, at initialisation")
    ax1.legend()
    acc = 100 * result["accuracy"]
    k = result["train_windows"]
    labels = [str(w) for w in k] + ["full"]
    med = np.median(acc, axis=0)
    ax2.bar(labels, med, color=["C3" if w <= result["delay"] else "C2" for w in k] + ["C0"],
            yerr=[med - acc.min(axis=0), acc.max(axis=0) - med] if S > 1 else None,
            capsize=3, ecolor="0.3")
    if S > 1:
        pos = np.repeat(np.arange(len(labels))[None], S, axis=0)
        ax2.plot(pos.ravel(), acc.ravel(), "k.", ms=3, label="one run (seed)")
    ax2.axhline(100 / 4, color="0.5", ls="--", label="chance (4 symbols)")
    ax2.set_ylim(0, 105)
    ax2.set_xlabel("window $k$ used in training")
    ax2.set_ylabel("test accuracy (%)")
    what = f"median and range over {S} seeds" if S > 1 else "one run"
    ax2.set_title(f"Echo with delay {result['delay']}: {what}")
    ax2.legend(loc="upper left")


# -- clipping in training ------------------------------------------------------------


def compute_clipping(seeds, threshold=1.0, **kwargs):
    """``rnn_models.clipping_example`` without and with clipping at
    ``threshold``, for every seed: a dict with ``plain`` and ``clipped``
    (lists of S runs, each the example's dict), ``threshold`` and ``seeds``.
    ``kwargs`` go to the example (delay, length, lr, steps, ...)."""
    return {"plain": [clipping_example(None, seed=s, **kwargs) for s in seeds],
            "clipped": [clipping_example(threshold, seed=s, **kwargs) for s in seeds],
            "threshold": threshold, "seeds": np.array(seeds)}


def draw_clipping(fig, result):
    """The loss (left) and the gradient's norm before clipping (right, log
    scale) at every step, one line per seed, without clipping (red) and with
    it (blue)."""
    ax1, ax2 = fig.subplots(1, 2, sharex=True)
    for key, color, label in (("plain", "C3", "no clipping"),
                              ("clipped", "C0", f"clipped at {result['threshold']:g}")):
        for i, run in enumerate(result[key]):
            steps = np.arange(len(run["loss"]))
            kw = {"label": label} if i == 0 else {}
            ax1.plot(steps, run["loss"], color=color, lw=0.8, alpha=0.8, **kw)
            ax2.semilogy(steps, run["grad_norm"], color=color, lw=0.8, alpha=0.8, **kw)
    ax2.axhline(result["threshold"], color="0.3", ls="--", lw=1, label="threshold")
    lr = result["plain"][0]["lr"]
    ax1.set_title(f"Loss, plain SGD at learning rate {lr:g}")
    ax2.set_title("Gradient norm before clipping")
    for ax in (ax1, ax2):
        ax.set_xlabel("step")
    ax1.set_ylabel("cross-entropy")
    ax2.set_ylabel("$\\|g\\|$ (log scale)")
    ax1.legend(title=f"{len(result['seeds'])} seeds each", loc="upper left")
    ax2.legend(loc="upper left")


# -- trained models reading typed words -------------------------------------------


def compute_reading(params, vocab, classes, text):
    """Run a word model on ``text``: a dict with ``words``, ``probs``
    (len(words), M), ``unknown`` and ``classes``."""
    words, probs, unknown = read_words(params, text, vocab)
    return {"words": words, "probs": probs, "unknown": unknown, "classes": list(classes)}


def draw_reading(fig, result, title="Output after each word"):
    """Heat map of the output probabilities, one column per word read."""
    ax = fig.add_subplot()
    words, probs, classes = result["words"], result["probs"], result["classes"]
    ax.set_title(title)
    ax.set_xlabel("word read (time step $t$)")
    ax.set_ylabel("output class")
    ax.set_yticks(range(len(classes)), classes)
    if not words:
        ax.set_xticks([])
        ax.text(0.5, 0.5, "no known word typed", transform=ax.transAxes,
                ha="center", va="center")
        return "Type words from the vocabulary below the figure."
    ax.imshow(probs.T, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(words)), words, rotation=30, ha="right")
    for t in range(len(words)):
        for m in range(len(classes)):
            p = probs[t, m]
            ax.text(t, m, f"{p:.2f}", ha="center", va="center",
                    color="white" if p > 0.6 else "black", fontsize=9)
    if result["unknown"]:
        return "Skipped unknown words: <b>" + ", ".join(result["unknown"]) + "</b>."
    return None


def reading_widget(params, vocab, classes, text, title="Output after each word",
                   examples=()):
    """A text box -> the model's outputs after every word, as a heat map.

    ``params`` a trained word model, ``vocab`` its words (index 0, the
    padding, is not offered), ``classes`` its output names, ``text`` the
    sentence shown first; the book offers ``text`` and ``examples`` to
    choose from instead of typing.
    """
    controls = {"text": Text("words", text, book=[text, *examples], width="36em")}
    known = " ".join(vocab[1:])

    def compute(text):
        return compute_reading(params, vocab, classes, text)

    def draw(fig, result):
        note = draw_reading(fig, result, title)
        return (note + "<br>" if note else "") + f"Vocabulary: <tt>{known}</tt>"

    return LiveFigure(controls, compute, draw, figsize=(8, 3.2),
                      alt=f"{title}: the model's probability of each class after "
                          "each word it reads")
