"""`make pdf`: the whole book printed by Chromium into one PDF that the intro links."""

import io

import pytest
from conftest import BOOK

from tools import book_pdf

pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def text_by_page():
    from pypdf import PdfReader

    if not book_pdf.OUT.exists():
        pytest.fail("no PDF in the built book: run `make pdf` (make test does)")
    reader = PdfReader(io.BytesIO(book_pdf.OUT.read_bytes()))
    # words joined by single spaces: the PDF breaks lines where the page does
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_pdf_holds_every_page_of_the_book_in_order(text_by_page):
    assert len(text_by_page) >= 5 * len(book_pdf.pages())  # chapters run to pages
    assert "Deep Learning Models, by hand" in text_by_page[0]
    text = "\n".join(text_by_page)
    titles = ["The multilayer perceptron and back-propagation", "Vanishing and exploding",
              "Convolutional networks", "Recurrent networks and back-propagation",
              "LSTM and GRU: gates", "Sequence to sequence: the encoder", "Errata: corrections"]
    at = 0
    for title in titles:  # each found after the one before it
        at = text.find(title, at)
        assert at != -1, f"{title!r} missing, or out of the table of contents' order"


def test_the_pdf_shows_the_solutions_the_screen_folds(text_by_page):
    text = "\n".join(text_by_page)
    assert text.count("Solution to") >= 6


def test_the_intro_links_the_pdf():
    intro = (BOOK / "chapters" / "intro.html").read_text()
    assert 'href="../dl-models-course.pdf"' in intro
