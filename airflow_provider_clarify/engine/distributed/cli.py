"""The engine CLI's sharded-run subcommands::

    python -m airflow_provider_clarify.engine plan  --config C --dataset D --work W --shards N [options]
    python -m airflow_provider_clarify.engine shard --work W --index I [--plan-hash H] [options]
    python -m airflow_provider_clarify.engine merge --work W --output O [--plan-hash H] [options]

``plan`` prints its result as one JSON line on stdout (``{"work_uri", "plan_hash", "shards"}``), so a script can
pass the hash on to the shards and the merge. ``--work`` (and ``--dataset``, ``--output`` for merge: a local
directory) may be ``s3://`` URIs; a boto3 client with the environment's credentials reads and writes them.

Failure contract, as the one-shot run's: exit status 1 and ``ClientError: <reason>`` as the last line on stderr
(the merge also marks its output folder failed, as a failed one-shot run does); exit status 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ..cli_shared import confidence_argument, config_file, record_failure
from ..clients import ClientOnFirstUse
from ..errors import AnalysisError
from ..options import EngineOptions

SUBCOMMANDS = ("plan", "shard", "merge")
_log = logging.getLogger("airflow_provider_clarify.engine")


def _step_options(parser: argparse.ArgumentParser) -> None:
    """Options every step takes: how the model is reached and called (they never change a result)."""
    parser.add_argument(
        "--predictor", default=None, help="model override: http URL, module:callable or model file"
    )
    parser.add_argument(
        "--batch-size", type=int, default=EngineOptions.batch_size, help="records per model request"
    )
    parser.add_argument("--max-concurrency", type=int, default=EngineOptions.max_concurrency)
    parser.add_argument("--timeout-seconds", type=float, default=EngineOptions.timeout_seconds)
    parser.add_argument("--max-retries", type=int, default=EngineOptions.max_retries)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_clarify.engine",
        description="Sharded Clarify analysis: plan, shard, merge",
    )
    steps = parser.add_subparsers(dest="step", required=True)
    plan = steps.add_parser("plan", help="validate, list the input, cut it into shards, do the global work")
    plan.add_argument("--config", type=Path, required=True, help="analysis_config.json")
    plan.add_argument("--dataset", default=None, help="dataset file, directory or s3:// URI")
    plan.add_argument("--work", required=True, help="work folder: a local directory or an s3:// prefix")
    plan.add_argument("--shards", type=int, required=True, help="number of shards (at least 1)")
    plan.add_argument("--chunk-rows", type=int, default=EngineOptions.chunk_rows)
    plan.add_argument("--lenient", action="store_true", help="strict_clarify_compat off (reference §3.5)")
    plan.add_argument(
        "--confidence", type=confidence_argument, default=None, metavar="JSON", help="confidence intervals"
    )
    plan.add_argument("--overwrite", action="store_true", help="replace a plan of another analysis in --work")
    _step_options(plan)
    shard = steps.add_parser("shard", help="compute one shard's partial state")
    shard.add_argument("--work", required=True, help="the work folder the plan wrote")
    shard.add_argument("--index", type=int, required=True, help="the shard, 0 to shards - 1")
    shard.add_argument("--plan-hash", default=None, help="refuse a work folder holding another plan")
    _step_options(shard)
    merge = steps.add_parser("merge", help="check and combine the shards, write the output")
    merge.add_argument("--work", required=True, help="the work folder the plan and the shards wrote")
    merge.add_argument("--output", type=Path, required=True, help="output directory")
    merge.add_argument("--plan-hash", default=None, help="refuse a work folder holding another plan")
    _step_options(merge)
    return parser


def main(argv: list[str]) -> int:
    """Run one step; the exit status (0, 1 for a failed step, 2 for bad arguments)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        result = _run(args)
    except AnalysisError as error:
        reason = f"ClientError: {error.reason}"
        if args.step == "merge":
            record_failure(args.output, reason)
        print(reason, file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(result))
    return 0


def _run(args: argparse.Namespace) -> dict[str, Any] | None:
    from . import merging, planning, shard  # the numeric stack: only once the arguments are good

    options = EngineOptions(
        chunk_rows=getattr(args, "chunk_rows", EngineOptions.chunk_rows),
        strict_clarify_compat=not getattr(args, "lenient", False),
        batch_size=args.batch_size,
        max_concurrency=args.max_concurrency,
        timeout_seconds=args.timeout_seconds,
        max_retries=args.max_retries,
        confidence=getattr(args, "confidence", None),
    )
    if args.step == "plan":
        config = config_file(args.config)
        client = _s3_client()
        info = planning.plan(
            config, args.dataset, args.work, args.shards, s3_client=client, work_s3_client=client,
            predictor=args.predictor, options=options, overwrite=args.overwrite,
        )  # fmt: skip
        return info.to_dict()
    client = _s3_client()
    if args.step == "shard":
        shard.run_shard(
            args.work, args.index, s3_client=client, work_s3_client=client, predictor=args.predictor,
            options=options, plan_hash=args.plan_hash,
        )  # fmt: skip
        return None
    warnings: list[str] = []
    merging.merge(
        args.work, args.output, s3_client=client, work_s3_client=client, predictor=args.predictor,
        options=options, plan_hash=args.plan_hash, warnings=warnings,
    )  # fmt: skip
    _log.info("Clarify analysis merged: %d warning(s); analysis.json in %s", len(warnings), args.output)
    return None


def _s3_client() -> Any:
    """A boto3 S3 client with the environment's credentials, built when first used (a run that never touches S3
    never imports boto3)."""
    return ClientOnFirstUse(_boto3_s3)


def _boto3_s3() -> Any:
    import boto3

    return boto3.client("s3")
