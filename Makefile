# Two entry points for a new user (see README.md):
#   make report  – set up the environment and build a report from the bundled demo export
#   make test    – set up the environment and run lint, the layering contract and the tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PERIOD ?= $(shell date +%Y-%m)

.PHONY: setup report test bench lint demo-data wheel-check

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/oneclick report --data data/demo --period $(PERIOD)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	bash tests/setup_browser.sh
	$(PY) -m pytest -n 2 -q

demo-data: $(STAMP)
	$(VENV)/bin/oneclick demo-data data/demo --clients 1300 --seed 20261127

# the `bench` extra (ydata-profiling) is installed by the benchmark into its own .venv-bench:
# it pins pandas<3 and numpy<2.4 and would downgrade the report's stack in .venv
bench: $(STAMP)
	$(PY) -m bench

# build the wheel, install it into a fresh venv outside the checkout, run the main job from it
wheel-check:
	bash .ci/wheel-check
