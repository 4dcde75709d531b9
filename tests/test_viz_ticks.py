"""Log axes keep labelled ticks whatever their span."""

import pytest
from matplotlib.figure import Figure

from dlnotes.viz.ticks import log_ticks


@pytest.mark.parametrize("lo, hi, at_least", [(0.3, 0.9, 2), (0.02, 0.7, 3), (1e-16, 1e8, 4)])
def test_a_log_axis_of_any_span_has_labelled_ticks_inside_it(lo, hi, at_least):
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    log_ticks(ax.yaxis)
    fig.canvas.draw()
    labels = {t.get_position()[1]: t.get_text() for t in ax.get_yticklabels()}
    inside = [y for y, text in labels.items() if lo <= y <= hi and text]
    assert len(inside) >= at_least, labels
    assert ax.yaxis.get_minor_locator().tick_values(lo, hi) == []
