# Two entry points for a fresh machine: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-postgres lint migrate-check bench setup setup-dev clean i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# installed once per venv and again only when pyproject.toml changes (the install is editable,
# so code changes need none): `make run` starts at once, without pip's build chatter
setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

## run: install, then the bot when BOT_TOKEN is set (.env or environment), else the sandbox
run: setup
	$(BIN)/eventbot

## test: install with dev tools and run the whole test suite
test: setup-dev
	$(BIN)/pytest -q

## test-postgres: the whole suite again with every test's database on PostgreSQL (a throwaway
## server from tests/postgres.py, or TEST_POSTGRES_URL); tests about SQLite itself are skipped
test-postgres: setup-dev
	TEST_DATABASE=postgresql $(BIN)/pytest -q -m "not postgres"

## lint: ruff and mypy, as CI runs them
lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot db bench

## migrate-check: upgrade head -> downgrade base -> upgrade head, then alembic check, on SQLite
## and on PostgreSQL (a throwaway server, or TEST_POSTGRES_URL's) when it is installed
migrate-check: setup-dev
	rm -f .ci-migrate.db
	DATABASE_URL=sqlite+aiosqlite:///.ci-migrate.db $(BIN)/alembic upgrade head
	DATABASE_URL=sqlite+aiosqlite:///.ci-migrate.db $(BIN)/alembic downgrade base
	DATABASE_URL=sqlite+aiosqlite:///.ci-migrate.db $(BIN)/alembic upgrade head
	DATABASE_URL=sqlite+aiosqlite:///.ci-migrate.db $(BIN)/alembic check
	rm -f .ci-migrate.db
	$(BIN)/python -m tests.postgres run --if-available -- sh -ec \
		'for step in "upgrade head" "downgrade base" "upgrade head" check; do $(BIN)/alembic $$step; done'

## bench: the benchmarks (P1-P5) against the local emulator, then the per-operation costs
bench: setup-dev
	$(BIN)/python -m bench
	$(BIN)/python -m bench.micro

## i18n: after changing any user-facing text, re-extract bot/locales/messages.pot from the code
## and update each language's .po (I18N_LANGS=en de adds a language); options in pyproject.toml
I18N_LANGS ?= en
i18n: setup
	$(BIN)/pybabel -q extract
	for lang in $(I18N_LANGS); do $(BIN)/pybabel -q update -l $$lang --init-missing; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
