"""The processing container's contract, as the sandbox plays it: one entrypoint, one folder layout.

The image built from the repository's ``Dockerfile`` runs ``ENTRYPOINT ["python", "-m",
"airflow_provider_clarify.engine"]`` with no arguments, so the engine reads and writes SageMaker Processing's
container layout (``/opt/ml/processing/input/{data,config}`` → ``/opt/ml/processing/output``). The sandbox has no
container: it runs the same entrypoint with the layout re-rooted under a temporary folder, naming the three paths
explicitly. With the root ``/`` those arguments are exactly the engine's defaults (a deployment test checks both
facts against the Dockerfile and the engine), so sandbox and image run one program on one layout.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Final

from airflow_provider_clarify.contract import (
    CONFIG_FILE,
    CONFIG_LOCAL_PATH,
    CONTAINER_ROOT,
    DATASET_LOCAL_PATH,
    OUTPUT_LOCAL_PATH,
)

CONTAINER_ENTRYPOINT: Final = ("python", "-m", "airflow_provider_clarify.engine")
"""The image's ENTRYPOINT (exec form), word for word."""


class ContainerPathError(ValueError):
    """A job names a container path outside ``/opt/ml/processing`` (SageMaker refuses those too)."""


def host_path(root: Path, container_path: str) -> Path:
    """Where ``container_path`` (``/opt/ml/processing/...``) lives when the layout is re-rooted at ``root``."""
    path = PurePosixPath(container_path)
    if not path.is_relative_to(CONTAINER_ROOT) or ".." in path.parts:
        raise ContainerPathError(
            f"LocalPath {container_path!r} is outside {CONTAINER_ROOT}; processing inputs and outputs must be "
            f"under {CONTAINER_ROOT}/ (e.g. {DATASET_LOCAL_PATH})"
        )
    return root.joinpath(*path.relative_to("/").parts)


def entrypoint_command(root: Path, *, python: str = sys.executable, extra: Sequence[str] = ()) -> list[str]:
    """The image's entrypoint with the container layout re-rooted at ``root``.

    ``python`` replaces the entrypoint's ``python`` (the sandbox's own interpreter, which has the engine);
    ``extra`` appends engine options (the sandbox's ``--predictor`` for a model it hosts).
    """
    return [
        python,
        *CONTAINER_ENTRYPOINT[1:],
        "--config",
        str(host_path(root, f"{CONFIG_LOCAL_PATH}/{CONFIG_FILE}")),
        "--dataset",
        str(host_path(root, DATASET_LOCAL_PATH)),
        "--output",
        str(host_path(root, OUTPUT_LOCAL_PATH)),
        *extra,
    ]
