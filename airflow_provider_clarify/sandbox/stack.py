"""The whole sandbox as one object: loopback S3, the SageMaker API with its job emulator, and the connection.

``Sandbox`` starts SeaweedFS (S3) and moto's server (SageMaker and every other AWS API) on 127.0.0.1, installs
the processing-job emulator on moto, creates the buckets it is asked for and uploads local folders into them.
``connection()`` is the Airflow ``aws`` connection that reaches both (per-service endpoints, the amazon provider's
``service_config``); ``stop()`` ends every server, job and child process it started.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3

from airflow_provider_clarify.contract import split_s3_uri

from .processing import ProcessingJobEmulator
from .servers import ACCESS_KEY, SECRET_KEY, MotoServer, SeaweedS3Server

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account: the one its backends answer for
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ClarifySandbox"


class SandboxSetupError(ValueError):
    """A sandbox option is invalid (an upload source that does not exist, a malformed model mapping, ...)."""


@dataclass(frozen=True)
class Upload:
    """A local folder (or file) copied to an S3 prefix (or key) when the sandbox starts."""

    source: Path
    target: str

    @classmethod
    def parse(cls, text: str) -> Upload:
        """``LOCAL=s3://bucket/prefix``; the source must exist, the target must be an S3 URI."""
        source, separator, target = text.partition("=")
        if not separator or not source or not target:
            raise SandboxSetupError(f"--upload {text!r}: expected LOCAL_PATH=s3://bucket/prefix")
        try:
            split_s3_uri(target, what=f"--upload {text!r}")
        except ValueError as error:
            raise SandboxSetupError(str(error)) from error
        path = Path(source).expanduser().resolve()
        if not path.exists():
            raise SandboxSetupError(f"--upload {text!r}: {path} does not exist")
        return cls(path, target)

    def objects(self, key: str) -> list[tuple[Path, str]]:
        """(local file, object key) pairs: a folder's files keep their relative paths under the prefix ``key``; a
        file goes to ``key`` itself, or into it when ``key`` is empty or ends with ``/``."""
        if self.source.is_file():
            return [(self.source, key if key and not key.endswith("/") else f"{key}{self.source.name}")]
        prefix = f"{key.rstrip('/')}/" if key else ""
        return [
            (path, prefix + path.relative_to(self.source).as_posix())
            for path in sorted(self.source.rglob("*"))
            if path.is_file()
        ]


def parse_model(text: str) -> tuple[str, str]:
    """``NAME=PREDICTOR``: a SageMaker model name and the engine's ``--predictor`` value that plays it."""
    name, separator, predictor = text.partition("=")
    if not separator or not name or not predictor:
        raise SandboxSetupError(
            f"--model {text!r}: expected MODEL_NAME=PREDICTOR, the predictor being a joblib file, an http(s) "
            "URL or module:callable (what the engine's --predictor accepts)"
        )
    return name, predictor


@dataclass
class Sandbox:
    """Loopback S3 + SageMaker whose processing jobs run this provider's engine (see the package docstring)."""

    s3_port: int = 0
    sagemaker_port: int = 0
    buckets: Sequence[str] = ()
    uploads: Sequence[Upload] = ()
    models: Mapping[str, str] = field(default_factory=dict)
    data_dir: Path | None = None
    min_runtime: float = 1.0
    s3: SeaweedS3Server | None = field(default=None, init=False)
    sagemaker: MotoServer | None = field(default=None, init=False)
    emulator: ProcessingJobEmulator | None = field(default=None, init=False)
    _owned_dir: Path | None = field(default=None, init=False)

    def start(self) -> Sandbox:
        """Start both servers and the emulator, then create the buckets and upload; stops again on failure."""
        try:
            data_dir = self.data_dir
            if data_dir is None:
                data_dir = self._owned_dir = Path(tempfile.mkdtemp(prefix="clarify-sandbox-"))
            (data_dir / "s3").mkdir(parents=True, exist_ok=True)
            self.s3 = SeaweedS3Server(data_dir / "s3", s3_port=self.s3_port).start()
            self.sagemaker = MotoServer(port=self.sagemaker_port).start()
            self.emulator = ProcessingJobEmulator(
                account=ACCOUNT,
                region=REGION,
                s3_endpoints=[self.s3.url, self.sagemaker.url],
                min_runtime=self.min_runtime,
                models=dict(self.models),
            ).install()
            self._fill_buckets()
        except BaseException:
            self.stop()
            raise
        return self

    def s3_client(self) -> Any:
        """A boto3 S3 client on the sandbox's S3 (SeaweedFS)."""
        assert self.s3 is not None, "the sandbox is not started"
        return boto3.client(
            "s3",
            endpoint_url=self.s3.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def _fill_buckets(self) -> None:
        client = self.s3_client()
        wanted = list(dict.fromkeys([*self.buckets, *(split_s3_uri(u.target)[0] for u in self.uploads)]))
        for bucket in wanted:
            client.create_bucket(Bucket=bucket)
        for upload in self.uploads:
            bucket, key = split_s3_uri(upload.target)
            for path, object_key in upload.objects(key):
                client.upload_file(str(path), bucket, object_key)

    def connection(self) -> dict[str, Any]:
        """The Airflow ``aws`` connection (JSON form) to the sandbox: SageMaker and the rest on moto, S3 on
        SeaweedFS, the fake credentials both accept."""
        assert self.s3 is not None and self.sagemaker is not None, "the sandbox is not started"
        return {
            "conn_type": "aws",
            "login": ACCESS_KEY,
            "password": SECRET_KEY,
            "extra": {
                "region_name": REGION,
                "endpoint_url": self.sagemaker.url,
                "service_config": {"s3": {"endpoint_url": self.s3.url}},
            },
        }

    def connection_uri(self) -> str:
        """The same connection as a URI (the extra as Airflow's ``__extra__`` JSON query parameter)."""
        extra = json.dumps(self.connection()["extra"], separators=(",", ":"))
        return f"aws://{ACCESS_KEY}:{SECRET_KEY}@/?__extra__={quote(extra, safe='')}"

    def describe(self) -> dict[str, Any]:
        """What a caller (a script, a test) needs to use the sandbox, JSON-ready."""
        assert self.s3 is not None and self.sagemaker is not None, "the sandbox is not started"
        return {
            "s3_endpoint_url": self.s3.url,
            "sagemaker_endpoint_url": self.sagemaker.url,
            "region": REGION,
            "role_arn": ROLE_ARN,
            "connection": self.connection(),
            "connection_uri": self.connection_uri(),
            "buckets": sorted({*self.buckets, *(split_s3_uri(u.target)[0] for u in self.uploads)}),
            "models": dict(self.models),
            "child_pids": [pid for pid in (self.s3.pid,) if pid is not None],
        }

    def stop(self) -> None:
        """Stop every job (its engine process too), the SageMaker API, SeaweedFS; delete a temp data folder."""
        if self.emulator is not None:
            self.emulator.uninstall()
            self.emulator = None
        if self.sagemaker is not None:
            self.sagemaker.stop()
            self.sagemaker = None
        if self.s3 is not None:
            self.s3.stop()
            self.s3 = None
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None
