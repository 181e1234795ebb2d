# hotline — two commands: `make serve` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench fault lint migrate seed clean venv

# Installed once (again only when pyproject.toml changes), quietly.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing hotline and its dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install -qq --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

# the PyPI georeport client that tests/open311 drives (0.3.1, read-only calls): its metadata
# pins xmltodict<0.15 while wechatpy brings xmltodict 1.x, so it goes in without its
# dependencies (requests is a dev dependency; of xmltodict it calls parse() alone, which 1.x
# keeps: tests/open311/test_georeport_client.py proves it on every run)
GEOREPORT := $(VENV)/.georeport
$(GEOREPORT): $(STAMP)
	@$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps "georeport==0.3.1"
	@touch $(GEOREPORT)

venv: $(STAMP) $(GEOREPORT)

migrate: $(STAMP)
	@$(BIN)/hotline migrate

seed: migrate
	@$(BIN)/hotline seed-demo --if-empty

# prints a start-up summary (URL, database, where SMS codes appear, demo accounts), then
# uvicorn's log with one line per request
serve: seed
	@$(BIN)/hotline serve --host 127.0.0.1 --port 8000

test: $(STAMP) $(GEOREPORT)
	$(BIN)/python -m pytest -q -rs

bench: $(STAMP)
	$(BIN)/python -m bench

# faults survived on a private PostgreSQL cluster and Redis (bench/fault.py, about 90 s on a
# quiet machine, 3-6 min under other jobs' load); HOTLINE_FAULT_LOGS=DIR keeps each run's logs
fault: $(STAMP)
	$(BIN)/python -m bench.fault

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
