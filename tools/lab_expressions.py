"""Store in every markdown cell the results of its inline expressions, so a
chapter opened in JupyterLab shows its numbers before a kernel runs.

The prose quotes computed numbers as ``{eval}`f"{glued.name:.2f}"```
(dlnotes.book). jupyterlab-myst evaluates such an expression when the cell
runs and keeps the result in the cell's ``user_expressions`` metadata; when
the notebook is opened it shows what that metadata holds. This tool writes
it from the notebook's stored glue outputs, the values its kernel held when
it was executed, formatted as the book formats them (myst-nb's
``format_plain_text``), so the two readers see the same text.

It also refuses what would break in JupyterLab: an expression of another
form, a name never glued, and a name glued only by a later cell (Run All
renders the markdown cell before that cell has run, so the reader would see
an error where the book shows the number).

    python -m tools.lab_expressions chapters/*.ipynb          # write
    python -m tools.lab_expressions --check chapters/*.ipynb  # stale? exit 1

``make execute`` runs it after executing the chapters.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from myst_nb.core.variables import format_plain_text

from dlnotes.book import GLUED_EXPRESSION as GLUED

EXPRESSION = re.compile(r"\{eval\}`([^`]*)`")
RECORD = "application/papermill.record/text/plain"
KEY = "user_expressions"


def expressions(cell):
    """The ``{eval}`` expressions of a markdown cell, in order, each once."""
    return list(dict.fromkeys(EXPRESSION.findall("".join(cell["source"]))))


def fill(nb):
    """Set ``user_expressions`` on every markdown cell of ``nb`` (a dict in
    nbformat 4) from its stored glue outputs; return the problems found as
    a list of str (empty if none), leaving a cell with a problem unfilled."""
    glued, problems = {}, []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            for out in cell.get("outputs", []):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name")
                if name is not None:
                    glued[name] = out["data"][RECORD]
            continue
        if cell["cell_type"] != "markdown":
            continue
        results = []
        for expression in expressions(cell):
            match = GLUED.match(expression)
            if match is None:
                problems.append(f"cell {index}: {expression!r} is not f\"{{glued.name:format}}\"")
                continue
            name, spec = match.groups()
            if name not in glued:
                problems.append(f"cell {index}: {name!r} is not glued by any cell above it")
                continue
            text = format_plain_text(glued[name], spec or "s")  # the book's {glue:text}
            results.append({"expression": expression,
                            "result": {"status": "ok", "data": {"text/plain": repr(text)},
                                       "metadata": {}}})
        if results:
            cell["metadata"][KEY] = results
        else:
            cell["metadata"].pop(KEY, None)
    return problems


def _write(path, nb):
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any notebook's results are stale")
    args = parser.parse_args(argv)
    failed = False
    for path in args.notebooks:
        before = json.loads(path.read_text())
        nb = json.loads(path.read_text())
        problems = fill(nb)
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        failed |= bool(problems)
        if nb != before:
            if args.check:
                print(f"{path}: stored expression results are stale; "
                      "run python -m tools.lab_expressions", file=sys.stderr)
                failed = True
            else:
                _write(path, nb)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
