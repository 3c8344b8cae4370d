# Two entry points for a new user (see README.md):
#   make report  – set up the environment and build a three-month archive from the demo series
#                  (each month's export answers the previous month's offers)
#   make test    – set up the environment and run lint, the layering contract and the tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# months before the current one, YYYY-MM: a report names the month its export covers,
# the month just finished (a run on 1 December reports November)
MONTHS_BACK = $(shell $(PYTHON) -c 'import datetime as d; t = d.date.today(); \
    m = t.year * 12 + t.month - 1 - $(1); print(f"{m // 12}-{m % 12 + 1:02d}")')
PERIOD ?= $(call MONTHS_BACK,1)
SERIES ?= data/demo-series
SERIES_START ?= $(call MONTHS_BACK,3)
# planted uplifts on the two CRM offers with the most tested clients; at 1 300 clients and
# the default control share (≈ 90 test / 22 control win-back clients of promo_calendar)
# +35 p.p. is the effect a 95 % interval excludes 0 for with power ≈ 0.9
EFFECTS ?= --effect promo_calendar=35 --effect basket_reminder=0

.PHONY: setup report report-one test bench lint demo-data wheel-check

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# three monthly demo exports of the same clients, each month reported before the next is drawn
report: $(STAMP)
	$(VENV)/bin/oneclick demo-data $(SERIES) --months 3 --start $(SERIES_START) $(EFFECTS) --report

# one report of the bundled demo export, titled with the month just finished
report-one: $(STAMP)
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
