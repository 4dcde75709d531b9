"""LiveFigure's rendering: one draw per update, the same pixels as savefig."""

import io

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from dlnotes.viz.live import LiveFigure


def _draw(fig, k):
    """A figure the constrained layout must work for: two axes, long labels,
    a legend outside, a colour bar and a suptitle."""
    ax1, ax2 = fig.subplots(1, 2)
    x = np.linspace(0, 1, 50)
    ax1.semilogy(x, np.exp(k * x) + 1, label="$e^{kx} + 1$")
    ax1.set_xlabel("x (a long axis label, in units)")
    ax1.set_ylabel("value (log scale)")
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    im = ax2.imshow(np.outer(x, x) * k)
    fig.colorbar(im, ax=ax2, label="k x y")
    fig.suptitle(f"k = {k}")
    return f"k = {k}"


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def _live():
    return LiveFigure({"k": W.IntSlider(value=1, min=1, max=3)}, lambda k: k, _draw,
                      figsize=(6, 3))


def test_png_has_the_pixels_savefig_gives():
    live = _live()
    live.controls["k"].value = 3
    fig = Figure(figsize=(6, 3), dpi=90, layout="constrained")
    _draw(fig, 3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    np.testing.assert_array_equal(_pixels(live.image.value), _pixels(buf.getvalue()))


def test_each_update_renders_the_figure_once():
    live = _live()
    calls = []
    draw = live.figure.draw
    live.figure.draw = lambda renderer: calls.append(1) or draw(renderer)
    live.controls["k"].value = 2
    assert len(calls) == 1
    assert live.status.value == "k = 2" and len(live.timings) == 2
