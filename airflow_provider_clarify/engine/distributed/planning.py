"""``plan``: the first step of a sharded run — validate, list the input, cut it into shards, do the global work.

What the plan does once, so that no shard has to (and no two shards could do it differently):

- validate the config and the model source, open the dataset (headers only, on S3 as stubs, see :mod:`.inputs`)
  and resolve the column roles: a wrong column name fails here, before any shard starts;
- list the main dataset's files and cut the rows into ``shards`` pieces (:mod:`.pieces`); when the shards
  outnumber the files, or the plan reads the data anyway, the rows are counted chunk by chunk first;
- for explanations, read the model features once: the PDP record sample, and each PDP feature's grid;
- write the artefacts, then ``plan.json`` with its hash (:mod:`.document`).

The bias metrics need no global work here: each shard profiles and counts its own rows, and the merge decides the
column types from the merged profiles exactly as one process does from its whole pass (:mod:`.bias_state`).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ...config import AnalysisConfig
from ...contract import is_s3_uri
from ..analysis import dataset_to_read
from ..bias.plan import plan_bias
from ..bias.stream import scan
from ..data.column_kinds import with_stable_column_types
from ..data.dataset import TabularDataset
from ..data.sources import S3Client
from ..errors import AnalysisError
from ..explain.features import FREE_TEXT, ExplanationData
from ..explain.pdp import grid, sample_positions
from ..explain.plan import ExplanationPlan, frame_of, plan_explanations
from ..explain.runner import pdp_features, shap_baseline
from ..models import Model
from ..options import EngineOptions
from ..predictors import PredictorError, build_model
from ..roles import ColumnRoles, resolve_roles
from ..run import AnalysisRun, Warn, WarningSink
from ..segments import parse_segment_configs
from . import codec
from .bias_state import first_pass_state
from .dataset_state import dataset_state, roles_state
from .document import (
    ARTEFACT_FILE,
    PLAN_FILE,
    SHARD_FOLDER,
    PlanInfo,
    canonical,
    digest,
    options_state,
    read_plan,
    write_plan,
)
from .flip_test import ft_rows_state, merge_ft_rows_states
from .inputs import InputFile, open_inputs
from .pieces import Piece, PieceReader, assign_files, assign_rows, chunk_sizes
from .shap_state import frame_state, table_bytes
from .steps import PROFILED_IN_PLAN, PROFILED_IN_SHARDS
from .workfolder import WorkFolder, WorkS3Client

log = logging.getLogger("airflow_provider_clarify.engine")


def plan(
    config: AnalysisConfig,
    dataset: str | Path | None,
    work: str | Path,
    shards: int,
    *,
    s3_client: S3Client | None = None,
    work_s3_client: WorkS3Client | None = None,
    predictor: object = None,
    sagemaker_runtime_client: object = None,
    options: EngineOptions | None = None,
    overwrite: bool = False,
    warnings: list[str] | None = None,
) -> PlanInfo:
    """Plan ``config`` over ``dataset`` for ``shards`` shards into the work folder ``work``; return its
    :class:`PlanInfo` (work folder, plan hash, shard count).

    ``config`` comes from ``load_config``; ``dataset`` (a local file or directory, or ``s3://``) is overridden by
    the config's ``dataset_uri`` as in ``run_analysis``. ``s3_client`` reads S3 datasets, ``work_s3_client``
    (default: ``s3_client``) an ``s3://`` work folder. ``predictor`` as in ``run_analysis``; a string is recorded
    in the plan (the shards and the merge use it), an in-process model must be passed to every step. A work
    folder holding the finished plan of the same analysis is kept as it is (the plan is not made twice); one
    holding another plan is refused unless ``overwrite``. ``warnings`` collects the warnings of planning.
    """
    _check_shards(shards)
    uri = _checked_dataset_uri(config, dataset, predictor)
    options = options or EngineOptions()
    folder = WorkFolder(work, work_s3_client or _work_client(s3_client))
    planned_warnings: list[str] = []  # repeated by the merge, so the merged run warns as one process does
    with tempfile.TemporaryDirectory(prefix="clarify-plan-") as scratch:
        bias_mode = _bias_mode(config)
        reads_rows = bool(config.methods.explains) or bias_mode == PROFILED_IN_PLAN

        def opened(read_all: bool) -> tuple[TabularDataset, list[InputFile]]:
            return _open(config, uri, s3_client, Path(tempfile.mkdtemp(dir=scratch)), options, read_all)

        data, listing = opened(reads_rows)
        roles = resolve_roles(config, data)
        inputs = _plan_inputs(config, uri, listing, options, predictor, shards)
        identity = digest(canonical(inputs))
        existing = _existing_plan(folder, identity, overwrite)
        if existing is not None:
            log.info("Work folder %s already holds this plan (%s): kept", folder.uri, existing.plan_hash[:12])
            return existing
        _clear(folder)
        counted = _counts_rows(data, listing, shards, reads_rows)
        if counted and not reads_rows and is_s3_uri(uri):
            data, listing = opened(True)  # the rows are counted: every file in full
        pieces, chunks = _cut(data, listing, shards, counted, options.chunk_rows)
        sink = WarningSink(planned_warnings)

        def global_work() -> tuple[dict[str, Any], dict[str, Any]]:
            return _global_work(
                config,
                data,
                roles,
                pieces,
                chunks,
                bias_mode,
                predictor,
                sagemaker_runtime_client,
                options,
                s3_client,
                sink,
            )

        document, artefacts = with_stable_column_types(global_work, sink.warn, planned_warnings)
        document.update(
            {
                "identity": identity,
                **inputs,
                "dataset": dataset_state(data),  # after the reads: the columns read as text
                "roles": roles_state(roles),
                "pieces": [[piece.as_list() for piece in shard] for shard in pieces],
                "chunks": chunks,
                "bias": None if bias_mode is None else {"mode": bias_mode},
                "warnings": planned_warnings,
            }
        )
        if warnings is not None:
            warnings.extend(planned_warnings)
        plan_hash = _write(folder, document, artefacts, identity)
    log.info(
        "Planned %d shard(s) over %d file(s) into %s (plan %s)",
        shards,
        len(listing),
        folder.uri,
        plan_hash[:12],
    )
    return PlanInfo(folder.uri, plan_hash, shards)


def _write(folder: WorkFolder, document: dict[str, Any], artefacts: dict[str, Any], identity: str) -> str:
    """Write the artefacts (their digest goes into the plan), then ``plan.json`` last; return the plan's hash."""
    if artefacts:
        body = codec.encode({"kind": "artefacts", "identity": identity}, artefacts)
        folder.write(ARTEFACT_FILE, body)
        document["artefacts"] = digest(body)
    return write_plan(folder, document)


def _open(
    config: AnalysisConfig,
    uri: str,
    s3_client: S3Client | None,
    scratch: Path,
    options: EngineOptions,
    read_all: bool,
) -> tuple[TabularDataset, list[InputFile]]:
    """The dataset and its file listing; without ``read_all``, S3 files are stubs (headers only)."""
    return open_inputs(
        config,
        uri,
        s3_client=s3_client,
        scratch=scratch,
        chunk_rows=options.chunk_rows,
        progress_interval=options.progress_interval_seconds,
        read=None if read_all else (lambda index: False),
    )


def _global_work(
    config: AnalysisConfig,
    data: TabularDataset,
    roles: ColumnRoles,
    pieces: list[list[Piece]],
    chunks: list[list[int]] | None,
    bias_mode: str | None,
    predictor: object,
    sagemaker_runtime_client: object,
    options: EngineOptions,
    s3_client: S3Client | None,
    sink: WarningSink,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything the plan reads rows for: the bias profiles (when the plan profiles) and the explanation plan.
    Returns the plan document's part and the artefacts; run again from the start when a column turns to text."""
    document: dict[str, Any] = {}
    artefacts: dict[str, Any] = {}
    if bias_mode == PROFILED_IN_PLAN:
        model = (
            _model(config, roles, predictor, sagemaker_runtime_client, options)
            if _needs_model(config, roles)
            else None
        )
        artefacts["bias"] = _profile_shards(config, roles, data, pieces, chunks, model, options, sink)
    if config.methods.explains:
        document["explanations"], artefacts["explanations"] = _explanation_plan(
            config, data, roles, pieces, chunks, options, s3_client, sink.warn
        )
    return document, artefacts


def _checked_dataset_uri(config: AnalysisConfig, dataset: str | Path | None, predictor: object) -> str:
    """The dataset to plan over, once the config, the model source and the segments are known to be plannable
    (nothing is read before this passes)."""
    _check_supported(config)
    uri = dataset_to_read(config, dataset, local_model=predictor is not None)
    parse_segment_configs(config.segment_config)  # bad segments fail before anything is read
    return str(uri)


def _plan_inputs(
    config: AnalysisConfig,
    uri: str,
    listing: list[InputFile],
    options: EngineOptions,
    predictor: object,
    shards: int,
) -> dict[str, Any]:
    """What makes a plan the same plan: its hash is the plan's identity, and they head the plan document."""
    return {
        "config": config.to_dict(),
        "dataset_uri": uri,
        "inputs": [item.as_list() for item in listing],
        "options": options_state(options),
        "predictor": _predictor_text(predictor),
        "shards": shards,
    }


def _counts_rows(data: TabularDataset, listing: list[InputFile], shards: int, reads_rows: bool) -> bool:
    """Whether the shards are cut by counted rows rather than by whole files: more shards than files, a plan that
    reads the rows anyway, or predicted labels aligned by position with the main dataset (their row ranges must
    meet)."""
    aligned = bool(data.auxiliaries) and data.join_key is None
    return shards > len(listing) or reads_rows or (aligned and shards > 1)


def _cut(
    data: TabularDataset, listing: list[InputFile], shards: int, counted: bool, chunk_rows: int
) -> tuple[list[list[Piece]], list[list[int]] | None]:
    """The pieces of every shard, and the chunk sizes of every file when the rows are ``counted``."""
    if not counted:
        return assign_files(listing, shards), None
    chunks = [chunk_sizes(data.main, index, chunk_rows) for index in range(len(listing))]
    pieces = assign_rows(chunks, shards, whole_chunks=data.join_key is not None)
    if bool(data.auxiliaries) and data.join_key is None:
        _check_aligned_rows(data, chunks, chunk_rows)
    return pieces, chunks


def _check_shards(shards: object) -> None:
    if isinstance(shards, bool) or not isinstance(shards, int):
        raise AnalysisError(f"shards: must be a whole number of at least 1, got {shards!r}")
    if shards < 1:
        raise AnalysisError(f"shards: must be at least 1, got {shards}; one shard runs the whole analysis")


def _check_supported(config: AnalysisConfig) -> None:
    """Sharded runs cover tabular analyses; image and time-series explanations run in one task."""
    if config.analysis_kind == "image":
        raise AnalysisError(
            "dataset_type: image explanations (application/x-image) run as one task (LocalClarifyOperator or "
            "run_analysis); a sharded run covers tabular bias, SHAP, PDP and the report"
        )
    if config.methods.asymmetric_shapley_value is not None:
        raise AnalysisError(
            "methods.asymmetric_shapley_value: time-series explanations run as one task (LocalClarifyOperator or "
            "run_analysis); a sharded run covers tabular bias, SHAP, PDP and the report"
        )


def _work_client(s3_client: S3Client | None) -> WorkS3Client | None:
    return s3_client if s3_client is None or hasattr(s3_client, "put_object") else None  # type: ignore[return-value]


def _predictor_text(predictor: object) -> str | None:
    if predictor is None or isinstance(predictor, str):
        return predictor
    return f"<in-process {type(predictor).__name__}>"


def _existing_plan(folder: WorkFolder, identity: str, overwrite: bool) -> PlanInfo | None:
    if folder.read(PLAN_FILE) is None:
        return None
    try:
        existing = read_plan(folder)
        same = existing.document.get("identity") == identity
    except AnalysisError:
        existing, same = None, False
    if same and existing is not None:
        return PlanInfo(folder.uri, existing.hash, existing.shards)
    if not overwrite:
        found = f"plan {existing.hash[:12]}" if existing is not None else "an unreadable plan"
        raise AnalysisError(
            f"work: {folder.uri} holds {found} of another analysis (other config, dataset, options, model or shard "
            "count); use an empty work folder for this one, or overwrite=True (--overwrite) to replace it"
        )
    return None


def _clear(folder: WorkFolder) -> None:
    """Remove an earlier plan's files (its shards first, plan.json last)."""
    for name in folder.list(SHARD_FOLDER):
        folder.delete(name)
    folder.delete(ARTEFACT_FILE)
    folder.delete(PLAN_FILE)


def _bias_mode(config: AnalysisConfig) -> str | None:
    methods = config.methods
    if methods.pre_training_bias is None and methods.post_training_bias is None:
        return None
    post = methods.post_training_bias
    if post is not None and "FT" in post.metric_names:
        return PROFILED_IN_PLAN
    return PROFILED_IN_SHARDS


def _needs_model(config: AnalysisConfig, roles: ColumnRoles) -> bool:
    return config.methods.post_training_bias is not None and roles.predicted_label is None


def _model(
    config: AnalysisConfig,
    roles: ColumnRoles,
    predictor: object,
    runtime_client: object,
    options: EngineOptions,
) -> Model:
    try:
        return build_model(
            config,
            predictor=predictor,
            sagemaker_runtime_client=runtime_client,
            options=options,
            feature_names=list(roles.features),
        )
    except PredictorError as error:
        raise AnalysisError(str(error)) from error


def _profile_shards(
    config: AnalysisConfig,
    roles: ColumnRoles,
    data: TabularDataset,
    pieces: list[list[Piece]],
    chunks: list[list[int]] | None,
    model: Model | None,
    options: EngineOptions,
    sink: WarningSink,
) -> dict[str, Any]:
    """The first pass, one shard's rows after the other: each shard's profiles and counts, the FT bookkeeping of
    the whole data, and where each shard's rows start."""
    run = AnalysisRun(config, roles, options, sink.warn)
    bias_plan = plan_bias(run, data.columns)
    parts, flip_rows, starts = [], [], [0]
    for shard in pieces:
        found = scan(bias_plan, PieceReader(data, shard, chunks), model, options)  # type: ignore[arg-type]
        parts.append(first_pass_state(found))
        assert found.ft_rows is not None
        flip_rows.append(ft_rows_state(found.ft_rows))
        starts.append(starts[-1] + found.rows)
    return {"parts": parts, "ft": merge_ft_rows_states(flip_rows), "starts": starts}


def _check_aligned_rows(data: TabularDataset, chunks: list[list[int]], chunk_rows: int) -> None:
    """Datasets aligned by position have as many rows as the main dataset (one process finds out at the end)."""
    from ..data.joins import mismatch
    from .pieces import file_part

    main_rows = sum(chunks[0])
    for auxiliary in data.auxiliaries:
        rows = sum(table.num_rows for table in file_part(auxiliary.source, 0).iter_tables(None, chunk_rows))
        if rows != main_rows:
            raise mismatch(auxiliary, rows, main_rows)


# ------------------------------------------------------------------------------------------------ explanations


def read_explanation_parts(
    data: TabularDataset,
    roles: ColumnRoles,
    pieces: list[list[Piece]],
    chunks: list[list[int]] | None,
) -> tuple[ExplanationData, list[int]]:
    """The explanation data of every record (as ``read_explanation_data`` reads it) and where each shard's
    records start."""
    wanted = [*roles.features, *([roles.join_key] if roles.join_key else [])]
    frames: list[pd.DataFrame] = []
    starts = []
    records = 0
    for shard in pieces:
        starts.append(records)
        for frame in PieceReader(data, shard, chunks).iter_frames(columns=wanted):
            frames.append(frame)
            records += len(frame)
    starts.append(records)
    frame = pd.concat(frames, ignore_index=True)
    join_key = frame[roles.join_key] if roles.join_key else None
    return ExplanationData(frame[list(roles.features)], join_key, roles.label_columns), starts


def _explanation_plan(
    config: AnalysisConfig,
    data: TabularDataset,
    roles: ColumnRoles,
    pieces: list[list[Piece]],
    chunks: list[list[int]] | None,
    options: EngineOptions,
    s3_client: S3Client | None,
    warn: Warn,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Where each shard's records start, the feature dtypes, the SHAP baseline (when computed) and the join key
    of every record, the PDP sample and grids."""
    explained, starts = read_explanation_parts(data, roles, pieces, chunks)
    explanation_plan = plan_explanations(config, explained)
    frame = frame_of(explained)
    document: dict[str, Any] = {
        "records": starts,
        "dtypes": {str(name): str(dtype) for name, dtype in frame.dtypes.items()},
    }
    artefacts: dict[str, Any] = {}
    shap = explanation_plan.shap
    if shap is not None:
        run = AnalysisRun(config, roles, options, warn, s3_client)
        baseline, _ = shap_baseline(run, explanation_plan, shap, frame)  # given rows are checked here too
        artefacts["shap"] = {
            "baseline": None if shap.baseline is not None else frame_state(baseline, "the SHAP baseline"),
            "baseline_rows": len(baseline),
            "join_key": None
            if explained.join_key is None
            else table_bytes(explained.join_key.reset_index(drop=True).to_frame()),
        }
    pdp = explanation_plan.pdp
    if pdp is not None:
        seed = shap.seed if shap is not None else None
        positions = sample_positions(len(frame), options.pdp_max_records, seed)
        document["pdp"] = {"ranked": explanation_plan.pdp_features is None}
        artefacts["pdp"] = _pdp_grids(explanation_plan, frame, positions)
    return document, artefacts


def _pdp_grids(plan: ExplanationPlan, frame: pd.DataFrame, positions: Any) -> dict[str, Any]:
    """The PDP sample and, for configured features, each one's grid and distribution (from the whole sample)."""
    assert plan.pdp is not None
    sample = frame if positions is None else frame.iloc[positions].reset_index(drop=True)
    if plan.pdp_features is None:  # the top SHAP features: the merge scores the sample itself
        return {"positions": None, "grids": [], "sample": frame_state(sample, "the PDP sample")}
    features = pdp_features(plan, plan.pdp, None) if plan.pdp_features is not None else []
    grids: list[dict[str, Any]] = []
    for name in features:
        kind = plan.kinds[plan.names.index(name)]
        if kind == FREE_TEXT:
            grids.append({"feature": name, "kind": kind})
            continue
        values, distribution = grid(sample[name], kind, plan.pdp.grid_resolution)
        where = f"feature {name!r}"
        grids.append(
            {
                "feature": name,
                "kind": kind,
                "values": [codec.plain(value, where) for value in values],
                "distribution": distribution,
            }
        )
    return {"positions": None if positions is None else [int(p) for p in positions], "grids": grids}
