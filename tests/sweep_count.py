"""Count how the sweep's bad calls fare: ``cd tests && python sweep_count.py [-v]``

Runs every derived variant of test_bad_input_sweep.py's registry against the
dlnotes that is imported (set PYTHONPATH to measure another checkout) and
prints, per kind of mistake, how many calls met their expectation, and how
the wrong-shape calls (wrong ndim, one axis grown) were answered: by the
promised error, by running (a free axis such as the batch), or otherwise.
"""

import collections
import sys
import warnings

from sweep_support import outcome, promised, run, variants
from test_bad_input_sweep import calls

import dlnotes

warnings.simplefilter("ignore")
met, total, shape = collections.Counter(), collections.Counter(), collections.Counter()
for name, call in calls().items():
    for v in variants(call):
        why = outcome(call.fn, v, call.answers)
        total[v.kind] += 1
        met[v.kind] += why is None
        if v.kind in ("ndim", "axis"):
            exc = run(call.fn, v)[0]
            answer = "ran" if exc is None else "promised" if promised(exc, v.names) else "other"
            shape[v.kind, answer] += 1
        if "-v" in sys.argv and why is not None:
            print(f"{name}: {v.label}: {why}"[:240])
print(f"dlnotes from {dlnotes.__file__}")
for kind in sorted(total):
    print(f"{kind:8s} {met[kind]:5d} / {total[kind]:5d} met")
print(f"all      {sum(met.values()):5d} / {sum(total.values()):5d} met")
for kind in ("ndim", "axis"):
    n = sum(c for (k, _), c in shape.items() if k == kind)
    print(f"wrong shape ({kind}): {shape[kind, 'promised']} promised error, "
          f"{shape[kind, 'ran']} ran, {shape[kind, 'other']} other, of {n}")
