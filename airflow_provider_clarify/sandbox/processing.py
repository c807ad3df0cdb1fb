"""SageMaker Processing on loopback: moto serves the API, this module runs the jobs with OUR engine.

moto's server accepts CreateProcessingJob but runs nothing: it marks a job Completed the instant it is created,
and its DescribeProcessingJob omits ProcessingResources, ProcessingStartTime and FailureReason. The emulator
patches moto's SageMaker response handlers — moto's, never the provider's — so that the loopback API behaves like
the real service for a Clarify job:

- CreateProcessingJob: the members the API requires (name, resources, app specification, role) are checked with
  AWS's own ``ValidationException`` wording, container paths must lie under ``/opt/ml/processing``, and a
  duplicate name is refused (``ResourceInUse``); the job starts ``InProgress`` and the full request is kept
  (``created``);
- a worker thread plays the container: it downloads every ``S3Input`` from the loopback S3 into a temp root in the
  ``/opt/ml/processing/...`` layout, runs the image's entrypoint on it (``container.entrypoint_command``: the same
  ``python -m airflow_provider_clarify.engine`` as the Dockerfile, with the layout re-rooted), uploads the output
  folder to the ``S3Output`` URI (SSE-KMS when the output config names a key), and sets the job ``Completed`` —
  or ``Failed`` with the engine's ``failure`` file (``ClientError: <reason>``) as ``FailureReason``;
- StopProcessingJob: ``Stopping``, the entrypoint is terminated, then ``Stopped`` (nothing uploaded); stopping a
  job that is not running is a ``ValidationException``, as on AWS;
- DescribeProcessingJob: optional injected faults (throttling, HTTP 500) to prove that callers retry.

A SageMaker model cannot run here: ``models`` maps a config's ``predictor.model_name`` to what the engine's
``--predictor`` accepts (a joblib file, an http URL, ``module:callable``), so post-training bias and SHAP work.
Jobs stay ``InProgress`` for at least ``min_runtime`` seconds (so poll and defer paths really wait), and
``hold()`` keeps them there until ``release()`` (kill, reattach and timeout tests).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto.backends import get_backend
from moto.core.common_types import TYPE_RESPONSE
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ValidationError
from moto.sagemaker.responses import SageMakerResponse

from airflow_provider_clarify.contract import CONFIG_FILE, CONFIG_LOCAL_PATH, FAILURE_FILE, OUTPUT_LOCAL_PATH

from .container import ContainerPathError, entrypoint_command, host_path
from .servers import ACCESS_KEY, SECRET_KEY

MAX_FAILURE_REASON = 1024  # DescribeProcessingJob's FailureReason is at most 1024 characters
_INHERITED = object()  # marks a handler moto's SageMakerResponse inherits rather than defines
# Request members CreateProcessingJob requires, with the names AWS's validation messages give them.
_REQUIRED_MEMBERS = (
    (("ProcessingJobName",), "processingJobName"),
    (("ProcessingResources",), "processingResources"),
    (("ProcessingResources", "ClusterConfig"), "processingResources.clusterConfig"),
    (("AppSpecification",), "appSpecification"),
    (("AppSpecification", "ImageUri"), "appSpecification.imageUri"),
    (("RoleArn",), "roleArn"),
)


class _Throttled(ValidationError):
    code = "ThrottlingException"


class ProcessingJobEmulator:
    """Plays the Clarify container for every processing job created on the in-process moto server.

    :param account: moto's account id (the one its backends are keyed by).
    :param region: the region jobs are created in.
    :param s3_endpoints: S3 servers to find a job's buckets on, in order (SeaweedFS first, moto's own S3 next).
    :param min_runtime: seconds a job stays InProgress at least.
    :param python: the interpreter that runs the entrypoint (it must have the engine installed).
    :param engine_options: extra engine CLI options for every job.
    :param models: SageMaker model name → ``--predictor`` value of the engine (joblib file, URL, module:callable).
    """

    def __init__(
        self,
        *,
        account: str,
        region: str,
        s3_endpoints: list[str],
        min_runtime: float = 1.0,
        python: str = sys.executable,
        engine_options: tuple[str, ...] = (),
        models: dict[str, str] | None = None,
    ) -> None:
        self.account = account
        self.region = region
        self.s3_endpoints = list(s3_endpoints)
        self.min_runtime = min_runtime
        self.python = python
        self.engine_options = tuple(engine_options)
        self.models = dict(models or {})
        self.commands: list[list[str]] = []
        self.created: list[dict[str, Any]] = []
        self.stop_requests: list[str] = []
        self.describe_faults_served: list[str] = []
        self.described: list[tuple[str, str]] = []
        self.calls: list[str] = []
        self.unlisted: set[str] = set()
        self._describe_faults: list[str] = []
        self._released = threading.Event()
        self._released.set()
        self._stops: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._originals: dict[str, Any] = {}
        self._roots: list[Path] = []

    # Installation ----------------------------------------------------------------------------------------------

    @property
    def backend(self) -> Any:
        return get_backend("sagemaker")[self.account][self.region]

    def install(self) -> ProcessingJobEmulator:
        self.backend.processing_jobs.clear()
        for name in (
            "create_processing_job",
            "stop_processing_job",
            "describe_processing_job",
            "list_processing_jobs",
            "call_action",
        ):
            self._originals[name] = SageMakerResponse.__dict__.get(name, _INHERITED)
        stand_in = self
        base_call_action = SageMakerResponse.call_action

        def call_action(handler: SageMakerResponse) -> Any:
            stand_in.calls.append(handler._get_action())
            return base_call_action(handler)

        def create_processing_job(handler: SageMakerResponse) -> Any:
            return stand_in._create(handler)

        def stop_processing_job(handler: SageMakerResponse) -> Any:
            return stand_in._stop(handler)

        def describe_processing_job(handler: SageMakerResponse) -> Any:
            return stand_in._describe(handler)

        def list_processing_jobs(handler: SageMakerResponse) -> Any:
            return stand_in._list(handler)

        # moto's handlers are replaced on the class: the emulator is moto plus these four actions.
        for name, handler_function in (
            ("create_processing_job", create_processing_job),
            ("stop_processing_job", stop_processing_job),
            ("describe_processing_job", describe_processing_job),
            ("list_processing_jobs", list_processing_jobs),
            ("call_action", call_action),
        ):
            setattr(SageMakerResponse, name, handler_function)
        return self

    def uninstall(self) -> None:
        for event in list(self._stops.values()):  # stop first: a held job must not start running now
            event.set()
        self.release()
        for thread in self._threads:
            thread.join(timeout=30)
        for name, original in self._originals.items():
            if original is _INHERITED:
                delattr(SageMakerResponse, name)
            else:
                setattr(SageMakerResponse, name, original)
        for root in self._roots:
            shutil.rmtree(root, ignore_errors=True)

    # Test controls ---------------------------------------------------------------------------------------------

    def hold(self) -> None:
        """Keep new and waiting jobs InProgress until :meth:`release`."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def fail_next_describes(self, *faults: str) -> None:
        """Answer the next DescribeProcessingJob calls with these faults: ``"throttle"`` or ``"5xx"``."""
        unknown = set(faults) - {"throttle", "5xx"}
        assert not unknown, f"unknown faults {unknown}"
        with self._lock:
            self._describe_faults.extend(faults)

    def hide_from_listing(self, *job_names: str) -> None:
        """ListProcessingJobs leaves these jobs out, as AWS's eventually consistent listing may for a while."""
        self.unlisted.update(job_names)

    def status(self, job_name: str) -> str:
        return self.backend.processing_jobs[job_name].processing_job_status

    def job_names(self) -> list[str]:
        return sorted(self.backend.processing_jobs)

    def wait_for_status(self, job_name: str, statuses: set[str], timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.backend.processing_jobs.get(job_name)
            if job is not None and job.processing_job_status in statuses:
                return job.processing_job_status
            time.sleep(0.05)
        raise AssertionError(f"{job_name} did not reach {statuses} in {timeout} s")

    def wait_for_job_count(self, count: int, timeout: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.backend.processing_jobs) >= count:
                return self.job_names()
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} processing jobs after {timeout} s: {self.job_names()}")

    # Patched handlers ------------------------------------------------------------------------------------------

    def _create(self, handler: SageMakerResponse) -> Any:
        request = json.loads(handler.body)
        _validate_request(request)
        name = request["ProcessingJobName"]
        backend = handler.sagemaker_backend
        with self._lock:
            if name in backend.processing_jobs:
                raise ResourceInUseException(
                    f"Processing job names must be unique within an AWS account and region, and a processing "
                    f"job with this name already exists ({backend.processing_jobs[name].arn})"
                )
            response = self._originals["create_processing_job"](handler)
            job = backend.processing_jobs[name]
            job.processing_job_status = "InProgress"
            # Fields moto's job object lacks or fills at creation; the emulator sets them as a job runs.
            for field, value in (
                ("processing_end_time", None),
                ("processing_start_time", None),
                ("processing_resources", request.get("ProcessingResources")),
                ("environment", request.get("Environment")),
            ):
                setattr(job, field, value)
            self.created.append(request)
            self._stops[name] = threading.Event()
        thread = threading.Thread(
            target=self._run_job, args=(job, request), name=f"clarify-{name}", daemon=True
        )
        self._threads.append(thread)
        thread.start()
        return response

    def _stop(self, handler: SageMakerResponse) -> Any:
        name = handler._get_param("ProcessingJobName")
        job = handler.sagemaker_backend.processing_jobs.get(name)
        if job is None:
            return self._originals["stop_processing_job"](handler)  # moto's own "Could not find" error
        with self._lock:
            if job.processing_job_status != "InProgress":
                raise ValidationError(
                    f"The request was rejected because the processing job is in status "
                    f"{job.processing_job_status}."
                )
            self.stop_requests.append(name)
            job.processing_job_status = "Stopping"
            self._stops[name].set()
        return "{}"

    def _describe(self, handler: SageMakerResponse) -> TYPE_RESPONSE | Any:
        with self._lock:
            fault = self._describe_faults.pop(0) if self._describe_faults else None
            if fault:
                self.describe_faults_served.append(fault)
        if fault == "throttle":
            raise _Throttled("Rate exceeded")
        if fault == "5xx":
            body = json.dumps({"__type": "InternalFailure", "message": "We encountered an internal error."})
            return 500, {"status": 500, "content-type": "application/x-amz-json-1.1"}, body
        response = self._originals["describe_processing_job"](handler)
        name = handler._get_param("ProcessingJobName")
        job = handler.sagemaker_backend.processing_jobs.get(name)
        if job is not None:
            self.described.append((name, job.processing_job_status))
        return response

    def _list(self, handler: SageMakerResponse) -> Any:
        response = self._originals["list_processing_jobs"](handler)
        summaries = response.result.get("ProcessingJobSummaries", [])
        summaries[:] = [item for item in summaries if item["ProcessingJobName"] not in self.unlisted]
        return response

    def statuses_seen(self, job_name: str) -> list[str]:
        """The statuses DescribeProcessingJob answered for ``job_name``, in order, repeats collapsed."""
        seen: list[str] = []
        for name, status in self.described:
            if name == job_name and (not seen or seen[-1] != status):
                seen.append(status)
        return seen

    # The container's part --------------------------------------------------------------------------------------

    def _predictor_options(self, config_dir: Path) -> list[str]:
        """``--predictor`` for a config whose ``predictor.model_name`` this emulator hosts (see ``models``)."""
        try:
            config = json.loads((config_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []  # the engine reports a missing or unreadable config itself, as the job's FailureReason
        predictor = config.get("predictor") if isinstance(config, dict) else None
        model_name = predictor.get("model_name") if isinstance(predictor, dict) else None
        if isinstance(model_name, str) and model_name in self.models:
            return ["--predictor", self.models[model_name]]
        return []

    def _s3_for(self, bucket: str) -> Any:
        for endpoint in self.s3_endpoints:
            client = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name=self.region,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
            )
            try:
                client.head_bucket(Bucket=bucket)
                return client
            except Exception:
                continue
        raise RuntimeError(f"bucket {bucket} exists on none of the loopback S3 servers {self.s3_endpoints}")

    def _download(self, uri: str, target: Path) -> int:
        """SageMaker's S3Prefix input: every object under the prefix, relative paths kept."""
        bucket, _, prefix = uri[len("s3://") :].partition("/")
        client = self._s3_for(bucket)
        count = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                rest = key[len(prefix) :]
                if prefix and not prefix.endswith("/") and rest and not rest.startswith("/"):
                    relative = key[prefix.rfind("/") + 1 :]
                else:
                    relative = rest.lstrip("/") or key.rsplit("/", 1)[-1]
                if not relative or relative.endswith("/"):
                    continue
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, key, str(destination))
                count += 1
        return count

    def _upload(self, source: Path, uri: str, kms_key: str | None) -> None:
        bucket, _, prefix = uri[len("s3://") :].partition("/")
        client = self._s3_for(bucket)
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}
        for path in sorted(source.rglob("*")):
            if path.is_file():
                key = f"{prefix.rstrip('/')}/{path.relative_to(source).as_posix()}".lstrip("/")
                client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), **extra)

    def _finish(self, job: Any, status: str, reason: str | None = None) -> None:
        with self._lock:
            job.processing_job_status = status
            job.processing_end_time = utcnow()
            job.last_modified_time = job.processing_end_time
            if reason:
                job.failure_reason = reason[:MAX_FAILURE_REASON]

    def _run_job(self, job: Any, request: dict[str, Any]) -> None:
        name = request["ProcessingJobName"]
        stop = self._stops[name]
        earliest_end = time.monotonic() + self.min_runtime
        while (not self._released.is_set() or time.monotonic() < earliest_end) and not stop.is_set():
            time.sleep(0.05)
        if stop.is_set():
            self._finish(job, "Stopped")
            return
        root = Path(tempfile.mkdtemp(prefix=f"clarify-sandbox-{name}-"))
        self._roots.append(root)
        with self._lock:
            job.processing_start_time = utcnow()
        failure = self._download_inputs(request, root)
        if failure is not None:
            self._finish(job, "Failed", failure)
            return
        output_spec = request["ProcessingOutputConfig"]
        output = output_spec["Outputs"][0]["S3Output"]
        output_dir = host_path(root, output["LocalPath"])
        output_dir.mkdir(parents=True, exist_ok=True)
        host_path(root, OUTPUT_LOCAL_PATH).mkdir(parents=True, exist_ok=True)
        command = entrypoint_command(
            root,
            python=self.python,
            extra=[*self.engine_options, *self._predictor_options(host_path(root, CONFIG_LOCAL_PATH))],
        )
        self.commands.append(command)
        returncode = self._run_container(command, self._container_environment(request), root, stop)
        if returncode is None:
            self._finish(job, "Stopped")
        elif returncode != 0:
            self._finish(job, "Failed", _failure_reason(root, output_dir, returncode))
        else:
            try:
                self._upload(output_dir, output["S3Uri"], output_spec.get("KmsKeyId"))
            except Exception as error:
                self._finish(job, "Failed", f"ClientError: cannot upload the job output: {error}")
                return
            self._finish(job, "Completed")

    def _download_inputs(self, request: dict[str, Any], root: Path) -> str | None:
        """Copy every processing input into the container layout under ``root``; the FailureReason AWS gives
        when one cannot be read, or None."""
        try:
            for item in request.get("ProcessingInputs", []):
                s3_input = item["S3Input"]
                if not self._download(s3_input["S3Uri"], host_path(root, s3_input["LocalPath"])):
                    return (
                        f'ClientError: No S3 objects found under S3 URL "{s3_input["S3Uri"]}" given in input '
                        f"data source. Please ensure that the bucket exists in the selected region "
                        f"({self.region}), that objects exist under that S3 prefix, and that the role "
                        f'{request.get("RoleArn")} has "s3:ListBucket" permissions on bucket '
                        f'"{s3_input["S3Uri"][5:].split("/")[0]}".'
                    )
        except Exception as error:
            return f"ClientError: cannot download the job inputs: {error}"
        return None

    def _container_environment(self, request: dict[str, Any]) -> dict[str, str]:
        """The job's Environment, plus what a real container gets from its role: credentials (the sandbox's fake
        ones), a region, and the endpoint of the S3 that holds its data."""
        env = {
            **os.environ,
            **(request.get("Environment") or {}),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL_S3": self.s3_endpoints[0],
        }
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        return env

    @staticmethod
    def _run_container(
        command: list[str], env: dict[str, str], root: Path, stop: threading.Event
    ) -> int | None:
        """Run the entrypoint to its end; its exit status, or None when the job was stopped meanwhile."""
        with (root / "stdout.log").open("wb") as stdout, (root / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=root)
            while process.poll() is None:
                if stop.is_set():
                    process.terminate()
                    process.wait(timeout=30)
                    return None
                time.sleep(0.05)
        return process.returncode


def _validate_request(request: dict[str, Any]) -> None:
    """Refuse a CreateProcessingJob request AWS would refuse, in AWS's words (before any job exists)."""
    for path, member in _REQUIRED_MEMBERS:
        value: Any = request
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value in (None, "", {}):
            raise ValidationError(
                f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
                "Member must not be null"
            )
    paths = [item.get("S3Input", {}).get("LocalPath", "") for item in request.get("ProcessingInputs") or []]
    outputs = (request.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    paths += [item.get("S3Output", {}).get("LocalPath", "") for item in outputs]
    for container_path in paths:
        try:
            host_path(Path("/"), container_path)
        except ContainerPathError as error:
            raise ValidationError(str(error)) from error
    if not outputs:
        raise ValidationError(
            "ProcessingOutputConfig.Outputs must name one S3Output: the Clarify container writes its "
            f"results to {OUTPUT_LOCAL_PATH}"
        )


def _failure_reason(root: Path, output_dir: Path, returncode: int) -> str:
    """What the entrypoint reported: its failure file if it wrote one, else the last line of stderr."""
    for candidate in (output_dir / FAILURE_FILE, host_path(root, OUTPUT_LOCAL_PATH) / FAILURE_FILE):
        if candidate.is_file() and candidate.read_text().strip():
            return candidate.read_text().strip()
    lines = [line for line in (root / "stderr.log").read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"AlgorithmError: the container exited with code {returncode}"


@contextmanager
def running_emulator(
    moto_server: Any, s3_server: Any, *, account: str, region: str, **options: Any
) -> Iterator[ProcessingJobEmulator]:
    """The emulator installed on ``moto_server`` for the ``with`` block (moto's processing-job list starts
    empty), jobs' buckets looked up on ``s3_server`` first and moto's own S3 next."""
    emulator = ProcessingJobEmulator(
        account=account, region=region, s3_endpoints=[s3_server.url, moto_server.url], **options
    )
    emulator.install()
    try:
        yield emulator
    finally:
        emulator.uninstall()
