# Two commands matter: `make run` (set up and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1:8000
# One test process per core (pytest-xdist); the live tests share one process (tests/conftest.py).
# `make test XDIST=` runs in a single process.
XDIST ?= -n auto --dist loadgroup

.PHONY: run test lint messages setup backup restore clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo

run: setup
	@echo "Open http://$(HOST)/ — demo accounts are listed in README.md (password: demo12345)."
	DEBUG=true $(PY) manage.py runserver $(HOST)

test: $(VENV)/.dev
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy .

messages: $(VENV)/.dev
	DEBUG=true $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=media --ignore=test-artifacts --ignore=tests --ignore=bench --no-obsolete
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

backup:
	scripts/backup.sh $(BACKUP)

restore:
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=backups/<timestamp>"; exit 2)
	scripts/restore.sh $(BACKUP)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
