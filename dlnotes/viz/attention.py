"""Figures and the widget of chapter 7: attention. The attention decoder as a
diagram, exact match against length with a band over the runs, where the
decoder looks (the share of weight on the mirrored input position, and heat
maps of the weights), a widget over prepared inputs, and the softmax's
saturation with and without the 1/sqrt(D) scale."""

from html import escape

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from ..seq2seq_attention import Seq2SeqAttention, attention_weights
from ..translate_task import EOS, VOCAB, batch, decode, encode, random_strings, translate
from .live import Choice, LiveFigure

#: colours of the models, by the start of their label; others C3, C4, ...
COLORS = {"additive": "C0", "dot": "C2", "plain": "C1"}


def _digits(name, source):
    if not isinstance(source, str) or not source or not (source.isascii()
                                                        and source.isdigit()):
        raise ValueError(f"{name} must be a non-empty string of digits 0-9, got {source!r}")
    return source


def _model_list(name, models):
    """A Seq2SeqAttention or a non-empty list of them -> a list."""
    runs = list(models) if isinstance(models, list | tuple) else [models]
    if not runs or not all(isinstance(m, Seq2SeqAttention) for m in runs):
        raise TypeError(f"{name} must be a Seq2SeqAttention or a non-empty list of them, "
                        f"got {type(models).__name__}")
    return runs


def draw_attention_decoder(fig, source="3141", step=2, weights=None):
    """The attention decoder unrolled on one example, ``source`` -> its
    reversal, with the attention of decoder step ``step`` (1-based) drawn:
    a line from every encoder state to that step's context, as thick as its
    weight, the query coming from the previous decoder state.

    ``weights`` : ndarray (len(source),), the weights drawn; default a
    made-up alignment peaked at the mirrored position T + 1 - step.
    """
    source = _digits("source", source)
    T = len(source)
    if not 1 <= step <= T:
        raise ValueError(f"step must lie in [1, {T}] (a digit of the output), got {step}")
    if weights is None:
        weights = np.full(T, 0.1 / max(T - 1, 1))
        weights[T - step] = 0.9 if T > 1 else 1.0
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (T,):
        raise ValueError(f"weights must have shape ({T},), got {weights.shape}")
    target = translate(source)
    ax = fig.add_subplot()
    enc_x = np.arange(T) * 1.3
    dec_x = enc_x[-1] + 2.6 + np.arange(T + 1) * 1.3

    def cell(x, y, color, label, lw=1.0):
        ax.add_patch(FancyBboxPatch((x - 0.4, y - 0.35), 0.8, 0.7, boxstyle="round,pad=0.05",
                                    fc=color, ec="k", lw=lw))
        ax.text(x, y, label, ha="center", va="center", fontsize=9)

    def arrow(a, b, **kw):
        style = dict(arrowstyle="-|>", mutation_scale=12, color="k", lw=1)
        style.update(kw)
        ax.add_patch(FancyArrowPatch(a, b, **style))

    for t, x in enumerate(enc_x):
        cell(x, 0, "#cfe2f3", f"$h^{{enc}}_{t + 1}$")
        ax.text(x, -1.25, f"$x_{t + 1}$ = {source[t]}", ha="center", fontsize=10)
        arrow((x, -1.05), (x, -0.42))
        if t:
            arrow((enc_x[t - 1] + 0.45, 0), (x - 0.45, 0))
    arrow((enc_x[-1] + 0.45, 0), (dec_x[0] - 0.45, 0), color="C3", lw=1.5)
    ax.text((enc_x[-1] + dec_x[0]) / 2, -0.3, "$c$", color="C3", ha="center", fontsize=10)
    inputs = ["<bos>"] + list(target)
    outputs = list(target) + ["<eos>"]
    # the context of the highlighted step, between the rows
    ctx = (dec_x[step - 1] - 0.25, 2.1)
    for t, x in enumerate(dec_x):
        hot = t == step - 1
        cell(x, 0, "#fce5cd", f"$h^{{dec}}_{t + 1}$", lw=2.0 if hot else 1.0)
        ax.text(x, -1.25, inputs[t], ha="center", fontsize=10)
        arrow((x, -1.05), (x, -0.42))
        ax.text(x, 1.05, f"→ {outputs[t]}", ha="center", va="center", fontsize=9)
        arrow((x, 0.42), (x, 0.8), lw=0.8)
        if t:
            arrow((dec_x[t - 1] + 0.45, 0), (x - 0.45, 0))
    for j, x in enumerate(enc_x):
        w = float(weights[j])
        arrow((x + 0.25, 0.42), ctx, color="C0", lw=0.5 + 5 * w, alpha=0.25 + 0.75 * w,
              arrowstyle="-", connectionstyle="arc3,rad=-0.12")
        ax.text(x - 0.12, 0.62, f"$a_{{{step},{j + 1}}}$ = {w:.2f}", ha="center", fontsize=8,
                color="C0")
    ax.add_patch(FancyBboxPatch((ctx[0] - 0.35, ctx[1] - 0.22), 0.7, 0.44,
                                boxstyle="round,pad=0.05", fc="white", ec="C0", lw=1.5))
    ax.text(*ctx, f"ctx$_{step}$", ha="center", va="center", fontsize=9, color="C0")
    arrow((ctx[0], ctx[1] - 0.27), (dec_x[step - 1] - 0.15, 0.42), color="C0", lw=1.5)
    if step > 1:  # the query: the previous decoder state
        arrow((dec_x[step - 2] + 0.1, 0.42), (ctx[0] + 0.3, ctx[1] - 0.2), color="C3",
              lw=1.2, ls="--", connectionstyle="arc3,rad=-0.3")
        qx = dec_x[step - 2]
    else:
        arrow((dec_x[0] - 0.6, 0.1), (ctx[0] - 0.3, ctx[1] - 0.2), color="C3", lw=1.2,
              ls="--")
        qx = dec_x[0] - 0.9
    ax.text(qx, 1.65, "query", color="C3", ha="center", fontsize=9)
    ax.text(enc_x.mean(), 2.75, "encoder: every state kept", ha="center", weight="bold")
    ax.text(dec_x.mean() + 0.8, 2.75, "decoder: looks back at every step", ha="center",
            weight="bold")
    ax.set_xlim(enc_x[0] - 0.8, dec_x[-1] + 0.8)
    ax.set_ylim(-1.6, 3.0)
    ax.set_axis_off()
    ax.set_title(f"Attention at decoder step {step} on {source} → {target}: "
                 "keys and values are the encoder's states", fontsize=10)


def draw_length_curves(fig, result, train_max):
    """Exact match against source length, one colour per model: the median
    over the runs as a line, their range as a band, each run as a dot;
    lengths above ``train_max`` shaded.

    ``result``: as ``viz.seq2seq.compute_length_study`` returns, ``exact``
    label -> (S, K) fractions, NaN where no string was unseen.
    """
    ax = fig.add_subplot()
    L = np.asarray(result["lengths"])
    for i, (label, exact) in enumerate(result["exact"].items()):
        runs = 100 * np.atleast_2d(exact)
        ok = ~np.isnan(runs).all(axis=0)
        color = next((c for k, c in COLORS.items() if label.startswith(k)), f"C{i + 3}")
        med = np.median(runs[:, ok], axis=0)
        ax.fill_between(L[ok], runs[:, ok].min(axis=0), runs[:, ok].max(axis=0),
                        color=color, alpha=0.2, lw=0)
        ax.plot(L[ok], med, "o-", color=color, lw=2, ms=4, label=label)
        for r in runs:
            ax.plot(L[ok] + 0.08 * (i - 1), r[ok], ".", color=color, ms=4, alpha=0.6)
    ax.axvspan(L.min() - 0.5, train_max + 0.5, color="0.5", alpha=0.08)
    ax.text(L.min() - 0.4, 4, "trained lengths", color="0.35", fontsize=9)
    ax.set_xticks(L)
    ax.set_xlim(L.min() - 0.5, L.max() + 0.5)
    ax.set_ylim(-3, 105)
    ax.set_xlabel("number of digits in the source string")
    ax.set_ylabel("exact match on unseen strings (%)")
    n_runs = len(np.atleast_2d(next(iter(result["exact"].values()))))
    ax.set_title(f"With and without attention: median of {n_runs} runs (line), "
                 "range (band), each run (dots)", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)


def mirrored_share(weights, lengths):
    """The share of attention weight on the mirrored source position.

    Parameters
    ----------
    weights : ndarray (N, T', T), attention weights of decoder steps over
        source positions
    lengths : int array (N,), each source's length L_i <= min(T, T')

    Returns
    -------
    share : ndarray (N,): for source i, the mean over its output digits
        t = 1..L_i of the weight step t puts on position L_i + 1 - t (the
        digit it must write); 1 is a perfect anti-diagonal. The ``<eos>``
        step, which has no mirrored digit, is left out.
    """
    weights = np.asarray(weights, dtype=np.float64)
    lengths = np.asarray(lengths)
    if weights.ndim != 3:
        raise ValueError(f"weights must have shape (N, T', T), got {weights.shape}")
    if lengths.shape != (weights.shape[0],) or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths must be an int array of shape ({weights.shape[0]},), got "
                         f"{lengths.dtype} {lengths.shape}")
    if lengths.size and (lengths.min() < 1 or lengths.max() > min(weights.shape[1:])):
        raise ValueError(f"lengths must lie in [1, {min(weights.shape[1:])}], got "
                         f"{lengths.min()} to {lengths.max()}")
    return np.array([np.mean([w[t, n - 1 - t] for t in range(n)])
                     for w, n in zip(weights, lengths)])


def compute_alignment(models, lengths, n, rng):
    """How well each run's attention follows the anti-diagonal, by length.

    Teacher-forced passes (the decoder reads the right previous digits) on
    ``n`` random strings of each length, the same strings for every run.

    Parameters
    ----------
    models : Seq2SeqAttention or list of S of them (one per seed)
    lengths : list of K ints >= 1
    n : int >= 1, strings per length
    rng : np.random.Generator

    Returns
    -------
    dict: ``lengths`` (K,), ``mirror`` (S, K) the mean ``mirrored_share``,
    ``peak`` (S, K) the share of output digits whose largest weight is on
    the mirrored position, ``early`` (S, K) the share whose largest weight
    is on an earlier source position than the mirrored one (a digit the
    decoder should write later: it skips ahead)
    """
    runs = _model_list("models", models)
    if not isinstance(lengths, list | tuple | range) or not lengths or not all(
            isinstance(k, int | np.integer) and k >= 1 for k in lengths):
        raise ValueError(f"lengths must be a non-empty list of ints >= 1, got {lengths!r}")
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a np.random.Generator, got {type(rng).__name__}")
    mirror, peak, early = (np.zeros((len(runs), len(lengths))) for _ in range(3))
    for k, L in enumerate(lengths):
        data = batch(random_strings(n, L, L, rng))
        for s, model in enumerate(runs):
            _, cache = model.forward(data["src"], data["src_len"], data["y_in"])
            w = attention_weights(cache)
            mirror[s, k] = mirrored_share(w, data["src_len"]).mean()
            top = w[:, :L].argmax(axis=2)  # (n, L): where each digit's step looks most
            peak[s, k] = np.mean(top == (L - 1 - np.arange(L)))
            early[s, k] = np.mean(top < (L - 1 - np.arange(L)))
    return {"lengths": np.array(lengths), "mirror": mirror, "peak": peak, "early": early}


def compute_heatmap(model, source):
    """Greedy decoding of ``source`` with the attention weights of each step.

    Returns
    -------
    dict: ``source``, ``answer`` (the right output), ``output`` (the decoded
    digits), ``right`` (bool: output and ``<eos>`` right), ``outputs`` (token
    names, one per step until ``<eos>``; ``output`` skips ``<pad>`` and
    ``<bos>``), ``weights`` (steps, len(source))
    """
    source = _digits("source", source)
    _model_list("model", model)
    src, src_len = encode([source])
    tokens, _, weights = model.decode_with_weights(src, src_len, len(source) + 2)
    tokens = tokens[0]
    stop = np.flatnonzero(tokens == EOS)
    steps = stop[0] + 1 if stop.size else len(tokens)
    names = [VOCAB[t] for t in tokens[:steps]]
    output = decode(tokens)  # the digits, as ``seq2seq.evaluate`` reads them
    answer = translate(source)
    return {"source": source, "answer": answer, "output": output,
            "right": output == answer and names[-1] == "<eos>", "outputs": names,
            "weights": weights[0, :steps]}


def draw_heatmap(ax, result, title=None, colorbar=True):
    """Heat map of one decoding's attention weights: decoder steps (rows,
    labelled by the token written) against source positions (columns,
    labelled by the digit); the mirrored positions outlined."""
    w = result["weights"]
    steps, T = w.shape
    image = ax.imshow(w, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(T), list(result["source"]), fontsize=8 if T > 8 else 10)
    ax.set_yticks(range(steps), [f"{t + 1}: {tok}" for t, tok in
                                 enumerate(result["outputs"])], fontsize=8)
    ax.set_xlabel("source position (the digit read)")
    ax.set_ylabel("decoder step: token written")
    for t in range(min(steps, T)):
        ax.add_patch(Rectangle((T - 1 - t - 0.5, t - 0.5), 1, 1, fill=False, ec="C3",
                               lw=1, ls=":"))
    if colorbar:
        ax.figure.colorbar(image, cax=ax.inset_axes([1.03, 0, 0.04, 1]),
                           label="attention weight")
    # the source is on the x axis; the title says what was written
    verdict = "right" if result["right"] else f"wrong: {result['answer']}"
    ax.set_title(f"{title + ' w' if title else 'W'}rote {result['output'] or '(nothing)'} "
                 f"({verdict})", fontsize=9.5)


def draw_heatmaps(fig, results):
    """``draw_heatmap`` of each result side by side; ``results``: dict of
    label -> ``compute_heatmap`` result; one colour bar, on the last."""
    axes = np.atleast_1d(fig.subplots(1, len(results)))
    for i, (ax, (label, r)) in enumerate(zip(axes, results.items())):
        draw_heatmap(ax, r, label, colorbar=i == len(results) - 1)
        if i:
            ax.set_ylabel("")


def attention_widget(models, sources):
    """A drop-down of prepared inputs -> where each model looks while it
    decodes the input greedily, as heat maps side by side.

    ``models``: dict of label -> Seq2SeqAttention (one trained run each);
    ``sources``: list of digit strings, the first shown by default.
    """
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models must be a non-empty dict of label -> Seq2SeqAttention, got "
                        f"{type(models).__name__}")
    for label, m in models.items():
        _model_list(f"models[{label!r}]", m)
    if not isinstance(sources, list | tuple) or not sources:
        raise ValueError(f"sources must be a non-empty list of digit strings, got {sources!r}")
    for i, s in enumerate(sources):
        _digits(f"sources[{i}]", s)
    controls = {"source": Choice("input", sources[0], list(sources))}

    def compute(source):
        return {label: compute_heatmap(m, source) for label, m in models.items()}

    def draw(fig, result):
        draw_heatmaps(fig, result)
        parts = [f"{escape(label)}: <b>{r['output'] or '(nothing)'}</b> "
                 + ("right" if r["right"] else "wrong") for label, r in result.items()]
        answer = next(iter(result.values()))["answer"]
        return f"Reversal of {len(answer)} digits, answer {answer}. " + "; ".join(parts) + "."

    return LiveFigure(controls, compute, draw, figsize=(9, 3.8),
                      alt="Heat maps of the attention weights, decoder steps as rows and "
                          "source positions as columns, one per score function")


def draw_saturation(fig, result, dims, n_keys):
    """The softmax of dot products against the size D, with and without the
    1/sqrt(D) scale: the largest weight (left) and the norm of the softmax's
    Jacobian (right), as ``attention.softmax_saturation`` returns them for
    ``dims`` (S,) and ``n_keys`` keys."""
    dims = np.asarray(dims)
    left, right = fig.subplots(1, 2)
    for name, style in (("unscaled", "o-"), ("scaled", "s--")):
        color = "C3" if name == "unscaled" else "C0"
        label = "$q \\cdot k$" if name == "unscaled" else "$q \\cdot k / \\sqrt{D}$"
        left.plot(dims, result[f"max_weight_{name}"], style, color=color, label=label)
        right.plot(dims, result[f"grad_norm_{name}"], style, color=color, label=label)
    left.axhline(1 / n_keys, color="0.5", lw=0.8, ls=":")
    left.text(dims[0], 1 / n_keys + 0.02, f"uniform, 1/{n_keys}", color="0.4", fontsize=8)
    left.set_ylim(0, 1.05)
    left.set_ylabel("largest attention weight (mean)")
    left.set_title("How peaked the softmax is", fontsize=10)
    right.set_ylim(bottom=0)
    right.set_ylabel(r"$\|\mathrm{diag}(a) - a a^\top\|_F$ (mean)")
    right.set_title("How much gradient the softmax passes", fontsize=10)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(dims, [str(d) for d in dims])
        ax.set_xlabel("size $D$ of queries and keys")
        ax.legend(fontsize=8)
