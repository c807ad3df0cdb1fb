"""One Clarify analysis as many Airflow tasks: plan → mapped shards → merge, on whatever executor runs them.

::

    from airflow_provider_clarify.operators.sharded import clarify_sharded_analysis

    analysis = clarify_sharded_analysis(
        group_id="bias",
        config=CONFIG,
        dataset_uri="s3://bucket/data/",
        work_uri="s3://bucket/clarify-work/{{ dag.dag_id }}/{{ run_id }}",
        output_uri="s3://bucket/clarify/{{ ds }}",
        shards="{{ params.shards }}",
        max_active_shards=16,
    )
    analysis >> gate

The three operators of the group (usable on their own too):

- :class:`ClarifyPlanOperator` validates the config, lists the input, cuts it into ``shards`` and does the global
  work (:func:`~airflow_provider_clarify.engine.distributed.plan`); its XCom is the list of shard indices (what the
  shard task is mapped over), and the work folder and plan hash under the key ``plan``;
- :class:`ClarifyShardOperator`, mapped with ``.expand(index=...)``, computes one shard and writes its state to the
  work folder (:func:`~airflow_provider_clarify.engine.distributed.run_shard`). A failed shard is retried alone (its
  state is written in one atomic step, so a retry simply writes it again); its XCom is a few numbers, never the
  state;
- :class:`ClarifyMergeOperator` checks that the work folder holds every shard of the plan exactly once, merges
  them into the same output one ``LocalClarifyOperator`` run writes, publishes it by the output protocol, pushes the
  same ``ClarifyResult`` XCom and announces the analysis Asset.

Every task checks the plan hash it was given, so a work folder planned again (another config, another dataset
state) is refused instead of merged. The work folder must be reachable by every worker: an ``s3://`` prefix for
Celery or Kubernetes executors (docs/distributed.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.compat import BaseOperator, Context, TaskGroup
from airflow_provider_clarify.contract import is_s3_uri
from airflow_provider_clarify.engine.clients import ClientOnFirstUse
from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators._assets import AnalysisAssetMixin
from airflow_provider_clarify.operators.lineage import ClarifyLineageMixin
from airflow_provider_clarify.operators.local import (
    WORKDIR_PREFIX,
    checked_output_uri,
    engine_options,
    local_result,
    log_result,
    publish_run,
    read_segments,
    with_confidence,
)
from airflow_provider_clarify.outputs.workdirs import WorkDir, create_workdir, remove_abandoned
from airflow_provider_clarify.redaction import redact_text, redact_url

if TYPE_CHECKING:
    from airflow_provider_clarify.engine import EngineOptions

AwsClient = Any
"""A boto3 client: botocore builds its class at run time, so there is no static type to name."""

PLAN_KEY = "plan"
"""The plan task's XCom key holding ``{"work_uri", "plan_hash", "shards"}`` (its return value is the list of shard
indices: Airflow maps a task over a return value only)."""


def plan_reference(value: object, argument: str = "plan") -> tuple[str, str]:
    """(work folder, plan hash) from the plan task's ``plan`` XCom (a dict with ``work_uri`` and ``plan_hash``)."""
    if isinstance(value, Mapping):
        work, plan_hash = value.get("work_uri"), value.get("plan_hash")
        if isinstance(work, str) and work and isinstance(plan_hash, str) and plan_hash:
            return work, plan_hash
    raise ClarifyInvalidConfigError(
        f"{argument} must be the plan task's 'plan' XCom, a dict with 'work_uri' and 'plan_hash' (pass "
        f'plan_task.output["plan"]), got {value!r}'
    )


def shard_count(value: object) -> int:
    """The (rendered) ``shards`` argument as a whole number ≥ 1: ``4``, or ``"4"`` from a template."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.lstrip("+").isdigit():
        text = int(text)
    if isinstance(text, bool) or not isinstance(text, int) or text < 1:
        raise ClarifyInvalidConfigError(
            f"shards must be a whole number of at least 1 (e.g. 8, or a template rendering to one), got {value!r}"
        )
    return text


class _ShardedTask(BaseOperator):
    """What the three tasks share: S3 and SageMaker clients from the connection, the predictor argument."""

    aws_conn_id: str | None
    predictor: object

    def _s3_client(self) -> AwsClient:
        """The connection's S3 client, built when the run first reads or writes S3."""
        return ClientOnFirstUse(lambda: storage.s3_hook(self.aws_conn_id).get_conn())

    def _runtime_client(self) -> AwsClient:
        """The connection's SageMaker runtime client, built when an endpoint is first called."""

        def build() -> AwsClient:
            from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

            return AwsBaseHook(aws_conn_id=self.aws_conn_id, client_type="sagemaker-runtime").get_conn()

        return ClientOnFirstUse(build)

    def _predictor(self, context: Context) -> object:
        predictor = self.predictor
        if isinstance(predictor, str):  # only strings are templated: a callable model must not be called
            predictor = self.render_template(predictor, context)
        return predictor


class ClarifyPlanOperator(ClarifyLineageMixin, _ShardedTask):
    """Plan a sharded Clarify analysis into a work folder (the first task of :func:`clarify_sharded_analysis`).

    :param config: the analysis config, as ``LocalClarifyOperator`` takes it. Templated.
    :param work_uri: the work folder: an ``s3://`` prefix every worker can reach (or a local directory on a
        shared filesystem / a single machine). One per run: e.g. ``s3://bucket/work/{{ dag.dag_id }}/{{ run_id }}``.
        Templated.
    :param shards: how many shards (an int, or a template rendering to one). Templated.
    :param dataset_uri: the dataset, as for ``LocalClarifyOperator``. Templated.
    :param predictor: the model override, as for ``LocalClarifyOperator``; a string is recorded in the plan and
        used by every shard, an in-process model must be given to the shard and merge tasks too.
    :param aws_conn_id: connection for S3 (dataset, work folder) and SageMaker endpoints.
    :param engine_options: ``EngineOptions`` or a dict; ``chunk_rows``, ``strict_clarify_compat``,
        ``pdp_max_records``, ``max_distinct_values`` and ``confidence`` are fixed by the plan for every task.
    :param confidence: confidence intervals, as for ``LocalClarifyOperator``. Templated.
    :param overwrite: replace a plan of another analysis found in ``work_uri`` (default: refuse it).

    XCom: ``[0, …, shards − 1]`` (map the shard task over it), and ``{"work_uri", "plan_hash", "shards"}`` under
    the key ``plan`` (the shard and merge tasks' ``plan`` argument: ``plan_task.output["plan"]``).
    """

    template_fields: Sequence[str] = ("config", "work_uri", "shards", "dataset_uri", "confidence")
    template_fields_renderers = {"config": "json"}
    ui_color = "#cfe6c8"

    def __init__(
        self,
        *,
        config: Any,  # any config input (see operators.config_input); templated
        work_uri: str,
        shards: int | str,
        dataset_uri: str | None = None,
        predictor: object = None,
        aws_conn_id: str | None = "aws_default",
        engine_options: EngineOptions | Mapping[str, Any] | None = None,
        confidence: Mapping[str, Any] | str | None = None,
        overwrite: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.work_uri = work_uri
        self.shards = shards
        self.dataset_uri = dataset_uri
        self.output_uri = None  # lineage: the plan writes no output (the merge task does)
        self.predictor = predictor
        self.aws_conn_id = aws_conn_id
        self.engine_options = engine_options
        self.confidence = confidence
        self.overwrite = overwrite

    def execute(self, context: Context) -> list[int]:
        from airflow_provider_clarify.engine import AnalysisError
        from airflow_provider_clarify.engine.distributed import plan

        analysis_config = self.resolve_analysis_config()
        shards = shard_count(self.shards)
        work = _work_uri(self.work_uri)
        options = with_confidence(engine_options(self.engine_options), self.confidence)
        job_io = analysis_config.job_io
        dataset_uri = self.dataset_uri or (job_io.dataset_uri if job_io else None)
        client = self._s3_client()
        try:
            info = plan(
                analysis_config,
                dataset_uri,
                work,
                shards,
                s3_client=client,
                work_s3_client=client,
                predictor=self._predictor(context),
                sagemaker_runtime_client=self._runtime_client(),
                options=options,
                overwrite=self.overwrite,
            )
        except AnalysisError as err:
            raise ClarifyAnalysisError(redact_text(err.reason)) from err
        self.log.info(
            "Planned %d shard(s) in %s (plan %s)", info.shards, redact_url(work), info.plan_hash[:12]
        )
        context["ti"].xcom_push(key=PLAN_KEY, value=info.to_dict())
        return list(range(info.shards))


class ClarifyShardOperator(_ShardedTask):
    """Compute one shard of a planned analysis and write its state to the work folder (mapped over ``index``).

    :param plan: the plan task's ``plan`` XCom (``plan_task.output["plan"]``): work folder and plan hash.
        Templated.
    :param index: the shard (``.expand(index=plan_task.output)``).
    :param predictor: the model override; default: the one the plan recorded.
    :param aws_conn_id: connection for S3 and SageMaker endpoints.
    :param engine_options: options of this task only (batch size, concurrency, timeouts); result-changing ones
        are the plan's.

    XCom: ``{"index", "plan_hash", "rows"}``; the partial state stays in the work folder.
    """

    template_fields: Sequence[str] = ("plan",)
    ui_color = "#e3efd9"

    def __init__(
        self,
        *,
        plan: Any,  # the plan task's XCom (an XComArg until rendered)
        index: int,
        predictor: object = None,
        aws_conn_id: str | None = "aws_default",
        engine_options: EngineOptions | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.index = index
        self.predictor = predictor
        self.aws_conn_id = aws_conn_id
        self.engine_options = engine_options

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_clarify.engine import AnalysisError
        from airflow_provider_clarify.engine.distributed import run_shard

        work, plan_hash = plan_reference(self.plan)
        client = self._s3_client()
        try:
            info = run_shard(
                work,
                int(self.index),
                s3_client=client,
                work_s3_client=client,
                predictor=self._predictor(context),
                sagemaker_runtime_client=self._runtime_client(),
                options=engine_options(self.engine_options),
                plan_hash=plan_hash,
            )
        except AnalysisError as err:
            raise ClarifyAnalysisError(redact_text(err.reason)) from err
        return info.to_dict()


class ClarifyMergeOperator(AnalysisAssetMixin, _ShardedTask):
    """Merge the shards of a planned analysis and publish the result as ``LocalClarifyOperator`` does.

    :param plan: the plan task's ``plan`` XCom (``plan_task.output["plan"]``). Templated.
    :param output_uri: where the output goes: a local directory or an ``s3://`` prefix. Templated.
    :param predictor: the model override (needed only when the merge scores records itself: PDP of the top SHAP
        features, or a second counting pass with predicted labels from the model).
    :param aws_conn_id: connection for S3 and SageMaker endpoints.
    :param engine_options: options of this task only.
    :param asset_alias: the ``AssetAlias`` of the published ``analysis.json`` (default
        ``clarify/<dag_id>/<task_id>``); ``emit_asset=False`` declares none.

    XCom: the ``ClarifyResult`` of the merged analysis, exactly as ``LocalClarifyOperator`` pushes it.
    """

    template_fields: Sequence[str] = ("plan", "output_uri")
    ui_color = "#cfe6c8"

    def __init__(
        self,
        *,
        plan: Any,
        output_uri: str,
        predictor: object = None,
        aws_conn_id: str | None = "aws_default",
        engine_options: EngineOptions | Mapping[str, Any] | None = None,
        asset_alias: str | None = None,
        emit_asset: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.output_uri = output_uri
        self.predictor = predictor
        self.aws_conn_id = aws_conn_id
        self.engine_options = engine_options
        self.asset_alias = asset_alias
        self.emit_asset = emit_asset
        self.declare_analysis_asset()
        self._work_lock: WorkDir | None = None
        self._killed = False

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_clarify.engine import AnalysisError
        from airflow_provider_clarify.engine.distributed import merge

        work, plan_hash = plan_reference(self.plan)
        output_uri = checked_output_uri(self.output_uri)
        client = self._s3_client()
        warnings: list[str] = []
        parent = None if is_s3_uri(output_uri) else Path(output_uri).expanduser().resolve().parent
        remove_abandoned(WORKDIR_PREFIX, parent)
        self._work_lock = create_workdir(WORKDIR_PREFIX, parent)
        workdir = self._work_lock.path
        try:
            try:
                analysis = merge(
                    work,
                    workdir,
                    s3_client=client,
                    work_s3_client=client,
                    predictor=self._predictor(context),
                    sagemaker_runtime_client=self._runtime_client(),
                    options=engine_options(self.engine_options),
                    plan_hash=plan_hash,
                    warnings=warnings,
                )
            except AnalysisError as err:
                raise ClarifyAnalysisError(redact_text(err.reason)) from err
            if self._killed:
                raise ClarifyAnalysisError("the task was killed during the merge; nothing was published")
            segments = read_segments(workdir)
            published = self._publish(workdir, output_uri, client)
        finally:
            self._cleanup()
        result = local_result(context, analysis, output_uri, published, warnings, segments)
        log_result(self.log, "Merged Clarify analysis", result)
        return self.announce_result(result.to_xcom(), context)

    def on_kill(self) -> None:
        self.log.info("Task killed: cancelling publication and removing the unpublished Clarify output")
        self._killed = True
        self._cleanup()

    def _publish(self, workdir: Path, output_uri: str, s3_client: AwsClient | None) -> list[str]:
        return publish_run(workdir, output_uri, s3_client, cancelled=lambda: self._killed, log=self.log)

    def _cleanup(self) -> None:
        if self._work_lock is not None:
            shutil.rmtree(self._work_lock.path, ignore_errors=True)
            self._work_lock.release()
            self._work_lock = None


def clarify_sharded_analysis(
    *,
    config: Any,
    work_uri: str,
    output_uri: str,
    shards: int | str,
    group_id: str = "clarify_sharded",
    dataset_uri: str | None = None,
    predictor: object = None,
    aws_conn_id: str | None = "aws_default",
    engine_options: EngineOptions | Mapping[str, Any] | None = None,
    confidence: Mapping[str, Any] | str | None = None,
    max_active_shards: int | None = None,
    shard_retries: int = 2,
    shard_retry_delay: timedelta = timedelta(seconds=30),
    asset_alias: str | None = None,
    emit_asset: bool = True,
    **task_kwargs: Any,
) -> TaskGroup:
    """A task group running one analysis as ``plan`` → ``shard`` (mapped, one task per shard) → ``merge``.

    ``shards`` (templated) decides the number of mapped shard tasks at run time; ``max_active_shards`` bounds how
    many run at once (per DAG run); each shard is retried ``shard_retries`` times on its own. ``task_kwargs``
    (``pool``, ``queue``, ``executor_config``, …) go to all three tasks. Use the group like a task:
    ``extract >> clarify_sharded_analysis(...) >> gate``; the merge task (``<group_id>.merge``) pushes the
    ``ClarifyResult``.
    """
    with TaskGroup(group_id=group_id) as group:
        planned = ClarifyPlanOperator(
            task_id="plan",
            config=config,
            work_uri=work_uri,
            shards=shards,
            dataset_uri=dataset_uri,
            predictor=predictor,
            aws_conn_id=aws_conn_id,
            engine_options=engine_options,
            confidence=confidence,
            **task_kwargs,
        )
        shard_options = {"max_active_tis_per_dagrun": max_active_shards} if max_active_shards else {}
        reference = planned.output[PLAN_KEY]  # type: ignore[index]  # a PlainXComArg at run time
        computed = ClarifyShardOperator.partial(
            task_id="shard",
            plan=reference,
            predictor=predictor,
            aws_conn_id=aws_conn_id,
            engine_options=engine_options,
            retries=shard_retries,
            retry_delay=shard_retry_delay,
            **shard_options,
            **task_kwargs,
        ).expand(index=planned.output)
        merged = ClarifyMergeOperator(
            task_id="merge",
            plan=reference,
            output_uri=output_uri,
            predictor=predictor,
            aws_conn_id=aws_conn_id,
            engine_options=engine_options,
            asset_alias=asset_alias,
            emit_asset=emit_asset,
            **task_kwargs,
        )
        computed >> merged
    return group


def _work_uri(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ClarifyInvalidConfigError(
            f"work_uri must be a local directory or an s3:// prefix (one per run), got {value!r}"
        )
    return value.strip()
