# Two commands for a fresh machine:
#   make up    — embedded Temporal server + Web UI, all workers, the registry, a demo case
#   make test  — the whole test suite (what CI runs)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test install bench fault

$(BIN)/weiquan: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/weiquan

up: install
	$(BIN)/weiquan up

test: install
	bash tests/run.sh

# The benchmark against bare Temporal and the fault test at full size (bench/README.md, docs/proof.md).
bench: install
	$(BIN)/python -m bench.run

fault: install
	$(BIN)/python -m bench.fault --cases 200
