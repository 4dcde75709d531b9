"""The numbers glued into the chapters' prose hold on every machine.

dlnotes.book.glue stores a float with the significant digits it was rounded
to (``2.05000e-01``). Here every chapter's stored glue outputs and every
``{eval}`f"{glued.name:fmt}"``` reference in its prose are read back: no raw
float64 is stored (its last digits differ between CPUs), no reference shows
more significant digits than were glued, and the results JupyterLab shows
before a kernel runs (the markdown cells' ``user_expressions``) are those of
the stored outputs.
"""

import copy
import json
import re

import numpy as np
import pytest
from conftest import ROOT

from dlnotes.book import _Glued, glue, glued, rounded, solved, spread
from tools.lab_expressions import EXPRESSION, GLUED, fill

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
GLUED_FLOAT = re.compile(r"^-?\d\.(\d*)e[+-]\d+$")
RECORD = "application/papermill.record/text/plain"


def glued_values(nb, compared_only=False):
    """{name: stored text/plain} of every glue output of a notebook; with
    ``compared_only``, only those nbval compares (not in a cell tagged
    nbval-ignore-output, such as a wall time)."""
    values = {}
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if compared_only and "nbval-ignore-output" in tags:
            continue
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = out["data"][RECORD]
    return values


def is_raw_float(text):
    """A stored float repr not written by dlnotes.book.glue (strings, ints and
    non-finite values are not)."""
    try:
        value = float(text)
    except ValueError:
        return False
    return np.isfinite(value) and not text.lstrip("-").isdigit() and not GLUED_FLOAT.match(text)


def references(nb):
    """(name, format spec or None) of every ``{eval}`` expression in the prose;
    an expression of another form fails the test that reads it."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for expression in EXPRESSION.findall("".join(cell["source"])):
                match = GLUED.match(expression)
                assert match, f"{expression!r} is not of the form f\"{{glued.name:format}}\""
                yield match.groups()


def significant_digits_shown(value, spec):
    """How many significant digits ``format(value, spec)`` shows."""
    text = format(value, spec).replace(",", "").lstrip("-")
    if spec.endswith(("e", "E")):
        text = text.split("e")[0].split("E")[0]
    digits = text.rstrip("%").replace(".", "").lstrip("0")
    return max(len(digits), 1)


def test_the_significant_digits_shown_are_counted():
    assert significant_digits_shown(0.2054, ".3f") == 3
    assert significant_digits_shown(12.54, ".2f") == 4
    assert significant_digits_shown(8.82e-19, ".2e") == 3
    assert significant_digits_shown(0.9912, ".1%") == 3
    assert significant_digits_shown(-0.0023, ".4f") == 2


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_glued_float_is_stored_at_full_precision(path):
    nb = json.loads(path.read_text())
    raw = {name: text for name, text in glued_values(nb, compared_only=True).items()
           if is_raw_float(text)}
    assert not raw, (
        f"{path.name} glues floats without dlnotes.book.glue, so their last digits "
        f"depend on the CPU: {raw}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_reference_shows_more_digits_than_were_glued(path):
    nb = json.loads(path.read_text())
    values = glued_values(nb)
    too_many = []
    for name, spec in references(nb):
        assert name in values, f"{path.name}: {{eval}} references {name!r}, never glued"
        match = GLUED_FLOAT.match(values[name])
        assert not match or spec, f"{path.name}: glued.{name} is a float shown without a format"
        if not spec or not match or spec[-1] not in "eEfFgG%":
            continue
        glued_sig = len(match.group(1)) + 1
        shown = significant_digits_shown(float(values[name]), spec)
        if shown > glued_sig:
            too_many.append(f"{name}:{spec} shows {shown} digits, glued with sig={glued_sig}")
    assert not too_many, f"{path.name}: " + "; ".join(too_many)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_the_prose_quotes_numbers_in_one_form_jupyterlab_renders(path):
    text = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                   if c["cell_type"] == "markdown")
    assert "{glue:" not in text, f"{path.name}: {{glue:...}} shows as raw text in JupyterLab"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_jupyterlab_shows_the_stored_results_before_a_kernel_runs(path):
    nb = json.loads(path.read_text())
    filled = copy.deepcopy(nb)
    assert fill(filled) == [], f"{path.name}: see python -m tools.lab_expressions"
    stale = [i for i, (a, b) in enumerate(zip(nb["cells"], filled["cells"])) if a != b]
    assert not stale, (f"{path.name}: the stored results of cells {stale} are stale; "
                       "run python -m tools.lab_expressions")


def test_glue_keeps_the_value_for_the_kernel_side_expression():
    glue("kept_for_lab", 0.20561, sig=3)
    assert f"{glued.kept_for_lab:.2f}" == "0.21" and repr(glued.kept_for_lab) == "2.06e-01"


def test_a_raw_float_is_told_from_a_glued_one_a_string_and_an_int():
    assert is_raw_float("0.015493561985378084") and is_raw_float("98.7")
    assert not is_raw_float("1.54936e-02") and not is_raw_float("42")
    assert not is_raw_float("'median 0.40 (range 0.14 to 1.33)'") and not is_raw_float("nan")


def test_rounded_keeps_the_significant_digits_asked_for():
    assert rounded(0.015493561985378084, 4) == 0.01549
    assert rounded(np.float64(38.65980825409009), 6) == 38.6598
    assert rounded(7, 2) == 7 and rounded(0.0) == 0.0


def test_a_last_bit_difference_does_not_change_the_rounded_value():
    value = 0.015493561985378084
    assert rounded(value) == rounded(np.nextafter(value, 1)) == rounded(np.nextafter(value, 0))


def test_a_glued_float_records_its_precision_and_reads_back_as_the_float():
    g = _Glued(0.2054321, 3)
    assert repr(g) == "2.05e-01" and float(g) == 0.205
    assert float(repr(_Glued(536870912.0, 6))) == 536871000.0


def test_glue_refuses_a_bad_precision_name_or_value():
    with pytest.raises(ValueError, match="sig"):
        glue("x", 0.5, sig=0)
    with pytest.raises(ValueError, match="name"):
        glue("not a name", 0.5)
    with pytest.raises(ValueError, match="finite"):
        glue("x", float("nan"))
    with pytest.raises(TypeError, match="value"):
        glue("x", None)


def test_spread_and_solved_summarise_seeds():
    assert spread([0.2, 0.14, 0.35]) == "median 0.20 (range 0.14 to 0.35)"
    assert spread([98.0, 97.5], "{:.1f}%") == "median 97.8% (range 97.5% to 98.0%)"
    assert solved([True, False, True, True]) == "3 of 4"
    with pytest.raises(ValueError, match="values"):
        spread([])
