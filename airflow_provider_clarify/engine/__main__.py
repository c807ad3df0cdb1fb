"""Command line: ``python -m airflow_provider_clarify.engine --config C --dataset D --output O [--predictor P]``.

With no arguments the processing-container layout is used (config at
``/opt/ml/processing/input/config/analysis_config.json``, data under ``/opt/ml/processing/input/data``, output to
``/opt/ml/processing/output``), so the same engine runs as a container image.

Failure contract (used as the job's FailureReason by stand-ins): exit status 1, the one-line reason
``ClientError: <reason>`` as the last line on stderr, and the same text in ``<output>/failure`` — the only file a
failed run leaves in the output directory. Exit status 2 means bad command-line arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .analysis import CONTAINER_CONFIG, CONTAINER_DATA, CONTAINER_OUTPUT, run_analysis
from .errors import AnalysisError
from .options import SHAP_ALGORITHMS, EngineOptions

FAILURE_FILE = "failure"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m airflow_provider_clarify.engine", description=__doc__)
    parser.add_argument("--config", type=Path, default=CONTAINER_CONFIG, help="analysis_config.json")
    parser.add_argument("--dataset", default=None, help="dataset file, directory or s3:// URI")
    parser.add_argument("--output", type=Path, default=CONTAINER_OUTPUT, help="output directory")
    parser.add_argument(
        "--predictor", default=None, help="model override: http URL, module:callable or model file"
    )
    parser.add_argument("--chunk-rows", type=int, default=EngineOptions.chunk_rows)
    parser.add_argument("--lenient", action="store_true", help="strict_clarify_compat off (SPEC §3.5)")
    parser.add_argument(
        "--batch-size", type=int, default=EngineOptions.batch_size, help="records per model request"
    )
    parser.add_argument("--max-concurrency", type=int, default=EngineOptions.max_concurrency)
    parser.add_argument("--timeout-seconds", type=float, default=EngineOptions.timeout_seconds)
    parser.add_argument("--max-retries", type=int, default=EngineOptions.max_retries)
    parser.add_argument(
        "--shap-algorithm",
        choices=SHAP_ALGORITHMS,
        default=EngineOptions.shap_algorithm,
        help="kernel (default), tree (exact TreeSHAP, in-process tree ensembles) or auto",
    )
    parser.add_argument(
        "--shap-standard-errors",
        action="store_true",
        help="estimate the sampling error of Kernel SHAP values",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    dataset = args.dataset
    if dataset is None and args.config == CONTAINER_CONFIG:
        dataset = str(CONTAINER_DATA)
    options = EngineOptions(
        chunk_rows=args.chunk_rows,
        strict_clarify_compat=not args.lenient,
        batch_size=args.batch_size,
        max_concurrency=args.max_concurrency,
        timeout_seconds=args.timeout_seconds,
        max_retries=args.max_retries,
        shap_algorithm=args.shap_algorithm,
        shap_standard_errors=args.shap_standard_errors,
    )
    s3_client = None
    if str(dataset or "").startswith("s3://"):
        import boto3

        s3_client = boto3.client("s3")
    failure = args.output / FAILURE_FILE
    failure.unlink(missing_ok=True)
    try:
        if not args.config.is_file():
            raise AnalysisError(f"--config: {args.config} does not exist; give the analysis_config.json path")
        run_analysis(
            args.config, dataset, args.output, s3_client=s3_client, predictor=args.predictor, options=options
        )
    except AnalysisError as error:
        reason = f"ClientError: {error.reason}"
        try:
            args.output.mkdir(parents=True, exist_ok=True)
            failure.write_text(reason + "\n", encoding="utf-8")
        except OSError:
            pass
        print(reason, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
