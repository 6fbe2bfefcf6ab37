# Everything a fresh machine needs: `make run` and `make test` create .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench fuzz lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# The API and the browser chat together; Ctrl-C stops both (`python -m assistant chat`: the terminal).
run: $(STAMP)
	$(PY) -m assistant up

test: $(STAMP) lint
	TEST_POSTGRES_URL="$${TEST_POSTGRES_URL:-$$($(PY) -m tests.services postgres)}" \
	TEST_REDIS_URL="$${TEST_REDIS_URL:-$$($(PY) -m tests.services redis)}" \
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) -m bench

# The API's schema fuzzing, longer than in `make test` (FUZZ_EXAMPLES per operation).
fuzz: $(STAMP)
	FUZZ_EXAMPLES="$${FUZZ_EXAMPLES:-200}" $(PY) -m pytest -p no:cacheprovider tests/api/test_schema_fuzz.py

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
