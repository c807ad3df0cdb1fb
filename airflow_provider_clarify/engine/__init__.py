"""The in-worker Clarify engine: datasets, bias metrics, explanations, reports and ``analysis.json``.

No Airflow here: the engine is a plain library (and a CLI, ``python -m airflow_provider_clarify.engine``) so it
can run in a worker, a notebook or a container image.
"""

from .analysis import run_analysis
from .errors import AnalysisError
from .options import EngineOptions

__all__ = ["AnalysisError", "EngineOptions", "run_analysis"]
