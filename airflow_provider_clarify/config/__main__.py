"""Command line: check analysis configs before a DAG ever runs them (e.g. in CI), or print the JSON Schema.

    python -m airflow_provider_clarify.config validate analysis_config.json [more.json ...]
    python -m airflow_provider_clarify.config schema > analysis_config.schema.json

``validate`` prints every problem with its JSON path and exits 1 if any file is invalid, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys

from airflow_provider_clarify.config.errors import ClarifyConfigError
from airflow_provider_clarify.config.loading import load_config
from airflow_provider_clarify.config.requirements import model_requirements
from airflow_provider_clarify.config.schema import analysis_config_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_clarify.config", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate analysis_config.json files")
    validate.add_argument("files", nargs="+")
    commands.add_parser("schema", help="print the JSON Schema of analysis_config 1.0")
    arguments = parser.parse_args(argv)

    if arguments.command == "schema":
        print(json.dumps(analysis_config_schema(), indent=2, ensure_ascii=False))
        return 0
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
