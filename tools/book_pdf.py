"""The whole book as one PDF, printed by Debian's Chromium from the built HTML.

    python -m tools.book_pdf      # after `make book`; `make pdf` does both

Each page of the table of contents is opened from a local server with every
request off 127.0.0.1 refused, MathJax is left to finish, every hidden
solution and folded input is opened, and Chromium prints the page; pypdf
joins the pages in the book's order. The PDF is written into the site
(`_build/html/dl-models-course.pdf`, linked from the intro), so it needs no
network and no LaTeX. Widgets print as the figure of their default setting.
"""

import functools
import http.server
import io
import threading
from pathlib import Path

import yaml
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "_build" / "html"
OUT = BOOK / "dl-models-course.pdf"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

# Open what the screen hides behind a toggle: exercise solutions, folded
# inputs; drop the navigation the print does not need.
UNFOLD = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('button.toggle-button').forEach(b => b.remove());
  document.querySelectorAll('.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, '
    + '.prev-next-area, .bd-footer, .header-article').forEach(e => e.remove());
}"""


# Images load lazily, as the reader scrolls: a print has every one.
LOAD_ALL_IMAGES = """() => Promise.all([...document.images].map(i => {
  i.loading = "eager";
  return i.complete ? null : new Promise(done => { i.onload = done; i.onerror = done; });
}))"""


def pages():
    """The book's pages in the order of _toc.yml, as paths under _build/html."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return [f"{f}.html" for f in files]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_pages(paths):
    """PDF bytes of each page, printed by Chromium from a local server."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(BOOK))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    printed = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                       else r.abort())
            for path in paths:
                page.goto(f"{base}/{path}", wait_until="load")
                page.wait_for_function("() => window.MathJax && MathJax.startup "
                                       "&& MathJax.startup.promise", timeout=30_000)
                page.evaluate("() => MathJax.startup.promise")
                page.evaluate(UNFOLD)
                page.evaluate(LOAD_ALL_IMAGES)
                printed.append(page.pdf(format="A4", print_background=True,
                                        margin={"top": "15mm", "bottom": "15mm",
                                                "left": "12mm", "right": "12mm"}))
            browser.close()
    finally:
        server.shutdown()
    return printed


def build(out=OUT):
    """Print every page and join them into ``out``; returns (path, page count)."""
    if not (BOOK / "index.html").exists():
        raise SystemExit("no built book in _build/html: run `make book` first")
    writer = PdfWriter()
    for pdf in print_pages(pages()):
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    writer.add_metadata({"/Title": "Deep Learning Models, by hand"})
    with open(out, "wb") as f:
        writer.write(f)
    return out, len(writer.pages)


if __name__ == "__main__":
    path, n = build()
    print(f"{path}: {n} pages")
