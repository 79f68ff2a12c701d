# cyp-evidence: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
UV      := $(VENV)/bin/uv
STAMP   := $(VENV)/.installed
BOARD   ?= lga-cyp-board
MEETING ?= 2024-03-12
OUT     ?= outputs

.PHONY: help env chromium briefing test test-fast lint format validate dictionary frozen notebooks bench lab lock clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet uv==0.13.8
	UV_COMPILE_BYTECODE=1 $(UV) pip install --quiet --python $(PY) --no-deps --require-hashes -r requirements.lock
	UV_COMPILE_BYTECODE=1 $(UV) pip install --quiet --python $(PY) --no-deps -e .
	@$(PY) -m pip check
	@touch $@

# PYTHONDONTWRITEBYTECODE=1 (set on these machines) would otherwise leave the editable package's
# own modules uncompiled, recompiled in every process that imports them (the CLI and every
# kernel: about 0.15 s each); the dependencies are compiled at install (UV_COMPILE_BYTECODE)
env: $(STAMP) ## Create the project-local environment (.venv) from the pinned lock file; byte-compile lib/
	@$(PY) -m compileall -q lib

chromium: ## Install Debian's Chromium (browser tests) and strace (the PDF no-network test) when missing
	@{ command -v chromium && command -v strace; } >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium strace >/dev/null; }
	@command -v chromium >/dev/null 2>&1 && command -v strace >/dev/null 2>&1

briefing: env ## Render the default board briefing (LGA CYP Board, 12 March 2024) into outputs/
	$(VENV)/bin/cyp-evidence render --board $(BOARD) --meeting $(MEETING) --out $(OUT)

test: env chromium ## Run every test: unit, evidence, nbval over notebooks/, browser
	$(PY) -m pytest tests notebooks --nbval --nbval-sanitize-with tests/nbval-sanitize.cfg -p no:cacheprovider

test-fast: env ## Unit tests only (no notebooks, no browser)
	$(PY) -m pytest tests -m "not browser and not slow" -p no:cacheprovider

lint: $(STAMP) ## Lint and format check (ruff), type check of lib/ (mypy) and the import contracts (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP) ## Apply ruff's fixes and formatting to the tree
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

validate: env ## Validate the evidence base against the source texts
	$(VENV)/bin/cyp-evidence validate

dictionary: $(STAMP) ## Regenerate docs/data-dictionary.md (every field, every derived measure)
	$(VENV)/bin/cyp-evidence dictionary > docs/data-dictionary.md

frozen: $(STAMP) ## Regenerate the backtests' frozen copies (tests/data/frozen_*.csv) after an intended change
	$(VENV)/bin/python tests/data/freeze.py

notebooks: env ## Re-execute every notebook in place (stored outputs that nbval compares)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.store_widget_state=False --ExecutePreprocessor.record_timing=False \
	  notebooks/00_start_here.ipynb notebooks/briefing.ipynb notebooks/explore_*.ipynb

bench: env chromium ## Run the benchmarks (prints ratios against a floor measured in the same run)
	$(PY) benchmarks/bench.py

# JupyterLab serves the project folder (so the published annexes under outputs/ can be opened)
# and opens on the start page; it listens on 127.0.0.1 only, with a fresh token. Running as root
# (containers, CI machines) needs --allow-root, given only then. lab/ adds the project's Lab
# settings to the user's own (JUPYTER_CONFIG_PATH) and its kernel (JUPYTER_PATH): see lab/README.md.
LAB_START := notebooks/00_start_here.ipynb
lab: env ## Open JupyterLab on the start page (127.0.0.1 only, with a token)
	JUPYTER_CONFIG_PATH="$(CURDIR)/lab$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	JUPYTER_PATH="$(CURDIR)/lab$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/$(LAB_START) --LabApp.news_url= \
	  $$(test "$$(id -u)" = 0 && echo --allow-root)

lock: ## Re-resolve requirements.lock from requirements.in (maintainers only)
	$(UV) pip compile requirements.in --python-version 3.11 --excludes requirements-excludes.txt --generate-hashes -o requirements.lock

clean: ## Remove the environment and rendered outputs
	rm -rf $(VENV) outputs/briefings outputs/index.html
