"""The output protocol: a published Clarify output is complete or absent, and every reader can tell which.

- :mod:`.manifest` — the run manifest (``_manifest.json``): run id, status, and every file with size and SHA-256;
- :mod:`.reading` — the one rule readers apply to a folder before trusting it;
- :mod:`.publishing` — the writer's side: running manifest, earlier output removed, files, complete manifest;
- :mod:`.workdirs` — private working directories that the next run removes when their owner was killed;
- :mod:`.s3` — an ``s3://`` prefix as a folder (a boto3 client in, no Airflow).

No Airflow and no numeric stack here: the engine, the results layer and the operators all use it. ``docs/outputs.md``
states the protocol for users.
"""

from airflow_provider_clarify.outputs.manifest import (
    COMPLETE,
    RUNNING,
    FailedOutputError,
    IncompleteOutputError,
    ManifestEntry,
    MissingOutputError,
    OutputStateError,
    RunManifest,
)
from airflow_provider_clarify.outputs.reading import (
    CompleteOutput,
    read_local_analysis,
    resolve_local_output,
    resolve_output,
)

__all__ = [
    "COMPLETE",
    "RUNNING",
    "CompleteOutput",
    "FailedOutputError",
    "IncompleteOutputError",
    "ManifestEntry",
    "MissingOutputError",
    "OutputStateError",
    "RunManifest",
    "read_local_analysis",
    "resolve_local_output",
    "resolve_output",
]
