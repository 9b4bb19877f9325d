# Commons: `make run` serves the demo on http://localhost:3000, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BUN := tools/node_modules/.bin/bun

.PHONY: setup run test browser lint bench clean

setup: $(VENV)/.installed $(BUN)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

# Reflex builds the frontend with bun; take it from the npm registry, not from bun.sh.
$(BUN):
	mkdir -p tools
	npm install --prefix tools --no-audit --no-fund --loglevel=error bun

run: setup
	COMMONS_DEMO=$${COMMONS_DEMO:-1} COMMONS_DEV_MAILBOX=$${COMMONS_DEV_MAILBOX:-1} \
	  exec $(PY) -m app.cli run

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The tests, then the short benchmark (small sizes, a few rounds, targets not enforced) so
# that the benchmark itself cannot rot.
test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) bench/run.py --short

lint: setup
	$(VENV)/bin/ruff check app tests bench

# Every figure of the speed targets in one table (15-20 minutes; wipes the PostgreSQL
# database `bench`, or COMMONS_BENCH_DATABASE_URL); BENCH_ARGS=--readme writes it into README.
bench: setup browser
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf .web .states data/test-* test-results
