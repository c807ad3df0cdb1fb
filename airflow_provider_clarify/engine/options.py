"""Engine tuning knobs that are not part of the Clarify analysis config.

They change how the engine works (chunk sizes, concurrency, compatibility quirks) but never what a correct
result is, except ``strict_clarify_compat`` which chooses between reproducing the reference quirks (default) and
the more intuitive reading of tiny datasets (reference §3.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from .bias.intervals import IntervalSettings

ShapAlgorithm = Literal["kernel", "tree", "auto"]
SHAP_ALGORITHMS: tuple[ShapAlgorithm, ...] = get_args(ShapAlgorithm)


@dataclass
class EngineOptions:
    """Options of one engine run.

    ``strict_clarify_compat``: reproduce the reference's type-inference quirks (a 0/1 label on a tiny dataset is
    read as continuous); when off, such integer columns are treated as categorical and a warning is logged.
    ``chunk_rows``: target rows per streamed chunk (CSV/Parquet readers size their blocks from it).
    ``batch_size`` / ``max_concurrency``: records per model request and parallel requests (predictors).
    ``timeout_seconds`` / ``max_retries`` / ``backoff_seconds``: per-request timeout of a model call, retries on
    throttling, 5xx and timeouts, and the first back-off (doubled per retry) before a run fails.
    ``pdp_max_records``: records used for partial dependence (explanations).
    ``max_distinct_values``: distinct values kept per role column (and distinct role-value tuples per facet)
    before the engine stops tracking them exactly and falls back to a second streaming pass.
    ``progress_interval_seconds``: how often long reads log rows read and rate at INFO.
    ``ft_n_jobs``: parallel jobs for the flip test's nearest-neighbour queries (-1 = all cores).
    ``shap_algorithm``: "kernel" (default: Kernel SHAP, as the managed job computes it), "tree" (exact
    interventional TreeSHAP with the baseline as background; only for in-process tree ensembles, an error
    otherwise) or "auto" (tree where it computes exactly what Kernel SHAP estimates, else kernel).
    ``shap_standard_errors``: also estimate each Kernel SHAP value's sampling error (explanations_shap/
    out_standard_errors.csv beside out.csv, and ``global_shap_standard_errors`` in analysis.json).
    ``shap_block_rows``: synthetic rows Kernel SHAP builds and sends to the model at once (memory bound); an
    in-process model gets each block in one call, a remote one in requests of ``batch_size`` records.
    ``confidence``: bootstrap confidence intervals for the count-based bias metrics and global SHAP values
    (``{"level", "replicates", "seed", "method"}``, docs/intervals.md); ``None`` (default) computes none and
    leaves analysis.json exactly as without the option. A dict is validated here, so a bad setting fails when the
    options are built, naming its key (``confidence.level``), before the run does anything.
    """

    strict_clarify_compat: bool = True
    chunk_rows: int = 500_000
    batch_size: int = 1000
    max_concurrency: int = 4
    timeout_seconds: float = 60.0
    max_retries: int = 4
    backoff_seconds: float = 0.2
    pdp_max_records: int = 2000
    max_distinct_values: int = 1_000_000
    progress_interval_seconds: float = 10.0
    ft_n_jobs: int = -1
    shap_algorithm: ShapAlgorithm = "kernel"
    shap_standard_errors: bool = False
    shap_block_rows: int = 100_000
    # --- confidence intervals (engine/confidence.py) ---
    confidence: IntervalSettings | Mapping[str, object] | None = None

    def __post_init__(self) -> None:
        if self.shap_algorithm not in SHAP_ALGORITHMS:
            raise ValueError(
                f"EngineOptions.shap_algorithm {self.shap_algorithm!r} is not one of "
                f"{', '.join(repr(a) for a in SHAP_ALGORITHMS)}"
            )
        if int(self.shap_block_rows) < 1:
            raise ValueError(
                f"EngineOptions.shap_block_rows must be at least 1, got {self.shap_block_rows!r}"
            )
        if self.confidence is not None:
            from .confidence import interval_settings  # numpy only when intervals are asked for

            self.confidence = interval_settings(self.confidence)

    @property
    def interval_settings(self) -> IntervalSettings | None:
        """``confidence`` as validated settings (``__post_init__`` converted a dict), or ``None``."""
        if self.confidence is None:
            return None
        from .confidence import interval_settings

        return interval_settings(self.confidence)

    # --- end confidence intervals ---
