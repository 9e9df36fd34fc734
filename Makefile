# The two commands of the README: `make run` and `make test`. Everything else is a helper.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
FLASK   := APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app app
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: run test install install-dev translations migrate demo lint extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations >/dev/null

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) seed-demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT). Reminders, automatic check-outs, no-shows and next month's"
	@echo "matching run on a schedule: start them in another terminal with  $(FLASK) scheduler run"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Two workers: one takes every SQLite test, the other every PostgreSQL test (tests/conftest.py).
test: install-dev
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

# After changing user-visible strings: extract, merge into the catalog, then translate.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output \
		--project nansha-timebank -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width 100 --no-fuzzy-matching --ignore-obsolete

bench: install-dev
	for script in bench/*.py; do $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) instance/*.sqlite3*
