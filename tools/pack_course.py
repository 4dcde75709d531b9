"""Pack the course a learner takes home into one zip: the chapters, dlnotes,
the pins and the Makefile, with a short README that says how to run it.

    python -m tools.pack_course [OUT]   # default _build/course/dl-models-course.zip

`make book` runs this before the build, and the book's intro links the zip
(Sphinx's download role copies it into the site), so a reader of the online
book gets the notebooks and the package they import in one download. The zip
is reproducible: fixed timestamps, sorted entries, the same bytes for the same
sources.
"""

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "dl-models-course"
DEFAULT_OUT = ROOT / "_build" / "course" / f"{NAME}.zip"
# what `make lab` needs, and nothing of the course's own tooling
FILES = ["Makefile", "pyproject.toml", "requirements.txt", "constraints.txt"]
GLOBS = ["chapters/*.ipynb", "chapters/*.md", "dlnotes/**/*.py"]
EPOCH = (2026, 1, 1, 0, 0, 0)

README = """\
# Deep Learning Models, by hand: the notebooks

The chapters of the course as Jupyter notebooks (`chapters/`) and `dlnotes`,
the small numpy package that implements every model in them.

## Run it

With Python 3.10 or newer and `make`:

```bash
make lab
```

creates `.venv/`, installs the pinned packages (`requirements.txt`, checked
against `constraints.txt`) and dlnotes itself, and opens JupyterLab on
`chapters/`. Open a chapter and run it top to bottom (Run > Run All Cells). It
needs the network once, for the Python package index.

Without `make`, the same by hand:

```bash
python3 -m venv .venv
.venv/bin/pip install -r requirements.txt -c constraints.txt
.venv/bin/pip install --no-deps -e .
.venv/bin/jupyter lab chapters
```

(on Windows, `.venv\\Scripts\\` in place of `.venv/bin/`).

## dlnotes

The package installs as the distribution `dlnotes-course` and imports as
`dlnotes` (`pip install .` in this folder); the unrelated `dlnotes` on the
public package index is not it. Each module holds one model family; every
layer is a pair of functions, `out, cache = f_forward(...)` and
`grads = f_backward(dout, cache)`, with shapes in every docstring.

The book, its tests and the benchmark live in the course's repository; this
folder holds what you need to study.
"""


def members():
    """(archive name, source path or None for the README), sorted."""
    paths = [ROOT / f for f in FILES]
    for pattern in GLOBS:
        paths += [p for p in ROOT.glob(pattern) if "__pycache__" not in p.parts]
    entries = [(f"{NAME}/{p.relative_to(ROOT).as_posix()}", p) for p in paths]
    entries.append((f"{NAME}/README.md", None))
    return sorted(entries)


def pack(out=DEFAULT_OUT):
    """Write the zip to ``out`` and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in members():
            info = zipfile.ZipInfo(name, EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = README.encode() if path is None else path.read_bytes()
            z.writestr(info, data)
    return out


if __name__ == "__main__":
    print(pack(*sys.argv[1:]))
