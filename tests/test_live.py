"""LiveFigure's two renderings: live (one draw per update, the same pixels as
savefig) and the book's frames with kernel-free HTML controls."""

import base64
import io
import json

import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from PIL import Image

from dlnotes.viz.live import FRAMES_ENV, Choice, LiveFigure, Slider, Text, Toggle


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
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _live():
    return LiveFigure({"k": Slider("k", 1, 1, 3, 1, book=[1, 3])}, lambda k: k, _draw,
                      figsize=(6, 3))


def test_the_first_png_has_the_pixels_savefig_gives():
    live = _live()
    fig = Figure(figsize=(6, 3), dpi=90, layout="constrained")
    _draw(fig, 1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    np.testing.assert_array_equal(_pixels(live.image.value), _pixels(buf.getvalue()))


def test_the_live_output_also_holds_the_shown_figure_for_a_reader_with_no_kernel():
    live = _live()
    live.controls["k"].value = 2
    bundle = live._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    np.testing.assert_array_equal(_pixels(png), _pixels(live.image.value))
    assert bundle["text/plain"] == "Figure (k 2)"  # the alt text, not "VBox(...)"


def test_later_settings_keep_the_default_layout_and_a_new_one_gets_its_own():
    live = _live()
    boxes = [ax.get_position().bounds for ax in live.figure.axes]
    live.controls["k"].value = 3
    assert [ax.get_position().bounds for ax in live.figure.axes] == boxes

    def other(fig, k):  # a different set of axes: laid out afresh
        fig.subplots(1, 3 if k == 3 else 1)
    moved = LiveFigure({"k": Slider("k", 1, 1, 3, 1, book=[1])}, lambda k: k, other,
                       figsize=(6, 3))
    moved.controls["k"].value = 3
    assert len(moved.figure.axes) == 3
    assert isinstance(moved.figure.get_layout_engine(), ConstrainedLayoutEngine)


def test_a_setting_seen_before_is_shown_without_computing_again():
    calls = []
    live = LiveFigure({"k": Slider("k", 1, 1, 3, 1, book=[1])},
                      lambda k: calls.append(k) or k, _draw, figsize=(6, 3))
    first = live.image.value
    live.controls["k"].value = 2
    live.controls["k"].value = 1
    assert calls == [1, 2] and live.image.value == first and live.result == 1
    assert live.status.value == "k = 1" and len(live.timings) == 3


def test_each_update_renders_the_figure_once():
    live = _live()
    calls = []
    draw = live.figure.draw
    live.figure.draw = lambda renderer: calls.append(1) or draw(renderer)
    live.controls["k"].value = 2
    assert len(calls) == 1
    assert live.status.value == "k = 2" and len(live.timings) == 2


def _book(monkeypatch, tmp_path, controls, compute=None):
    monkeypatch.setenv(FRAMES_ENV, str(tmp_path))
    return LiveFigure(controls, compute or (lambda **v: v), _draw_setting, figsize=(3, 2),
                      alt="A test figure")


def _draw_setting(fig, values):
    ax = fig.add_subplot()
    ax.set_title(", ".join(f"{k}={v}" for k, v in sorted(values.items())))
    return "note: " + ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def test_book_draws_every_setting_of_the_grid_once_and_creates_no_ipywidget(
        monkeypatch, tmp_path):
    before = len(_instances)
    live = _book(monkeypatch, tmp_path, {
        "k": Slider("k", 2, 1, 3, 1, book=[1, 2, 3]),
        "on": Toggle("on", False),
        "name": Choice("name", "a", ["a", "b", "c"], book=["a", "b"]),
    })
    assert len(_instances) == before
    assert len(live.frames) == 3 * 2 * 2
    files = {name for name, _, _ in live.frames.values()}
    assert files == {p.name for p in tmp_path.iterdir()} and len(files) == 12
    assert live.result == {"k": 2, "on": False, "name": "a"}
    bundle = live._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    assert "widget-view" not in page
    assert 'type="range" data-c min="0" max="2" step="1" value="1"' in page
    assert 'type="checkbox" data-c>' in page and "<option selected>a</option>" in page
    default = live.frames[(1, 0, 0)]
    assert f'src="../_widgets/{default[0]}"' in page and "note: k=2, name=a, on=False" in page
    assert 'alt="A test figure (k 2, on False, name a)"' in page


def test_book_frame_is_the_live_png_of_the_same_setting(monkeypatch, tmp_path):
    declared = {"k": Slider("k", 1, 1, 3, 1, book=[1, 3])}
    live = LiveFigure(declared, lambda k: {"k": k}, _draw_setting, figsize=(3, 2))
    live.controls["k"].value = 3
    book = _book(monkeypatch, tmp_path, declared, lambda k: {"k": k})
    frame = (tmp_path / book.frames[(1,)][0]).read_bytes()  # WebP, lossless
    np.testing.assert_array_equal(_pixels(frame), _pixels(live.image.value))


def test_book_hides_a_control_with_one_value_and_keys_frames_by_the_shown_ones(
        monkeypatch, tmp_path):
    live = _book(monkeypatch, tmp_path, {
        "text": Text("prepared input", "x", book=["x"]),
        "k": Slider("k", 1, 1, 3, 1, book=[1, 2]),
    })
    page = live.html
    assert "prepared input" not in page.split("<img")[0] and page.count("<label>") == 1
    blob = json.loads(page.split('class="dl-frames">')[1].split("</script>")[0])
    assert set(blob["frames"]) == {"0", "1"} and blob["labels"] == [["1", "2"]]


def test_book_slider_range_ends_where_the_frames_stop_changing(monkeypatch, tmp_path):
    # "n" says how far "step" can go: steps past it draw the same frame
    live = _book(monkeypatch, tmp_path, {
        "n": Choice("n", 1, [1, 3]),
        "step": Slider("step", 1, 1, 4, 1, book=[1, 2, 3, 4]),
    }, lambda n, step: {"n": n, "step": min(n, step)})
    assert live._limits() == {"0-*": 0, "1-*": 2}


def test_a_default_outside_the_book_grid_is_a_clear_error():
    with pytest.raises(ValueError, match="'k'.*value 5.*book"):
        Slider("k", 5, 1, 9, 1, book=[1, 2])


def test_book_html_escapes_labels_and_keeps_its_data_inside_the_script(
        monkeypatch, tmp_path):
    live = _book(monkeypatch, tmp_path,
                 {"t": Text("a <b>", "</script>", book=["</script>", "x"])},
                 lambda t: {"t": t})
    assert "a &lt;b&gt;" in live.html and "<option selected>&lt;/script&gt;" in live.html
    blob = live.html.split('class="dl-frames">')[1].split("</script>")[0]
    assert json.loads(blob)["labels"] == [["</script>", "x"]]
