"""The plan document (``plan.json``) and the names of everything in a work folder.

``plan.json`` is written last by the plan step, so its presence means the plan is complete. It holds what every
later step needs — the validated config, the engine options, the input files, the pieces of each shard, the
opened dataset and column roles, the explanation settings — and the digests of the artefact files (baseline,
grids, the first pass of the whole dataset). Its **hash** (SHA-256 of its canonical JSON) names the plan: every
shard state is stamped with it, the Airflow tasks pass it along, and a step given a hash refuses a work folder that
holds another plan.

The **identity** is the hash of the plan's inputs only (config, dataset listing, options, shard count, model):
planning the same analysis again into the same work folder finds the finished plan and keeps it (a retried plan
task does no work twice); planning a different one there is refused unless the caller overwrites.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import __version__
from ..errors import AnalysisError
from ..options import EngineOptions
from .workfolder import WorkFolder

PLAN_FILE = "plan.json"
ARTEFACT_FILE = "plan/global.zip"
SHARD_FOLDER = "shards"
FORMAT = "clarify-sharded-run/1"


def shard_file(index: int, shards: int) -> str:
    return f"{SHARD_FOLDER}/shard-{index:05d}-of-{shards:05d}.zip"


def canonical(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=True).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class PlanInfo:
    """What the plan step tells the steps after it (small enough for an Airflow XCom)."""

    work_uri: str
    plan_hash: str
    shards: int

    def to_dict(self) -> dict[str, Any]:
        return {"work_uri": self.work_uri, "plan_hash": self.plan_hash, "shards": self.shards}


@dataclass(frozen=True)
class Plan:
    """A loaded, verified plan: its hash and its document (see the module doc for the keys)."""

    hash: str
    document: dict[str, Any]

    @property
    def shards(self) -> int:
        return int(self.document["shards"])

    def __getitem__(self, key: str) -> Any:
        return self.document[key]


def options_state(options: EngineOptions) -> dict[str, Any]:
    """The engine options as JSON (confidence settings as their dict)."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(options):
        value = getattr(options, item.name)
        if item.name == "confidence" and value is not None:
            settings = options.interval_settings
            assert settings is not None
            value = dataclasses.asdict(settings)
        values[item.name] = value
    return values


def restore_options(state: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> EngineOptions:
    known = {item.name for item in dataclasses.fields(EngineOptions)}
    values = {key: value for key, value in state.items() if key in known}
    values.update(overrides or {})
    return EngineOptions(**values)


RESULT_OPTIONS = (
    "strict_clarify_compat",
    "chunk_rows",
    "pdp_max_records",
    "max_distinct_values",
    "confidence",
)
"""Options that change results: fixed by the plan. The others (batch size, concurrency, timeouts, retries, FT's
jobs, progress logging) may differ per step."""


def step_overrides(options: EngineOptions | None) -> dict[str, Any]:
    """The options a shard or the merge may set for itself (the ones that never change a result)."""
    if options is None:
        return {}
    state = options_state(options)
    return {key: value for key, value in state.items() if key not in RESULT_OPTIONS}


def write_plan(folder: WorkFolder, document: dict[str, Any]) -> str:
    """Write ``plan.json`` (last) and return the plan's hash."""
    body = dict(document)
    body["format"] = FORMAT
    body["provider_version"] = __version__
    plan_hash = digest(canonical(body))
    folder.write(PLAN_FILE, json.dumps({"hash": plan_hash, "plan": body}, indent=1, allow_nan=True).encode())
    return plan_hash


def read_plan(folder: WorkFolder, expected_hash: str | None = None) -> Plan:
    """The plan of ``folder``, its hash verified (and compared with ``expected_hash`` when given)."""
    data = folder.read(PLAN_FILE)
    if data is None:
        raise AnalysisError(
            f"work: {folder.location(PLAN_FILE)} does not exist; run the plan step into this work folder first"
        )
    try:
        stored = json.loads(data)
        body = stored["plan"]
        plan_hash = str(stored["hash"])
    except (ValueError, KeyError, TypeError) as error:
        raise AnalysisError(
            f"work: {folder.location(PLAN_FILE)} is not a plan of a sharded run ({error})"
        ) from error
    if body.get("format") != FORMAT:
        raise AnalysisError(
            f"work: {folder.location(PLAN_FILE)} has format {body.get('format')!r}; this provider reads {FORMAT!r}: "
            "plan the analysis again with this version"
        )
    if digest(canonical(body)) != plan_hash:
        raise AnalysisError(
            f"work: {folder.location(PLAN_FILE)} does not match its hash {plan_hash[:12]}; the file was changed "
            "after the plan step wrote it: plan the analysis again"
        )
    if expected_hash is not None and expected_hash != plan_hash:
        raise AnalysisError(
            f"work: {folder.uri} holds plan {plan_hash[:12]}, not plan {str(expected_hash)[:12]} that this step "
            "was given; the work folder was planned again for another analysis (or another dataset state) — "
            "use one work folder per analysis run"
        )
    return Plan(plan_hash, body)


def read_artefacts(folder: WorkFolder, plan: Plan) -> bytes | None:
    """The plan's artefact file, checked against the digest the plan recorded."""
    expected = plan.document.get("artefacts")
    if expected is None:
        return None
    data = folder.read(ARTEFACT_FILE)
    if data is None or digest(data) != expected:
        raise AnalysisError(
            f"work: {folder.location(ARTEFACT_FILE)} is missing or does not match plan {plan.hash[:12]}; plan the "
            "analysis again"
        )
    return data
