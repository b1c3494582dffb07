# Vigil — two commands on a fresh Debian/Ubuntu machine with Python 3.11:
#   make run    the console in demo mode (embedded SQLite, sample clinic)
#   make test   the whole test suite, headless
# Both create .venv on first use and are quick the second time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint bench screenshots sysdeps rundeps clean help

help:
	@echo "make run          open the console in demo mode (creates .venv)"
	@echo "make test         run the whole test suite headless"
	@echo "make lint         ruff, format check, import contracts, mypy"
	@echo "make bench        print the benchmarks beside their targets"
	@echo "make screenshots  render the screens to docs/*.png"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Vigil needs Python 3.11 or newer: sudo apt-get install python3.11 python3.11-venv"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create .venv: sudo apt-get install python3-venv (or python3.11-venv)"; exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test,dev]"
	@touch $@ $(RUN_STAMP)

# Qt needs a few system libraries even headless; install them when we can, else name them.
sysdeps: | $(BIN)/python
	@QT_QPA_PLATFORM=offscreen $(BIN)/python -c 'from console.preflight import display_problem as p; import sys; m = p(); print(m or "", end=""); sys.exit(1 if m else 0)' >/dev/null 2>&1 || { \
	  pkgs="libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3"; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Qt's system libraries: $$pkgs"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else \
	    echo "Qt needs system libraries: sudo apt-get install $$pkgs"; exit 1; \
	  fi; }

# a window also needs Qt's X11 (xcb) libraries: installed when we can, else named (main.py
# names them again, with how to get a screen, if the window still cannot open)
rundeps: | $(RUN_STAMP)
	@pkgs="$$($(BIN)/python -c 'from console.preflight import missing_window_packages as m; print(" ".join(m()))')"; \
	if [ -n "$$pkgs" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Qt's window libraries: $$pkgs"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else \
	    echo "A Qt window needs: sudo apt-get install $$pkgs"; \
	  fi; \
	fi

run: $(RUN_STAMP) rundeps
	$(BIN)/python main.py --demo

test: $(TEST_STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(TEST_STAMP) sysdeps
	@for b in bench/*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; done

screenshots: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_screenshots.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_review_screenshots.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_rems_screenshot.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_station_screenshot.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
