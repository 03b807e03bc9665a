# Everything a new machine needs: Python 3.11+, make and pip. `make run` and `make test` create
# the virtual environment on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
# Where `make run` listens: this machine only. `make run ADDRESS=0.0.0.0` serves every network
# interface, so that anyone who can reach this machine can use the app.
ADDRESS ?= 127.0.0.1
# The address browsers are told to use: Streamlit shows it as the URL, trusts it as the app's
# origin, and, given it, never asks the internet for this machine's external IP. Listening on
# every interface, it is this machine's name.
URL_HOST ?= $(if $(filter 0.0.0.0 ::,$(ADDRESS)),$(shell hostname),$(ADDRESS))

.PHONY: run test lint typecheck unit quick corpus fuzz bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# After installing, advisor/ is byte-compiled as installing a wheel does: an editable install
# leaves that to the first run of each module, and to every run where PYTHONDONTWRITEBYTECODE is
# set, which would make each start of `advisor` compile its modules again.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q advisor
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q advisor
	touch $(VENV)/.installed $@

# Where the app keeps saved versions (a SQLite database, made on the first save): data/ in this
# checkout, unless ADVISOR_DATA_DIR says otherwise.
run: export ADVISOR_DATA_DIR ?= $(CURDIR)/data
run: $(VENV)/.installed
	$(BIN)/python -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) \
		--browser.serverAddress $(URL_HOST) --server.headless true --browser.gatherUsageStats false

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The whole suite, with the share of advisor/ it runs (files not fully covered are listed).
unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest --cov=advisor --cov-report=term:skip-covered

test: lint typecheck unit

# The unit tests without a browser, a server, a wheel build or the tests that take seconds
# each: the quick loop while editing, on JOBS processes. Property tests try fewer examples
# (ADVISOR_TEST_PROFILE=quick, see tests/conftest.py); `make test` runs everything in full.
# Byte code is cached (git ignores it) even where PYTHONDONTWRITEBYTECODE is set: otherwise
# every run compiles the test modules, with their asserts rewritten, and advisor/ again.
JOBS ?= 2
quick: $(VENV)/.installed-dev
	PYTHONDONTWRITEBYTECODE= ADVISOR_TEST_PROFILE=quick \
		$(BIN)/python -m pytest -q -n $(JOBS) -m "not browser and not slow"

# How often the advice agrees with the decision-quality corpus (tests/corpus), case by case.
corpus: $(VENV)/.installed-dev
	$(BIN)/python tests/corpus/agreement.py

# The hostile-input suite, longer than in `make test` (ADVISOR_FUZZ_EXAMPLES sets how long).
fuzz: $(VENV)/.installed-dev
	ADVISOR_FUZZ_EXAMPLES=$${ADVISOR_FUZZ_EXAMPLES:-1000} $(BIN)/python -m pytest -q tests/test_fuzz.py

bench: $(VENV)/.installed-dev
	$(BIN)/python tests/bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis dist build
