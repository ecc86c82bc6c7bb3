# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make demo   — create .venv, install, migrate the embedded SQLite database, seed the demo county, serve
#   make test   — create/update .venv and run the whole suite (ruff, migrations check, pytest)
# Both first run scripts/ensure-debian-packages: chromium, fonts-wqy-microhei (the certificate
# font), nginx and postgresql-client, installed when missing if we are root with apt-get.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv serve clean debian-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

debian-packages:
	scripts/ensure-debian-packages

demo: $(STAMP) debian-packages
	$(BIN)/wenming demo

serve: $(STAMP)
	$(BIN)/wenming serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/wenming manage makemigrations --check --dry-run

test: lint debian-packages
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/test_*.sqlite3*
