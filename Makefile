# The README's two commands: `make run` (the dashboard on the demo world) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test lint browser-deps

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# Debian's Chromium for the real-browser test; Playwright cannot download its own here.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core fonts-noto-color-emoji; fi

run: setup
	$(VENV)/bin/streamlit run app.py

test: setup browser-deps
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports
