# Each target sets itself up: a fresh clone needs only `make book` or `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
VENDOR := _vendor/.complete
export PATH := $(CURDIR)/$(BIN):$(PATH)
# One BLAS thread: results are reproducible and the two cores stay free for the kernel.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book pdf test nbval setup lab execute bench lint clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENDOR): tools/fetch_assets.sh
	bash tools/fetch_assets.sh

## book: execute every notebook and build the HTML with warnings as errors
book: $(STAMP) $(VENDOR)
	$(PY) -m tools.pack_course
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	@echo "The book: file://$(CURDIR)/_build/html/index.html"
	@if [ -z "$(NO_OPEN)" ] && [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && command -v xdg-open >/dev/null; then \
		xdg-open "$(CURDIR)/_build/html/index.html" >/dev/null 2>&1 & fi

# numpy's SIMD dispatch reduced to its baseline: the second pass of the unit
# tests and of nbval (tools/simd_baseline.py says why). OPENBLAS_CORETYPE is
# never set here: some machines set it for their own CPU.
REDUCED_SIMD = NPY_DISABLE_CPU_FEATURES="$$($(PY) -m tools.simd_baseline)"
NBVAL = $(PY) -m pytest --nbval -q -p no:cacheprovider -n 2 --dist loadfile
NB ?= chapters

## pdf: the whole book as one PDF, printed by Chromium from the built HTML
## (tools/book_pdf.py; needs Debian's chromium), written into the site
pdf: book
	$(PY) -m tools.book_pdf

## test: lint, unit and gradient tests, nbval, each of them also with reduced
## SIMD, the book build, and browser tests
test: $(STAMP) $(VENDOR)
	$(MAKE) lint
	$(PY) -m pytest tests -m "not book and not browser" -q -n 2
	$(REDUCED_SIMD) $(PY) -m pytest tests -m "not book and not browser" -q -n 2
	$(MAKE) nbval
	$(MAKE) book NO_OPEN=1
	$(PY) -m tools.book_pdf
	$(PY) -m pytest tests -m "book or browser" -q

## nbval: re-run the chapters (or NB=chapters/04_rnn.ipynb) and compare their
## stored outputs, on this machine's numpy and again with its SIMD reduced
nbval: $(STAMP)
	$(NBVAL) $(NB)
	@echo "nbval again with NPY_DISABLE_CPU_FEATURES=\"$$($(PY) -m tools.simd_baseline)\""
	$(REDUCED_SIMD) $(NBVAL) $(NB)

## setup: the virtual environment alone (.venv, pinned packages, dlnotes)
setup: $(STAMP)

## lab: open the chapters in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab chapters

## execute: re-run every chapter in place from a fresh kernel, storing outputs
## (after changing dlnotes or a notebook; nbval then compares them) but not the
## widgets' state, which JupyterLab does not read back (each widget's output
## holds its figure), then the results of the prose's inline expressions
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.store_widget_state=False chapters/*.ipynb
	$(PY) -m tools.lab_expressions chapters/*.ipynb

## bench: time the widgets, notebooks and kernels; see bench/README.md
## (make bench BENCH=--full also times make test and a clean make book)
# It first installs PyTorch into the venv, only to compare conv2d and the LSTM
# with it: the tests never need torch (it is large), so it is in neither
# requirements.txt nor constraints.txt. Where pip would fetch the CUDA build,
# ask for the CPU one: make bench TORCH="torch==2.13.0 --index-url
# https://download.pytorch.org/whl/cpu"
TORCH := torch==2.13.0
bench: $(STAMP)
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m tools.bench $(BENCH)

## lint: ruff over the code; the chapters' code lines must fit the book's
## text column (74 characters at 1280 px, in a folded cell too), or the
## reader scrolls sideways to see them
lint: $(STAMP)
	$(BIN)/ruff check dlnotes tests tools _ext
	$(BIN)/ruff check chapters --select E501 --line-length 74

clean:
	rm -rf _build _vendor .vendor-cache
