# exitcheck — every target sets up what it needs: the virtualenv, the packages, and (as root,
# through apt-get) the system packages WeasyPrint and the PDF checks need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_VENV := .venv-bench
SYSDEPS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
SLOWDEPS := chromium postgresql r-base-core r-cran-survey
WORKSPACE ?= demo-workspace
PACKAGES := flows sampling assessment registry
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test test-all bench lint sysdeps slowdeps bytecode clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Installs the Debian packages only when one is missing; needs root (CI runs as root).
sysdeps:
	@missing=""; for p in $(SYSDEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "apt-get install$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Missing system packages:$$missing — run 'sudo make sysdeps'." >&2; exit 1; fi; fi

slowdeps: sysdeps
	@missing=""; for p in $(SLOWDEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "apt-get install$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Missing system packages:$$missing — run 'sudo make slowdeps'." >&2; exit 1; fi; fi

# The editable install leaves exitcheck's own modules as source. Where Python writes no
# bytecode itself (PYTHONDONTWRITEBYTECODE is set on the development machine), every command
# would compile the modules it imports again (0.2 s for all four packages, timed with
# compile()). compileall only rewrites what changed.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q $(PACKAGES)

demo: $(STAMP) sysdeps bytecode
	$(BIN)/exitcheck demo --workspace $(WORKSPACE)

test: $(STAMP) sysdeps bytecode
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-all: $(STAMP) slowdeps
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m ''

bench: $(STAMP) sysdeps
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -e '.[dev,bench]'
	$(BENCH_VENV)/bin/python -m compileall -q $(PACKAGES)
	$(BENCH_VENV)/bin/python -m bench.run $(if $(filter 1,$(BENCH_QUICK)),--quick,)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) $(WORKSPACE) build *.egg-info
