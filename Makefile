# Convonet — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup system run test lint test-unit test-integration test-e2e fuzz bench bundle docs clean

setup: system $(STAMP)
	@bash scripts/vendor-web.sh
	@bash scripts/fetch-models.sh

system:
	@bash scripts/setup-system.sh

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip >/dev/null
	@$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

run: setup
	@$(PY) -m local.stack

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy shared functions

test-unit: setup
	$(PY) -m pytest tests/unit -q

test-integration: setup
	$(PY) -m pytest tests/integration -q

test-e2e: setup
	$(PY) -m pytest tests/e2e -q

test: lint test-unit test-integration test-e2e

# A longer search of the relay's protocol than the one `make test` runs.
FUZZ_EXAMPLES ?= 5000
fuzz: setup
	CONVONET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/integration/test_relay_fuzz.py -q

bench: setup
	$(PY) -m bench.run

bundle: setup
	@$(PY) -m local.bundle

# docs/tools.md from the tool catalog and hosting/public/docs/*.html from the code's tables
# (unit tests check both are current).
docs: setup
	@$(PY) -m local.tool_docs
	@$(PY) -m local.site_docs

clean:
	rm -rf dist .run .mypy_cache .ruff_cache
