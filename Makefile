# Claywork: `make demo` and `make test` are the whole quick start. Both are safe to re-run.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/test.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: demo test install lint typecheck audit test-sqlite test-postgres browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every release and its file hashes come from the lock (pip-compile --generate-hashes, see
# docs/operations.md); then Claywork itself, with nothing more resolved.
$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	CLAYWORK_DEMO=1 $(BIN)/claywork migrate --noinput
	CLAYWORK_DEMO=1 $(BIN)/claywork seed-demo
	@echo "Open http://127.0.0.1:8000 and sign in with one of the logins above."
	@echo "The web server and the worker (alert e-mails, reminders, themes) start together; Ctrl-C stops both."
	CLAYWORK_DEMO=1 $(BIN)/claywork run --host 127.0.0.1 --port 8000

browser-deps:
	@bash scripts/ensure-chromium.sh

lint: install
	$(BIN)/ruff check claywork tests bench
	$(BIN)/ruff format --check claywork tests bench

typecheck: install
	$(BIN)/mypy claywork

audit: install
	$(BIN)/python scripts/audit-deps.py $(LOCK)

test-sqlite: install
	$(BIN)/pytest -p no:cacheprovider

test-postgres: install
	@if $(BIN)/python scripts/pg_ready.py "$(PG_URL)"; then \
	  echo "== PostgreSQL at $(PG_URL) =="; \
	  DATABASE_URL="$(PG_URL)" $(BIN)/pytest -p no:cacheprovider; \
	else \
	  echo "SKIPPED: the PostgreSQL run (nothing answers at $(PG_URL))"; \
	fi

# Both databases at once (scripts/test-both.sh); `make test-sqlite` or `make test-postgres`
# runs one.
test: install browser-deps lint typecheck audit
	BIN=$(BIN) PG_URL="$(PG_URL)" bash scripts/test-both.sh

bench: install
	$(BIN)/python bench/journal_pages.py

clean:
	rm -rf $(VENV) var/test-* .pytest_cache .mypy_cache .ruff_cache
