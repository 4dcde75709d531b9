"""tools/lab_expressions.py: the results JupyterLab shows for the prose's
inline expressions before a kernel runs are the book's text."""

import json

import pytest
from conftest import ROOT
from jupyter_client.kernelspec import KernelSpecManager

from tools.lab_expressions import fill, main


def _glue_cell(name, text_plain):
    return {"cell_type": "code", "metadata": {}, "source": [], "outputs": [{
        "output_type": "display_data",
        "data": {"application/papermill.record/text/plain": text_plain},
        "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    }]}


def _markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": [text]}


def test_a_glued_float_is_stored_formatted_as_the_book_shows_it():
    nb = {"cells": [_glue_cell("loss", "2.05410e-01"), _glue_cell("runs", "'3 of 5'"),
                    _markdown('loss {eval}`f"{glued.loss:.2f}"` in {eval}`f"{glued.runs}"`')]}
    assert fill(nb) == []
    stored = nb["cells"][2]["metadata"]["user_expressions"]
    assert [e["expression"] for e in stored] == ['f"{glued.loss:.2f}"', 'f"{glued.runs}"']
    # what the kernel's reply to the f-string would hold: a str's repr
    assert [e["result"]["data"]["text/plain"] for e in stored] == ["'0.21'", "'3 of 5'"]
    assert all(e["result"]["status"] == "ok" for e in stored)


def test_a_value_glued_only_below_its_cell_is_refused():
    nb = {"cells": [_markdown('{eval}`f"{glued.late:.1f}"`'), _glue_cell("late", "1.0e+00")]}
    problems = fill(nb)
    assert problems == ["cell 0: 'late' is not glued by any cell above it"]
    assert "user_expressions" not in nb["cells"][0]["metadata"]


def test_an_expression_of_another_form_is_refused():
    nb = {"cells": [_glue_cell("x", "1"), _markdown("{eval}`x + 1`")]}
    assert fill(nb) == ["cell 1: 'x + 1' is not f\"{glued.name:format}\""]


def test_a_cell_without_expressions_loses_stale_results():
    cell = _markdown("no numbers here")
    cell["metadata"]["user_expressions"] = [{"expression": "old"}]
    assert fill({"cells": [cell]}) == [] and "user_expressions" not in cell["metadata"]


def test_check_mode_reports_a_stale_notebook_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    nb = {"cells": [_glue_cell("n", "7"), _markdown('{eval}`f"{glued.n}"`')],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    assert main(["--check", str(path)]) == 1 and "stale" in capsys.readouterr().err
    assert json.loads(path.read_text()) == nb
    assert main([str(path)]) == 0 and main(["--check", str(path)]) == 0


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_a_chapter_names_the_kernel_jupyterlab_starts(path):
    # JupyterLab rewrites a differing kernelspec when the kernel starts,
    # which marks the notebook modified before the reader has done anything
    spec = json.loads(path.read_text())["metadata"]["kernelspec"]
    kernel = KernelSpecManager().get_kernel_spec(spec["name"])
    assert spec["display_name"] == kernel.display_name, path.name


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_a_chapter_stores_no_widget_state(path):
    # JupyterLab reads it back only with ipywidgets' saveState, which marks the
    # notebook modified; the book would embed it as controls that do nothing
    # (make execute runs nbconvert with store_widget_state=False)
    assert "widgets" not in json.loads(path.read_text())["metadata"], path.name
