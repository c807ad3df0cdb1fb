"""The models of the sharded-analysis DAG test, by ``module:callable`` (a plan records the name for every task).

``labels`` answers a predicted label and a score per record from the CSV request (features sex, race_code, age,
priors, score, age_group). When the file named by ``CLARIFY_TEST_FAIL_ONCE`` exists, the first call removes it and
fails: the shard that made it fails once and is retried.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.unit.engine.distributed.models import labels as _labels
from tests.unit.engine.distributed.models import probability

FAIL_ONCE = "CLARIFY_TEST_FAIL_ONCE"


def labels(body: bytes) -> str:
    marker = os.environ.get(FAIL_ONCE)
    if marker and Path(marker).exists():
        Path(marker).unlink()
        raise ConnectionError("the model is unreachable (a failure the test asked for)")
    return _labels(body)


__all__ = ["labels", "probability"]
