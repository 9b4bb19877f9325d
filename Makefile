# Commons: `make run` serves the demo on http://localhost:3000, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BUN := tools/node_modules/.bin/bun

.PHONY: setup run test soak browser redis-server lint bench clean

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
	  COMMONS_OUTBOUND_ALLOW_PRIVATE=$${COMMONS_OUTBOUND_ALLOW_PRIVATE:-1} \
	  COMMONS_DEMO_IDP=$${COMMONS_DEMO_IDP:-1} \
	  exec $(PY) -m app.cli run

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The tests, then the short benchmark (small sizes, a few rounds, targets not enforced) so
# that the benchmark itself cannot rot.
test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) bench/run.py --short

# Rows 10, 11 and 15 of the reliability battery (issue 15), with the whole app: two workers
# through a database cut and a Redis restart (a redis-server of its own on a spare port), and
# the load smoke on SQLite and on PostgreSQL (COMMONS_TEST_DATABASE_URL: a database it wipes).
soak: setup browser redis-server
	$(PY) -m pytest soak $(PYTEST_ARGS)

redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

lint: setup
	$(VENV)/bin/ruff check app tests bench

# Every figure of the speed targets in one table (15-20 minutes; wipes the PostgreSQL
# database `bench`, or COMMONS_BENCH_DATABASE_URL); BENCH_ARGS=--readme writes it into README.
bench: setup browser
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf .web .states data/test-* test-results
