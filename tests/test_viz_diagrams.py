"""The schematic diagrams of chapters 4 and 5 draw, carry the course's symbols,
highlight the path they claim to, and reject impossible BPTT terms."""

import matplotlib.text
import pytest
from matplotlib.colors import same_color
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from dlnotes.viz import diagrams


def _texts(fig):
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _has(texts, symbol):
    return any(symbol in t for t in texts)


def _highlighted_arrows(fig):
    return [a for ax in fig.axes for a in ax.texts if isinstance(a, Annotation)
            and same_color(a.arrow_patch.get_edgecolor(), diagrams.HIGHLIGHT)]


def test_lstm_cell_names_every_gate_and_state():
    fig = Figure(figsize=(8.5, 5.6))
    diagrams.draw_lstm_cell(fig)
    texts = _texts(fig)
    for symbol in ["$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$",
                   "$h_{t-1}$", "$x_t$", "[x_t, h_{t-1}]", "\\tanh(c_t)"]:
        assert _has(texts, symbol), symbol
    assert texts.count("$\\sigma$") == 3 and texts.count("tanh") == 2  # g_t, tanh(c_t)
    assert texts.count("×") == 3 and texts.count("+") == 1
    assert len(_highlighted_arrows(fig)) == 3  # the cell path, c_{t-1} to c_t


def test_gru_cell_draws_the_course_convention():
    fig = Figure(figsize=(8.5, 5.6))
    diagrams.draw_gru_cell(fig)
    texts = _texts(fig)
    for symbol in ["$u_t$", "$r_t$", "$g_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$1 - u_t$",
                   "$r_t \\odot h_{t-1}$", "$u_t \\odot h_{t-1}$"]:
        assert _has(texts, symbol), symbol
    # the update gate on the old state, the reset gate inside the candidate's product
    assert _has(texts, "h_t = u_t \\odot h_{t-1} + (1 - u_t) \\odot g_t")
    assert _has(texts, "\\tanh(W_c [x_t, r_t \\odot h_{t-1}] + b_c)")
    assert texts.count("$\\sigma$") == 2 and texts.count("tanh") == 1
    assert texts.count("×") == 3 and texts.count("+") == 1 and "$1-$" in texts
    assert len(_highlighted_arrows(fig)) == 3


@pytest.mark.parametrize("T, s, t", [(4, 1, 3), (6, 2, 6), (1, 1, 1)])
def test_unrolled_rnn_highlights_one_bptt_term(T, s, t):
    fig = Figure(figsize=(8.5, 5.6))
    diagrams.draw_unrolled_rnn(fig, T=T, s=s, t=t)
    texts = _texts(fig)
    for row in "xhyL":
        first = 0 if row == "h" else 1
        assert [k for k in range(T + 2) if f"${row}_{{{k}}}$" in texts] == \
            list(range(first, T + 1)), row
    assert texts.count("$W_h$") == T and texts.count("$W_x$") == T
    assert texts.count("$W_y$") == T
    # W_h into h_s, the t - s steps h_s .. h_t, then h_t -> y_t -> L_t
    highlighted = _highlighted_arrows(fig)
    assert len(highlighted) == t - s + 3
    term = next(x for x in texts if x.startswith("the term"))
    assert f"\\partial L_{{{t}}}" in term and f"\\partial^+ h_{{{s}}}" in term
    # the t - s Jacobians dh_k/dh_{k-1}, written out up to three, else first, \cdots, last
    shown = term.count("\\dfrac{\\partial h_")
    assert (shown, "\\cdots" in term) == ((t - s, False) if t - s <= 3 else (2, True))


@pytest.mark.parametrize("kwargs, name", [
    ({"T": 0}, "T"), ({"T": 3, "s": 0, "t": 1}, "s"), ({"T": 3, "s": 4, "t": 4}, "s"),
    ({"T": 3, "s": 2, "t": 1}, "t"), ({"T": 3, "s": 1, "t": 4}, "t"),
])
def test_unrolled_rnn_rejects_impossible_terms(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} "):
        diagrams.draw_unrolled_rnn(Figure(), **kwargs)


def test_unrolled_rnn_rejects_non_integer_steps():
    with pytest.raises(TypeError, match="^s "):
        diagrams.draw_unrolled_rnn(Figure(), T=3, s=1.0, t=2)


def test_architectures_are_five_panels_with_a_task_each():
    fig = Figure(figsize=(9, 2.6))
    diagrams.draw_architectures(fig)
    assert len(fig.axes) == 5
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["one to one", "one to many", "many to one", "many to many\n(aligned)",
                      "sequence to sequence\n(encoder, then decoder)"]
    texts = _texts(fig)
    for task in ["classification", "captioning", "sentiment", "tagging", "translation"]:
        assert _has(texts, task), task
    # boxes per panel: inputs, hidden states (every step), outputs
    labels = [[t.get_text() for t in ax.texts] for ax in fig.axes]
    assert [(a.count("$x$"), a.count("$h$"), a.count("$y$")) for a in labels] == \
        [(1, 1, 1), (1, 4, 4), (4, 4, 1), (4, 4, 4), (3, 6, 3)]
