"""The built book's widgets are the live widgets' frames: the same compute and
draw, so the figure a reader picks on the page is the one a notebook shows."""

import io
import json
import re

import numpy as np
import pytest
from conftest import BOOK
from PIL import Image

from dlnotes.viz import cnn, rnn

pytestmark = pytest.mark.book


def _widgets(page):
    text = (BOOK / page).read_text()
    return [json.loads(b) for b in re.findall(r'class="dl-frames">(.*?)</script>', text)]


def _rgb(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("page, make", [
    ("chapters/03_cnn.html", lambda: cnn.output_grid_widget(size=7, kernel=3, stride=2, pad=1)),
    ("chapters/04_rnn.html", rnn.gradient_norm_widget),
])
def test_a_book_frame_has_the_pixels_of_the_live_widget_at_that_setting(page, make):
    live = make()
    shown = [(k, c) for k, c in live.declared.items() if len(c.book) > 1]
    labels = [[c.shown(v) for v in c.book] for _, c in shown]
    (blob,) = [w for w in _widgets(page) if w["labels"] == labels]
    rng = np.random.default_rng(0)
    keys = sorted(blob["frames"])
    for key in [keys[0], keys[-1], *rng.choice(keys, 3, replace=False)]:
        for (name, c), i in zip(shown, map(int, key.split("-"))):
            live.controls[name].value = c.book[i]
        frame = (BOOK / "_widgets" / blob["frames"][key][0]).read_bytes()
        np.testing.assert_array_equal(_rgb(frame), _rgb(live.image.value), err_msg=key)
        assert blob["frames"][key][1] == live.status.value, key


def test_the_site_ships_exactly_the_frames_its_pages_show():
    used = {f[0] for page in (BOOK / "chapters").glob("*.html")
            for w in _widgets(page.relative_to(BOOK)) for f in w["frames"].values()}
    assert used == {p.name for p in (BOOK / "_widgets").iterdir()}
