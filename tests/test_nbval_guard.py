"""nbval guards the stored numbers: a notebook whose stored output disagrees
with what the code computes fails the notebook tests."""

import json
import shutil
import subprocess
import sys

from conftest import ROOT


def test_a_changed_stored_number_fails_nbval(tmp_path):
    nb_path = tmp_path / "ch1.ipynb"
    shutil.copy(ROOT / "chapters" / "01_mlp_backprop.ipynb", nb_path)
    nb = json.loads(nb_path.read_text())
    changed = False
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", []))
            if "L     = 0.5932" in text:
                out["text"] = text.replace("L     = 0.5932", "L     = 0.5933")
                changed = True
    assert changed, "the forward-pass cell no longer prints the loss"
    nb_path.write_text(json.dumps(nb))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", str(nb_path), "-q", "-p", "no:cacheprovider",
         "-x", "--nbval-cell-timeout=120"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert run.returncode != 0
    assert "0.5933" in run.stdout and "0.5932" in run.stdout
