# The two commands a newcomer needs are `make demo` and `make test` (see README.md).
# Everything else here is what those two are made of.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard airflow_provider_clarify dags scripts tests benchmarks sample_data)

.PHONY: install lint typecheck test test-unit test-integration test-deployment demo sandbox bench clean

# The virtualenv is rebuilt only when the packaging files change, so a second `make demo` is fast.
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[test,nlp]'
	touch $(STAMP)

install: $(STAMP)

lint: install typecheck
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

# Types of every layer, strict for config, engine, results and the contract ([tool.mypy] in pyproject.toml).
typecheck: install
	$(BIN)/mypy airflow_provider_clarify

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m unit $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

test-deployment: install
	$(BIN)/python -m pytest -m deployment $(PYTEST_ARGS)

demo: install
	$(BIN)/python scripts/demo.py

# Loopback S3 + SageMaker API whose processing jobs run this provider's engine; Ctrl-C stops it (docs/install.md).
# The sample goes to s3://clarify-sandbox/sample_data/adult/; the model name adult-candidate is served by the model
# `make demo` deployed.
sandbox: install
	$(BIN)/python -m airflow_provider_clarify.sandbox \
		--upload sample_data/adult=s3://clarify-sandbox/sample_data/adult \
		--model adult-candidate=$(CURDIR)/.airflow-demo/output/clarify_deploy_gate/deployed/model.joblib

clean:
	rm -rf $(VENV) build *.egg-info .airflow-demo
