"""Schematic diagrams of the recurrent chapters: the LSTM and GRU cells as the
course writes them, an RNN unrolled with one term of back-propagation through
time traced on it, and the five input / output shapes of recurrent networks.

Every ``draw_*(fig, ...)`` adds its own axes to ``fig``. In the cell diagrams
rectangles are layers with their own weights and bias, circles are elementwise
operations (× the elementwise product, written ⊙ in the text, + the sum).
"""

from matplotlib.patches import Circle, FancyBboxPatch
from matplotlib.patheffects import withStroke

from .._checks import check_int

#: colour of the highlighted paths: the cell paths and the traced BPTT term
HIGHLIGHT = "C3"
LAYER, POINTWISE, CELL = "#d9ead3", "#fce5cd", "0.96"
ROW_COLORS = {"x": "#cfe2f3", "h": "#d9ead3", "y": "#fce5cd", "L": "#f4cccc"}
R = 0.3  # radius of an elementwise-operation circle


def _arrow(ax, points, color="k", lw=1.2, over=False):
    """A polyline through ``points`` with an arrowhead at the last one; with
    ``over``, its segments before the last pass over the wires they cross, with
    a gap in the cell's colour on either side."""
    if len(points) > 2:
        xs, ys = zip(*points[:-1])
        ax.plot(xs, ys, color=color, lw=lw, zorder=4 if over else 2, path_effects=(
            [withStroke(linewidth=lw + 5, foreground=CELL)] if over else None))
    ax.annotate("", xy=points[-1], xytext=points[-2], zorder=2,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, mutation_scale=12,
                                shrinkA=0, shrinkB=0))


def _dot(ax, x, y, color="k"):
    ax.add_patch(Circle((x, y), 0.07, color=color, zorder=5))


def _op(ax, x, y, sign, fontsize=13):
    """An elementwise operation: a circle with ``sign`` in it."""
    ax.add_patch(Circle((x, y), R, fc="white", ec="k", lw=1.2, zorder=3))
    ax.text(x, y, sign, ha="center", va="center", fontsize=fontsize, zorder=4)


def _box(ax, x, y, label, fc=LAYER, w=1.0, h=0.8, fontsize=12):
    """A rounded box centred at (x, y); returns its (bottom, top)."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                fc=fc, ec="k", lw=1.2, zorder=3))
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=4)
    return y - h / 2 - 0.04, y + h / 2 + 0.04


def _label(ax, x, y, text, **kw):
    ax.text(x, y, text, fontsize=kw.pop("fontsize", 12), zorder=6, **kw)


def _cell_frame(ax, x0, x1, top, note):
    """The cell's grey outline, the footnote on the symbols, limits and axes off."""
    ax.add_patch(FancyBboxPatch((x0, 0.1), x1 - x0, top + 0.5, boxstyle="round,pad=0.1",
                                fc=CELL, ec="0.6", lw=1, zorder=0))
    ax.text((x0 + x1) / 2, -1.3, note, ha="center", va="center", fontsize=9, color="0.3")
    ax.set_xlim(-1.3, x1 + 1.5)
    ax.set_ylim(-1.6, top + 1.3)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _state_path(ax, top, nodes, start, end):
    """The highlighted line along the top of a cell, from ``start`` to ``end``
    through the circles at x = ``nodes``."""
    _label(ax, -0.1, top, start, ha="right", va="center")
    xs = [0.0 - R, *nodes, 11.9 + R]
    for a, b in zip(xs, xs[1:]):
        _arrow(ax, [(a + R, top), (b - R, top)], HIGHLIGHT, 3)
    _label(ax, 12.0, top, end, va="center")


def draw_lstm_cell(fig):
    """Draw one LSTM step as ``dlnotes.lstm`` computes it.

    x_t and h_{t-1} are concatenated into [x_t, h_{t-1}], which feeds four
    layers: the forget gate f_t (σ), input gate i_t (σ), candidate g_t (tanh)
    and output gate o_t (σ). Along the top, highlighted, runs the cell path
    c_{t-1} → (× f_t) → (+ i_t × g_t) → c_t; then h_t = o_t × tanh(c_t).

    A learner can check: every gate reads the same [x_t, h_{t-1}] (h_{t-1},
    not h_t); the cell path meets no weight matrix and no tanh, only × f_t
    and a sum, so ∂c_t/∂c_{t-1} = diag(f_t), the chapter's reason the cell
    keeps gradients alive; the tanh on c_t is elementwise, with no weights.
    """
    ax = fig.add_subplot()
    top, bus, gy = 6.4, 1.0, 2.6  # heights of the cell path, the input bus, the gates
    xf, xi, xg, xo, xc = 3.0, 4.6, 6.2, 8.0, 9.8  # columns: gates, then tanh(c_t)
    _cell_frame(ax, 1.0, 10.8, top, "rectangles: layers with their own $W$ and $b$ on "
                "$[x_t, h_{t-1}]$;  circles: elementwise $\\times$ and $+$")
    # the cell path, highlighted
    _state_path(ax, top, (xf, xg), "$c_{t-1}$", "$c_t$")
    _label(ax, 6.4, top + 0.95, "cell path: $\\partial c_t / \\partial c_{t-1} = "
           "\\mathrm{diag}(f_t)$", ha="center", va="center", color=HIGHLIGHT, fontsize=11)
    _op(ax, xf, top, "×")
    _op(ax, xg, top, "+")
    # the inputs, concatenated on a bus that feeds the four layers
    _label(ax, -0.1, bus, "$h_{t-1}$", ha="right", va="center")
    ax.plot([0.0, xo], [bus, bus], color="k", lw=1.2, zorder=2)
    _label(ax, 1.8, -0.25, "$x_t$", ha="center", va="top")
    ax.plot([1.8, 1.8], [-0.25, bus], color="k", lw=1.2, zorder=2)
    _dot(ax, 1.8, bus)
    _label(ax, 5.3, bus - 0.15, "$[x_t, h_{t-1}]$", ha="center", va="top", fontsize=11)
    layers = [(xf, "$\\sigma$", "$f_t$"), (xi, "$\\sigma$", "$i_t$"),
              (xg, "tanh", "$g_t$"), (xo, "$\\sigma$", None)]  # o_t: on its wire
    for x, kind, name in layers:
        bottom, box_top = _box(ax, x, gy, kind)
        _dot(ax, x, bus)
        _arrow(ax, [(x, bus), (x, bottom)])
        if name:
            _label(ax, x + 0.12, box_top + 0.15, name, va="bottom")
    # f_t onto the cell path, i_t × g_t added to it
    _arrow(ax, [(xf, gy + 0.44), (xf, top - R)])
    _op(ax, xg, 4.5, "×")
    _arrow(ax, [(xi, gy + 0.44), (xi, 4.5), (xg - R, 4.5)])
    _arrow(ax, [(xg, gy + 0.44), (xg, 4.5 - R)])
    _arrow(ax, [(xg, 4.5 + R), (xg, top - R)])
    _label(ax, xg + 0.12, 5.45, "$i_t \\odot g_t$", va="center", fontsize=11)
    # h_t = o_t × tanh(c_t)
    _dot(ax, xc, top, HIGHLIGHT)
    tanh_bottom, tanh_top = _box(ax, xc, 4.5, "tanh", fc=POINTWISE, w=0.9, h=0.6)
    _arrow(ax, [(xc, top), (xc, tanh_top)])
    _op(ax, xc, gy, "×")
    _arrow(ax, [(xc, tanh_bottom), (xc, gy + R)])
    _arrow(ax, [(xo + 0.54, gy), (xc - R, gy)])
    _label(ax, (xo + xc) / 2, gy + 0.1, "$o_t$", ha="center", va="bottom")
    _arrow(ax, [(xc + R, gy), (11.9, gy)])
    _label(ax, 12.0, gy, "$h_t$", va="center")
    _label(ax, xc - 0.12, 3.55, "$\\tanh(c_t)$", ha="right", va="center", fontsize=11)
    ax.set_title("The LSTM cell: $c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$,  "
                 "$h_t = o_t \\odot \\tanh(c_t)$")


def draw_gru_cell(fig):
    """Draw one GRU step as ``dlnotes.gru`` computes it (the notes' and Cho et
    al.'s convention):

        u_t = σ(W_u [x_t, h_{t-1}] + b_u),   r_t = σ(W_r [x_t, h_{t-1}] + b_r),
        g_t = tanh(W_c [x_t, r_t ⊙ h_{t-1}] + b_c),
        h_t = u_t ⊙ h_{t-1} + (1 - u_t) ⊙ g_t.

    The reset gate multiplies h_{t-1} *before* the candidate's product with
    W_c (not after it, as PyTorch and cuDNN do), and the update gate sits on
    the old state: u_t = 1 copies h_{t-1}. The highlighted path along the top
    is h_{t-1} → (× u_t) → (+) → h_t; the (1 - u_t) branch is drawn as its own
    node. Where the reset product's wire crosses the u_t wire it passes over
    it, unconnected.

    A learner can check: both gates read [x_t, h_{t-1}]; the candidate reads
    x_t and r_t ⊙ h_{t-1}, never h_{t-1} itself; u_t and 1 - u_t come from one
    gate, so keeping the state and writing the candidate are tied, where the
    LSTM has two gates f_t and i_t.
    """
    ax = fig.add_subplot()
    top, bus, gy = 6.4, 1.0, 2.6
    xh, xx, xr, xu, xg, xs = 1.6, 2.4, 3.4, 5.2, 7.4, 9.4  # drop, x_t, r, u, g, sum
    _cell_frame(ax, 1.0, 10.8, top, "rectangles: layers with their own $W$ and $b$;  "
                "circles: elementwise $\\times$, $+$ and $1 - u_t$")
    # the state path along the top, highlighted
    _state_path(ax, top, (xu, xs), "$h_{t-1}$", "$h_t$")
    _label(ax, (xu + xs) / 2, top + 0.15, "$u_t \\odot h_{t-1}$", ha="center", va="bottom",
           fontsize=11)
    _label(ax, 6.0, top + 0.95, "$u_t = 1$ copies $h_{t-1}$: "
           "$\\partial h_t / \\partial h_{t-1} = \\mathrm{diag}(u_t) + \\ldots$",
           ha="center", va="center", color=HIGHLIGHT, fontsize=11)
    _op(ax, xu, top, "×")
    _op(ax, xs, top, "+")
    # h_{t-1} down to the bus, where x_t joins it; x_t also runs on to the candidate
    for x in (xh, xr):
        _dot(ax, x, top, HIGHLIGHT)
    ax.plot([xh, xh, xu], [top, bus, bus], color="k", lw=1.2, zorder=2)
    _label(ax, xx, -0.25, "$x_t$", ha="center", va="top")
    ax.plot([xx, xx], [-0.25, bus], color="k", lw=1.2, zorder=2)
    _dot(ax, xx, bus)
    _dot(ax, xx, 0.4)
    _label(ax, (xr + xu) / 2, bus - 0.12, "$[x_t, h_{t-1}]$", ha="center", va="top",
           fontsize=11)
    for x, name in [(xr, "$r_t$"), (xu, "$u_t$")]:
        bottom, box_top = _box(ax, x, gy, "$\\sigma$")
        _dot(ax, x, bus)
        _arrow(ax, [(x, bus), (x, bottom)])
        _label(ax, x + 0.12, box_top + 0.1, name, va="bottom")
    # reset before the product: r_t × h_{t-1} into the candidate, with x_t
    _op(ax, xr, 4.05, "×")
    _arrow(ax, [(xr, gy + 0.44), (xr, 4.05 - R)])
    _arrow(ax, [(xr, top), (xr, 4.05 + R)])
    g_bottom, _ = _box(ax, xg, gy, "tanh")
    _arrow(ax, [(xr + R, 4.05), (xg, 4.05), (xg, gy + 0.44)], over=True)
    _label(ax, (xu + xg) / 2 + 0.1, 4.2, "$r_t \\odot h_{t-1}$", ha="center", va="bottom",
           fontsize=11)
    _arrow(ax, [(xx, 0.4), (xg, 0.4), (xg, g_bottom)])
    _label(ax, xg + 0.12, 0.5, "$x_t$", va="bottom", fontsize=11)
    # u_t onto the state path; 1 - u_t times the candidate g_t added to it
    _arrow(ax, [(xu, gy + 0.44), (xu, top - R)])
    _dot(ax, xu, 5.0)
    _op(ax, xg, 5.0, "$1-$", fontsize=9)
    _arrow(ax, [(xu, 5.0), (xg - R, 5.0)])
    _op(ax, xs, 5.0, "×")
    _arrow(ax, [(xg + R, 5.0), (xs - R, 5.0)])
    _label(ax, (xg + xs) / 2, 5.1, "$1 - u_t$", ha="center", va="bottom", fontsize=11)
    _arrow(ax, [(xg + 0.54, gy), (xs, gy), (xs, 5.0 - R)])
    _label(ax, xs + 0.12, 3.6, "$g_t$", va="center")
    _arrow(ax, [(xs, 5.0 + R), (xs, top - R)])
    ax.set_title("The GRU cell: $h_t = u_t \\odot h_{t-1} + (1 - u_t) \\odot g_t$, "
                 "$g_t = \\tanh(W_c [x_t, r_t \\odot h_{t-1}] + b_c)$")


def _node(ax, x, y, label, color):
    ax.add_patch(Circle((x, y), 0.36, fc=color, ec="k", lw=1.2, zorder=3))
    ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=4)


def _bptt_term(s, t):
    """The (s, t) term of the BPTT double sum as mathtext, the Jacobians written
    out when there are at most three of them."""
    steps = [rf"\dfrac{{\partial h_{{{k}}}}}{{\partial h_{{{k - 1}}}}}" for k in range(t, s, -1)]
    if len(steps) > 3:
        steps = [steps[0], r"\cdots", steps[-1]]
    return r"\,".join([rf"$\dfrac{{\partial L_{{{t}}}}}{{\partial h_{{{t}}}}}", *steps,
                       rf"\dfrac{{\partial^+ h_{{{s}}}}}{{\partial W_h}}$"])


def draw_unrolled_rnn(fig, T=4, s=1, t=3):
    """Draw a vanilla RNN unrolled over ``T`` steps, with one term of
    back-propagation through time traced on it.

    Rows from the bottom: inputs x_1..x_T, states h_0..h_T, outputs y_1..y_T,
    losses L_1..L_T; the arrows into h and y carry their shared weights W_x,
    W_h, W_y, the same at every step.
    Highlighted are the t - s + 3 arrows of the term of
    dL/dW_h = sum_t sum_{s <= t} (dL_t/dh_t)(dh_t/dh_s)(d+h_s/dW_h) with this
    ``s`` and ``t``: the W_h arrow h_{s-1} -> h_s, where W_h acts at step s
    (the immediate derivative d+h_s/dW_h, h_{s-1} held fixed), then
    h_s -> ... -> h_t (the t - s Jacobians dh_k/dh_{k-1}), h_t -> y_t and
    y_t -> L_t. The term is written under the figure.

    A learner can check: the same W_h sits on every horizontal arrow, so L_t
    depends on W_h at every step s <= t, one term each, and the term from
    step s carries t - s Jacobian factors, the product that vanishes or
    explodes. Requires 1 <= s <= t <= T (ValueError naming the argument).
    """
    T = check_int("T", T, 1)
    s = check_int("s", s, 1, T)
    t = check_int("t", t, s, T)
    ax = fig.add_subplot()
    dx, rows = 2.2, {"x": 0.0, "h": 1.5, "y": 3.0, "L": 4.5}

    def link(a, b, on_path, weight=None):
        (xa, ya), (xb, yb) = a, b
        color, lw = (HIGHLIGHT, 2.5) if on_path else ("k", 1.2)
        if ya == yb:
            _arrow(ax, [(xa + 0.36, ya), (xb - 0.36, yb)], color, lw)
            if weight:
                _label(ax, (xa + xb) / 2, ya + 0.1, weight, ha="center", va="bottom",
                       color=color, fontsize=11)
            return
        _arrow(ax, [(xa, ya + 0.36), (xb, yb - 0.36)], color, lw)
        if weight:
            _label(ax, xa - 0.1, (ya + yb) / 2, weight, ha="right", va="center",
                   color=color, fontsize=11)

    _node(ax, 0, rows["h"], "$h_{0}$", ROW_COLORS["h"])
    for k in range(1, T + 1):
        x = k * dx
        pos = {r: (x, y) for r, y in rows.items()}
        for r in rows:
            _node(ax, x, rows[r], f"${r}_{{{k}}}$", ROW_COLORS[r])
        link(pos["x"], pos["h"], False, "$W_x$")
        link((x - dx, rows["h"]), pos["h"], s <= k <= t, "$W_h$")
        link(pos["h"], pos["y"], k == t, "$W_y$")
        link(pos["y"], pos["L"], k == t)
    for y, text in [(-0.95, f"the term $(s, t) = ({s}, {t})$:  " + _bptt_term(s, t)),
                    (-2.05, r"of  $\dfrac{\partial L}{\partial W_h} = \sum_{t=1}^{T}\;"
                     r"\sum_{s=1}^{t}\;\dfrac{\partial L_t}{\partial h_t}\,"
                     r"\dfrac{\partial h_t}{\partial h_s}\,\dfrac{\partial^+ h_s}{\partial W_h}$")]:
        _label(ax, T * dx / 2, y, text, ha="center", va="center", color=HIGHLIGHT)
    ax.set_xlim(-0.7, T * dx + 0.7)
    ax.set_ylim(-2.7, rows["L"] + 0.5)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"The RNN unrolled over $T = {T}$ step{'s' * (T > 1)}: $W_h$ at step $s = {s}$ "
                 f"reaches the loss $L_{{{t}}}$")


#: the five shapes: (title, example task, input steps, output steps); hidden
#: states run over every step, and the outputs come after the inputs in seq2seq
ARCHITECTURES = [
    ("one to one", "image\nclassification", [0], [0]),
    ("one to many", "a sequence from\none input (captioning)", [0], [0, 1, 2, 3]),
    ("many to one", "sentiment of\na review", [0, 1, 2, 3], [3]),
    ("many to many\n(aligned)", "tagging, one tag\nper word", [0, 1, 2, 3], [0, 1, 2, 3]),
    ("sequence to sequence\n(encoder, then decoder)", "translation", [0, 1, 2], [3, 4, 5]),
]


def draw_architectures(fig):
    """Draw the five input / output shapes of a recurrent network, side by
    side: one to one, one to many, many to one, many to many aligned (one
    output per input) and sequence to sequence (an encoder reads the whole
    input, then a decoder writes the output). Inputs x are the bottom row,
    hidden states h the middle row, linked left to right by the recurrence,
    outputs y the top row; an example task is written under each.

    A learner can check which shape a task needs by counting its inputs and
    outputs and asking whether output k can be produced before input k + 1
    is read (tagging: yes; translation: no, hence the encoder first).
    """
    widths = [max(len(set(i) | set(o)), 2.6) + 0.8 for _, _, i, o in ARCHITECTURES]
    grid = fig.add_gridspec(1, len(ARCHITECTURES), width_ratios=widths, wspace=0.1,
                            left=0.01, right=0.99, bottom=0.02, top=0.85)
    for spec, w, (title, task, inputs, outputs) in zip(grid, widths, ARCHITECTURES):
        ax = fig.add_subplot(spec)
        n = max(inputs + outputs) + 1
        for k in range(n):
            if k:
                _arrow(ax, [(k - 0.7, 1.2), (k - 0.3, 1.2)], lw=1)
            for row, y, steps in [("x", 0.0, inputs), ("h", 1.2, range(n)), ("y", 2.4, outputs)]:
                if k in steps:
                    _box(ax, k, y, f"${row}$", ROW_COLORS[row], 0.56, 0.56, fontsize=10)
            if k in inputs:
                _arrow(ax, [(k, 0.32), (k, 0.88)], lw=1)
            if k in outputs:
                _arrow(ax, [(k, 1.52), (k, 2.08)], lw=1)
        ax.text((n - 1) / 2, -0.65, task, ha="center", va="top", fontsize=9)
        ax.set_xlim((n - 1 - w) / 2, (n - 1 + w) / 2)
        ax.set_ylim(-1.6, 2.9)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(title, fontsize=10)
