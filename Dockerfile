# syntax=docker/dockerfile:1
#
# The Clarify processing image: this provider's analysis engine packaged as a SageMaker Processing container that
# honours the SageMaker Clarify container's contract (docs/processing-image.md):
#
#   /opt/ml/processing/input/config/analysis_config.json   the analysis config (ProcessingInput "analysis_config")
#   /opt/ml/processing/input/data/                         the dataset (ProcessingInput "dataset")
#   /opt/ml/processing/output/                             analysis.json, reports, SHAP values (ProcessingOutput)
#
# A failed analysis exits 1 with "ClientError: <reason>" in /opt/ml/processing/output/failure, which SageMaker
# shows as the job's FailureReason. Run it with ClarifyOperator(image_uri="<account>.dkr.ecr.<region>.amazonaws.com/
# clarify-engine:<tag>", ...): same request, inputs and outputs as the managed Clarify image.
#
#   docker build -t clarify-engine:0.1.0 .
#
# Only the engine is installed: the provider's Airflow dependencies are left out (the engine never imports
# Airflow), and every other dependency is pinned by Airflow's constraints file for the same Airflow and Python as
# the workers, so the image computes with the library versions the in-worker engine uses.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
FROM ${PYTHON_IMAGE}

ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
ARG CONSTRAINTS_URL=https://raw.githubusercontent.com/apache/airflow/constraints-${AIRFLOW_VERSION}/constraints-${PYTHON_VERSION}.txt

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLBACKEND=Agg

WORKDIR /opt/airflow-provider-clarify
COPY setup.cfg pyproject.toml README.md ./
COPY airflow_provider_clarify ./airflow_provider_clarify

# The engine's requirements are setup.cfg's install_requires without apache-airflow*; then the package itself
# without its declared dependencies (those would pull Airflow in), and an import of the engine as a smoke test.
RUN python -c 'import configparser; c = configparser.ConfigParser(); c.read("setup.cfg"); print("\n".join(r.strip() for r in c["options"]["install_requires"].splitlines() if r.strip() and not r.strip().startswith("apache-airflow")))' > /tmp/engine-requirements.txt \
    && pip install --constraint "${CONSTRAINTS_URL}" --requirement /tmp/engine-requirements.txt \
    && pip install --no-deps . \
    && rm /tmp/engine-requirements.txt \
    && python -c "import airflow_provider_clarify.engine.__main__"

WORKDIR /opt/ml/processing
ENTRYPOINT ["python", "-m", "airflow_provider_clarify.engine"]
