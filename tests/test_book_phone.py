"""The built book on a phone-sized screen (390 x 844 CSS px) and for readers
who do not see the figures: every figure shown smaller than its pixels opens
at full size, every equation or code block wider than the screen shows that
it scrolls, every image says what it shows, every table header is named, and
search results quote text, not TeX."""

import pytest
from conftest import BOOK, offline_page
from test_book_browser import LOAD_ALL_IMAGES, PAGES

pytestmark = [pytest.mark.book, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
CHAPTERS = [p for p in PAGES if p.split("/")[-1][:2].isdigit()]


def phone_page(browser, url):
    """``url`` at phone size, every image loaded and the math typeset."""
    page = offline_page(browser, **PHONE)
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
    )
    page.evaluate("() => MathJax.startup.promise")
    page.evaluate(LOAD_ALL_IMAGES)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    page.evaluate("() => window.dispatchEvent(new Event('resize'))")  # course.js re-marks
    return page


FIGURES_JS = """() => [...document.querySelectorAll('.cell_output img, img.dl-frame')]
  .filter(i => i.offsetParent !== null && i.naturalWidth > 0)
  .map(i => ({src: i.src.split('/').pop(), scale: i.getBoundingClientRect().width / i.naturalWidth,
              zoomable: i.classList.contains('dl-zoomable'), role: i.getAttribute('role'),
              tabindex: i.getAttribute('tabindex'),
              hint: !!(i.nextElementSibling
                       && i.nextElementSibling.classList.contains('dl-zoom-hint'))}))"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_a_shrunk_figure_opens_at_full_size(browser, book_url, path):
    page = phone_page(browser, f"{book_url}/{path}")
    figures = page.evaluate(FIGURES_JS)
    shrunk = [f for f in figures if f["scale"] < 0.95]
    assert shrunk, f"no figure on {path} is shrunk at 390 px: the test saw nothing"
    for f in shrunk:
        assert f["zoomable"] and f["role"] == "button" and f["tabindex"] == "0", f
        assert f["hint"] or f["scale"] >= 0.75, f"no visible hint under {f}"
    # open the first one with the keyboard, as a reader without a mouse would
    page.locator("img.dl-zoomable").first.focus()
    page.keyboard.press("Enter")
    overlay = page.locator(".dl-zoom-overlay img")
    assert overlay.count() == 1
    # one image pixel per CSS pixel: a 10-pt tick label of a figure drawn at
    # 100 dpi is 14 px high, as on a desktop
    width, natural = overlay.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert abs(width - natural) < 1, (width, natural)
    page.keyboard.press("Escape")
    assert page.locator(".dl-zoom-overlay").count() == 0
    assert page.console_errors == [], page.console_errors
    page.close()


WIDE_JS = """() => [...document.querySelectorAll(
    "div.math, mjx-container[display='true'], div.highlight pre, .cell_output pre")]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
          && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .map(e => ({text: e.textContent.trim().slice(0, 50),
               more: e.classList.contains('dl-more-right')}))"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_a_block_wider_than_a_phone_shows_that_it_scrolls(browser, book_url, path):
    page = phone_page(browser, f"{book_url}/{path}")
    wide = page.evaluate(WIDE_JS)
    assert wide, f"nothing on {path} is wider than 390 px: the test saw nothing"
    assert [w for w in wide if not w["more"]] == [], f"wide blocks without a cue on {path}"
    # scrolled to its end, the cue moves to the other side
    cue = page.evaluate("""() => {
      const e = document.querySelector('.dl-more-right');
      e.scrollLeft = e.scrollWidth;
      e.dispatchEvent(new Event('scroll'));
      return [e.classList.contains('dl-more-right'), e.classList.contains('dl-more-left')];
    }""")
    assert cue == [False, True]
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_every_image_says_what_it_shows(browser, book_url, path):
    page = offline_page(browser)
    page.goto(f"{book_url}/{path}", wait_until="load")
    alts = page.evaluate("() => [...document.querySelectorAll('article img')]"
                         ".map(i => [i.getAttribute('src'), i.getAttribute('alt')])")
    for src, alt in alts:
        assert alt and len(alt) >= 20, f"{src} on {path}: no alt text that says much: {alt!r}"
        assert not alt.endswith((".png", ".webp", ".svg")), f"{src}: alt is a file name"
    empty = page.evaluate("() => [...document.querySelectorAll('article th')]"
                          ".filter(h => !h.textContent.trim()).length")
    assert empty == 0, f"{empty} table header cells on {path} name nothing"
    page.close()


def test_search_results_quote_text_not_tex(browser, book_url):
    assert (BOOK / "search.html").exists()
    page = offline_page(browser)
    page.goto(f"{book_url}/search.html?q=gradient", wait_until="load")
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results p.context').length >= 3", timeout=30_000
    )
    page.wait_for_timeout(1000)  # the summaries arrive one page at a time
    quotes = page.evaluate("() => [...document.querySelectorAll('#search-results p.context')]"
                           ".map(p => p.textContent)")
    tex = [q for q in quotes if "\\(" in q or "\\[" in q or "\\frac" in q or "$$" in q]
    assert tex == [], f"search results show TeX: {tex[:2]}"
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(browser, book_url, path):
    page = phone_page(browser, f"{book_url}/{path}")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px screen"
    # and every control of a widget is inside the screen, named
    controls = page.evaluate("""() => [...document.querySelectorAll(
        '.dl-controls input, .dl-controls select')].map(c => [c.getBoundingClientRect().right,
        (c.labels && c.labels[0] ? c.labels[0].textContent.trim() : '')])""")
    for right, label in controls:
        assert right <= width[1] + 1 and label, (path, right, label)
    page.close()
