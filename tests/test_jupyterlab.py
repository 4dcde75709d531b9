"""Every chapter in a live JupyterLab: run all, move one control of a widget,
see its figure change."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ROOT, offline_page

pytestmark = pytest.mark.browser
TOKEN = "dlnotes-test"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 serving a copy of the chapters (autosave writes
    outputs back, so never the committed notebooks)."""
    work = tmp_path_factory.mktemp("lab")
    for nb in (ROOT / "chapters").glob("*.ipynb"):
        shutil.copy(nb, work / nb.name)
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           "--expose-app-in-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(work / "lab.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail(f"JupyterLab did not start: {(work / 'lab.log').read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def _run_all(page, lab, notebook):
    """Open ``notebook`` alone (a workspace of its own: JupyterLab would
    restore the notebooks opened before) and run all its cells."""
    page.goto(f"{lab}/lab/workspaces/{notebook[:-6]}/tree/{notebook}?reset&token={TOKEN}")
    page.wait_for_function(
        "(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.context && w.context.path.endsWith(name); }",
        arg=notebook)
    # Run All before the kernel is up can silently run nothing: wait for it.
    page.wait_for_function(
        "async () => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
        " await s.ready; return s.session && s.session.kernel"
        " && (await s.session.kernel.info) !== undefined; }"
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def test_run_all_then_a_slider_changes_the_output(browser, lab):
    page = offline_page(browser)
    page.set_default_timeout(120_000)
    _run_all(page, lab, "01_mlp_backprop.ipynb")
    read_status = (
        "() => [...document.querySelectorAll('.widget-html-content')]"
        ".map(e => e.textContent).filter(t => t.includes('steps'))"
    )
    page.wait_for_function(f"() => ({read_status})().length > 0")
    before = page.evaluate(read_status)[0]
    assert "Below" in before
    slider = page.locator(".widget-slider", has_text="learning rate").first
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(5):
        handle.press("ArrowRight")
    page.wait_for_function(f"(before) => ({read_status})()[0] !== before", arg=before)
    after = page.evaluate(read_status)[0]
    assert after != before and "steps" in after
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    assert not [t for t in outputs if "Traceback" in t], "a cell raised"
    assert page.left_machine == [], f"requests that left the machine: {page.left_machine}"
    page.close()


# one widget per chapter: the label of a control, and the key that moves it
# (a slider's handle) or the option to choose (a drop-down)
MOVES = {
    "02_vanishing_exploding": ("activation", "tanh"),
    "03_cnn": ("stride", "ArrowRight"),
    "04_rnn": ("spectral radius", "ArrowRight"),
    "05_lstm_gru": ("lag", 16),
    "06_seq2seq": ("steps shown", "ArrowLeft"),
    "07_attention": ("input", "31415"),
}
# the source of the figure of the widget that holds the control labelled ``label``
FIGURE_SRC = """(label) => {
  const c = [...document.querySelectorAll(".widget-slider, .widget-dropdown")]
    .find(e => e.textContent.includes(label));
  const img = c && c.closest(".widget-vbox").querySelector("img");
  return img && img.naturalWidth > 0 ? img.src : null;
}"""


@pytest.mark.parametrize("chapter", sorted(MOVES))
def test_a_widget_of_every_chapter_redraws_when_a_control_moves(browser, lab, chapter):
    label, move = MOVES[chapter]
    page = offline_page(browser)
    page.set_default_timeout(180_000)
    _run_all(page, lab, f"{chapter}.ipynb")
    before = page.wait_for_function(FIGURE_SRC, arg=label).json_value()
    control = page.locator(".widget-slider, .widget-dropdown", has_text=label).first
    control.scroll_into_view_if_needed()  # JupyterLab hides cells far off screen
    if isinstance(move, str) and move.startswith("Arrow"):
        handle = control.locator(".noUi-handle").first
        handle.focus()
        handle.press(move)
    else:
        control.locator("select").select_option(label=str(move))
    page.wait_for_function(f"([label, before]) => ({FIGURE_SRC})(label) !== before",
                           arg=[label, before])
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    assert not [t for t in outputs if "Traceback" in t], f"a cell raised in {chapter}"
    assert page.left_machine == [], f"requests that left the machine: {page.left_machine}"
    page.close()


def _source(cell):
    return "".join(cell["source"])


# scroll cell i into view (JupyterLab renders only the cells near the
# viewport, so the n-th cell in the page is not cell n) and mark its node
CELL_NODE = """async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.activeCellIndex = i;
  await nb.scrollToItem(i);
  nb.widgets[i].node.setAttribute("data-test-cell", String(i));
}"""


def test_a_chapter_reads_as_in_the_book_before_its_kernel_runs(browser, lab):
    """MyST rendered with its numbers, solutions folded, widgets as figures,
    and the notebook not marked modified when its kernel starts."""
    name = "01_mlp_backprop.ipynb"
    cells = json.loads((ROOT / "chapters" / name).read_text())["cells"]
    numbers = next(i for i, c in enumerate(cells) if c["metadata"].get("user_expressions"))
    exercise = next(i for i, c in enumerate(cells) if "{solution}" in _source(c))
    widget = next(i for i, c in enumerate(cells) for o in c.get("outputs", [])
                  if "application/vnd.jupyter.widget-view+json" in o.get("data", {}))
    page = offline_page(browser)
    page.set_default_timeout(120_000)
    page.goto(f"{lab}/lab/workspaces/read/tree/{name}?reset&token={TOKEN}")
    page.wait_for_function("() => { const w = window.jupyterapp && window.jupyterapp.shell"
                           ".currentWidget; return w && w.context && w.context.isReady; }")
    page.wait_for_function("() => { const s = window.jupyterapp.shell.currentWidget"
                           ".sessionContext; return s.session && s.session.kernel"
                           " && s.session.kernel.status === 'idle'; }")
    shots = ROOT / "_build" / "lab-screens"
    shots.mkdir(parents=True, exist_ok=True)

    def cell(i):
        page.evaluate(CELL_NODE, i)
        node = page.locator(f'[data-test-cell="{i}"]')
        node.wait_for(state="visible")
        page.wait_for_timeout(500)  # MathJax and the MyST renderer finish
        return node

    node = cell(numbers)
    text = node.inner_text()
    for e in cells[numbers]["metadata"]["user_expressions"]:
        shown = e["result"]["data"]["text/plain"][1:-1]  # the str's repr, unquoted
        assert shown in text, f"{e['expression']} should show {shown!r}: {text[:300]!r}"
    assert "{eval}" not in text and "glued." not in text
    node.screenshot(path=str(shots / "number.png"))

    node = cell(exercise)
    assert "{exercise}" not in node.inner_text() and "```" not in node.inner_text()
    node.locator(".katex").first.wait_for(timeout=30_000)  # math typeset, not raw $...$
    # the exercise shows, its solution is folded until the reader opens it
    solution = node.locator("details", has_text="Solution to").first
    assert solution.is_visible() and not solution.evaluate("d => d.open")
    assert not solution.locator(".details-body, p").first.is_visible()
    node.screenshot(path=str(shots / "exercise.png"))

    node = cell(widget)
    output = node.locator(".jp-OutputArea-output").first
    assert "VBox(" not in output.inner_text()
    assert output.locator("img").first.evaluate("img => img.naturalWidth") > 0
    node.screenshot(path=str(shots / "widget.png"))

    assert not page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    assert page.left_machine == [], f"requests that left the machine: {page.left_machine}"
    page.close()
