"""The benchmark's pieces on tiny sizes: they run and report well-formed rows.

No wall time is asserted anywhere: the benchmark measures, the tests check
that what it measures is what it says.
"""

import math

import ipywidgets as W
import nbformat
import pytest

from dlnotes.viz.live import LiveFigure, Slider, Text, Toggle
from tools import bench

SUMMARY_KEYS = {"updates", "compute_median", "compute_p95", "draw_median", "draw_p95",
                "update_median", "update_p95", "cpu_share", "flags", "slowest"}


def _tiny_live(**controls):
    return LiveFigure(controls, lambda **v: dict(v), lambda fig, r: None, figsize=(1, 1))


def test_discovery_finds_the_chapter_factories_and_their_required_arguments():
    found = bench.discover_factories()
    assert found[("dlnotes.viz.mlp", "loss_curve_widget")] == []
    assert found[("dlnotes.viz.rnn", "reading_widget")] == ["params", "vocab", "classes", "text"]
    assert ("dlnotes.viz.mlp", "draw_loss_curve") not in found  # draws, builds no widget
    assert all(module.startswith("dlnotes.viz.") for module, _ in found)


def test_discovery_follows_factories_that_call_factories(tmp_path):
    (tmp_path / "a.py").write_text(
        "from .live import LiveFigure\n"
        "def direct(model, k=1, *, scale):\n    return LiveFigure({}, None, None)\n"
        "def plot(fig, r):\n    fig.add_subplot()\n")
    (tmp_path / "b.py").write_text(
        "from .a import direct\n"
        "def wrapper(k=2):\n    return direct(None, k, scale=1)\n")
    found = bench.discover_factories(tmp_path, "pkg")
    assert found == {("pkg.a", "direct"): ["model", "scale"], ("pkg.b", "wrapper"): []}


def test_sweep_covers_every_control_type_within_its_range():
    assert bench.sweep(W.IntSlider(value=5, min=2, max=32), 4) == \
        [("value", v) for v in (2, 12, 22, 32)]
    log = [v for _, v in bench.sweep(W.FloatLogSlider(value=1, base=10, min=-2, max=0), 3)]
    assert [round(v, 12) for v in log] == [0.01, 0.1, 1.0]
    stepped = [v for _, v in bench.sweep(W.IntSlider(value=5, min=5, max=40, step=5), 4)]
    assert stepped[0] == 5 and stepped[-1] == 40 and all(v % 5 == 0 for v in stepped)
    assert bench.sweep(W.Dropdown(options=["a", "b", "c"]), 7) == \
        [("index", 0), ("index", 1), ("index", 2)]
    assert bench.sweep(W.Checkbox(value=True), 7) == [("value", False), ("value", True)]
    assert bench.sweep(W.Text(value="the movie was good"), 7) == [
        ("value", t) for t in ("", "the", "the movie", "the movie was", "the movie was good")]
    assert [v for _, v in bench.sweep(W.Text(value="314"), 7)] == ["", "3", "31", "314"]
    assert bench.sweep(W.IntRangeSlider(value=(1, 2), min=0, max=3), 7) == []  # not swept


def test_drive_reports_one_row_per_update_and_restores_every_control():
    live = _tiny_live(n=Slider("n", 3, 0, 6, 1, book=[3]), on=Toggle("on", False),
                      word=Text("word", "ab", book=["ab"]))
    rows = bench.drive(live, points=3)
    # n: 0, 3, 6; on: True, False; word: "", "a", "ab"; restoring n to 3 is not a row
    assert [(r["control"], r["value"]) for r in rows] == [
        ("n", "0"), ("n", "3"), ("n", "6"), ("on", "True"), ("on", "False"),
        ("word", "''"), ("word", "'a'"), ("word", "'ab'")]
    assert all(r["compute"] >= 0 and r["draw"] >= 0 and r["cpu"] >= 0 for r in rows)
    assert live.values() == {"n": 3, "on": False, "word": "ab"}


def test_summary_has_every_statistic_and_flags_the_goals():
    fast = [{"control": "k", "compute": 0.001, "draw": 0.01, "cpu": 0.011}] * 5
    slow = [{"control": "k", "compute": 0.05, "draw": 0.08, "cpu": 0.065}] * 5
    s = bench.summarize(fast)
    assert set(s) == SUMMARY_KEYS and s["flags"] == [] and s["updates"] == 5
    assert math.isclose(s["update_median"], 0.011) and math.isclose(s["cpu_share"], 1.0)
    s = bench.summarize(fast + slow)
    assert s["flags"] == ["update p95 > 100 ms", "compute p95 > 30 ms"]
    assert math.isclose(s["compute_median"], (0.001 + 0.05) / 2)


@pytest.mark.parametrize("kind, size, formula", [
    ("dense", (3, 4, 5), 6 * 3 * 4 * 5),
    ("conv2d", (2, 3, 5, 5, 4, 3, 1), 6 * 2 * 4 * 3 * 3 * 3 * 5 * 5),
    ("rnn", (2, 3, 4, 5), 6 * 2 * 3 * 5 * (4 + 5) + 2 * 2 * 5 * 5),  # + dh0's product
    ("lstm", (2, 3, 4, 5), 24 * 2 * 3 * 5 * (4 + 5)),
    ("gru", (2, 3, 4, 5), 18 * 2 * 3 * 5 * (4 + 5)),
])
def test_flop_counts_are_the_stated_formulas(kind, size, formula):
    assert bench.flops(kind, size) == formula


def test_kernel_rows_are_well_formed_at_tiny_sizes():
    sizes = {"dense": [(3, 4, 5)], "conv2d": [(2, 3, 5, 5, 4, 3, 1)], "rnn": [(2, 3, 4, 5)],
             "lstm": [(2, 3, 4, 5)], "gru": [(2, 3, 4, 5)]}
    out = bench.run_kernels(sizes, min_time=0.0)
    assert [r["kernel"] for r in out["rows"]] == list(sizes)
    assert out["blas_threads"] == [1]
    for r in out["rows"]:
        assert r["flops"] == bench.flops(r["kernel"], tuple(r["size"]))
        assert 0 < r["best"] <= r["median"] and r["gflops"] > 0 and r["of_matmul"] > 0
        assert r["formula"] == bench.FORMULAS[r["kernel"]]
    assert "| dense | 3x4x5 | 6 N D M |" in "\n".join(bench.kernel_lines(out))


def test_the_comparison_with_pytorch_says_so_when_torch_is_missing(monkeypatch):
    monkeypatch.setattr(bench, "import_torch", lambda: None)
    assert bench.run_torch(min_time=0.0) == {"torch": None, "rows": []}
    lines = bench.torch_lines({"torch": None, "rows": []})
    assert len(lines) == 1 and "not importable" in lines[0] and bench.TORCH_VERSION in lines[0]
    table = bench.report({"when": "t", "machine": "m", "revision": "r",
                          "torch": {"torch": None, "rows": []}})
    assert "### Kernels against PyTorch" in table and "not importable" in table


def test_pytorch_rows_are_well_formed_at_tiny_sizes():
    pytest.importorskip("torch")  # only `make bench` installs it
    sizes = {"conv2d": [(2, 3, 5, 5, 4, 3, 1)], "lstm": [(2, 3, 4, 5)]}
    out = bench.run_torch(sizes, min_time=0.0)
    assert out["threads"] == 1 and [r["kernel"] for r in out["rows"]] == list(sizes)
    for r in out["rows"]:
        assert r["reps"] >= 5 and 0 < r["best"] <= r["median"]
        assert 0 < r["torch_best"] <= r["torch_median"] and r["ratio"] > 0
        assert r["ratio_median"] > 0
    text = "\n".join(bench.torch_lines(out))
    assert "| conv2d | 2x3x5x5x4x3x1 |" in text and "| lstm | 2x3x4x5 |" in text


def test_a_notebook_runs_in_a_fresh_kernel_and_its_widgets_are_driven(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in [
        "from dlnotes.viz.live import LiveFigure, Slider",
        "def tiny_widget():\n"
        "    return LiveFigure({'k': Slider('k', 1, 0, 2, 1, book=[1])},\n"
        "                      lambda k: k, lambda fig, r: None, figsize=(1, 1))",
        "tiny_widget()",
    ]])
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    out = bench.run_notebook(tmp_path / "tiny.ipynb", points=3)
    assert out["error"] is None and out["cells"] > 0 and out["kernel_start"] > 0
    (w,) = out["widgets"]
    assert w["factory"] == "__main__.tiny_widget" and w["blas_threads"] == [1]
    assert [r["value"] for r in w["rows"]] == ["0", "1", "2"]

    nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(nb, tmp_path / "broken.ipynb")
    out = bench.run_notebook(tmp_path / "broken.ipynb", points=3)
    assert "ZeroDivisionError" in out["error"] and out["widgets"] == []


def test_report_fills_the_readme_and_keeps_the_last_full_timing(tmp_path):
    widgets = [{"factory": "dlnotes.viz.x.w", "notebook": "01.ipynb",
                "rows": [{"control": "k", "compute": 0.04, "draw": 0.2, "cpu": 0.2}]},
               {"factory": "dlnotes.viz.x.v", "skipped": "needs model"}]
    results = {"when": "today", "machine": "m", "revision": "abc", "widgets": widgets,
               "notebooks": [{"notebook": "01.ipynb", "cells": 1.5, "kernel_start": 0.5,
                              "widgets": widgets[:1], "error": None}]}
    old = f"{bench.FULL_START}\nMeasured yesterday: make test 600 s\n{bench.FULL_END}"
    table = bench.report(results, bench._between(old, bench.FULL_START, bench.FULL_END))
    assert "| x.w | 01.ipynb | 1 | 40.0 / 40.0 | 200.0 / 200.0 | 240.0 / 240.0 | 83% | k |" \
        " update p95 > 100 ms, compute p95 > 30 ms |" in table
    assert "| x.v | defaults |" in table and "needs model" in table
    assert "| 01.ipynb | 1.5 | 0.5 | 1 | ok |" in table
    assert "Measured yesterday: make test 600 s" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\nprose\n{bench.TABLE_START}\nold table\n{bench.TABLE_END}\nend\n")
    bench.update_readme(readme, table)
    text = readme.read_text()
    assert "old table" not in text and table in text and text.endswith(
        f"{bench.TABLE_END}\nend\n") and text.startswith("# Bench\nprose\n")
    makes = [{"target": "make test", "seconds": 612.4, "returncode": 0, "log": "l"}]
    bench.update_readme(readme, full=bench.full_block({"make": makes, "when": "now"}))
    text = readme.read_text()
    assert "Measured now." in text and "| make test | 612 | ok |" in text
    assert "yesterday" not in text and "| 01.ipynb | 1.5 |" in text  # the rest kept
    readme.write_text(f"# Bench\n{bench.TABLE_START}\nNot run yet.\n{bench.TABLE_END}\n")
    bench.update_readme(readme, full=bench.full_block({"make": makes, "when": "now"}))
    assert bench._between(readme.read_text(), bench.FULL_START, bench.FULL_END).startswith(
        "Measured now.")


def test_factories_no_notebook_builds_are_built_with_defaults_or_listed():
    factories = {("tools.bench", "reference_widget"): [], ("dlnotes.viz.x", "w"): ["model"]}
    out = bench.default_widgets(factories, [], points=2)
    assert [w["factory"] for w in out] == ["tools.bench.reference_widget"] * 2 + ["dlnotes.viz.x.w"]
    assert all([r["value"] for r in w["rows"]] == ["7"] for w in out[:2])  # 1 is its start
    assert out[2]["skipped"] == "no notebook builds it and it needs model"
    built = [{"factory": "tools.bench.reference_widget"}]
    assert [w["factory"] for w in bench.default_widgets(factories, built, points=2)] == \
        ["tools.bench.reference_widget", "dlnotes.viz.x.w"]
