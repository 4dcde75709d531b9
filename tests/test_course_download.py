"""The course as one download: the zip the book links holds what `make lab`
needs, and unpacked on its own it sets itself up and runs a chapter."""

import os
import subprocess
import sys
import zipfile

import pytest
from conftest import BOOK, ROOT

from tools import pack_course


def test_the_zip_holds_the_chapters_dlnotes_and_the_pins(tmp_path):
    names = zipfile.ZipFile(pack_course.pack(tmp_path / "c.zip")).namelist()
    top = pack_course.NAME
    for needed in ["Makefile", "pyproject.toml", "requirements.txt", "constraints.txt",
                   "README.md", "dlnotes/__init__.py", "dlnotes/viz/live.py",
                   "dlnotes/selfcheck/__init__.py", "chapters/01_mlp_backprop.ipynb"]:
        assert f"{top}/{needed}" in names, f"{needed} missing from the download"
    chapters = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
    assert chapters == sorted(n.split("/")[-1] for n in names if n.endswith(".ipynb"))
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_zip_is_the_same_bytes_for_the_same_sources(tmp_path):
    a = pack_course.pack(tmp_path / "a.zip").read_bytes()
    b = pack_course.pack(tmp_path / "b.zip").read_bytes()
    assert a == b


def built_zip():
    found = sorted((BOOK / "_downloads").glob(f"*/{pack_course.NAME}.zip"))
    if not found:
        pytest.fail("the built book serves no course zip: run `make book`")
    return found[0]


@pytest.mark.book
def test_the_intro_links_the_zip_the_site_serves():
    path = built_zip()
    intro = (BOOK / "chapters" / "intro.html").read_text()
    assert path.relative_to(BOOK).as_posix() in intro.replace("../", "")


@pytest.mark.book
def test_the_unpacked_zip_sets_itself_up_and_runs_a_chapter(tmp_path):
    zipfile.ZipFile(built_zip()).extractall(tmp_path)
    course = tmp_path / pack_course.NAME
    # a learner's shell: none of this checkout's make or virtualenv settings
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAKE", "MFLAGS", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not p.startswith(str(ROOT)))
    setup = subprocess.run(["make", "setup"], cwd=course, env=env,
                           capture_output=True, text=True, timeout=1500)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    run = subprocess.run(
        [str(course / ".venv" / "bin" / "jupyter"), "nbconvert", "--to", "notebook",
         "--execute", "--output", str(tmp_path / "ran.ipynb"),
         "chapters/01_mlp_backprop.ipynb"],
        cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "ran.ipynb").stat().st_size > 0


def first_cells(path):
    import json

    cells = json.loads(path.read_text())["cells"]
    code = next(c for c in cells if c["cell_type"] == "code")
    return "".join(cells[0]["source"]), "".join(code["source"])


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_a_chapter_links_the_zip_and_says_what_to_install_without_dlnotes(path, tmp_path):
    header, guard = first_cells(path)
    assert "dl-models-course.zip" in header
    # -S: no site-packages, so no dlnotes, as for a notebook downloaded alone
    run = subprocess.run([sys.executable, "-S", "-c", guard], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode != 0
    assert "ModuleNotFoundError" in run.stderr and "make lab" in run.stderr
    assert subprocess.run([sys.executable, "-c", guard]).returncode == 0
