"""Deterministic processing-job names: the same task instance always resolves to the same job family.

Why: a retried task (worker crash, pod eviction, timeout) must find the job its earlier try started instead of
launching a duplicate. The name is derived from (dag_id, task_id, run_id, map_index) — readable prefix, a short
digest of the task instance, and an attempt number that only grows when an earlier job failed or was stopped:

    Clarify-Bias-3f2a9c01de-1, Clarify-Bias-3f2a9c01de-2, ...

SageMaker allows ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`` (at most 63 characters); every name built here fits.
"""

from __future__ import annotations

import hashlib
import re

MAX_JOB_NAME_LENGTH = 63
DIGEST_LENGTH = 10
_MAX_ATTEMPT_DIGITS = 4
_VALID_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def sanitise_prefix(prefix: str, max_length: int) -> str:
    """Keep letters, digits and single hyphens; start with an alphanumeric; cut to ``max_length``."""
    cleaned = re.sub(r"[^a-zA-Z0-9]+", "-", prefix or "").strip("-")
    cleaned = cleaned[:max_length].rstrip("-")
    return cleaned or "Clarify"


def task_instance_digest(dag_id: str, task_id: str, run_id: str, map_index: int | None) -> str:
    """A short, stable hex digest of the task instance (not of the try: retries share it)."""
    index = -1 if map_index is None else int(map_index)
    key = "\x1f".join((dag_id, task_id, run_id, str(index)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def job_family(prefix: str, dag_id: str, task_id: str, run_id: str, map_index: int | None) -> str:
    """``<prefix>-<digest>``, short enough that ``-<attempt>`` (up to 4 digits) still fits in 63 characters."""
    room = MAX_JOB_NAME_LENGTH - DIGEST_LENGTH - 2 - _MAX_ATTEMPT_DIGITS
    readable = sanitise_prefix(prefix, room)
    return f"{readable}-{task_instance_digest(dag_id, task_id, run_id, map_index)}"


def explicit_family(job_name: str) -> str:
    """A user-given job name used as the family; it must leave room for the attempt suffix."""
    room = MAX_JOB_NAME_LENGTH - 1 - _MAX_ATTEMPT_DIGITS
    if not _VALID_NAME.match(job_name or "") or len(job_name) > room:
        raise ValueError(
            f"job_name {job_name!r} is not a valid processing job name: use letters, digits and hyphens, start "
            f"with a letter or digit, at most {room} characters (an attempt suffix '-N' is appended)"
        )
    return job_name


def attempt_name(family: str, attempt: int) -> str:
    """The job name of one attempt of a family: ``<family>-<attempt>``."""
    if attempt < 1 or attempt >= 10**_MAX_ATTEMPT_DIGITS:
        raise ValueError(f"attempt must be between 1 and {10**_MAX_ATTEMPT_DIGITS - 1}, got {attempt}")
    return f"{family}-{attempt}"


def attempt_of(family: str, job_name: str) -> int | None:
    """The attempt number if ``job_name`` belongs to ``family``, else None (another task's job)."""
    match = re.fullmatch(re.escape(family) + r"-(\d{1,4})", job_name)
    return int(match.group(1)) if match else None
