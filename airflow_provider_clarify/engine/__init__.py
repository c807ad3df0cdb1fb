"""The in-worker Clarify engine: datasets, bias metrics, explanations, reports and ``analysis.json``.

No Airflow here: the engine is a plain library (and a CLI, ``python -m airflow_provider_clarify.engine``) so it
can run in a worker, a notebook or a container image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AnalysisError
from .options import EngineOptions

if TYPE_CHECKING:
    from .analysis import run_analysis
    from .dataset_check import DatasetCheck, check_dataset

__all__ = ["AnalysisError", "DatasetCheck", "EngineOptions", "check_dataset", "run_analysis"]


def __getattr__(name: str) -> Any:
    """Import the analysis machinery (pandas, pyarrow, scipy, scikit-learn) on first use of ``run_analysis``.

    Operators import small engine modules (e.g. the atomic writer) at DAG-parse time; that must not load the
    whole numeric stack into the scheduler's parser.
    """
    if name == "run_analysis":
        from .analysis import run_analysis

        return run_analysis
    if name in ("check_dataset", "DatasetCheck"):
        from . import dataset_check

        return getattr(dataset_check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
