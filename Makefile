# I Sigurt: `make run` sets up and starts the platform; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run setup test lint messages check-messages clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo

run: setup
	@echo "I Sigurt on http://127.0.0.1:$(PORT)/ (demo logins: see README)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy isigurt

test: $(VENV)/.installed lint
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	DJANGO_SETTINGS_MODULE=isigurt.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Extract strings into both catalogues (then translate what is new in locale/*/django.po).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l sq -l en --ignore=.venv --ignore=bench --no-obsolete -v 0
	$(PY) manage.py makemessages -d djangojs -l sq -l en --ignore=.venv --ignore=staticfiles --no-obsolete -v 0
	$(PY) scripts/fill_english_catalogue.py

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
