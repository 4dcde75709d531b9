"""The built book in headless Chromium, with no network: math is typeset,
images load, widgets render from their stored state, the console is clean."""

import pytest
from conftest import BOOK, offline_page

pytestmark = [pytest.mark.book, pytest.mark.browser]

PAGES = sorted(p.relative_to(BOOK).as_posix() for p in (BOOK / "chapters").glob("*.html"))
NOTEBOOKS = sorted(p.stem for p in (BOOK.parent.parent / "chapters").glob("*.ipynb"))


def test_every_chapter_notebook_was_built():
    assert NOTEBOOKS, "no notebooks in chapters/"
    for stem in NOTEBOOKS:
        assert f"chapters/{stem}.html" in PAGES, f"{stem} is not in the built book"


def typeset_page(browser, url, wait_until="load"):
    """An offline page at ``url``, returned once MathJax has typeset it."""
    page = offline_page(browser)
    page.goto(url, wait_until=wait_until)
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
    )
    page.evaluate("() => MathJax.startup.promise")
    return page


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline(browser, book_url, path):
    page = typeset_page(browser, f"{book_url}/{path}")
    article = page.inner_text("article")
    for raw in ["\\(", "\\[", "$$"]:
        assert raw not in article, f"untypeset math ({raw}) on {path}"
    if page.locator("div.math, span.math").count():
        assert page.locator("mjx-container").count() > 0, f"math not typeset on {path}"
    page.wait_for_load_state("networkidle")
    broken = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.src)"
    )
    assert broken == [], f"images that did not load on {path}: {broken}"
    if path.split("/")[-1][:2].isdigit():  # a chapter: its figures must be there
        assert page.locator("article img").count() >= 2, f"figures missing on {path}"
    if page.locator("script[type='application/vnd.jupyter.widget-view+json']").count():
        page.wait_for_selector(".widget-slider, .widget-dropdown", timeout=20_000)
        images = page.evaluate(
            "() => [...document.querySelectorAll('.jupyter-widgets img')]"
            ".map(i => i.naturalWidth)"
        )
        assert images and all(w > 0 for w in images), f"widget figures blank on {path}"
    assert page.left_machine == [], f"requests that left the machine: {page.left_machine}"
    assert page.console_errors == [], f"console errors on {path}: {page.console_errors}"
    page.close()


# What a reader must see without scrolling sideways: equations, code and its
# output, tables and figures. One overflowing line hides the end of a formula
# or of a self-check's hint, with no sign that anything is missing.
OVERFLOW_JS = """() => {
  const right = document.querySelector("article").getBoundingClientRect().right;
  const sel = 'mjx-container[display="true"], div.cell pre, article table, article img';
  return [...document.querySelectorAll(sel)]
    .filter(e => e.offsetParent !== null)
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right + 1)
    .map(e => e.tagName + ": " + (e.textContent || e.src || "").trim().slice(0, 60));
}"""


@pytest.mark.parametrize("path", PAGES)
def test_nothing_is_wider_than_the_text_column(browser, book_url, path):
    page = typeset_page(browser, f"{book_url}/{path}", wait_until="networkidle")
    # hidden code (a closed toggle) counts too: open every toggle first
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(OVERFLOW_JS) == [], f"wider than the column on {path}"
    page.close()


def test_index_redirects_to_the_intro(browser, book_url):
    page = offline_page(browser)
    page.goto(f"{book_url}/index.html")
    page.wait_for_url("**/chapters/intro.html")
    assert "Deep Learning Models" in page.title()
    page.close()


def test_chapter_one_shows_its_parts(browser, book_url):
    page = offline_page(browser)
    page.goto(f"{book_url}/chapters/01_mlp_backprop.html", wait_until="networkidle")
    text = page.inner_text("article")
    assert text.count("Erratum") >= 4
    assert "finite differences" in text and "delta rule (dlnotes)" in text
    assert page.locator("table").count() >= 1
    assert page.locator(".exercise").count() >= 4
    assert page.locator(".solution").count() >= 4
    # the network drawing, the loss curve, the classifier, and two widget figures
    assert page.locator("article img").count() >= 5
    page.close()
