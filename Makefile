# Everything a fresh machine with Python 3.11+ and make needs: `make up` runs the system, `make test` the suite.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Installed packages get their bytecode at install: where PYTHONDONTWRITEBYTECODE is set, every process of the
# suite (the `pathways` commands it runs, the services of `pathways up`) would otherwise compile all it imports.
export UV_COMPILE_BYTECODE := 1

.PHONY: up test lint bench contracts clean help

help:
	@echo "make up         create the virtualenv from uv.lock and run 'pathways up' (embedded PostgreSQL + NATS, 3 services)"
	@echo "make test       create the virtualenv, lint (ruff, mypy) and run the whole suite (unit, integration, e2e) on real servers"
	@echo "make lint       ruff and mypy"
	@echo "make bench      run the benchmarks in bench/"
	@echo "make contracts  regenerate JSON Schemas and AsyncAPI documents under contracts/"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	rm -f $(VENV)/.synced-*
	touch $@

up: $(SYNCED)
	$(VENV)/bin/pathways up

# -n auto: two pytest-xdist workers, each with servers of its own (tests/conftest.py); `-n 0` runs it in one process.
PYTEST_WORKERS ?= auto

test: lint
	$(VENV)/bin/python -m compileall -q contracts/pathways_contracts infra/pathways_infra services tests bench
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS)

lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy contracts/pathways_contracts infra/pathways_infra services bench tests

bench: $(SYNCED)
	$(VENV)/bin/python -m bench

contracts: $(SYNCED)
	$(VENV)/bin/pathways contracts

clean:
	rm -rf $(VENV) $(TOOLS)
