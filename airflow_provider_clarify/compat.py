"""Every Airflow name the provider uses whose home differs between Airflow 2 and 3, imported in one place.

Why one module: Airflow 3 moved the task-facing API (``BaseOperator``, ``Context``, the exceptions, sensors,
branching) into the Task SDK; Airflow 2 keeps the old paths. The common-compat provider resolves each name to
whichever path the running Airflow has, so the rest of the provider imports from here and never branches on the
Airflow version itself. Names whose path is the same in both (``airflow.triggers.base``) are listed here too, so
that one file shows the provider's whole surface on Airflow.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    Asset,
    AssetAlias,
    BaseHook,
    BaseNotifier,
    BaseOperator,
    BranchMixIn,
    Context,
    PokeReturnValue,
    conf,
    get_current_context,
)
from airflow.triggers.base import BaseTrigger, TriggerEvent

# --- sharded runs (operators/sharded.py): task groups ---
try:  # Airflow 3
    from airflow.sdk import TaskGroup
except ImportError:  # pragma: no cover - Airflow 2
    from airflow.utils.task_group import TaskGroup  # type: ignore[no-redef,import-not-found,unused-ignore]
# --- end sharded runs ---

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "Asset",
    "AssetAlias",
    "BaseHook",
    "BaseNotifier",
    "BaseOperator",
    "BaseTrigger",
    "BranchMixIn",
    "Context",
    "PokeReturnValue",
    "TaskGroup",
    "TriggerEvent",
    "conf",
    "get_current_context",
]
