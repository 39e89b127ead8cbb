# Passerelle: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
IATI_SCHEMAS := var/iati-schemas/2-03
IATI_STAMP := $(IATI_SCHEMAS)/.fetched

.PHONY: run test setup translations iati-schemas assets db seed lint format extract-messages browser-deps bench-deps clean

run: setup db seed
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP) translations iati-schemas assets

# Chart.js for the dashboards, from npm at set-up (package-lock.json pins it); served by the app, never committed.
# Without npm the dashboards still show every figure in their tables.
assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: dashboards will show tables without charts"; fi

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Passerelle needs $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq -r requirements-dev.txt
	$(BIN)/python -m pip check
	touch $(STAMP)

# Compiled catalogues (.mo) are build output: made from the committed .po files on every set-up.
translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations

# The official IATI 2.03 XSDs the export tests validate against: fetched once (pinned archive), never committed.
iati-schemas: $(IATI_STAMP)

$(IATI_STAMP): scripts/fetch-iati-schemas | $(STAMP)
	bash scripts/fetch-iati-schemas $(BIN)/python $(IATI_SCHEMAS)
	touch $(IATI_STAMP)

db: setup
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo

# Browser tests drive Debian's Chromium; install it when it is missing and we may (root, apt).
browser-deps:
	@bash scripts/ensure-chromium

# The catalogue benchmark (`python -m bench.run`) drives the servers with wrk; same rule.
bench-deps:
	@bash scripts/ensure-wrk

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/iati-schemas node_modules .pytest_cache .ruff_cache translations/*/LC_MESSAGES/*.mo
