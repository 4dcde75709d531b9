"""Figures and the widget of chapter 5: gradient paths through an LSTM and a
vanilla RNN, and the RNN / LSTM / GRU comparison on the recall task."""

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..activations import sigmoid
from ..gru import gru_forward, gru_gate_values
from ..lstm import cell_path_gains, lstm_forward, lstm_gate_values
from ..memory_tasks import (
    CELLS,
    SOLVED,
    classifier_init,
    input_gradient_norms,
    recall_task,
    seed_run,
)
from ..rnn import rnn_forward, state_jacobian_norms
from .live import Choice, LiveFigure, Slider

COLORS = {"rnn": "C3", "lstm": "C0", "gru": "C2"}
NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
STYLES = {"rnn": "o-", "lstm": "s--", "gru": "^:"}  # LSTM and GRU often overlap


def compute_gradient_paths(lag=64, hidden=16, keep_biases=(0.0, 4.0), n=64, seed=0,
                           keep_bias=4.0):
    """How much gradient crosses ``lag`` steps in untrained models, on the same
    recall sequences.

    Returns a dict with
    ``steps`` (lag + 2,), n = 0..lag + 1 steps back;
    ``rnn_jacobian`` (lag + 2,): ||dh_T / dh_{T-n}||_2 of a vanilla RNN on the
    first sequence;
    ``cell_path`` {keep bias: (lag + 2,)}: dc_T / dc_{T-n} along an LSTM's cell
    path, averaged over units, on the same sequence;
    ``input_grads`` {cell: (lag + 1,)}: ||dL/dx_t|| averaged over ``n``
    sequences, for the three cells with the chapter's initialization (the
    gated ones with ``keep_bias``, as ``classifier_init``).
    """
    x, labels = recall_task(n, lag, np.random.default_rng([seed, 1]))
    D, T = x.shape[2], x.shape[1]
    rng = np.random.default_rng(seed)
    params = {c: classifier_init(c, D, hidden, 4, rng, keep_bias=keep_bias) for c in CELLS}
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


def forget_bias_widget(keep_bias=4.0, lag=64, hidden=16):
    """The keep bias of the gated cells at initialisation (the LSTM's b_f =
    -b_i, the GRU's b_u) -> the cell path's gain and the learning signal that
    reaches each input step, against the RNN's."""
    controls = {"keep_bias": Slider("keep bias b (LSTM b_f, GRU b_u)", keep_bias, -2.0, 6.0,
                                    0.5, book=sorted({keep_bias, -2.0, 0.0, 1.0, 2.0, 3.0,
                                                      4.0, 5.0, 6.0}))}

    def compute(keep_bias):
        return compute_gradient_paths(lag, hidden, keep_biases=(keep_bias,),
                                      keep_bias=keep_bias)

    def draw(fig, result):
        draw_gradient_paths(fig, result)
        (b, gains), = result["cell_path"].items()
        signal = {c: g[0] for c, g in result["input_grads"].items()}
        return (f"With b = {b:g} (f ≈ {float(sigmoid(b)):.3f}) the cell path keeps "
                f"<b>{gains[lag]:.1e}</b> of the gradient over {lag} steps. The signal "
                f"that reaches the symbol at t = 0: LSTM {signal['lstm']:.1e}, GRU "
                f"{signal['gru']:.1e}, RNN {signal['rnn']:.1e}.")

    return LiveFigure(controls, compute, draw, figsize=(10, 3.8),
                      alt="Gain of the gradient over n steps for the RNN and the LSTM's "
                          "cell path, and the gradient reaching each input step")


def _lags(grid, hidden):
    """The lags at which ``grid`` holds every cell with ``hidden`` units."""
    return sorted({lag for _, H, lag in grid if H == hidden
                   and all((c, H, lag) in grid for c in CELLS)})


def compute_comparison(grid, lag, hidden=4, seed=0, probe=12345):
    """The comparison at one lag and hidden size: over seeds, and one run.

    Parameters
    ----------
    grid : dict (cell, hidden, lag) -> ``memory_tasks.train_recall_seeds``
        result, for every cell at ``hidden`` units and the same seeds
    lag, hidden : the setting shown
    seed : the seed of the one run whose losses and gates are shown
    probe : seed of the held-out sequence the gates are shown on

    Returns a dict with ``lags`` {cell: (L_c,)}, the lags at which ``grid``
    holds that cell with ``hidden`` units; ``solved`` {cell: (L_c,)}, the
    fraction of the seeds whose run solves each of them; ``n_seeds``; for the
    run of
    ``seed`` at ``lag``: ``history`` {cell: losses}, ``accuracy`` {cell:
    held-out accuracy}, ``gates`` on one held-out sequence (LSTM "i", "f"
    and GRU "u", each (H, T)) and ``symbol``, that sequence's flagged symbol.
    """
    lags = {c: sorted(g for cc, H, g in grid if (cc, H) == (c, hidden)) for c in CELLS}
    runs = {c: seed_run(grid[c, hidden, lag], grid[c, hidden, lag]["seeds"].index(seed))
            for c in CELLS}
    x, labels = recall_task(1, lag, np.random.default_rng(probe))
    h0 = np.zeros((1, hidden))
    _, _, cache = lstm_forward(x, h0, h0, runs["lstm"]["params"])
    lstm_gates = lstm_gate_values(cache)
    _, cache = gru_forward(x, h0, runs["gru"]["params"])
    gates = {"i": lstm_gates["i"][0].T, "f": lstm_gates["f"][0].T,
             "u": gru_gate_values(cache)["u"][0].T}
    return {
        "lag": lag, "hidden": hidden, "seed": seed,
        "lags": {c: np.array(g) for c, g in lags.items()},
        "n_seeds": len(grid["lstm", hidden, lag]["seeds"]),
        "solved": {c: np.array([np.mean(grid[c, hidden, g]["accuracy"] >= SOLVED)
                                for g in lags[c]]) for c in CELLS},
        "history": {c: runs[c]["history"] for c in CELLS},
        "accuracy": {c: runs[c]["accuracy"] for c in CELLS},
        "gates": gates, "symbol": int(labels[0]),
    }


def draw_comparison(fig, result):
    """Top left: the fraction of seeds that solve each lag. Top right: one
    run's training losses at the chosen lag. Bottom: the gates of that run's
    trained LSTM (input i_t over forget f_t) and GRU (update u_t) over one
    held-out sequence."""
    (ax_acc, ax_loss), (ax_lstm, ax_gru) = fig.subplots(2, 2)
    lag, H, n, seed = result["lag"], result["hidden"], result["n_seeds"], result["seed"]
    for c, frac in result["solved"].items():
        ax_acc.plot(result["lags"][c], frac, STYLES[c], color=COLORS[c], lw=2, label=NAMES[c])
    ax_acc.axvline(lag, color="k", lw=0.8, alpha=0.4)
    ax_acc.set_xscale("log", base=2)
    ticks = sorted(set().union(*(set(g.tolist()) for g in result["lags"].values())))
    ax_acc.set_xticks(ticks, [str(g) for g in ticks])
    ax_acc.minorticks_off()
    ax_acc.set_ylim(-0.03, 1.05)
    ax_acc.set_xlabel("lag (steps between symbol and answer)")
    ax_acc.set_ylabel(f"fraction of {n} seeds that solve it")
    ax_acc.set_title(f"Solved (held-out accuracy ≥ {SOLVED:.0%}), H = {H}")
    ax_acc.legend(fontsize=8, loc="center left")
    for c, hist in result["history"].items():
        ax_loss.plot(hist, color=COLORS[c], lw=1.2, label=NAMES[c])
    ax_loss.axhline(np.log(4), color="0.5", ls="--", lw=1)
    ax_loss.set_ylim(0, 2)
    ax_loss.set_xlabel("training step (batch of 16)")
    ax_loss.set_ylabel("cross-entropy (nats)")
    ax_loss.set_title(f"Training at lag {lag}, one run (seed {seed})")
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
    acc = result["accuracy"]
    return (f"Lag {lag}, {H} hidden units. Losses and gates: the run of seed {seed}, "
            f"the gates on one held-out sequence; its held-out accuracy: " +
            ", ".join(f"{NAMES[c]} {acc[c]:.2f}" for c in CELLS) + ".")


def comparison_widget(grid, lag=None, hidden=4, seed=None):
    """Lag and seed -> the comparison, from the precomputed seed ``grid``
    (as for ``compute_comparison``)."""
    lags = _lags(grid, hidden)
    seeds = grid["lstm", hidden, lags[0]]["seeds"]
    # drop-downs: every state of one works (a selection slider's readout
    # takes typing and ignores it)
    controls = {
        "lag": Choice("lag", lag or lags[-1], lags),
        "seed": Choice("seed (one run)", seeds[0] if seed is None else seed, seeds),
    }

    def compute(lag, seed):
        return compute_comparison(grid, lag, hidden, seed)

    return LiveFigure(controls, compute, draw_comparison, figsize=(10, 6.5),
                      alt="Fraction of seeds that solve each lag for the RNN, LSTM and "
                          "GRU; one run's training losses; its LSTM and GRU gates")


# -- the character-level language model --------------------------------------------------


def _shown_char(c):
    """A symbol as a reader can see it on a tick label."""
    return {"\n": r"\n", " ": "' '"}.get(c, c)


def draw_stream_chunks(fig, text, lanes=3, chunks=4, T=10):
    """Truncated BPTT over a stream, drawn on ``text`` (a str): the stream is
    cut into ``lanes`` contiguous pieces, read side by side, in chunks of T
    steps. Box (b, j) shows the T characters of chunk j of lane b; the
    arrows carry the state from one chunk to the next of the same lane, and
    the dashed lines are where the gradient stops. Needs at least
    lanes * chunks * T + 1 characters; reads the first that many."""
    from .. import charlm

    n = lanes * chunks * T + 1
    if not isinstance(text, str) or len(text) < n:
        raise ValueError(f"text must be a str of at least lanes * chunks * T + 1 = {n} "
                         f"characters, got {len(text) if isinstance(text, str) else text!r}")
    x, _ = charlm.stream_batches(charlm.encode(text[:n]), lanes, T)  # (chunks, lanes, T)
    ax = fig.subplots()
    w, gap = 1.0, 0.35
    for j in range(chunks):
        left = j * (w + gap)
        for b in range(lanes):
            y = lanes - 1 - b
            ax.add_patch(_box(left, y, w, 0.62, f"C{b}"))
            shown = charlm.decode(x[j, b]).replace("\n", "⏎")
            ax.text(left + w / 2, y + 0.31, shown, ha="center", va="center",
                    family="monospace", fontsize=9, parse_math=False)
            if j < chunks - 1:
                ax.annotate("", xy=(left + w + gap - 0.02, y + 0.31),
                            xytext=(left + w + 0.02, y + 0.31),
                            arrowprops=dict(arrowstyle="->", color="k", lw=1.2))
        if j:
            ax.axvline(left - gap / 2, color="C3", ls="--", lw=1)
        ax.text(left + w / 2, lanes - 0.15, f"chunk {j + 1}\n(training step {j + 1})",
                ha="center", va="bottom", fontsize=8)
    for b in range(lanes):
        ax.text(-0.08, lanes - 1 - b + 0.31, f"lane {b + 1}", ha="right", va="center",
                fontsize=9, color=f"C{b}")
    ax.text(chunks * (w + gap) - gap / 2, -0.25,
            "→ state carried to the next chunk;   - - gradient stops (truncation)",
            ha="right", va="top", fontsize=8, color="0.3")
    ax.set_xlim(-0.75, chunks * (w + gap) - gap + 0.05)
    ax.set_ylim(-0.6, lanes + 0.45)
    ax.axis("off")
    ax.set_title(f"The stream as {lanes} lanes in chunks of T = {T} characters", fontsize=10)


def _box(left, bottom, width, height, color):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((left, bottom), width, height, boxstyle="round,pad=0.02",
                          facecolor=color, alpha=0.18, edgecolor=color)


def chunk_position_loss(cell, params, ids, lanes=8, T=32, carry=True):
    """The model's cross-entropy (nats) at each position of a chunk, averaged
    over the lanes and chunks of the stream ``ids`` (n,): (T,) floats.

    With ``carry=True`` each chunk starts from the state the previous one
    ended in (as ``charlm.perplexity`` reads a stream, so exp of the mean is
    that perplexity); with ``carry=False`` from zeros, so the first
    positions of a chunk are predicted with no past at all."""
    from .. import charlm

    if not isinstance(carry, bool):
        raise TypeError(f"carry must be True or False, got {carry!r}")
    inputs, targets = charlm.stream_batches(ids, lanes, T)
    H = charlm._check_params(cell, params)[0].shape[1]
    state, total = charlm.initial_state(cell, lanes, H), np.zeros(T)
    for x, y in zip(inputs, targets):
        if not carry:
            state = charlm.initial_state(cell, lanes, H)
        logits, state, _ = charlm.forward(cell, params, x, state)
        z = logits - logits.max(axis=2, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
        total += -np.take_along_axis(log_p, y[..., None], axis=2)[..., 0].mean(axis=0)
    return total / len(inputs)


def draw_position_loss(fig, losses):
    """What the carried state is worth at each position of a chunk: the
    cross-entropy from zeros minus that with the state carried (nats).
    ``losses`` maps a cell name to {True: (T,), False: (T,)}, the results of
    ``chunk_position_loss`` with carry True and False (or their mean over
    seeds)."""
    ax = fig.subplots()
    for c, by_carry in losses.items():
        gap = np.asarray(by_carry[False]) - np.asarray(by_carry[True])
        ax.plot(np.arange(1, len(gap) + 1), gap, STYLES[c], color=COLORS[c], lw=1.5,
                ms=4, label=NAMES[c])
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("position in the chunk (characters read so far in it)")
    ax.set_ylabel("loss from zeros − loss carried (nats)")
    ax.set_title("What the carried state is worth, validation text")
    ax.legend(fontsize=8)


def compute_sample(cell, params, prompt, temperature, length=120, seed=0, top=12):
    """One continuation of ``prompt`` and the distribution of its first
    symbol at ``temperature``.

    Returns a dict with ``text`` (the continuation, a str of ``length``
    symbols, from ``charlm.sample`` with the seed ``seed``), ``symbols`` (the
    ``top`` most likely first symbols, a str, in the model's order, the same
    at every temperature), ``probs`` (top,), their probabilities
    softmax(logits / temperature) (one-hot at temperature 0), and
    ``probs_1`` (top,), the same at temperature 1, the model's own.
    """
    from .. import charlm

    text = charlm.sample(cell, params, prompt, length, np.random.default_rng(seed),
                         temperature)
    H = charlm._check_params(cell, params)[0].shape[1]
    logits, _, _ = charlm.forward(cell, params, charlm.encode(prompt)[None],
                                  charlm.initial_state(cell, 1, H))
    last = logits[0, -1]

    def softmax(tau):
        if tau == 0:
            return (np.arange(len(last)) == np.argmax(last)).astype(float)
        p = np.exp((last - last.max()) / tau)
        return p / p.sum()

    order = np.argsort(-last, kind="stable")[:top]
    return {"prompt": prompt, "temperature": temperature, "text": text, "cell": cell,
            "symbols": charlm.decode(order), "probs": softmax(temperature)[order],
            "probs_1": softmax(1.0)[order]}


def draw_sample(fig, result, width=76):
    """Left: the prompt and its sampled continuation, wrapped at ``width``
    characters. Right: the probabilities of the first symbol at the
    temperature (bars) and at temperature 1 (outlines)."""
    import textwrap

    ax_text, ax_p = fig.subplots(1, 2, width_ratios=[2.6, 1])
    lines = []
    for part in (result["prompt"] + result["text"]).split("\n"):
        lines += textwrap.wrap(part, width, drop_whitespace=False) or [""]
    ax_text.text(0.0, 1.0, "\n".join(lines[:14]), va="top", ha="left",
                 family="monospace", fontsize=9, parse_math=False,
                 transform=ax_text.transAxes)
    ax_text.axis("off")
    tau = result["temperature"]
    ax_text.set_title(f"{NAMES[result['cell']]} continues {result['prompt']!r} at "
                      f"temperature {tau:g}" + (" (greedy)" if tau == 0 else ""),
                      fontsize=10, loc="left")
    k = len(result["symbols"])
    ax_p.barh(np.arange(k), result["probs"], color=COLORS[result["cell"]],
              label=f"τ = {tau:g}")
    ax_p.barh(np.arange(k), result["probs_1"], facecolor="none", edgecolor="k",
              lw=0.8, label="τ = 1 (the model's own)")
    ax_p.legend(fontsize=7, loc="lower right")
    ax_p.set_yticks(np.arange(k), [_shown_char(c) for c in result["symbols"]],
                    family="monospace")
    ax_p.invert_yaxis()
    ax_p.set_xlim(0, 1)
    ax_p.set_xlabel("probability")
    ax_p.set_title("first symbol's probability", fontsize=10)


class _PromptChoice(Choice):
    """A choice among prompts, each shown as its Python literal, so that a
    newline in a prompt reads as \\n in the drop-down."""

    def shown(self, v):
        return repr(v)

    def widget(self):
        import ipywidgets as W

        return W.Dropdown(options=[(repr(v), v) for v in self.options], value=self.value,
                          **self._common())


def sampling_widget(cell, params, prompts, temperature=0.6, length=120, seed=0):
    """Temperature and prompt -> a continuation sampled from a trained
    character-level model (``cell``, ``params`` from ``charlm.train``) and
    the first symbol's distribution. ``prompts``: the prepared prompts (a
    list of str); each setting samples with the same ``seed``."""
    controls = {
        "temperature": Slider("temperature τ", temperature, 0.0, 1.5, 0.1,
                              book=sorted({temperature, 0.0, 0.3, 0.6, 1.0, 1.5})),
        "prompt": _PromptChoice("prompt", prompts[0], list(prompts)),
    }

    def compute(temperature, prompt):
        return compute_sample(cell, params, prompt, temperature, length, seed)

    def draw(fig, result):
        draw_sample(fig, result)
        return (f"τ = {result['temperature']:g}: the most likely first symbol has "
                f"probability {result['probs'][0]:.2f}.")

    return LiveFigure(controls, compute, draw, figsize=(10, 3.6),
                      alt="A continuation sampled from the character-level model at the "
                          "chosen temperature, and the first symbol's probabilities")


def draw_clip_comparison(fig, clipped, unclipped):
    """Training with and without gradient clipping, seed by seed. ``clipped``
    and ``unclipped``: lists of ``charlm.train`` results, one per seed, in
    the same order (seed i of each shares its initial weights). Left: the
    training loss per step (nats); right: the gradient's global norm before
    clipping, on a log scale, with the threshold."""
    if len(clipped) != len(unclipped) or not clipped:
        raise ValueError(f"clipped and unclipped must be lists of the same non-zero length, "
                         f"got {len(clipped)} and {len(unclipped)}")
    ax_loss, ax_norm = fig.subplots(1, 2)
    for i, (a, b) in enumerate(zip(clipped, unclipped)):
        for r, ls, how in ((a, "-", "clipped"), (b, "--", "not clipped")):
            steps = np.arange(1, len(r["loss"]) + 1)
            ax_loss.plot(steps, r["loss"], ls, color=f"C{i}", lw=1.2,
                         label=f"run {i + 1}, {how}")
            ax_norm.semilogy(steps, r["grad_norm"], ls, color=f"C{i}", lw=1.2)
    threshold = clipped[0]["clip"]
    ax_norm.axhline(threshold, color="k", lw=0.8, ls=":", label=f"threshold {threshold:g}")
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel("training loss (nats)")
    ax_loss.set_title(f"{NAMES[clipped[0]['cell']]}: loss with and without clipping")
    ax_loss.legend(fontsize=7, ncol=2)
    ax_norm.set_xlabel("training step")
    ax_norm.set_ylabel("gradient norm before clipping (log scale)")
    ax_norm.set_title("Global gradient norm")
    ax_norm.legend(fontsize=8)
