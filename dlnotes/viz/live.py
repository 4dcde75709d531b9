"""LiveFigure: ipywidgets controls that re-run a model and redraw.

Every widget of the course is a ``LiveFigure``: a ``compute(**values)`` that
runs dlnotes and returns a result, and a ``draw(fig, result)`` that plots it.
They are kept apart so the benchmark can time each, and so a test can drive
the controls with no browser and read ``live.result``.

The figure is drawn off-screen once per update into one reused matplotlib
``Figure`` and shown as a PNG in an ``ipywidgets.Image``; the PNG is part of
the widget state that the book stores, so the static page shows it too.
"""

import io
import time

import ipywidgets as W
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class LiveFigure:
    """Controls -> ``compute`` -> ``draw`` -> PNG, recomputed on every change.

    Parameters
    ----------
    controls : dict of name -> ipywidgets value widget
        Their values are passed to ``compute`` as keyword arguments.
    compute : callable (**values) -> result
    draw : callable (fig, result) -> str or None
        Draws on the cleared ``Figure``; a returned string is shown under it.
    figsize : (width, height) in inches
    """

    def __init__(self, controls, compute, draw, figsize=(9, 3.5)):
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.figure = Figure(figsize=figsize, dpi=90, layout="constrained")
        # Rendered by its own Agg canvas: print_png draws once, the layout
        # included. Figure.savefig would draw twice under a layout engine (a
        # dry pass, then the real one): the same pixels in about 1.5x the time.
        FigureCanvasAgg(self.figure)
        self.image = W.Image(format="png")
        self.status = W.HTML()
        self.result = None
        self.timings = []  # (compute seconds, draw seconds) per update
        for c in self.controls.values():
            # a drag updates once, on release, not once per pixel it passes
            if hasattr(c, "continuous_update"):
                c.continuous_update = False
            c.observe(self.update, names="value")
        box = W.Box(list(self.controls.values()),
                    layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([box, self.image, self.status])
        self.update()

    def values(self):
        """The current control values, as passed to ``compute``."""
        return {k: c.value for k, c in self.controls.items()}

    def update(self, *_):
        """Recompute and redraw; called on every control change."""
        t0 = time.perf_counter()
        self.result = self.compute(**self.values())
        t1 = time.perf_counter()
        self.figure.clear()
        note = self.draw(self.figure, self.result)
        buf = io.BytesIO()
        self.figure.canvas.print_png(buf)
        self.image.value = buf.getvalue()
        self.status.value = note or ""
        self.timings.append((t1 - t0, time.perf_counter() - t1))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
