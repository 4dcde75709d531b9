"""Figures and the widget of chapter 6: the encoder-decoder, its accuracy
against the input length, exposure bias, decoding step by step, and beam
search against greedy decoding."""

from html import escape

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..beam import beam_search, exhaustive_search, seq2seq_decoder
from ..seq2seq import evaluate, rest_after_prefix
from ..translate_task import EOS, VOCAB, batch, decode, encode, random_strings, translate
from .live import LiveFigure, Slider, Text

#: longest string the widget decodes; its step slider goes to MAX_DIGITS + 2
MAX_DIGITS = 10


def draw_architecture(fig, source="314"):
    """The encoder-decoder unrolled on one example, ``source`` -> its reversal.

    Encoder cells read the source digits; the last state, the context c,
    starts the decoder, which reads ``<bos>`` and then the previous output.
    """
    target = translate(source)
    ax = fig.add_subplot()
    T, Tp = len(source), len(target) + 1
    enc_x = np.arange(T) * 1.3
    dec_x = enc_x[-1] + 2.4 + np.arange(Tp) * 1.3

    def cell(x, color, label):
        ax.add_patch(FancyBboxPatch((x - 0.4, -0.35), 0.8, 0.7, boxstyle="round,pad=0.05",
                                    fc=color, ec="k"))
        ax.text(x, 0, label, ha="center", va="center", fontsize=9)

    def arrow(a, b, **kw):
        style = dict(arrowstyle="-|>", mutation_scale=12, color="k", lw=1)
        style.update(kw)
        ax.add_patch(FancyArrowPatch(a, b, **style))

    for t, x in enumerate(enc_x):
        cell(x, "#cfe2f3", "GRU$_{enc}$")
        ax.text(x, -1.25, f"$x_{t + 1}$ = {source[t]}", ha="center", fontsize=10)
        arrow((x, -1.05), (x, -0.42))
        if t:
            arrow((enc_x[t - 1] + 0.45, 0), (x - 0.45, 0))
    arrow((enc_x[-1] + 0.45, 0), (dec_x[0] - 0.45, 0), color="C3", lw=2)
    ax.text((enc_x[-1] + dec_x[0]) / 2, 0.25, "context $c$", color="C3", ha="center",
            fontsize=10)
    outputs = list(target) + ["<eos>"]
    inputs = ["<bos>"] + list(target)
    for t, x in enumerate(dec_x):
        cell(x, "#fce5cd", "GRU$_{dec}$")
        ax.text(x, -1.25, inputs[t], ha="center", fontsize=10)
        arrow((x, -1.05), (x, -0.42))
        ax.text(x, 1.3, f"softmax\n→ {outputs[t]}", ha="center", va="center", fontsize=9)
        arrow((x, 0.42), (x, 0.95))
        if t:
            arrow((dec_x[t - 1] + 0.45, 0), (x - 0.45, 0))
            arrow((dec_x[t - 1] + 0.2, 1.0), (x - 0.1, -1.05), ls="--", color="0.45",
                  connectionstyle="arc3,rad=-0.25")
    ax.text(enc_x.mean(), 2.15, "encoder: reads the source", ha="center", weight="bold")
    ax.text(dec_x.mean(), 2.15, "decoder: writes the answer", ha="center", weight="bold")
    ax.text(dec_x.mean(), -1.9, "dashed: the previous token is fed back (true token in "
            "training, own choice at inference)", ha="center", fontsize=9, color="0.35")
    ax.set_xlim(enc_x[0] - 0.8, dec_x[-1] + 0.8)
    ax.set_ylim(-2.2, 2.45)
    ax.set_axis_off()
    ax.set_title(f"Sequence to sequence on one example: {source} → {target}")


def draw_loss_curve(fig, history, decay_step=None):
    """Training loss per step (log scale), with the step where the learning
    rate was lowered marked."""
    ax = fig.add_subplot()
    h = np.asarray(history)
    ax.semilogy(h, lw=0.6, color="C0", alpha=0.5, label="one mini-batch")
    k = 50
    if len(h) > k:
        ax.semilogy(np.arange(k - 1, len(h)), np.convolve(h, np.ones(k) / k, "valid"),
                    color="C0", lw=2, label=f"mean of {k} steps")
    if decay_step is not None:
        ax.axvline(decay_step, color="C3", ls="--", label="learning rate / 10")
    ax.set_xlabel("training step (mini-batch)")
    ax.set_ylabel("masked cross-entropy (nats per token, log scale)")
    ax.set_title("Training the encoder-decoder to reverse digit strings")
    ax.legend()


def _runs(models):
    """A model or a list of models (one per seed) -> a list."""
    return list(models) if isinstance(models, list | tuple) else [models]


def compute_length_study(models, lengths, n, train, rng):
    """Exact match of greedy decoding on strings never seen in training, by length.

    Parameters
    ----------
    models : dict of label -> Seq2Seq or list of S Seq2Seq (one per seed),
        all tested on the same strings
    lengths : list of int, the string lengths to test
    n : int, the most strings per length
    train : collection of str, excluded from the test strings
    rng : np.random.Generator

    Returns a dict: ``lengths`` (array), ``count`` (strings tested per
    length), ``exact`` (label -> array (S, len(lengths)) of the fraction
    right, one row per model, NaN where every string of that length was seen
    in training).
    """
    seen = set(train)
    exact = {label: [] for label in models}
    count = []
    for L in lengths:
        fresh = sorted({s for s in random_strings(3 * n, L, L, rng) if s not in seen})[:n]
        count.append(len(fresh))
        for label, runs in models.items():
            exact[label].append([evaluate(m, fresh)["correct"].mean() if fresh else np.nan
                                 for m in _runs(runs)])
    return {"lengths": np.array(lengths), "count": np.array(count),
            "exact": {k: np.array(v).T for k, v in exact.items()}}


def _median_bars(ax, x, runs, width, color, label):
    """Bars at the median of ``runs`` (S, K) over its rows, with a line from
    the smallest to the largest run when there are several."""
    med = np.median(runs, axis=0)
    ax.bar(x, np.nan_to_num(med), width, color=color, label=label)
    if len(runs) > 1:
        ax.vlines(x, np.min(runs, axis=0), np.max(runs, axis=0), color="k", lw=1)
    return med


def draw_length_study(fig, result, train_max):
    """Bars of exact-match accuracy per length, one colour per model: the
    median over the runs (seeds), a black line for their range; lengths above
    ``train_max`` shaded."""
    ax = fig.add_subplot()
    L = result["lengths"]
    width = 0.8 / len(result["exact"])
    for i, (label, exact) in enumerate(result["exact"].items()):
        x = L - 0.4 + width * (i + 0.5)
        runs = 100 * np.atleast_2d(exact)
        med = _median_bars(ax, x, runs, width, f"C{i}", label)
        top = np.max(runs, axis=0)
        for xi, m, t in zip(x, med, top):
            if not np.isnan(m):
                ax.text(xi, t + 1.5, f"{m:.0f}", ha="center", fontsize=7)
    for k, c in zip(L, result["count"]):
        if c == 0:
            ax.text(k, 3, "all seen\nin training", ha="center", fontsize=8, color="0.4")
    ax.axvspan(train_max + 0.5, L.max() + 0.5, color="C3", alpha=0.08)
    ax.text(train_max + 0.6, 70, "longer than any\ntraining string", color="C3",
            va="top", fontsize=9)
    ax.set_xticks(L)
    ax.set_ylim(0, 112)
    ax.set_xlabel("number of digits in the source string")
    ax.set_ylabel("exact match on unseen strings (%)")
    n_runs = len(np.atleast_2d(next(iter(result["exact"].values()))))
    runs = f", median of {n_runs} runs" if n_runs > 1 else ""
    ax.set_title(f"Where it breaks: accuracy against input length{runs}")
    ax.legend(loc="upper right", fontsize=8)


def compute_exposure(models, sources, seed):
    """Rest-of-output accuracy after a forced prefix of k tokens, right or
    with its last token wrong, for k = 1 .. len - 1 (``sources`` all one length).

    Parameters
    ----------
    models : Seq2Seq or list of S Seq2Seq (one per seed)
    sources : list of N str, all of one length L
    seed : int; every model gets the same wrong tokens, drawn by
        ``np.random.default_rng(seed)``

    Returns a dict: ``k`` (array (L - 1,)), ``right`` and ``wrong`` (arrays
    (S, L - 1) of fractions, one row per model), ``length`` (L).
    """
    L = len(sources[0])
    ks = np.arange(1, L)
    right, wrong = [], []
    for model in _runs(models):
        right.append([rest_after_prefix(model, sources, k).mean() for k in ks])
        wrong.append([rest_after_prefix(model, sources, k, np.random.default_rng([seed, k])
                                        ).mean() for k in ks])
    return {"k": ks, "right": np.array(right), "wrong": np.array(wrong), "length": L}


def draw_exposure(fig, result):
    """Grouped bars: the rest of the answer right after a right / a wrong
    prefix, median over the runs with a black line for their range."""
    ax = fig.add_subplot()
    k = result["k"]
    right, wrong = (100 * np.atleast_2d(result[key]) for key in ("right", "wrong"))
    _median_bars(ax, k - 0.2, right, 0.4, "C2", "prefix all right")
    _median_bars(ax, k + 0.2, wrong, 0.4, "C3", "last token of the prefix wrong")
    ax.set_xticks(k)
    ax.set_ylim(0, 108)
    ax.set_xlabel("length $k$ of the prefix fed to the decoder")
    ax.set_ylabel("rest of the output exactly right (%)")
    runs = f", median of {len(right)} runs" if len(right) > 1 else ""
    ax.set_title(f"Exposure bias: one wrong input token, {result['length']}-digit "
                 f"strings{runs}", fontsize=10)
    ax.legend(loc="lower left")


def compute_decoding(model, source, step):
    """Greedy decoding of one typed string, up to ``step`` steps shown.

    Non-digits are dropped and the string is cut to ``MAX_DIGITS``. Returns a
    dict with ``source``, ``answer`` (the right output), ``tokens`` and
    ``probs`` (one row per step until ``<eos>``), ``inputs`` (the token fed
    at each step), ``shown`` (steps shown) and ``note`` (what was dropped).
    """
    digits = "".join(c for c in source if c.isascii() and c.isdigit())
    note = "" if digits == source else "kept only the digits"
    if len(digits) > MAX_DIGITS:
        digits, note = digits[:MAX_DIGITS], f"cut to {MAX_DIGITS} digits"
    if not digits:
        return {"source": "", "answer": "", "tokens": np.zeros(0, int),
                "probs": np.zeros((0, model.V)), "inputs": [], "shown": 0, "note": note}
    src, src_len = encode([digits])
    tokens, probs = model.greedy_decode(src, src_len, len(digits) + 2)
    tokens, probs = tokens[0], probs[0]
    stop = np.flatnonzero(tokens == EOS)
    n = stop[0] + 1 if stop.size else len(tokens)
    tokens, probs = tokens[:n], probs[:n]
    inputs = ["<bos>"] + [VOCAB[t] for t in tokens[:-1]]
    return {"source": digits, "answer": translate(digits), "tokens": tokens, "probs": probs,
            "inputs": inputs, "shown": int(min(max(step, 1), n)), "note": note}


def draw_decoding(fig, result):
    """Heat map of p_t over ``<eos>`` and the digits, one column per step shown."""
    ax = fig.add_subplot()
    rows = list(range(EOS, len(VOCAB)))  # <eos>, then "0".."9"
    ax.set_yticks(range(len(rows)), [VOCAB[r] for r in rows])
    ax.set_ylabel("output token")
    ax.set_xlabel("decoder step $t$ (below: the token fed in)")
    if not result["source"]:
        ax.set_xticks([])
        ax.set_title("Decoding step by step")
        ax.text(0.5, 0.5, "type some digits", transform=ax.transAxes, ha="center")
        return "Type a string of digits (at most 10)."
    k, tokens = result["shown"], result["tokens"]
    p = np.full((len(rows), len(tokens)), np.nan)
    p[:, :k] = result["probs"][:k, rows].T
    image = ax.imshow(p, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    # an inset colour bar: a separate axes would cost constrained layout 2-3x the time
    fig.colorbar(image, cax=ax.inset_axes([1.02, 0, 0.025, 1]),
                 label="probability $p_t$ of the token")
    ax.set_xlim(-0.5, len(tokens) - 0.5)
    ax.set_xticks(range(len(tokens)), [f"{t + 1}\n{result['inputs'][t]}" if t < k else
                                       f"{t + 1}\n" for t in range(len(tokens))])
    for t in range(k):
        ax.add_patch(FancyBboxPatch((t - 0.45, tokens[t] - EOS - 0.45), 0.9, 0.9,
                                    boxstyle="square,pad=0", fill=False, ec="C3", lw=2))
        p_t = result["probs"][t, tokens[t]]
        ax.text(t, tokens[t] - EOS, f"{p_t:.2f}", ha="center", va="center", fontsize=8,
                color="white" if p_t > 0.6 else "black")
    out = "".join(VOCAB[t] for t in tokens[:k] if t != EOS)
    ax.set_title(f"Decoding {result['source']} step by step: output so far “{out}”")
    done = k == len(tokens)
    final = "".join(VOCAB[t] for t in tokens if t != EOS)
    verdict = ""
    if done:
        ok = final == result["answer"] and tokens[-1] == EOS
        verdict = (f" Final output <b>{final}</b>: " + ("right." if ok else
                   f"wrong, the answer is {result['answer']}."))
    chosen = VOCAB[tokens[k - 1]]
    # tokens such as <eos> are text, not HTML tags
    msg = (f"Step {k} of {len(tokens)}: fed <tt>{escape(result['inputs'][k - 1])}</tt>, "
           f"chose <tt>{escape(chosen)}</tt> "
           f"(p = {result['probs'][k - 1, tokens[k - 1]]:.2f}).{verdict}")
    return msg + (f" ({result['note']})" if result["note"] else "")


def decoding_widget(model, text="31415", step=MAX_DIGITS + 2, examples=()):
    """A text box and a step slider -> the decoder's choices, one step at a time.

    The slider runs to the last step of the typed string's decoding; the book
    offers ``text`` and ``examples`` instead of typing.
    """
    controls = {
        "source": Text("digits", text, book=[text, *examples], width="12em"),
        "step": Slider("steps shown", step, 1, MAX_DIGITS + 2, 1,
                       book=list(range(1, MAX_DIGITS + 3))),
    }

    def compute(source, step):
        return compute_decoding(model, source, step)

    live = LiveFigure(controls, compute, draw_decoding, figsize=(7.5, 3.8),
                      alt="Decoder steps as columns, output tokens as rows: the "
                          "probability of each token, the chosen one outlined")
    if live.live:
        def follow(_=None):  # the slider ends at the decoding's last step
            step = live.controls["step"]
            last = max(1, len(live.result["tokens"]))
            at_end = step.value >= step.max
            step.max = last
            if at_end:
                step.value = last
        live.controls["source"].observe(follow, names="value")
        follow()
    return live


# -- beam search -----------------------------------------------------------------------

#: the toy decoder's next-token probabilities over (a, b, <eos>), by the last token read
TOY_TOKENS = ("a", "b", "<eos>")
TOY_TABLE = {"<bos>": (0.6, 0.4, 0.0), "a": (0.3, 0.3, 0.4), "b": (0.05, 0.05, 0.9)}


def toy_decoder():
    """A decoder whose most likely first token does not start the most
    likely sequence: p(a) = 0.6 but every continuation of ``a`` is unsure,
    p(b) = 0.4 and ``b`` is followed by ``<eos>`` with 0.9. After two tokens
    it ends. Tokens: 0 = a, 1 = b, 2 = ``<eos>``, 3 = ``<bos>``.

    Returns (step, state0, bos, eos) for ``beam.beam_search``; the state is the
    number of tokens read (B, 1).
    """
    rows = {3: TOY_TABLE["<bos>"], 0: TOY_TABLE["a"], 1: TOY_TABLE["b"]}

    def step(tokens, n):
        p = np.array([rows[int(t)] if n[i, 0] < 2 else (0.0, 0.0, 1.0)
                      for i, t in enumerate(tokens)])
        with np.errstate(divide="ignore"):
            return np.log(p), n + 1

    return step, np.zeros((1, 1)), 3, 2


def toy_search(widths=(1, 2, 3)):
    """Beam search on ``toy_decoder`` at each width, and the exhaustive search:
    a dict width -> (tokens as text, probability), and "exhaustive" -> the same
    for the most likely sequence of all."""
    step, state0, bos, eos = toy_decoder()
    out = {}
    for w in widths:
        best = beam_search(step, state0, bos, eos, w, 3)[0]
        out[w] = (" ".join(TOY_TOKENS[t] for t in best.tokens), float(np.exp(best.log_prob)))
    best = exhaustive_search(step, state0, bos, eos, 3)[0]
    out["exhaustive"] = (" ".join(TOY_TOKENS[t] for t in best.tokens),
                         float(np.exp(best.log_prob)))
    return out


def compute_beam_study(models, lengths, n, rng, width=3, alphas=(0.0, 1.0)):
    """Greedy decoding against beam search on unseen strings of each length.

    Parameters
    ----------
    models : list of R trained ``seq2seq.Seq2Seq``
    lengths : list of L string lengths; n random strings of each
    rng : numpy Generator, draws the strings (the same for every model)
    width : the beam width; alphas : A length-normalisation exponents

    Returns
    -------
    dict with ``lengths`` (L,); ``greedy`` (R, L) exact match in % by greedy
    decoding (``seq2seq.evaluate``); ``beam`` (R, L, A) exact match in % by the
    beam at each alpha; ``short`` (R, L, 1 + A) % of outputs shorter than the
    answer, greedy first; ``higher`` (R, L) % of strings whose beam output
    (alpha 0) has a higher log-probability than the greedy output, and
    ``lower`` (R, L) the % with a lower one; and the settings.
    """
    strings = {L: random_strings(n, L, L, rng) for L in lengths}
    R, A = len(models), len(alphas)
    greedy, beam = np.zeros((R, len(lengths))), np.zeros((R, len(lengths), A))
    short = np.zeros((R, len(lengths), 1 + A))
    higher, lower = np.zeros((R, len(lengths))), np.zeros((R, len(lengths)))
    for r, model in enumerate(models):
        for j, L in enumerate(lengths):
            res = evaluate(model, strings[L])
            greedy[r, j] = 100 * res["correct"].mean()
            short[r, j, 0] = 100 * np.mean([len(p) < L for p in res["predictions"]])
            outs = [[] for _ in alphas]
            for s in strings[L]:
                b = batch([s])
                step, state0, bos = seq2seq_decoder(model, b["src"], b["src_len"])
                g = beam_search(step, state0, bos, EOS, 1, L + 3)[0]
                for a, alpha in enumerate(alphas):
                    h = beam_search(step, state0, bos, EOS, width, L + 3, alpha)[0]
                    outs[a].append(h)
                    if alpha == 0.0:
                        higher[r, j] += h.log_prob > g.log_prob + 1e-9
                        lower[r, j] += h.log_prob < g.log_prob - 1e-9
            for a, hyps in enumerate(outs):
                text = [decode(h.tokens) for h in hyps]
                beam[r, j, a] = 100 * np.mean([t == translate(s) for t, s in
                                               zip(text, strings[L])])
                short[r, j, 1 + a] = 100 * np.mean([len(t) < L for t in text])
    return {"lengths": np.array(lengths), "greedy": greedy, "beam": beam, "short": short,
            "higher": 100 * higher / n, "lower": 100 * lower / n, "width": width,
            "alphas": tuple(alphas), "n": n}


def draw_toy_tree(fig):
    """The toy decoder's sequences as a tree, each edge labelled with its
    probability and each leaf with the sequence's: greedy's path in red, the
    most likely sequence's in green."""
    ax = fig.add_subplot()
    first = dict(zip(TOY_TOKENS, TOY_TABLE["<bos>"]))
    ax.text(0, 0, "<bos>", ha="center", va="center", bbox={"boxstyle": "round", "fc": "0.92"})
    best = max(((a, b) for a in "ab" for b in TOY_TOKENS),
               key=lambda ab: first[ab[0]] * TOY_TABLE[ab[0]][TOY_TOKENS.index(ab[1])])
    greedy = ("a", "<eos>")  # the first choice is a (0.6), then its likeliest, <eos> (0.4)
    for i, a in enumerate("ab"):
        y1 = 1.5 - 3 * i
        color = "C3" if a == greedy[0] else "C2" if a == best[0] else "0.5"
        ax.annotate("", (1, y1), (0.25, 0), arrowprops={"arrowstyle": "-", "color": color,
                                                         "lw": 2.5 if color != "0.5" else 1})
        ax.text(0.55, y1 / 2 + 0.25, f"{first[a]:.2f}", ha="center", color=color)
        ax.text(1.05, y1, a, ha="center", va="center", bbox={"boxstyle": "round", "fc": "0.92"})
        for j, b in enumerate(TOY_TOKENS):
            y2, p = y1 + 1 - j, TOY_TABLE[a][j]
            path = (a, b)
            color = "C3" if path == greedy else "C2" if path == best else "0.5"
            ax.annotate("", (2.3, y2), (1.3, y1), arrowprops={"arrowstyle": "-", "color": color,
                                                              "lw": 2.5 if color != "0.5" else 1})
            ax.text(1.8, (y1 + y2) / 2 + 0.15, f"{p:.2f}", ha="center", color=color, fontsize=9)
            seq = f"{a} {b}" if b == "<eos>" else f"{a} {b} <eos>"  # it ends after two
            ax.text(2.35, y2, seq, va="center", color=color)
            ax.text(3.3, y2, f"p = {first[a] * p:.3f}", va="center", color=color,
                    weight="bold" if color != "0.5" else "normal")
    ax.text(3.3, 2.9, "p of the sequence", weight="bold")
    ax.plot([], [], color="C3", lw=2.5, label="greedy: a, then its likeliest next")
    ax.plot([], [], color="C2", lw=2.5, label="the most likely sequence (beam of 2)")
    ax.legend(loc="lower left", fontsize=9, frameon=False)
    ax.set_xlim(-0.4, 4.3)
    ax.set_ylim(-3.6, 3.2)
    ax.axis("off")
