# `make demo`: the main job on the shipped example.  `make test`: the CI suite (<20 min, 2 cores).
# Both create .venv and install lgc into it on first use; nothing else needs to be on the machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
PEERS_STAMP := $(VENV)/.peers-stamp
# Both cores; a test file stays on one worker, so its module fixtures are built once.
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=20

.PHONY: demo test test-full docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and exactly: the CPU build (a wider range could pull a CUDA build of GBs)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $@

# The peers of bench/peers.py, without their declared dependencies (see the requirements file).
$(PEERS_STAMP): $(STAMP) bench/requirements-peers.txt
	$(BIN)/pip install --quiet --no-deps -r bench/requirements-peers.txt
	touch $@

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(PYTEST)

test-full: $(STAMP)
	LGC_TEST_FULL=1 $(PYTEST)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

clean:
	rm -rf build dist *.egg-info .pytest_cache
