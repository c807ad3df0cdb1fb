"""The integration tests' loopback servers are the sandbox's own (airflow_provider_clarify.sandbox.servers)."""

from airflow_provider_clarify.sandbox.servers import (
    ACCESS_KEY,
    LOOPBACK,
    SECRET_KEY,
    MotoServer,
    SeaweedS3Server,
    free_port,
)

__all__ = ["ACCESS_KEY", "LOOPBACK", "SECRET_KEY", "MotoServer", "SeaweedS3Server", "free_port"]
