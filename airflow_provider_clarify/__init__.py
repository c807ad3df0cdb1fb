"""Apache Airflow provider for Amazon SageMaker Clarify.

One analysis document (``analysis_config.json``) run by one of two engines — the managed Clarify processing job
or the in-worker engine — and read back as one result (``analysis.json``).
"""

__version__ = "0.1.0"
