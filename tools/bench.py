"""The course benchmark: widgets, notebooks and dlnotes kernels, timed in one run.

    python -m tools.bench          # widgets, notebooks, kernels: a few minutes
    python -m tools.bench --full   # also `make test` and a clean `make book`: long
    make bench                     # the first line; `make bench BENCH=--full` the second

What is measured (see bench/README.md for the latest table):

- widgets: every LiveFigure factory in dlnotes/viz/*.py, found by reading the
  source. The widgets the chapters build (with their trained models) are taken
  from the notebook runs; a factory no notebook calls is built with its
  defaults. Each control is moved over its range and back, and
  ``live.timings`` gives the compute and draw time of every update.
  Goals: an update's p95 under 100 ms, compute's p95 under 30 ms.
- notebooks: every chapters/*.ipynb executed by nbclient in a fresh kernel
  with one BLAS thread; the time of its cells, and the kernel start apart.
- kernels: forward + backward of dense, conv2d, RNN, LSTM and GRU in float64
  with one BLAS thread, as FLOP/s (matrix-product FLOPs only) and as fractions
  of numpy's square matrix product of a comparable size, and of the very
  products the kernel is made of, both timed in the same run; and conv2d and
  the LSTM at the issue's sizes against PyTorch on CPU (one thread, float64,
  the same forward + backward, called in turn, CPU time), when torch is
  importable: the table says so when it is not.
- with --full: the wall time of `make test` and of `make book` after removing
  _build/.

The table is printed, written to bench/results-<date>.txt (ignored by git) and,
after a complete run, put into bench/README.md between its table markers.
"""

import argparse
import ast
import contextlib
import datetime
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VIZ = ROOT / "dlnotes" / "viz"
CHAPTERS = ROOT / "chapters"
BENCH = ROOT / "bench"

GOAL_UPDATE = 0.100  # s, p95 of compute + draw per update
GOAL_COMPUTE = 0.030  # s, p95 of compute per update
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MARK = "BENCH-JSON "

# ---------------------------------------------------------------- widgets


def _called_names(node):
    """Names of everything called inside ``node``: f(...) -> f, m.f(...) -> f."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if isinstance(sub.func, ast.Name):
                names.add(sub.func.id)
            elif isinstance(sub.func, ast.Attribute):
                names.add(sub.func.attr)
    return names


def _required(fn):
    """Parameter names of an ast.FunctionDef that have no default."""
    a = fn.args
    positional = a.posonlyargs + a.args
    required = [p.arg for p in positional[: len(positional) - len(a.defaults)]]
    required += [p.arg for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is None]
    return required


def discover_factories(viz_dir=VIZ, package="dlnotes.viz"):
    """Every LiveFigure factory in ``viz_dir``/*.py, found by reading the source.

    A factory is a top-level function that calls ``LiveFigure(...)`` or
    another factory, so a new widget is benchmarked without being listed here.

    Returns
    -------
    dict (module, function name) -> list of the parameters with no default
    """
    funcs = {}
    for path in sorted(Path(viz_dir).glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                funcs[(f"{package}.{path.stem}", node.name)] = node
    makers, found = {"LiveFigure"}, {}
    while True:
        new = {k: fn for k, fn in funcs.items() if k not in found and _called_names(fn) & makers}
        if not new:
            return {k: _required(fn) for k, fn in sorted(found.items())}
        found.update(new)
        makers |= {name for _, name in new}


def sweep(control, points=7):
    """The settings a learner moves ``control`` through, as (attribute, value).

    Options (drop-downs): each option. Check boxes: off and on. Sliders:
    ``points`` values from min to max on the slider's step (a log slider on its
    exponent). Text: the default text typed word by word (letter by letter
    for one word), from empty, at most 2 ``points`` + 1 prefixes. Other
    controls: none.
    """
    value = control.value
    if hasattr(control, "options") and hasattr(control, "index"):
        return [("index", i) for i in range(len(control.options))]
    if isinstance(value, bool):
        return [("value", not value), ("value", value)]
    if isinstance(value, str):
        words = value.split()
        parts = [" ".join(words[:k]) for k in range(len(words) + 1)] if len(words) > 1 \
            else [value[:k] for k in range(len(value) + 1)]
        keep = np.unique(np.linspace(0, len(parts) - 1, min(len(parts), 2 * points + 1)).round())
        return [("value", parts[int(k)]) for k in keep]
    if not (hasattr(control, "min") and isinstance(value, (int, float))):
        return []
    lo, hi, step = control.min, control.max, control.step or (control.max - control.min) / points
    grid = np.clip(lo + step * np.round((np.linspace(lo, hi, points) - lo) / step), lo, hi)
    if hasattr(control, "base"):  # FloatLogSlider: min, max and step are exponents
        return [("value", float(control.base ** e)) for e in grid]
    if isinstance(value, int):
        return [("value", int(v)) for v in np.unique(grid.round())]
    return [("value", float(v)) for v in grid]


def drive(live, points=7):
    """Move every control of ``live`` over its ``sweep``, then back to its start.

    Returns one dict per update: control, value, compute and draw (wall
    seconds, from ``live.timings``) and cpu (this process's CPU seconds for
    the whole change; below compute + draw when other work shares the core).
    Restoring a control is not counted.
    """
    rows = []
    for name, control in live.controls.items():
        start = control.value
        for attr, value in sweep(control, points):
            n, cpu = len(live.timings), time.process_time()
            setattr(control, attr, value)
            cpu = (time.process_time() - cpu) / max(1, len(live.timings) - n)
            rows += [{"control": name, "value": repr(control.value)[:24],
                      "compute": c, "draw": d, "cpu": cpu} for c, d in live.timings[n:]]
        control.value = start
    return rows


def reference_widget():
    """The floor of a redraw on this machine: a LiveFigure whose compute does
    nothing and whose draw is one labelled line plot."""
    from dlnotes.viz.live import LiveFigure, Slider

    def draw(fig, k):
        ax = fig.add_subplot()
        ax.plot(np.arange(100) * k)
        ax.set_xlabel("step")
        ax.set_ylabel("value")
        ax.set_title(f"Reference: one line, slope {k}")

    return LiveFigure({"k": Slider("k", 1, 1, 7, 1, book=[1])}, lambda k: k, draw,
                      figsize=(7, 3.5))


def blas_threads():
    """The thread counts of the BLAS libraries loaded in this process."""
    from threadpoolctl import threadpool_info

    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})


def drive_all(built, points=7):
    """Drive every (module, function, LiveFigure) of ``built``; JSON-ready rows."""
    out = []
    for module, func, live in built:
        entry = {"factory": f"{module}.{func}", "blas_threads": blas_threads()}
        try:
            entry["rows"] = drive(live, points)
        except Exception as err:  # reported in the table, the run goes on
            entry["error"] = f"{type(err).__name__}: {err}"
        out.append(entry)
    return out


def summarize(rows):
    """Median and p95 (seconds) of compute, draw and their sum, and the goal flags."""
    c = np.array([r["compute"] for r in rows])
    d = np.array([r["draw"] for r in rows])
    s = {"updates": len(rows)}
    for key, x in [("compute", c), ("draw", d), ("update", c + d)]:
        s[f"{key}_median"] = float(np.median(x)) if len(x) else float("nan")
        s[f"{key}_p95"] = float(np.percentile(x, 95)) if len(x) else float("nan")
    cpu = sum(r.get("cpu", 0.0) for r in rows)
    s["cpu_share"] = cpu / float(np.sum(c + d)) if len(rows) and cpu else float("nan")
    s["flags"] = []
    if s["update_p95"] > GOAL_UPDATE:
        s["flags"].append("update p95 > 100 ms")
    if s["compute_p95"] > GOAL_COMPUTE:
        s["flags"].append("compute p95 > 30 ms")
    by_control = {}
    for r in rows:
        by_control.setdefault(r["control"], []).append(r["compute"] + r["draw"])
    if by_control:
        s["slowest"] = max(by_control, key=lambda k: np.percentile(by_control[k], 95))
    return s


# -------------------------------------------------------------- notebooks

# Run before a notebook's cells: note which function built each LiveFigure.
SETUP_CELL = """\
import sys as _bench_sys
from dlnotes.viz import live as _bench_live
_bench_built = []
_bench_init = _bench_live.LiveFigure.__init__
def _bench_record(self, *args, **kwargs):
    caller = _bench_sys._getframe(1)
    _bench_built.append((caller.f_globals.get("__name__"), caller.f_code.co_name, self))
    _bench_init(self, *args, **kwargs)
_bench_live.LiveFigure.__init__ = _bench_record
"""

# Run after them: drive every widget the notebook built and print the rows.
DRIVE_CELL = """\
import json as _bench_json
from tools.bench import MARK as _bench_mark, drive_all as _bench_drive_all
print(_bench_mark + _bench_json.dumps(_bench_drive_all(_bench_built, {points})))
"""


@contextlib.contextmanager
def kernel_env():
    """Environment of the kernels started inside: one BLAS thread, inline
    figures as in JupyterLab, and this checkout's ``tools`` importable."""
    saved = dict(os.environ)
    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in [saved.get("PYTHONPATH")] if p])
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    os.environ.pop("MPLBACKEND", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_notebook(path, harvest=True, points=7, timeout=900):
    """Execute one notebook top to bottom in a fresh kernel.

    Returns a dict: ``notebook``, ``kernel_start`` and ``cells`` (seconds:
    starting the kernel, then running every cell), ``error`` (None or the
    failing cell's error), and with ``harvest`` the ``widgets`` it built,
    driven after its last cell (``drive_all`` rows).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if harvest:
        nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP_CELL))
        nb.cells.append(nbformat.v4.new_code_cell(DRIVE_CELL.format(points=points)))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    out = {"notebook": path.name, "error": None, "widgets": []}
    own = nb.cells[:-1] if harvest else nb.cells
    with kernel_env():
        client.reset_execution_trackers()
        t0 = time.perf_counter()
        with client.setup_kernel():
            t1 = time.perf_counter()
            try:
                for i, cell in enumerate(own):
                    client.execute_cell(cell, i)
            except CellExecutionError as err:
                out["error"] = str(err).strip().splitlines()[-1][:200]
            t2 = time.perf_counter()
            if harvest and not out["error"]:
                client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
                text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
                line = next(s for s in text.splitlines() if s.startswith(MARK))
                out["widgets"] = json.loads(line[len(MARK):])
    out["kernel_start"], out["cells"] = t1 - t0, t2 - t1
    return out


def default_widgets(factories, built, points=7):
    """Build with its defaults and drive each factory that no notebook built;
    a factory with required parameters is listed as not exercised."""
    done = {w["factory"] for w in built}
    out = [dict(drive_all([("tools.bench", "reference_widget", reference_widget())], points)[0],
                notebook="bench")]
    for (module, func), required in factories.items():
        name = f"{module}.{func}"
        if name in done:
            continue
        if required:
            out.append({"factory": name, "skipped": "no notebook builds it and it needs "
                                                    + ", ".join(required)})
            continue
        live = getattr(importlib.import_module(module), func)()
        out += drive_all([(module, func, live)], points)
    return out


# ---------------------------------------------------------------- kernels

# Each kernel: its matrix products as (m, k, n, count), an (m, k) x (k, n)
# product costing 2 m k n FLOPs, and the FLOP formula they add up to.
# Elementwise work (activations, biases, col2im) is not counted: it is the
# overhead that keeps a kernel below the speed of its products.
FORMULAS = {
    "dense": "6 N D M",
    "conv2d": "6 N F C KH KW OH OW",
    "rnn": "6 N T H (D + H)",
    "lstm": "24 N T H (D + H)",
    "gru": "18 N T H (D + H)",
    "attention": "12 N T^2 D",  # dot product, Tq = Tk = T, Dv = D: 6 products of 2 N T^2 D
}

SIZES = {
    "dense": [(256, 512, 512), (64, 256, 256), (16, 64, 64)],  # N, D, M
    "conv2d": [(64, 8, 16, 16, 16, 3, 1), (16, 8, 16, 16, 16, 3, 1),
               (32, 1, 8, 8, 8, 3, 1)],  # N, C, H, W, F, K, pad
    "rnn": [(32, 50, 16, 64), (16, 20, 8, 32), (4, 10, 4, 16)],  # N, T, D, H
    "lstm": [(32, 50, 16, 64), (16, 20, 8, 32), (4, 10, 4, 16)],
    "gru": [(32, 50, 16, 64), (16, 20, 8, 32), (4, 10, 4, 16)],
    "attention": [(32, 50, 64), (16, 20, 32), (4, 10, 16)],  # N, T, D
}


def products(kind, size):
    """The matrix products of one forward + backward, as (m, k, n, count)."""
    if kind == "dense":
        N, D, M = size
        return [(N, D, M, 1), (N, M, D, 1), (M, N, D, 1)]  # out, dx, dW
    if kind == "conv2d":
        N, C, H, W, F, K, pad = size
        P, R = N * (H + 2 * pad - K + 1) * (W + 2 * pad - K + 1), C * K * K
        return [(F, R, P, 1), (F, P, R, 1), (R, F, P, 1)]  # out, dW, dcols
    if kind == "attention":  # scores, context; dV, da, dq, dK: N products each
        N, T, D = size
        return [(T, D, T, N), (T, T, D, N), (T, T, D, N), (T, D, T, N), (T, T, D, N),
                (T, T, D, N)]
    N, T, D, H = size
    if kind == "rnn":  # x projection, T recurrent; T in BPTT, dW_x, dW_h, dx, dh0
        return [(N * T, D, H, 1), (N, H, H, 2 * T + 1), (H, N * T, D, 1),
                (H, N * T, H, 1), (N * T, H, D, 1)]
    if kind == "lstm":  # four gates stacked: 4H rows
        return [(N * T, D, 4 * H, 1), (N, H, 4 * H, T), (N, 4 * H, H, T),
                (4 * H, N * T, D, 1), (4 * H, N * T, H, 1), (N * T, 4 * H, D, 1)]
    if kind == "gru":  # gates u, r (2H) and the candidate (H) are separate products
        return [(N * T, D, 3 * H, 1), (N, H, 2 * H, T), (N, H, H, T), (N, H, H, T),
                (N, 2 * H, H, T), (3 * H, N * T, D, 1), (2 * H, N * T, H, 1),
                (H, N * T, H, 1), (N * T, 3 * H, D, 1)]
    raise ValueError(f"kind must be one of {list(FORMULAS)}, got {kind!r}")


def flops(kind, size):
    """Matrix-product FLOPs of one forward + backward: sum of 2 m k n."""
    return sum(2 * m * k * n * c for m, k, n, c in products(kind, size))


def kernel_call(kind, size, rng):
    """A function that runs dlnotes' forward + backward once on random data."""
    from dlnotes import attention, conv, dense, gru, lstm, rnn

    r = rng.standard_normal
    if kind == "dense":
        N, D, M = size
        x, W, b, dout = r((N, D)), r((M, D)) / np.sqrt(D), r(M), r((N, M))
        return lambda: dense.dense_backward(dout, dense.dense_forward(x, W, b)[1])
    if kind == "conv2d":
        N, C, H, W_, F, K, pad = size
        x, W, b = r((N, C, H, W_)), r((F, C, K, K)) / K, r(F)
        dout = r((N, F, H + 2 * pad - K + 1, W_ + 2 * pad - K + 1))
        return lambda: conv.conv2d_backward(dout, conv.conv2d_forward(x, W, b, 1, pad)[1])
    if kind == "attention":
        N, T, D = size
        q, K, V, dc = r((N, T, D)), r((N, T, D)), r((N, T, D)), r((N, T, D))
        mask = np.arange(T) < np.maximum(1, T - np.arange(N) % 3)[:, None]  # some padding
        return lambda: attention.dot_product_attention_backward(
            dc, attention.dot_product_attention_forward(q, K, V, mask)[2])
    N, T, D, H = size
    x, h0, dh = r((N, T, D)), r((N, H)), r((N, T, H))
    if kind == "rnn":
        p = {"W_x": r((H, D)) / np.sqrt(D), "W_h": r((H, H)) / np.sqrt(H), "b_x": r(H)}
        return lambda: rnn.rnn_backward(dh, rnn.rnn_forward(x, h0, p)[1])
    if kind == "lstm":
        p, c0 = lstm.lstm_init(D, H, rng), r((N, H))
        return lambda: lstm.lstm_backward(dh, lstm.lstm_forward(x, h0, c0, p)[2])
    p = gru.gru_init(D, H, rng)
    return lambda: gru.gru_backward(dh, gru.gru_forward(x, h0, p)[1])


def products_call(kind, size, rng):
    """A function that runs only the kernel's matrix products, on contiguous arrays."""
    mats = [(rng.standard_normal((m, k)), rng.standard_normal((k, n)), c)
            for m, k, n, c in products(kind, size)]

    def run():
        for a, b, c in mats:
            for _ in range(c):
                a @ b
    return run


def time_call(fn, min_time=0.2, min_reps=5, max_reps=5000):
    """(median, best) seconds of ``fn()`` after one warm-up call: at least
    ``min_reps`` calls and ``min_time`` seconds, at most ``max_reps`` calls."""
    fn()
    times, start = [], time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_time
                                    and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(min(times))


def matmul_gflops(n, rng, min_time=0.2):
    """numpy's best FLOP/s (in GFLOP/s) on an n x n by n x n float64 product."""
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return 2 * n**3 / time_call(lambda: a @ b, min_time)[1] / 1e9


def run_kernels(sizes=None, min_time=0.2, seed=0):
    """Time every kernel at every size, one BLAS thread; one dict per row.

    FLOP/s use the best time of each (kernel and matmul alike): on a shared
    machine the best run is the one least disturbed by other work.
    ``of_matmul`` is the kernel's GFLOP/s over the square matmul's with n the
    cube root of the kernel's mean m k n per product; ``of_products`` is the
    time of the kernel's own products alone over the kernel's time.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    rows, ref = [], {}
    with threadpool_limits(limits=1, user_api="blas"):
        for kind, kind_sizes in (sizes or SIZES).items():
            for size in kind_sizes:
                prods = products(kind, size)
                n_ref = max(2, round((sum(m * k * n * c for m, k, n, c in prods)
                                      / sum(c for *_, c in prods)) ** (1 / 3)))
                if n_ref not in ref:
                    ref[n_ref] = matmul_gflops(n_ref, rng, min_time)
                median, best = time_call(kernel_call(kind, size, rng), min_time)
                _, prod_best = time_call(products_call(kind, size, rng), min_time)
                f = flops(kind, size)
                rows.append({"kernel": kind, "size": list(size), "formula": FORMULAS[kind],
                             "flops": f, "median": median, "best": best,
                             "gflops": f / best / 1e9, "ref_n": n_ref,
                             "ref_gflops": ref[n_ref], "of_matmul": f / best / 1e9 / ref[n_ref],
                             "products": prod_best, "of_products": prod_best / best})
        peak = {n: matmul_gflops(n, rng, min_time) for n in (64, 128, 256, 512)}
        threads = blas_threads()
    return {"rows": rows, "peak": peak, "blas_threads": threads}


# ------------------------------------------------------- against PyTorch

# The sizes: conv2d N, C, H, W, F, K, pad and the LSTM N, T, D, H.
TORCH_SIZES = {"conv2d": [SIZES["conv2d"][0]], "lstm": [SIZES["lstm"][0]]}
TORCH_VERSION = "2.13.0"  # what `make bench` installs; the tests never need it


def import_torch():
    """torch, set to one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def torch_call(torch, kind, size, rng):
    """A function that runs PyTorch's forward + backward of the same layer, in
    float64, on random data of the same shapes as ``kernel_call``: the same
    products, and gradients for every input and parameter."""
    r = rng.standard_normal

    def leaf(shape):
        return torch.tensor(r(shape), dtype=torch.float64, requires_grad=True)

    if kind == "conv2d":
        N, C, H, W_, F, K, pad = size
        x, W, b = leaf((N, C, H, W_)), leaf((F, C, K, K)), leaf(F)
        dout = torch.tensor(r((N, F, H + 2 * pad - K + 1, W_ + 2 * pad - K + 1)))

        def run():
            x.grad = W.grad = b.grad = None
            torch.nn.functional.conv2d(x, W, b, stride=1, padding=pad).backward(dout)
        return run
    if kind == "lstm":
        N, T, D, H = size
        layer = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
        x, h0, c0 = leaf((N, T, D)), leaf((1, N, H)), leaf((1, N, H))
        dh = torch.tensor(r((N, T, H)))

        def run():
            layer.zero_grad(set_to_none=True)
            x.grad = h0.grad = c0.grad = None
            layer(x, (h0, c0))[0].backward(dh)
        return run
    raise ValueError(f"kind must be one of {list(TORCH_SIZES)}, got {kind!r}")


def time_pair(fn_a, fn_b, min_time=0.2, min_reps=5, max_reps=2000):
    """CPU seconds (``time.process_time``) of ``fn_a()`` and ``fn_b()``, called
    in turn after one warm-up call each, so that both see the same load.

    Returns (a_times, b_times): at least ``min_reps`` pairs and ``min_time``
    seconds, at most ``max_reps`` pairs.
    """
    fn_a(), fn_b()
    a, b, start = [], [], time.perf_counter()
    while len(a) < min_reps or (time.perf_counter() - start < min_time and len(a) < max_reps):
        for fn, out in ((fn_a, a), (fn_b, b)):
            t0 = time.process_time()
            fn()
            out.append(time.process_time() - t0)
    return a, b


def run_torch(sizes=None, min_time=1.0, seed=0):
    """dlnotes against PyTorch on CPU, one thread each, float64, the same
    forward + backward; one dict per row, or a note when torch is missing.

    Each row: CPU ms of both (best and median of the interleaved calls) and
    ``ratio`` = dlnotes' best over PyTorch's best, ``ratio_median`` the
    median of the per-pair ratios (below 1: dlnotes is faster).
    """
    torch = import_torch()
    if torch is None:
        return {"torch": None, "rows": []}
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for kind, kind_sizes in (sizes or TORCH_SIZES).items():
            for size in kind_sizes:
                ours, theirs = time_pair(kernel_call(kind, size, rng),
                                         torch_call(torch, kind, size, rng), min_time)
                rows.append({"kernel": kind, "size": list(size), "reps": len(ours),
                             "best": min(ours), "median": float(np.median(ours)),
                             "torch_best": min(theirs), "torch_median": float(np.median(theirs)),
                             "ratio": min(ours) / min(theirs),
                             "ratio_median": float(np.median(np.divide(ours, np.maximum(
                                 theirs, 1e-9))))})
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}


# ------------------------------------------------------------- make targets


def time_make(target, clean=False):
    """Wall time of ``make <target>`` in this checkout, after removing _build/
    with ``clean``; the output goes to a log file in the temp directory."""
    if clean:
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
    log = Path(tempfile.gettempdir()) / f"bench-make-{target}.log"
    t0 = time.perf_counter()
    with open(log, "w") as f:
        rc = subprocess.run(["make", target], cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                            check=False).returncode
    return {"target": ("clean " if clean else "") + f"make {target}",
            "seconds": time.perf_counter() - t0, "returncode": rc, "log": str(log)}


# ---------------------------------------------------------------- report


def _ms(s):
    return f"{1e3 * s:.1f}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]


def machine():
    """One line on where the numbers come from."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").open()
                if line.startswith("model name")), platform.processor()) \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    py = min(time_call(lambda: sum(range(10**6)), 0, 5)[1] for _ in range(3))
    return (f"{cpu}, {os.cpu_count()} cores, load average {load} at the start; "
            f"Python {platform.python_version()} (`sum(range(10**6))` in {1e3 * py:.0f} ms), "
            f"numpy {np.__version__}")


def revision():
    """The commit measured, and whether the working tree differed from it."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "dlnotes", "chapters")
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes in dlnotes/ or "
                                                   "chapters/" if dirty else "")


def widget_lines(widgets):
    """The widget table; every row a factory and the notebook that built it."""
    rows = []
    for w in widgets:
        name = w["factory"].removeprefix("dlnotes.viz.")
        where = w.get("notebook", "defaults")
        if "skipped" in w or "error" in w:
            rows.append([name, where, "", "", "", "", "", "", w.get("skipped") or w["error"]])
            continue
        s = summarize(w["rows"])
        rows.append([name, where, s["updates"],
                     f"{_ms(s['compute_median'])} / {_ms(s['compute_p95'])}",
                     f"{_ms(s['draw_median'])} / {_ms(s['draw_p95'])}",
                     f"{_ms(s['update_median'])} / {_ms(s['update_p95'])}",
                     f"{min(s['cpu_share'], 1):.0%}", s.get("slowest", ""),
                     ", ".join(s["flags"]) or "ok"])
    return _table(["widget", "built by", "updates", "compute ms (median / p95)",
                   "draw ms (median / p95)", "update ms (median / p95)", "CPU share",
                   "slowest control", "goal"], rows)


def notebook_lines(notebooks):
    rows = [[n["notebook"], f"{n['cells']:.1f}", f"{n['kernel_start']:.1f}",
             len(n["widgets"]), n["error"] or "ok"] for n in notebooks]
    return _table(["notebook", "cells s", "kernel start s", "widgets", "status"], rows)


def kernel_lines(kernels):
    peak = ", ".join(f"n = {n}: {g:.1f}" for n, g in kernels["peak"].items())
    rows = [[r["kernel"], "x".join(map(str, r["size"])), r["formula"],
             f"{r['flops'] / 1e6:.1f}", _ms(r["median"]), _ms(r["best"]),
             f"{r['gflops']:.2f}", r["ref_n"], f"{r['ref_gflops']:.2f}",
             f"{r['of_matmul']:.0%}", _ms(r["products"]), f"{r['of_products']:.0%}"]
            for r in kernels["rows"]]
    return [f"numpy n x n matmul, float64, one thread, GFLOP/s: {peak} "
            f"(BLAS threads: {kernels['blas_threads']}).", ""] + _table(
        ["kernel", "size", "FLOPs", "MFLOP", "median ms", "best ms", "GFLOP/s",
         "matmul n", "matmul GFLOP/s", "of matmul", "own products ms", "of products"],
        rows)


def torch_lines(result):
    """The table against PyTorch, or the reason there is none."""
    if result["torch"] is None:
        return ["PyTorch is not importable here: no comparison. `make bench` installs "
                f"torch=={TORCH_VERSION} (CPU) into the venv first; the tests never need it."]
    rows = [[r["kernel"], "x".join(map(str, r["size"])), r["reps"],
             f"{_ms(r['best'])} / {_ms(r['median'])}",
             f"{_ms(r['torch_best'])} / {_ms(r['torch_median'])}",
             f"{r['ratio']:.2f} / {r['ratio_median']:.2f}"] for r in result["rows"]]
    return [f"PyTorch {result['torch']} on CPU, {result['threads']} thread, float64, the same "
            "forward + backward (gradients of every input and parameter); the two called in "
            "turn, CPU time of each call.", ""] + _table(
        ["kernel", "size", "pairs", "dlnotes CPU ms (best / median)",
         "PyTorch CPU ms (best / median)", "ratio (best / median of pairs)"], rows)


def make_lines(makes, when):
    rows = [[m["target"], f"{m['seconds']:.0f}", "ok" if m["returncode"] == 0 else
             f"failed ({m['returncode']}), log {m['log']}"] for m in makes]
    return [f"Measured {when}."] + [""] + _table(["command", "wall s", "status"], rows)


FULL_START, FULL_END = "<!-- bench:full:start -->", "<!-- bench:full:end -->"
TABLE_START, TABLE_END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"


def _between(text, start, end):
    if start in text and end in text:
        return text.split(start, 1)[1].split(end, 1)[0].strip("\n")
    return None


def _replace_between(text, start, end, new):
    if start not in text or end not in text:
        raise ValueError(f"no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    return head + start + "\n" + new.strip("\n") + "\n" + end + rest.split(end, 1)[1]


def full_block(results, previous=None):
    """The make test / make book part: this run's, else the last one recorded."""
    if "make" in results:
        return "\n".join(make_lines(results["make"], results["when"]))
    return previous or "Not measured yet: run `python -m tools.bench --full`."


def report(results, previous_full=None):
    """The whole table as markdown: header, widgets, notebooks, kernels, make."""
    lines = [f"Run {results['when']} on {results['machine']}.",
             f"Commit {results['revision']}. One BLAS thread throughout.", ""]
    if "widgets" in results:
        lines += ["### Widgets", "",
                  "Every control moved over its range; goal: update p95 < 100 ms, "
                  "compute p95 < 30 ms. Wall times; CPU share is the CPU time the "
                  "updates got over their wall time (below 100%: the core was shared). "
                  "`reference_widget` is one line plot, the floor of any redraw here.",
                  ""] + widget_lines(results["widgets"]) + [""]
    if "notebooks" in results:
        lines += ["### Notebooks", "", "Fresh kernel each (nbclient), cells timed apart "
                  "from the kernel start.", ""] + notebook_lines(results["notebooks"]) + [""]
    if "kernels" in results:
        lines += ["### Kernels: forward + backward, float64", ""] + \
            kernel_lines(results["kernels"]) + [""]
    if "torch" in results:
        lines += ["### Kernels against PyTorch", ""] + torch_lines(results["torch"]) + [""]
    lines += ["### make test and a clean make book", "",
              FULL_START, full_block(results, previous_full), FULL_END]
    return "\n".join(lines) + "\n"


def update_readme(readme, table=None, full=None):
    """Put ``table`` between the table markers of ``readme``, or only ``full``
    between the make markers inside it (a partial run with --full)."""
    text = readme.read_text()
    if table is not None:
        text = _replace_between(text, TABLE_START, TABLE_END, table)
    if full is not None:
        if FULL_START not in text:  # no complete run yet: the make timings alone
            old = _between(text, TABLE_START, TABLE_END) or ""
            text = _replace_between(text, TABLE_START, TABLE_END, "\n".join(
                [old, "### make test and a clean make book", "", FULL_START, FULL_END]))
        text = _replace_between(text, FULL_START, FULL_END, full)
    readme.write_text(text)


# ------------------------------------------------------------------ main


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true",
                    help="also time `make test` and a clean `make book` (long: minutes)")
    ap.add_argument("--skip", action="append", default=[],
                    choices=["widgets", "notebooks", "kernels"], help="leave a part out")
    ap.add_argument("--notebooks", default="*.ipynb", help="glob in chapters/ (default: all)")
    ap.add_argument("--points", type=int, default=7, help="settings per slider (default 7)")
    ap.add_argument("--min-time", type=float, default=0.2,
                    help="seconds spent timing each kernel and matmul (default 0.2)")
    ap.add_argument("--torch-time", type=float, default=2.0,
                    help="seconds spent on each comparison with PyTorch (default 2)")
    ap.add_argument("--out", type=Path, default=BENCH, help="where results-<date>.txt goes")
    args = ap.parse_args(argv)

    now = datetime.datetime.now()
    results = {"when": now.strftime("%Y-%m-%d %H:%M"), "machine": machine(),
               "revision": revision()}
    if "kernels" not in args.skip:
        print("kernels ...", file=sys.stderr)
        results["kernels"] = run_kernels(min_time=args.min_time)
        print("kernels against PyTorch ...", file=sys.stderr)
        results["torch"] = run_torch(min_time=args.torch_time)
    harvest = "widgets" not in args.skip
    if "notebooks" not in args.skip:
        results["notebooks"] = []
        for path in sorted(CHAPTERS.glob(args.notebooks)):
            print(f"{path.name} ...", file=sys.stderr)
            nb = run_notebook(path, harvest, args.points)
            for w in nb["widgets"]:
                w["notebook"] = path.name
            results["notebooks"].append(nb)
    if harvest:
        from threadpoolctl import threadpool_limits

        built = [w for nb in results.get("notebooks", []) for w in nb["widgets"]]
        with threadpool_limits(limits=1, user_api="blas"):
            results["widgets"] = built + default_widgets(discover_factories(), built,
                                                         args.points)
    if args.full:
        print("make book (clean), make test ...", file=sys.stderr)
        results["make"] = [time_make("book", clean=True), time_make("test")]

    readme = BENCH / "README.md"
    previous = _between(readme.read_text(), FULL_START, FULL_END) if readme.exists() else None
    table = report(results, previous)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"results-{now:%Y-%m-%d}.txt"
    out.write_text(table)
    print(f"written to {out}", file=sys.stderr)
    complete = not args.skip and args.notebooks == "*.ipynb"
    # the project README shows the same table, between the same markers
    readmes = [r for r in (readme, ROOT / "README.md") if r.exists()]
    for r in readmes:
        if complete:
            update_readme(r, table)
            print(f"table updated in {r}", file=sys.stderr)
        elif "make" in results:
            update_readme(r, full=full_block(results))
            print(f"partial run: only the make timings updated in {r}", file=sys.stderr)
    if not complete and "make" not in results:
        print("partial run: the READMEs left as they were", file=sys.stderr)


if __name__ == "__main__":
    main()
