"""LiveFigure: one widget declaration, two renderings.

Every widget of the course is a ``LiveFigure``: declared controls (``Slider``,
``Choice``, ``Toggle``, ``Text``), a ``compute(**values)`` that runs dlnotes
and returns a result, and a ``draw(fig, result)`` that plots it. They are kept
apart so the benchmark can time each, and so a test can drive the controls
with no browser and read ``live.result``.

- **Live** (a notebook run by a learner): the controls are ipywidgets; every
  change recomputes and redraws into one reused matplotlib ``Figure``, shown
  as a PNG in an ``ipywidgets.Image``. The cell's output also carries that
  first figure as a plain PNG, described in its text: JupyterLab shows it
  where it cannot draw the widget, in a chapter opened before its kernel
  runs (an untrusted notebook renders only safe output types).
- **Book** (when ``DLNOTES_WIDGET_FRAMES`` names a folder, as the book build
  does, see ``_ext/book_fixes.py``): every setting of the grid the controls
  declare (``book=`` values) is computed and drawn with the same ``compute``
  and ``draw``, each frame is written to that folder as a lossless WebP
  named by its hash, and the cell shows plain HTML controls with a few lines of JavaScript
  that show the frame of the chosen setting: no kernel, no server, no network.
"""

import base64
import hashlib
import html
import io
import itertools
import json
import math
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from PIL import Image

#: the environment variable that selects the book rendering: a folder for frames
FRAMES_ENV = "DLNOTES_WIDGET_FRAMES"
#: where a page finds the frames: the chapters are one folder below the site root
FRAMES_URL = "../_widgets/"
DPI = 90
SEEN = 128  # settings a live widget keeps drawn (about 50 KB each)


class _Control:
    """A declared control: its label, its value, the values the book draws."""

    def __init__(self, label, value, book):
        self.label, self.value, self.book = label, value, list(book)
        if not any(_same(value, v) for v in self.book):
            raise ValueError(f"{label!r}: the value {value!r} must be one of book={self.book!r}")

    def shown(self, v):
        """The text a reader sees for the value ``v``."""
        return str(v)

    def _common(self):
        # a description as wide as its text (ipywidgets cuts it at 80 px), and
        # a tooltip (without one the label's title reads "null")
        return dict(description=self.label, tooltip=self.label,
                    style={"description_width": "initial"})


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and \
            math.isclose(a, b, rel_tol=1e-9)
    return a == b


class Slider(_Control):
    """A number from ``lo`` to ``hi`` on ``step``; ``base`` makes it a log
    slider (``lo``, ``hi`` and ``step`` are then exponents of ``base``).

    ``book`` lists the values the book draws (it must hold ``value``);
    ``fmt`` formats a value for the book's readout.
    """

    def __init__(self, label, value, lo, hi, step, book, base=None, fmt="{:g}"):
        super().__init__(label, value, book)
        self.lo, self.hi, self.step, self.base, self.fmt = lo, hi, step, base, fmt

    def shown(self, v):
        return self.fmt.format(v)

    def widget(self):
        import ipywidgets as W

        kw = dict(value=self.value, min=self.lo, max=self.hi, step=self.step,
                  continuous_update=False, **self._common())
        if self.base is not None:
            return W.FloatLogSlider(base=self.base, **kw)
        if all(isinstance(v, int) for v in (self.value, self.lo, self.hi, self.step)):
            return W.IntSlider(**kw)
        return W.FloatSlider(**kw)


class Choice(_Control):
    """One of ``options`` (a drop-down); the book draws ``book`` (default: all)."""

    def __init__(self, label, value, options, book=None):
        super().__init__(label, value, options if book is None else book)
        self.options = list(options)

    def widget(self):
        import ipywidgets as W

        return W.Dropdown(options=self.options, value=self.value, **self._common())


class Toggle(_Control):
    """On or off (a check box); the book draws both."""

    def __init__(self, label, value):
        super().__init__(label, bool(value), [False, True])

    def widget(self):
        import ipywidgets as W

        return W.Checkbox(value=self.value, indent=False, **self._common())


class Text(_Control):
    """Typed text, read when the reader presses Enter or leaves the box; the
    book offers the prepared inputs ``book`` as a drop-down instead."""

    def __init__(self, label, value, book, width="24em"):
        super().__init__(label, value, book)
        self.width = width

    def widget(self):
        import ipywidgets as W

        return W.Text(value=self.value, continuous_update=False,
                      layout=W.Layout(width=self.width), **self._common())


_DRAWING = None  # the LiveFigure whose frames the forked workers draw


def _frame(setting):
    return _DRAWING.frame(setting)


def _own_fonts():
    """In a forked worker: open the fonts anew. A font object inherited from
    the parent shares its file offset with the parent's and the other
    workers' copies, and FreeType reads garbage when they seek at once
    (matplotlib clears its font cache at a fork, not the mathtext parser's)."""
    MathTextParser._parse_cached.cache_clear()


class LiveFigure:
    """Controls -> ``compute`` -> ``draw`` -> PNG, live or as book frames.

    Parameters
    ----------
    controls : dict of name -> Slider, Choice, Toggle or Text
        Their values are passed to ``compute`` as keyword arguments.
    compute : callable (**values) -> result
    draw : callable (fig, result) -> str or None
        Draws on the cleared ``Figure``; a returned string (HTML) is shown
        under it.
    figsize : (width, height) in inches, drawn at 90 dpi
    alt : str, what the figure shows, for readers who cannot see it (the
        setting is added to it)

    Attributes
    ----------
    controls : dict of name -> ipywidgets widget (live) or the declarations
    result, note : the result and the status of the current setting (the
        default one in the book)
    frames : dict of setting (tuple of indices into each ``book``) -> (PNG
        file name, status); book rendering only
    """

    def __init__(self, controls, compute, draw, figsize=(9, 3.5), alt="Figure"):
        self.declared = dict(controls)
        self.compute, self.draw, self.alt = compute, draw, alt
        self.figure = Figure(figsize=figsize, dpi=DPI, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.timings = []  # (compute seconds, draw seconds) per update
        self.result = None
        # The constrained layout costs about half of a redraw. It is computed
        # for the first setting drawn, the default, and every later setting
        # keeps those axes positions (live and book alike, so their pixels
        # agree): a control moves the data, not the frame.
        self.layout = None
        folder = os.environ.get(FRAMES_ENV)
        self.live = not folder
        if self.live:
            self._build_live()
        else:
            self._build_book(Path(folder))

    # -- shared ---------------------------------------------------------------

    def values(self):
        """The current control values, as passed to ``compute``."""
        return {k: c.value for k, c in self.controls.items()}

    def render(self, values, encode="png"):
        """Compute and draw one setting; sets ``result`` and ``note``.

        Returns (image bytes, status HTML): PNG for the live widget (fast to
        encode), lossless WebP for the book's frames (small to load).
        """
        t0 = time.perf_counter()
        self.result = self.compute(**values)
        t1 = time.perf_counter()
        fig = self.figure
        fig.clear()
        if self.layout:  # the default setting's layout, kept: no layout pass
            fig.set_layout_engine("none")
        self.note = self.draw(fig, self.result) or ""
        if self.layout and len(fig.axes) == len(self.layout):
            for ax, box in zip(fig.axes, self.layout):
                ax.set_position(box)
        elif self.layout:  # a figure of other axes than the default's: lay it out
            fig.set_layout_engine("constrained")
        # one draw, then the pixels encoded by Pillow (savefig would draw
        # twice under a layout engine: a dry pass first)
        fig.canvas.draw()
        if self.layout is None:
            self.layout = [ax.get_position() for ax in fig.axes]
        rgb = Image.fromarray(np.asarray(self.figure.canvas.buffer_rgba())).convert("RGB")
        buf = io.BytesIO()
        if encode == "png":
            rgb.save(buf, "PNG", compress_level=1)
        else:
            # low effort: a third of the default's time for 20% more bytes
            rgb.save(buf, "WEBP", lossless=True, quality=20, method=2)
        self.timings.append((t1 - t0, time.perf_counter() - t1))
        return buf.getvalue(), self.note

    def describe(self, values):
        """The alt text of one setting: ``alt``, then each control's value."""
        parts = [f"{c.label} {c.shown(values[k])}" for k, c in self.declared.items()]
        return f"{self.alt} ({', '.join(parts)})" if parts else self.alt

    def _repr_mimebundle_(self, **kwargs):
        if self.live:
            bundle = self.widget._repr_mimebundle_(**kwargs)
            # the figure as shown now (the default, when a cell displays it)
            # for a reader with no kernel, instead of the text "VBox(...)";
            # a kernel's JupyterLab prefers the widget view
            shown = Image.open(io.BytesIO(self.image.value))
            buf = io.BytesIO()
            shown.save(buf, "PNG", optimize=True)  # stored in the notebook: small
            bundle["image/png"] = base64.b64encode(buf.getvalue()).decode("ascii")
            bundle["text/plain"] = self.describe(self.values())
            return bundle
        return {"text/html": self.html, "text/plain": self.alt}

    # -- live -------------------------------------------------------------------

    def _build_live(self):
        import ipywidgets as W

        self.controls = {k: c.widget() for k, c in self.declared.items()}
        width, height = (round(s * DPI) for s in self.figure.get_size_inches())
        # shown at its own size (never stretched, so never blurred), narrower
        # only when the column is
        self.image = W.Image(format="png", layout=W.Layout(
            width=f"{width}px", max_width="100%", height="auto"))
        self.status = W.HTML()
        self._seen = {}
        for c in self.controls.values():
            c.observe(self.update, names="value")
        for c in self.controls.values():
            c.layout.margin = "2px 1.5em 2px 0"
        box = W.Box(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([box, self.image, self.status])
        self.update()

    def update(self, *_):
        """Recompute and redraw; called on every control change. A setting
        seen before is shown from the cache (its result and note too)."""
        values = self.values()
        key = repr(sorted(values.items()))
        t0 = time.perf_counter()
        if key in self._seen:
            image, self.note, self.result = self._seen[key]
            self.timings.append((0.0, time.perf_counter() - t0))
        else:
            image, _ = self.render(values)
            if len(self._seen) >= SEEN:
                del self._seen[next(iter(self._seen))]  # the oldest
            self._seen[key] = image, self.note, self.result
        self.image.value, self.status.value = image, self.note

    # -- book -------------------------------------------------------------------

    def _build_book(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        grids = [c.book for c in self.declared.values()]
        self.controls = self.declared
        # a control with one book value is fixed there, not shown
        self.varying = [i for i, g in enumerate(grids) if len(g) > 1]
        settings = list(itertools.product(*(range(len(g)) for g in grids)))
        default = tuple(next(i for i, v in enumerate(c.book) if _same(v, c.value))
                        for c in self.declared.values())
        self.render(self._values(default))  # fixes the layout, as live
        self.frames = {}
        for setting, (image, note) in zip(settings, self._frames(settings)):
            name = hashlib.sha256(image).hexdigest()[:16] + ".webp"
            if not (folder / name).exists():
                (folder / name).write_bytes(image)
            self.frames[setting] = (name, note, self.describe(self._values(setting)))
        self.result = self.compute(**self.values())
        self.note = self.frames[default][1]
        self.html = self._html(default)

    def _values(self, setting):
        return {k: c.book[i] for (k, c), i in zip(self.declared.items(), setting)}

    def frame(self, setting):
        """(lossless WebP bytes, status) of one book setting: the pixels the
        live widget shows for it, in about 40% of the PNG's bytes."""
        return self.render(self._values(setting), encode="webp")

    def _frames(self, settings):
        """``frame`` of every setting, drawn by one forked worker per core."""
        global _DRAWING
        cores = len(os.sched_getaffinity(0))
        if cores < 2 or len(settings) < 8:
            return [self.frame(s) for s in settings]
        _DRAWING = self
        try:
            with multiprocessing.get_context("fork").Pool(cores, _own_fonts) as pool:
                return pool.map(_frame, settings, chunksize=4)
        finally:
            _DRAWING = None

    def _key(self, setting):
        """The page's name of a setting: the indices of the controls it shows."""
        return "-".join(str(setting[i]) for i in self.varying)

    def _limits(self):
        """For each range control, the last index whose frame differs from the
        one before, per setting of the others (only where it ends early), so a
        slider's range follows the other controls."""
        limits = {}
        for i, c in enumerate(self.declared.values()):
            if not isinstance(c, Slider) or i not in self.varying:
                continue
            for setting in self.frames:
                if setting[i]:
                    continue
                files = [self.frames[setting[:i] + (j,) + setting[i + 1:]][0]
                         for j in range(len(c.book))]
                last = max(j for j in range(len(files)) if j == 0 or files[j] != files[j - 1])
                if last < len(files) - 1:
                    key = self._key(setting).split("-")
                    key[self.varying.index(i)] = "*"
                    limits["-".join(key)] = last
        return limits

    def _html(self, default):
        width, height = (round(s * DPI) for s in self.figure.get_size_inches())
        inputs = []
        shown = [(i, c) for i, c in enumerate(self.declared.values()) if i in self.varying]
        for i, c in shown:
            label = html.escape(c.label)
            if isinstance(c, Toggle):
                checked = " checked" if default[i] else ""
                inputs.append(f'<label><input type="checkbox" data-c{checked}> {label}</label>')
            elif isinstance(c, Slider):
                inputs.append(
                    f'<label>{label} <input type="range" data-c min="0" '
                    f'max="{len(c.book) - 1}" step="1" value="{default[i]}" '
                    f'aria-valuetext="{html.escape(c.shown(c.value))}">'
                    f' <output>{html.escape(c.shown(c.value))}</output></label>')
            else:
                options = "".join(
                    f'<option{" selected" if j == default[i] else ""}>'
                    f"{html.escape(c.shown(v))}</option>" for j, v in enumerate(c.book))
                inputs.append(f"<label>{label} <select data-c>{options}</select></label>")
        data = {"base": FRAMES_URL,
                "labels": [[c.shown(v) for v in c.book] for _, c in shown],
                "frames": {self._key(k): v for k, v in self.frames.items()},
                "limits": self._limits()}
        name, note, alt = self.frames[default]
        # "</" inside the JSON would end the script element early
        blob = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="dl-widget">{STYLE}'
            f'<form class="dl-controls" onsubmit="return false">{"".join(inputs)}</form>'
            f'<img class="dl-frame" src="{FRAMES_URL}{name}" width="{width}" '
            f'height="{height}" alt="{html.escape(alt)}" loading="lazy">'
            f'<div class="dl-status">{note}</div>'
            f'<script type="application/json" class="dl-frames">{blob}</script>'
            f"<script>{SCRIPT}</script></div>"
        )


# On a narrow screen a control's label wraps and a long drop-down shrinks to
# the screen's width (tests/test_book_phone.py checks at 390 px).
STYLE = ("<style>.dl-controls{display:flex;flex-wrap:wrap;gap:.3em 1.5em;"
         "margin-bottom:.4em}.dl-controls label{white-space:nowrap;max-width:100%;"
         "min-width:0}.dl-controls select{max-width:100%}"
         "@media (max-width:600px){.dl-controls label{white-space:normal}}"
         ".dl-controls input[type=range]{vertical-align:middle}"
         ".dl-frame{max-width:100%;height:auto;display:block}"
         "@media print{.dl-controls{display:none}}</style>")

# The static widget: the frame of the chosen setting, kernel-free.
SCRIPT = """(function (w) {
  var d = JSON.parse(w.querySelector(".dl-frames").textContent);
  var cs = [].slice.call(w.querySelectorAll("[data-c]"));
  var img = w.querySelector(".dl-frame"), st = w.querySelector(".dl-status");
  function index(c) {
    if (c.type === "checkbox") { return c.checked ? 1 : 0; }
    return c.type === "range" ? +c.value : c.selectedIndex;
  }
  function sync() {  // each range follows the others; returns the setting
    var ix = cs.map(index);
    cs.forEach(function (c, i) {
      if (c.type !== "range") { return; }
      var rest = ix.slice(); rest[i] = "*";
      var last = d.limits[rest.join("-")], atEnd = ix[i] >= +c.max;
      c.max = last === undefined ? d.labels[i].length - 1 : last;
      // at its end the range stays at its end, as the live slider does
      if (atEnd || ix[i] > +c.max) { c.value = c.max; ix[i] = +c.max; }
      var text = d.labels[i][ix[i]];
      c.setAttribute("aria-valuetext", text);
      c.parentNode.querySelector("output").textContent = text;
    });
    return ix;
  }
  function show() {
    var f = d.frames[sync().join("-")];
    img.loading = "eager";
    img.src = d.base + f[0]; img.alt = f[2]; st.innerHTML = f[1];
  }
  cs.forEach(function (c) { c.addEventListener("input", show); });
  sync();
})(document.currentScript.parentNode);"""
