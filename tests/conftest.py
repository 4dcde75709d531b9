"""Shared fixtures: Debian's chromium through Playwright, and a static server."""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


def _need_chromium():
    if not os.path.exists(CHROMIUM):
        msg = "Debian's chromium is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def browser():
    """A headless Debian chromium (Playwright cannot download its own here)."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def offline_page(browser, width=1280, height=900):
    """A new page of ``width`` x ``height`` CSS pixels that aborts every
    request not to 127.0.0.1 and records it, and records console errors and
    page errors."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.left_machine = []
    page.console_errors = []

    def route(r):
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            page.left_machine.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


@pytest.fixture(scope="session")
def book_url():
    """The built book served on 127.0.0.1 (run `make book` first)."""
    if not (BOOK / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(BOOK))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
