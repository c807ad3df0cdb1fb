"""DAG tests run like integration tests: a migrated Airflow metadata DB and the loopback AWS connections.

The integration fixtures (session DB migration, ``aws_default`` on loopback servers, ``test_dags_dir``, ...) live in
tests/integration/conftest.py; pytest only applies a conftest to its own folder, so they are re-exported here.
"""

from tests.integration.conftest import *  # noqa: F403
