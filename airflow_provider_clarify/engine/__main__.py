"""Command line: ``python -m airflow_provider_clarify.engine --config C --dataset D --output O [--predictor P]
[--confidence '{"level": 0.95, "replicates": 2000}']``; a sharded run's steps are the subcommands ``plan``,
``shard`` and ``merge`` (:mod:`.distributed.cli`).

With no arguments the processing-container layout is used (config at
``/opt/ml/processing/input/config/analysis_config.json``, data under ``/opt/ml/processing/input/data``, output to
``/opt/ml/processing/output``), so the same engine runs as a container image.

Failure contract (used as the job's FailureReason by stand-ins): exit status 1, the one-line reason
``ClientError: <reason>`` as the last line on stderr, and the same text in ``<output>/failure``. A failed run
removes the output of an earlier run in the same directory (``analysis.json`` first), so the folder reads as
failed, not as the earlier result; ``failure`` is then the only Clarify file it holds. A successful run publishes
by the output protocol (:mod:`airflow_provider_clarify.outputs`: a run manifest ``_manifest.json`` beside
``analysis.json``). Exit status 2 means bad command-line arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..contract import (
    ANALYSIS_FILE,
    CONFIG_FILE,
    CONFIG_LOCAL_PATH,
    DATASET_LOCAL_PATH,
    OUTPUT_LOCAL_PATH,
)
from .analysis import run_analysis
from .cli_shared import confidence_argument, config_file, record_failure
from .data.s3_on_demand import S3ClientOnDemand
from .errors import AnalysisError
from .options import SHAP_ALGORITHMS, EngineOptions

CONTAINER_CONFIG = Path(CONFIG_LOCAL_PATH) / CONFIG_FILE
CONTAINER_DATA = Path(DATASET_LOCAL_PATH)
CONTAINER_OUTPUT = Path(OUTPUT_LOCAL_PATH)

_log = logging.getLogger("airflow_provider_clarify.engine")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m airflow_provider_clarify.engine", description=__doc__)
    parser.add_argument("--config", type=Path, default=CONTAINER_CONFIG, help="analysis_config.json")
    parser.add_argument("--dataset", default=None, help="dataset file, directory or s3:// URI")
    parser.add_argument("--output", type=Path, default=CONTAINER_OUTPUT, help="output directory")
    parser.add_argument(
        "--predictor", default=None, help="model override: http URL, module:callable or model file"
    )
    parser.add_argument("--chunk-rows", type=int, default=EngineOptions.chunk_rows)
    parser.add_argument("--lenient", action="store_true", help="strict_clarify_compat off (reference §3.5)")
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
    parser.add_argument(
        "--confidence",
        type=confidence_argument,
        default=None,
        metavar="JSON",
        help='confidence intervals, e.g. \'{"level": 0.95, "replicates": 2000, "seed": 7, "method": "percentile"}\'',
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    # --- sharded runs: `plan` / `shard` / `merge` subcommands (engine/distributed/cli.py) ---
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] in ("plan", "shard", "merge"):
        from .distributed.cli import main as sharded_main

        return sharded_main(arguments)
    # --- end sharded runs ---
    args = _parser().parse_args(argv)
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
        confidence=args.confidence,
    )
    warnings: list[str] = []
    try:
        run_analysis(
            config_file(args.config),
            dataset,
            args.output,
            # made when the run first reads S3: an s3:// dataset, or a baseline / manifest image on S3 beside a
            # local dataset (the container's case); the CLI starts faster without boto3
            s3_client=S3ClientOnDemand(),
            predictor=args.predictor,
            options=options,
            warnings=warnings,
        )
    except AnalysisError as error:
        reason = f"ClientError: {error.reason}"
        record_failure(args.output, reason)
        print(reason, file=sys.stderr)
        return 1
    _log.info(
        "Clarify analysis complete: %d warning(s)%s; analysis.json at %s",
        len(warnings),
        " (logged above)" if warnings else "",
        args.output / ANALYSIS_FILE,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
