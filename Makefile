# The two commands a newcomer needs are `make demo` and `make test` (see README.md).
# Everything else here is what those two are made of.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONSTRAINTS := constraints-dev.txt
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard airflow_provider_clarify dags scripts tests benchmarks sample_data)

.PHONY: install lint typecheck test test-unit test-integration test-deployment demo sandbox bench lock clean

# The virtualenv is rebuilt only when the packaging files change, so a second `make demo` is fast.
# The test environment is installed against constraints-dev.txt (the versions the suite last passed with), so a
# fresh machine gets what CI was green with; `make lock` re-resolves it from setup.cfg.
$(STAMP): setup.cfg pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[test,nlp]' --constraint $(CONSTRAINTS)
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

lock: install
	$(BIN)/uv pip compile setup.cfg --extra test --extra nlp --python-version 3.11 --quiet --no-header \
		--no-annotate --output-file $(CONSTRAINTS).new
	{ head -n 3 $(CONSTRAINTS); grep -v '^pip==\|^uv==' $(CONSTRAINTS).new; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS) && rm -f $(CONSTRAINTS).new

clean:
	rm -rf $(VENV) build *.egg-info .airflow-demo
