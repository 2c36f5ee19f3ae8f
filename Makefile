# Jingzhun: `make demo` runs the system on SQLite; `make test` passes the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := jingzhun.config.settings

.PHONY: install demo test test-fast lint bench serve worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

src/jingzhun/locale/zh_Hans/LC_MESSAGES/django.mo: src/jingzhun/locale/zh_Hans/LC_MESSAGES/django.po $(VENV)/.installed
	cd src/jingzhun && ../../$(BIN)/jingzhun compilemessages -v0
	touch $@

install: $(VENV)/.installed node_modules/.installed src/jingzhun/locale/zh_Hans/LC_MESSAGES/django.mo

demo: install
	$(BIN)/jingzhun demo

serve: install
	$(BIN)/jingzhun serve

worker: install
	$(BIN)/jingzhun worker

# Browser tests run when Debian's chromium is present; with CI=true a missing chromium fails them.
# A suite over 20 minutes is hung (it takes 3 to 5): stopped with a message rather than left to CI's own limit.
test: install
	timeout --kill-after=30 1200 $(BIN)/python -m pytest -n 2 --dist loadfile -q \
	  || { rc=$$?; [ $$rc -lt 124 ] || echo "FATAL: the test suite ran over 20 minutes and was stopped" >&2; exit $$rc; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/jingzhun makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules var
