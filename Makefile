# Two commands for a newcomer: `make run` and `make test`. Everything else is a detail.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: help run test lint format check-system-deps migrate schema vendored-assets clean bench

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is required (found $$($(PYTHON) --version)). Run: make PYTHON=python3.11 ..."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
		{ echo "Python's venv module is missing. Install it: sudo apt-get install -y python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@# Make the project importable from anywhere (pytest plugins load before rootdir is on sys.path).
	@echo "$(CURDIR)" > "$$($(BIN)/python -c 'import site; print(site.getsitepackages()[0])')/accounts-project.pth"
	@touch $(STAMP)

run: $(STAMP)  ## Serve the API on 127.0.0.1:$PORT with embedded defaults (SQLite, eager tasks, console email).
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_demo_user
	@echo ""
	@echo "  API ready on http://127.0.0.1:$(PORT)/"
	@echo "  GraphiQL:   http://127.0.0.1:$(PORT)/graphql/"
	@echo "  Swagger UI: http://127.0.0.1:$(PORT)/api/docs/   ReDoc: http://127.0.0.1:$(PORT)/api/redoc/"
	@echo "  Health:     http://127.0.0.1:$(PORT)/healthz/"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

check-system-deps:  ## Say which system packages the test suite needs and how to install them.
	@missing=""; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
		echo "Missing system packages:$$missing"; \
		echo "Install them with: sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

test: $(STAMP) check-system-deps  ## Run the whole suite against throwaway PostgreSQL and Redis on loopback.
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff check + format check + mypy (django-stubs, djangorestframework-stubs).
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)  ## Apply ruff's fixes and formatting.
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): requirements/base.txt bench/peers/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r requirements/base.txt -r bench/peers/requirements.txt
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) check-system-deps  ## Project vs reference vs peers under gunicorn + wrk (BENCH_ARGS="--rounds 3 --seconds 5").
	@command -v wrk >/dev/null || { echo "wrk is missing: sudo apt-get install -y wrk"; exit 1; }
	$(BENCH_VENV)/bin/python bench/run.py $(BENCH_ARGS)

schema: $(STAMP)  ## Regenerate the committed GraphQL SDL and OpenAPI snapshot.
	$(BIN)/python manage.py graphql_schema
	$(BIN)/python manage.py export_openapi_schema

vendored-assets: $(STAMP)  ## Re-fetch GraphiQL's and ReDoc's files from npm (versions in core/vendor_assets.json).
	$(BIN)/python manage.py refresh_vendored_assets

clean:  ## Remove the virtual environments and local state.
	rm -rf $(VENV) $(BENCH_VENV) db.sqlite3 media staticfiles test-artifacts .pytest_cache .ruff_cache .mypy_cache
