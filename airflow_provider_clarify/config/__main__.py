"""Command line: check analysis configs before a DAG ever runs them (e.g. in CI), or print the JSON Schema.

    python -m airflow_provider_clarify.config validate analysis_config.json [more.json ...]
    python -m airflow_provider_clarify.config validate analysis_config.json --dataset data.csv
    python -m airflow_provider_clarify.config schema > analysis_config.schema.json

``validate`` prints every problem with its JSON path and exits 1 if any file is invalid, 0 otherwise. With
``--dataset`` it also checks each valid config against the data (its header and first rows: columns, label and facet
values, predicted labels, how each column is read) without running the analysis; an error there exits 1 too,
warnings alone exit 0.
"""

from __future__ import annotations

import argparse
import json
import sys

from airflow_provider_clarify.config.errors import ClarifyConfigError
from airflow_provider_clarify.config.loading import load_config
from airflow_provider_clarify.config.model import AnalysisConfig
from airflow_provider_clarify.config.requirements import model_requirements
from airflow_provider_clarify.config.schema import analysis_config_schema

DEFAULT_SAMPLE_ROWS = (
    100_000  # the engine's default (engine.dataset_check), without importing the engine here
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_clarify.config", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate analysis_config.json files")
    validate.add_argument("files", nargs="+")
    validate.add_argument(
        "--dataset",
        default=None,
        help="also check each config against this dataset (file, directory or s3:// URI) without running it",
    )
    validate.add_argument(
        "--sample-rows",
        type=int,
        default=DEFAULT_SAMPLE_ROWS,
        help=f"rows of --dataset to read (default {DEFAULT_SAMPLE_ROWS}; 0 reads every row)",
    )
    commands.add_parser("schema", help="print the JSON Schema of analysis_config 1.0")
    arguments = parser.parse_args(argv)

    if arguments.command == "schema":
        print(json.dumps(analysis_config_schema(), indent=2, ensure_ascii=False))
        return 0
    if arguments.sample_rows < 0:
        parser.error("--sample-rows must be 0 (every row) or a positive number of rows")
    failed = 0
    for name in arguments.files:
        try:
            config = load_config(name)
        except ClarifyConfigError as error:
            failed += 1
            print(f"{name}: {error}")
            continue
        needs = model_requirements(config)
        print(f"{name}: valid ({', '.join(needs.methods)}{'; needs a model' if needs.needs_model else ''})")
        if arguments.dataset is not None and not _data_check(
            name, config, arguments.dataset, arguments.sample_rows
        ):
            failed += 1
    return 1 if failed else 0


def _data_check(name: str, config: AnalysisConfig, dataset: str, sample_rows: int) -> bool:
    """Print the data check of one config; whether it found no error."""
    # The engine (pandas, pyarrow) is imported only when data is checked: plain validation stays light.
    from airflow_provider_clarify.contract import is_s3_uri
    from airflow_provider_clarify.engine.dataset_check import check_dataset

    s3_client = None
    if is_s3_uri(dataset):
        import boto3

        s3_client = boto3.client("s3")
    check = check_dataset(config, dataset, sample_rows=sample_rows or None, s3_client=s3_client)
    if check.rows_read == 0:
        rows = "no rows read"
    else:
        rows = f"{'the first ' if not check.complete else ''}{check.rows_read} rows read"
    print(f"{name}: checked against {dataset} ({rows})")
    for line in check.lines():
        print(f"  {line}")
    verdict = "data check passed" if check.ok else "data check failed"
    print(f"{name}: {verdict}: {len(check.errors)} error(s), {len(check.warnings)} warning(s)")
    return check.ok


if __name__ == "__main__":
    sys.exit(main())
