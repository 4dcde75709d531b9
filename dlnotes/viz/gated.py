"""Figures and the widget of chapter 5: gradient paths through an LSTM and a
vanilla RNN, and the RNN / LSTM / GRU comparison on the recall task."""

import ipywidgets as W
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..activations import sigmoid
from ..gru import gru_forward, gru_gate_values
from ..lstm import cell_path_gains, lstm_forward, lstm_gate_values
from ..memory_tasks import (
    CELLS,
    classifier_init,
    input_gradient_norms,
    recall_task,
)
from ..rnn import rnn_forward, state_jacobian_norms
from .live import LiveFigure

COLORS = {"rnn": "C3", "lstm": "C0", "gru": "C2"}
NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
STYLES = {"rnn": "o-", "lstm": "s--", "gru": "^:"}  # LSTM and GRU often overlap


def compute_gradient_paths(lag=64, hidden=16, keep_biases=(0.0, 4.0), n=64, seed=0):
    """How much gradient crosses ``lag`` steps in untrained models, on the same
    recall sequences.

    Returns a dict with
    ``steps`` (lag + 2,), n = 0..lag + 1 steps back;
    ``rnn_jacobian`` (lag + 2,): ||dh_T / dh_{T-n}||_2 of a vanilla RNN on the
    first sequence;
    ``cell_path`` {keep bias: (lag + 2,)}: dc_T / dc_{T-n} along an LSTM's cell
    path, averaged over units, on the same sequence;
    ``input_grads`` {cell: (lag + 1,)}: ||dL/dx_t|| averaged over ``n``
    sequences, for the three cells with the chapter's initialization.
    """
    x, labels = recall_task(n, lag, np.random.default_rng([seed, 1]))
    D, T = x.shape[2], x.shape[1]
    rng = np.random.default_rng(seed)
    params = {c: classifier_init(c, D, hidden, 4, rng) for c in CELLS}
    h0 = np.zeros((1, hidden))
    h, _ = rnn_forward(x[:1], h0, params["rnn"])
    cell_path = {}
    for b in keep_biases:
        p = classifier_init("lstm", D, hidden, 4, np.random.default_rng(seed), keep_bias=b)
        _, _, cache = lstm_forward(x[:1], h0, h0, p)
        cell_path[b] = cell_path_gains(lstm_gate_values(cache)["f"][0]).mean(axis=1)
    return {
        "lag": lag, "hidden": hidden, "steps": np.arange(T + 1),
        "rnn_jacobian": state_jacobian_norms(h[0], params["rnn"]["W_h"]),
        "cell_path": cell_path,
        "input_grads": {c: input_gradient_norms(c, params[c], x, labels) for c in CELLS},
    }


def draw_gradient_paths(fig, result):
    """Left: gain of the gradient n steps back (LSTM cell path vs RNN).
    Right: ||dL/dx_t|| for each input step, three cells."""
    ax1, ax2 = fig.subplots(1, 2)
    steps = result["steps"]
    ax1.semilogy(steps, result["rnn_jacobian"], color=COLORS["rnn"], lw=2,
                 label=r"RNN $\|\partial h_T/\partial h_{T-n}\|_2$")
    for (b, gains), ls in zip(result["cell_path"].items(), ["--", "-"]):
        f0 = float(sigmoid(b))
        ax1.semilogy(steps, gains, color=COLORS["lstm"], lw=2, ls=ls,
                     label=fr"LSTM cell path $\prod f$, $b_f = {b:g}$ ($f \approx {f0:.2f}$)")
    ax1.set_ylim(1e-20, 2)
    ax1.set_xlabel("steps back $n$")
    ax1.set_ylabel("gradient gain (log scale)")
    ax1.set_title(f"Gain over $n$ steps, untrained, H = {result['hidden']}")
    ax1.legend(fontsize=8, loc="lower left")
    lag = result["lag"]
    for c, norms in result["input_grads"].items():
        ax2.semilogy(np.arange(lag + 1), norms, color=COLORS[c], lw=2, label=NAMES[c])
    ax2.set_xlabel("input step $t$ (the flagged symbol is at $t = 0$)")
    ax2.set_ylabel(r"$\|\partial L/\partial x_t\|$ (log scale)")
    ax2.set_title(f"Learning signal per input, lag {lag}, untrained")
    ax2.legend(fontsize=8)


def _grid_axes(runs):
    hiddens = sorted({H for _, H, _ in runs})
    lags = sorted({lag for _, _, lag in runs})
    return hiddens, lags


def compute_comparison(runs, lag, hidden, seed=12345):
    """The comparison at one lag and hidden size, from precomputed ``runs``
    (as from ``memory_tasks.recall_grid``).

    Returns a dict with ``accuracy`` {cell: (lags,)} for this hidden size,
    ``history`` {cell: losses} at this lag, ``gates`` for one held-out
    sequence: LSTM "i", "f" and GRU "u", each (H, T), and ``symbol`` (the
    flagged symbol) of that sequence.
    """
    _, lags = _grid_axes(runs)
    x, labels = recall_task(1, lag, np.random.default_rng(seed))
    h0 = np.zeros((1, hidden))
    p_lstm = runs["lstm", hidden, lag]["params"]
    _, _, cache = lstm_forward(x, h0, h0, p_lstm)
    lstm_gates = lstm_gate_values(cache)
    _, cache = gru_forward(x, h0, runs["gru", hidden, lag]["params"])
    gates = {"i": lstm_gates["i"][0].T, "f": lstm_gates["f"][0].T,
             "u": gru_gate_values(cache)["u"][0].T}
    return {
        "lag": lag, "hidden": hidden, "lags": np.array(lags),
        "accuracy": {cl: np.array([runs[cl, hidden, g]["accuracy"] for g in lags])
                     for cl in CELLS},
        "history": {cl: runs[cl, hidden, lag]["history"] for cl in CELLS},
        "gates": gates, "symbol": int(labels[0]),
    }


def draw_comparison(fig, result):
    """Top: held-out accuracy against the lag, and the training losses at the
    chosen lag. Bottom: the gates of the trained LSTM (input i_t over forget
    f_t) and GRU (update u_t) over one held-out sequence."""
    (ax_acc, ax_loss), (ax_lstm, ax_gru) = fig.subplots(2, 2)
    lag, H = result["lag"], result["hidden"]
    for c, acc in result["accuracy"].items():
        ax_acc.plot(result["lags"], acc, STYLES[c], color=COLORS[c], lw=2, label=NAMES[c])
    ax_acc.axhline(0.25, color="0.5", ls="--", lw=1)
    ax_acc.text(result["lags"][0], 0.28, "chance", fontsize=8, color="0.4")
    ax_acc.axvline(lag, color="k", lw=0.8, alpha=0.4)
    ax_acc.set_xscale("log", base=2)
    ax_acc.set_xticks(result["lags"], [str(g) for g in result["lags"]])
    ax_acc.minorticks_off()
    ax_acc.set_ylim(0, 1.05)
    ax_acc.set_xlabel("lag (steps between symbol and answer)")
    ax_acc.set_ylabel("held-out accuracy")
    ax_acc.set_title(f"Recall against the lag, H = {H}")
    ax_acc.legend(fontsize=8, loc="center left")
    for c, hist in result["history"].items():
        ax_loss.plot(hist, color=COLORS[c], lw=1.2, label=NAMES[c])
    ax_loss.axhline(np.log(4), color="0.5", ls="--", lw=1)
    ax_loss.set_ylim(0, 2)
    ax_loss.set_xlabel("training step (batch of 16)")
    ax_loss.set_ylabel("cross-entropy (nats)")
    ax_loss.set_title(f"Training at lag {lag}")
    ax_loss.legend(fontsize=8)
    g = result["gates"]
    panels = [(ax_lstm, np.vstack([g["i"], g["f"]]),
               "LSTM: input gate $i_t$ over forget gate $f_t$"),
              (ax_gru, g["u"], "GRU: update gate $u_t$")]
    for ax, image, title in panels:
        im = ax.imshow(image, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                       interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("time step $t$")
        ax.set_ylabel("unit")
    ax_gru.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_lstm.axhline(H - 0.5, color="w", lw=1.5)
    ax_lstm.set_yticks([H / 2 - 0.5, 1.5 * H - 0.5], ["$i$", "$f$"])
    fig.colorbar(im, ax=[ax_lstm, ax_gru], fraction=0.03, pad=0.01, label="gate value")
    acc = {c: a[list(result["lags"]).index(lag)] for c, a in result["accuracy"].items()}
    return (f"Lag {lag}, {H} hidden units; the gates are shown for one held-out "
            f"sequence. Accuracy: " +
            ", ".join(f"{NAMES[c]} {acc[c]:.2f}" for c in CELLS) + ".")


def comparison_widget(runs, lag=None, hidden=None):
    """Lag and hidden size -> the comparison, from the precomputed ``runs``."""
    hiddens, lags = _grid_axes(runs)
    controls = {
        "lag": W.SelectionSlider(options=lags, value=lag or lags[-1], description="lag"),
        "hidden": W.ToggleButtons(options=hiddens, value=hidden or hiddens[-1],
                                  description="hidden units"),
    }

    def compute(lag, hidden):
        return compute_comparison(runs, lag, hidden)

    return LiveFigure(controls, compute, draw_comparison, figsize=(10, 6.5))
