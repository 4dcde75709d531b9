"""Print the value of NPY_DISABLE_CPU_FEATURES that reduces numpy's SIMD
dispatch on this machine to its compiled baseline.

numpy picks, per CPU, the widest SIMD code it was built with (AVX2, AVX-512,
...); each path rounds the last bits of exp, tanh, sums and the like
differently. `make test` runs the notebooks and the unit tests a second time
with every dispatched feature above the baseline turned off, so an output that
hinges on those last bits fails here and not on a reader's machine. The names
are numpy's own, read from this numpy build, so they stay valid when numpy
renames its feature groups.
"""

from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__


def above_baseline():
    """The dispatch targets this CPU supports, e.g. ['X86_V3', 'X86_V4']."""
    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


if __name__ == "__main__":
    print(" ".join(above_baseline()))
