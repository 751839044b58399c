# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Creates and migrates the database (parley.sqlite3 unless DATABASE_URL says otherwise), then serves.
run: $(STAMP)
	$(BIN)/python app.py db upgrade
	$(BIN)/python app.py serve

# Lint (ruff, the whole tree under pyproject.toml's rules) and type-check (mypy, strict on bot/ and
# storage/: see pyproject.toml) first, then every test on SQLite, and again on PostgreSQL when
# TEST_DATABASE_URL is set.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
