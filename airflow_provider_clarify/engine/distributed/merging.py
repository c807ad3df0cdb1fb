"""``merge``: the last step of a sharded run — check the shards, combine their states, write the output.

Before anything is written, the merge checks that the work folder holds every shard of its plan exactly once:
a missing shard, a shard whose state two files claim, and a state stamped with another plan's hash each stop the
merge with an error naming the shard and the file, and nothing is published.

Then it does what one process does after its passes, with the same functions: the merged first pass goes through
the checks of the whole dataset and :func:`~..bias.analyze.bias_sections` (types, encoders, tables, metrics,
intervals, segments, distributions); PDP averages the scores of all shards in record order
(:func:`~..explain.pdp.pdp_entry`); the segments file and the report are written the same way, and
``analysis.json`` last. The result is byte for byte the result of ``run_analysis`` over the whole dataset.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...config import Methods
from ...config.model import BIAS_METHODS, EXPLANATION_METHODS
from ...contract import ANALYSIS_FILE, SEGMENTS_PATH, json_ready
from ...outputs.manifest import new_run
from ...outputs.publishing import LocalDirectory, publish, seal
from ...outputs.workdirs import WorkDir, create_workdir, remove_abandoned
from ...redaction import redact_text
from ..analysis import SCRATCH_PREFIX, STAGING_PREFIX
from ..bias.analyze import Distributions, bias_sections
from ..bias.plan import BiasPlan, plan_bias
from ..bias.stream import check_first_pass, stream_chunks
from ..data.sources import S3Client
from ..errors import AnalysisError
from ..explain.features import ExplanationData
from ..explain.pdp import partial_dependence, pdp_entry, unsupported_entry
from ..explain.plan import ExplanationPlan, plan_explanations
from ..explain.runner import (
    FileWriter,
    computed_baseline_file,
    large_shap_warning,
    pdp_features,
    shap_results,
)
from ..explain.shap_extras import ShapExtras
from ..models import Model
from ..options import EngineOptions
from ..output import write_json_atomic
from ..run import AnalysisRun, WarningSink
from ..segment_results import SegmentResults
from ..segments import parse_segment_configs
from ..steps import MethodSteps
from . import codec
from .bias_state import merge_first_passes
from .dataset_state import planned_columns
from .document import SHARD_FOLDER, Plan, read_artefacts, read_plan
from .flip_test import merged_flip_test
from .kinds import preset_text, shards_to_redo, text_columns
from .shap_state import frame_from_bytes, merged_local, merged_units, restore_frame
from .shard import shard_files, shard_model, shard_state
from .steps import PROFILED_IN_PLAN, StepInputs, needs_model_for_bias
from .workfolder import WorkFolder, WorkS3Client

log = logging.getLogger("airflow_provider_clarify.engine")

MAX_KIND_ROUNDS = 100


def merge(
    work: str | Path,
    output: str | Path,
    *,
    s3_client: S3Client | None = None,
    work_s3_client: WorkS3Client | None = None,
    predictor: object = None,
    sagemaker_runtime_client: object = None,
    options: EngineOptions | None = None,
    plan_hash: str | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    """Merge the shards of the plan in ``work`` into the local directory ``output``; return analysis.json.

    ``plan_hash`` (from the plan step) makes the merge refuse a work folder planned again since. The model is
    needed only when the merge scores records itself: PDP of the top SHAP features, or a second pass over facets
    with many distinct values when the model supplies the predicted labels. Any failure removes what the merge
    wrote to ``output``.
    """
    folder = WorkFolder(work, work_s3_client or _work_client(s3_client))
    plan = read_plan(folder, plan_hash)
    states = collect_shards(folder, plan)
    inputs = StepInputs.of(plan, options)
    segment_specs = parse_segment_configs(inputs.config.segment_config)
    sink = WarningSink(warnings)
    output_dir = Path(output)
    created_output = not output_dir.exists()
    workdirs: list[WorkDir] = []
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        staging = _workdir(STAGING_PREFIX, output_dir, workdirs)
        scratch = _workdir(SCRATCH_PREFIX, None, workdirs)
        context = _MergeContext(
            folder, inputs, states, sink, staging, scratch, s3_client, predictor, sagemaker_runtime_client,
            segment_specs,
        )  # fmt: skip
        text = _reconcile_kinds(context)
        for message in plan["warnings"]:
            sink.warn(message)
        for message in dict.fromkeys(m for state in context.states for m in state.get("warnings", [])):
            sink.warn(message)  # a warning every shard gave (one per model, one per file) is said once
        context.text = text
        analysis = _assemble(context)
        write_json_atomic(staging / ANALYSIS_FILE, analysis)
        publish(staging, LocalDirectory(output_dir), manifest=seal(staging, new_run(engine="local")))
    except BaseException as error:
        if created_output:
            for workdir in workdirs:
                workdir.remove()
            shutil.rmtree(output_dir, ignore_errors=True)
        if isinstance(error, (AnalysisError, KeyboardInterrupt, SystemExit)):
            raise
        raise AnalysisError(redact_text(f"{type(error).__name__}: {error}")) from error
    finally:
        for workdir in workdirs:
            workdir.remove()
    log.info("Merged %d shard(s) of plan %s into %s", plan.shards, plan.hash[:12], output_dir)
    result: dict[str, Any] = json_ready(analysis)
    return result


def _workdir(prefix: str, parent: Path | None, workdirs: list[WorkDir]) -> Path:
    """A new locked work directory, removed at the end (abandoned ones of killed runs go first)."""
    remove_abandoned(prefix, parent)
    workdir = create_workdir(prefix, parent)
    workdirs.append(workdir)
    return workdir.path


def _reconcile_kinds(context: _MergeContext) -> list[list[str]]:
    """The columns one process reads as text; shards that read one of them typed are computed again here."""
    for _ in range(MAX_KIND_ROUNDS):
        states = [state["kinds"] for state in context.states]
        text = text_columns(states)
        redo = shards_to_redo(states, text)
        if not redo:
            return text
        context.sink.warn(
            f"column(s) {sorted({c for columns in text for c in columns})} hold different kinds of values in "
            f"different shards; they are read as text everywhere, and the merge computes shard(s) {redo} again "
            "(in this process: this run is slower, its result the same)"
        )
        for index in redo:
            context.states[index] = _redo_shard(context, index, text)
    raise AnalysisError("internal: column kinds kept changing between shards")


def _redo_shard(context: _MergeContext, index: int, text: list[list[str]]) -> dict[str, Any]:
    inputs = context.inputs
    files = shard_files(inputs, index)
    scratch = Path(tempfile.mkdtemp(dir=context.scratch))
    data = inputs.dataset(files, s3_client=context.s3_client, scratch=scratch)
    preset_text(data, text)
    model = shard_model(inputs, context.predictor, context.runtime_client)
    return shard_state(inputs, index, data, model, context.folder, WarningSink([]))


def collect_shards(folder: WorkFolder, plan: Plan) -> list[dict[str, Any]]:
    """The states of shards 0 … N−1 of ``plan``, in order; refuses a missing, duplicate or foreign shard."""
    found: dict[int, list[str]] = {}
    states: dict[int, dict[str, Any]] = {}
    for name in folder.list(SHARD_FOLDER):
        data = folder.read(name)
        if data is None:
            continue  # removed while listed
        where = folder.location(name)
        header = codec.read_header(data, where)
        if header.get("kind") != "shard":
            raise AnalysisError(f"work: {where} is not a shard state; remove it from the work folder")
        if header.get("plan") != plan.hash:
            raise AnalysisError(
                f"work: {where} is shard {header.get('index')} of plan {str(header.get('plan'))[:12]}, not of plan "
                f"{plan.hash[:12]} that this work folder holds (a shard of another plan, or of an earlier planning "
                "of this folder); remove it and run that shard again"
            )
        index = header.get("index")
        if not isinstance(index, int) or not 0 <= index < plan.shards or header.get("shards") != plan.shards:
            raise AnalysisError(
                f"work: {where} claims shard {index!r} of {header.get('shards')!r}; plan {plan.hash[:12]} has "
                f"shards 0 to {plan.shards - 1}"
            )
        found.setdefault(index, []).append(where)
        if len(found[index]) == 1:
            _, states[index] = codec.decode(data, where)
    duplicates = {index: names for index, names in found.items() if len(names) > 1}
    if duplicates:
        index, names = min(duplicates.items())
        raise AnalysisError(
            f"work: shard {index} of plan {plan.hash[:12]} is there twice ({', '.join(names)}); keep one state per "
            "shard: remove the copies and run the merge again"
        )
    missing = [index for index in range(plan.shards) if index not in found]
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (", ..." if len(missing) > 20 else "")
        raise AnalysisError(
            f"work: shard(s) {shown} of {plan.shards} of plan {plan.hash[:12]} are missing in {folder.uri}; run "
            "them (run_shard / the shard task) before the merge"
        )
    return [states[index] for index in range(plan.shards)]


def _work_client(s3_client: S3Client | None) -> WorkS3Client | None:
    return s3_client if s3_client is not None and hasattr(s3_client, "put_object") else None  # type: ignore[return-value]


@dataclass
class _MergeContext:
    folder: WorkFolder
    inputs: StepInputs
    states: list[dict[str, Any]]
    sink: WarningSink
    output_dir: Path
    scratch: Path
    s3_client: S3Client | None
    predictor: object
    runtime_client: object
    segment_specs: list[Any]
    text: list[list[str]] | None = None
    _model: Model | None = None

    def model(self) -> Model:
        if self._model is None:
            self._model = self.inputs.model(self.predictor, self.runtime_client)
        return self._model


def _present(methods: Methods, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if getattr(methods, name) is not None]


def _assemble(context: _MergeContext) -> dict[str, Any]:
    """What ``engine.analysis._analyze`` assembles, from the shards' states (same order, same functions)."""
    inputs = context.inputs
    run = inputs.run(context.sink.warn, context.s3_client, context.output_dir)
    methods = inputs.config.methods
    analysis: dict[str, Any] = {"version": "1.0"}
    distributions: Distributions | None = None
    segments = (
        SegmentResults(
            context.segment_specs, inputs.roles.segment_columns, run.warn, inputs.options.max_distinct_values
        )
        if context.segment_specs
        else None
    )
    bias, explanations = _present(methods, BIAS_METHODS), _present(methods, EXPLANATION_METHODS)
    report = ["report"] if methods.report is not None else []
    steps = MethodSteps([*bias, *explanations, *report])
    if bias:
        with steps.step(bias):
            sections, distributions = _bias(context, run, segments)
        analysis.update(sections)
    if explanations:
        with steps.step(explanations):
            analysis["explanations"] = _explanations(context, run, segments)
    segments_document = segments.document() if segments is not None else None
    if segments_document is not None:
        write_json_atomic(context.output_dir / SEGMENTS_PATH, segments_document)  # before analysis.json
    if methods.report is not None:
        from ..report import write_report
        from ..report_data import tabular_report_inputs

        with steps.step(["report"]):
            records = inputs.plan.document.get("explanations") or {}
            explained_rows = int(records["records"][-1]) if "records" in records else None
            predictor = context.predictor if context.predictor is not None else inputs.plan["predictor"]
            charts, report_data = tabular_report_inputs(
                inputs.config, str(inputs.plan["dataset_uri"]), inputs.roles, distributions,
                predictor=predictor, explained_rows=explained_rows,
            )  # fmt: skip
            write_report(
                context.output_dir,
                json_ready(analysis),
                name=methods.report.name,
                title=methods.report.title,
                distributions=charts,
                segments=json_ready(segments_document) if segments_document is not None else None,
                report_data=report_data,
            )
    return analysis


def _bias(
    context: _MergeContext, run: AnalysisRun, segments: SegmentResults | None
) -> tuple[dict[str, Any], Distributions]:
    inputs = context.inputs
    bias_plan = plan_bias(run, planned_columns(inputs.plan["dataset"]))
    flip_test = None
    if inputs.bias_mode == PROFILED_IN_PLAN:  # the plan profiled the data, the shards ran FT
        artefacts = read_artefacts(context.folder, inputs.plan)
        assert artefacts is not None
        _, planned = codec.decode(artefacts, "the plan's artefacts")
        found = merge_first_passes(planned["bias"]["parts"])
        flip_test = merged_flip_test([state["bias"]["ft"] for state in context.states])
    else:
        found = merge_first_passes([state["bias"] for state in context.states])
    check_first_pass(bias_plan, found, run.warn)
    second_pass = lambda: _second_pass(context, bias_plan)  # noqa: E731
    return bias_sections(run, bias_plan, found, second_pass, segments, flip_test)


def _second_pass(context: _MergeContext, bias_plan: BiasPlan) -> Any:
    """The role columns of every row again (facets whose distinct tuples outgrew the bound are counted row by
    row, as one process does): the merge reads the whole dataset."""
    inputs = context.inputs
    log.info(
        "The merge reads the dataset again: some facets have more distinct values than max_distinct_values"
    )
    data = inputs.dataset(
        range(len(inputs.listing)),
        s3_client=context.s3_client,
        scratch=Path(tempfile.mkdtemp(dir=context.scratch)),
    )
    model = context.model() if needs_model_for_bias(inputs) else None
    return (table.to_pandas() for table in stream_chunks(bias_plan, data, model))


def _explanations(
    context: _MergeContext, run: AnalysisRun, segments: SegmentResults | None
) -> dict[str, Any]:
    """What ``run_explanations`` returns (and the files it writes), from the shards' local values and scores."""
    inputs = context.inputs
    artefacts = read_artefacts(context.folder, inputs.plan)
    assert artefacts is not None
    _, planned = codec.decode(artefacts, "the plan's artefacts")
    dtypes = inputs.plan["explanations"]["dtypes"]
    features = pd.DataFrame(
        {name: pd.Series([], dtype=pd.api.types.pandas_dtype(dtype)) for name, dtype in dtypes.items()}
    )
    explanation_plan = plan_explanations(
        inputs.config, ExplanationData(features, None, inputs.roles.label_columns)
    )
    result: dict[str, Any] = {}
    files: list[FileWriter] = []
    first: dict[str, float] | None = None
    shap = planned["explanations"].get("shap")
    if shap is not None:
        result["kernel_shap"], first, files = _kernel_shap(context, run, explanation_plan, shap, segments)
    pdp = planned["explanations"].get("pdp")
    if pdp is not None:
        if "sample" in pdp:  # the top SHAP features: known only now
            result["pdp"] = _ranked_pdp(context, explanation_plan, restore_frame(pdp["sample"]), first)
        else:
            result["pdp"] = _pdp(context, pdp)
    for relative, writer in files:
        writer(context.output_dir / relative)
    return result


def _kernel_shap(
    context: _MergeContext,
    run: AnalysisRun,
    explanation_plan: ExplanationPlan,
    planned: dict[str, Any],
    segments: SegmentResults | None,
) -> tuple[dict[str, Any], dict[str, float], list[FileWriter]]:
    shap = explanation_plan.shap
    assert shap is not None
    parts = [state["explanations"]["shap"] for state in context.states]
    local = merged_local([part["local"] for part in parts])
    units = merged_units([part["units"] for part in parts])
    if context.inputs.options.shap_algorithm != "tree":
        most_units = max((int(part["most_units"]) for part in parts), default=0)
        message = large_shap_warning(
            explanation_plan, len(local.values), int(planned["baseline_rows"]), most_units, shap.num_samples
        )
        if message is not None:
            run.warn(message)
    files = [] if planned["baseline"] is None else computed_baseline_file(restore_frame(planned["baseline"]))
    join_key = None
    if planned["join_key"] is not None:
        join_key = frame_from_bytes(planned["join_key"]).iloc[:, 0]
    extras = None
    settings = context.inputs.options.interval_settings
    if settings is not None or segments is not None:
        frame = None
        if segments is not None:
            frame = pd.concat(
                [frame_from_bytes(part["segments"]) for part in parts if part["segments"] is not None],
                ignore_index=True,
            )
        extras = ShapExtras(settings, segments, frame)
    targets = next((list(part["targets"]) for part in parts if part["targets"] is not None), None)
    if targets is None:
        raise AnalysisError("internal: no shard asked the model for scores")
    kernel_shap, first, more = shap_results(
        run, explanation_plan, shap, local, units, targets, join_key, extras
    )
    return kernel_shap, first, files + more


def _ranked_pdp(
    context: _MergeContext,
    explanation_plan: ExplanationPlan,
    sample: pd.DataFrame,
    first: dict[str, float] | None,
) -> list[dict[str, Any]]:
    """PDP of the top SHAP features (as ``runner._pdp``), over the plan's record sample."""
    pdp = explanation_plan.pdp
    assert pdp is not None
    model = context.model()
    entries = []
    for name in pdp_features(explanation_plan, pdp, first):
        kind = explanation_plan.kinds[explanation_plan.names.index(name)]
        entries.append(partial_dependence(sample, name, kind, model, pdp.grid_resolution, None))
    return entries


def _pdp(context: _MergeContext, planned: dict[str, Any]) -> list[dict[str, Any]]:
    parts = [state["explanations"]["pdp"] for state in context.states]
    targets = next((part["targets"] for part in parts if part.get("targets") is not None), None)
    entries = []
    for position, entry in enumerate(planned["grids"]):
        if "values" not in entry:
            entries.append(unsupported_entry(entry["feature"], entry["kind"]))
            continue
        scores = [part["scores"][position] for part in parts if part["scores"][position] is not None]
        if targets is None:
            raise AnalysisError("internal: no shard scored a PDP record")
        joined = np.concatenate(scores, axis=1)
        entries.append(
            pdp_entry(
                entry["feature"], entry["kind"], entry["values"], entry["distribution"], joined, targets
            )
        )
    return entries
