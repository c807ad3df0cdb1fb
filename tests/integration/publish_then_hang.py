"""Run LocalClarifyOperator in a process of its own and freeze right after one step of publishing its output.

The test that starts this script kills it with SIGKILL while it is frozen: nothing of the provider's clean-up
(``finally``, ``on_kill``) can run, exactly as when the OOM killer or a lost worker ends a task. The freeze is
triggered by a log line of the output protocol (an observer; no code of the provider is replaced).

Usage: ``python tests/integration/publish_then_hang.py CONFIG_JSON DATASET OUTPUT MARKER``; MARKER ``-`` runs to the
end without freezing.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

FROZEN = "FROZEN"


class _FreezeAfter(logging.Handler):
    """Freezes the process (prints ``FROZEN`` first) at the first log record that contains ``marker``."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker

    def emit(self, record: logging.LogRecord) -> None:
        if self.marker in record.getMessage():
            print(FROZEN, flush=True)
            time.sleep(600)


def main() -> None:
    config, dataset, output, marker = sys.argv[1:5]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    if marker != "-":
        protocol_log = logging.getLogger("airflow_provider_clarify.outputs")
        protocol_log.setLevel(logging.INFO)
        protocol_log.addHandler(_FreezeAfter(marker))
    from airflow_provider_clarify.operators.local import LocalClarifyOperator

    operator = LocalClarifyOperator(
        task_id="publish_then_hang", config=json.loads(config), dataset_uri=dataset, output_uri=output
    )
    operator.execute({})
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
