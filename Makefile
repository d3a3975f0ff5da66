# Two entry points for a fresh machine: `make run` and `make test`.
# Everything else here is what they need, created once and reused (idempotent).
SHELL := /bin/bash
VENV := .venv
RASA_VENV := .venv-rasa
APP_PY = $(VENV)/bin/python

.PHONY: run run-prod test venv rasa-venv nlu-model system-deps lint bench clean

run: venv rasa-venv nlu-model
	$(VENV)/bin/aftercare run

# Production-like, on this machine: the local PostgreSQL, two app processes behind
# nginx, one Rasa server (scripts/run_prod.py; README "Scale-out").
run-prod: venv rasa-venv nlu-model system-deps
	$(APP_PY) -m scripts.run_prod

test: venv rasa-venv nlu-model system-deps
	$(VENV)/bin/lint-imports  # the layer contracts in pyproject.toml, before any test
	$(APP_PY) -m pytest $(PYTEST_ARGS)

system-deps:
	@scripts/system-deps

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@py=$$(scripts/find-python 3.11) || exit 1; \
	  [ -x $(APP_PY) ] || $$py -m venv $(VENV)
	$(APP_PY) -m pip install -q --upgrade pip
	$(APP_PY) -m pip install -q -e '.[dev]'
	touch $@

rasa-venv: $(RASA_VENV)/.installed
$(RASA_VENV)/.installed: nlu/requirements-rasa.txt
	@py=$$(FIND_PYTHON_VAR=RASA_PYTHON scripts/find-python 3.10 3.10) || exit 1; \
	  [ -x $(RASA_VENV)/bin/python ] || $$py -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install -q --upgrade "pip<25" setuptools wheel
	$(RASA_VENV)/bin/python -m pip install -q -r nlu/requirements-rasa.txt
	touch $@

nlu-model: venv rasa-venv
	$(VENV)/bin/aftercare nlu train

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) $(RASA_VENV) var
