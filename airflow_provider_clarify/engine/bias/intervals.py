"""Confidence intervals for the count-based bias metrics: bootstrap on the contingency tables, or analytic.

Why the bootstrap is cheap here: every count-based metric is a function of a small table ``n[g, d, y(, ŷ)]``
(``tables.py``). Resampling N rows with replacement and re-counting them is the same, in distribution, as one
multinomial draw of the cell counts with probabilities ``n / N``, so a replicate costs a few binomial draws
instead of a pass over the data, and the metric formulas evaluate all replicates at once (the same vectorised
functions that compute the reported values, ``PRE/POST_TRAINING_BATCH_FUNCTIONS``).

Choices (docs/intervals.md explains them for users):

* **Total fixed, group sizes free.** Each replicate has the observed N rows; facet sizes n_a, n_d, the label
  balance and the group-variable counts vary as they would between two samples of N rows. (Fixing n_a and n_d
  instead would be a stratified bootstrap, which answers "how noisy is the metric given these group sizes"; CI
  itself would then have no variance at all.)
* **Infinite and undefined replicates are counted, never hidden.** ±∞ are ordinary values that sort to the ends,
  so a bound may be ±∞. A replicate where the metric is undefined (an empty facet, no positive labels, ...) is
  left out of the order statistics and counted by reason; when more than (1 − level)/2 of the replicates are
  undefined no interval is reported (``low``/``high`` are ``None`` and ``note`` says why): that many missing
  values could shift either end past the asked tail.
* **Endpoints** are order statistics of the m defined replicate values v₍₁₎ ≤ … ≤ v₍ₘ₎, no interpolation (it
  would turn ∞ − ∞ into NaN): low = v₍⌊(m+1)·α₁⌋₎, high = v₍⌈(m+1)·α₂⌉₎ (clipped to 1…m), with α₁ = (1 − level)/2,
  α₂ = (1 + level)/2 for ``percentile`` and Efron's adjusted α₁, α₂ for ``bca``.
* **BCa** (bias-corrected and accelerated): bias correction z₀ = Φ⁻¹(share of replicates below the estimate, ties
  counting half) and acceleration a from the jackknife. The jackknife is computed per *cell*: leaving out any one
  of the n_c rows of cell c gives the same table n − e_c, so N leave-one-out estimates collapse to one per occupied
  cell, weighted by n_c: θ̄ = Σ n_c θ₍c₎ / N, a = Σ n_c (θ̄ − θ₍c₎)³ / (6 (Σ n_c (θ̄ − θ₍c₎)²)^{3/2}). When BCa is
  not defined for a metric (infinite or undefined estimate or jackknife value, every replicate on one side of the
  estimate) the percentile interval is reported with ``method = "percentile"`` and a ``note``.
* **newcombe** gives Newcombe's hybrid score interval (``proportions.py``) for DPL and DPPL, the two metrics that
  are a difference of two proportions; every other metric falls back to the percentile bootstrap
  (``method = "percentile"`` on its interval) so one setting serves a whole analysis.
* **Determinism.** The replicates depend only on the table, ``seed`` and ``replicates``: the pre-training and
  post-training tables get their own child streams of ``numpy.random.SeedSequence(seed)``, drawn once and shared
  by every metric of the stage, so which other metrics were requested, in which order, or the global NumPy
  random state change nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from statistics import NormalDist
from typing import Any

import numpy as np

from ...config.errors import ClarifyConfigError, ConfigProblem
from ...config.validation import closest
from .metric_values import MetricValues
from .posttraining import POST_TRAINING_BATCH_FUNCTIONS
from .pretraining import PRE_TRAINING_BATCH_FUNCTIONS
from .proportions import newcombe_interval
from .tables import LabelTable, LabelTables, PredictionTable, PredictionTables

PERCENTILE, BCA, NEWCOMBE = "percentile", "bca", "newcombe"
METHODS: tuple[str, ...] = (PERCENTILE, BCA, NEWCOMBE)
NEWCOMBE_METRICS: frozenset[str] = frozenset({"DPL", "DPPL"})
INTERVAL_METRICS: tuple[str, ...] = tuple(
    sorted({*PRE_TRAINING_BATCH_FUNCTIONS, *POST_TRAINING_BATCH_FUNCTIONS})
)

# Efron & Tibshirani's advice for percentile/BCa endpoints is at least 1,000 replicates; fewer make the endpoints
# themselves noisy. Past 100,000 the Monte Carlo error is negligible next to the sampling error and only time and
# memory grow. Each tail beyond the interval must hold at least MIN_TAIL_REPLICATES replicates.
MIN_REPLICATES = 1_000
MAX_REPLICATES = 100_000
MIN_TAIL_REPLICATES = 10
DEFAULT_LEVEL = 0.95
DEFAULT_REPLICATES = 2_000
DEFAULT_SEED = 0
SETTINGS_KEYS: tuple[str, ...] = ("level", "replicates", "seed", "method")


@dataclass(frozen=True)
class IntervalSettings:
    """How intervals are computed: ``{"level": 0.95, "replicates": 2000, "seed": 7, "method": "percentile"}``.

    ``level`` ∈ (0, 1); ``replicates`` a whole number in [1000, 100000] with at least 10 replicates beyond each end
    of the interval (level 0.99 needs 2,000); ``seed`` a whole number ≥ 0; ``method`` one of ``percentile``,
    ``bca``, ``newcombe``. Invalid settings raise :class:`ClarifyConfigError` listing every problem by key.
    """

    level: float = DEFAULT_LEVEL
    replicates: int = DEFAULT_REPLICATES
    seed: int = DEFAULT_SEED
    method: str = PERCENTILE

    def __post_init__(self) -> None:
        problems = settings_problems(self.level, self.replicates, self.seed, self.method, "confidence")
        if problems:
            raise ClarifyConfigError(problems)

    @classmethod
    def from_dict(cls, value: object, *, path: str = "confidence") -> IntervalSettings:
        """Settings from the user's object (operator argument, ``--confidence`` JSON); missing keys take defaults."""
        if not isinstance(value, Mapping):
            raise ClarifyConfigError(
                f"must be an object such as {{'level': 0.95, 'replicates': 2000, 'seed': 0, 'method': "
                f"'percentile'}}, got {type(value).__name__} {value!r}",
                path=path,
            )
        problems = [
            ConfigProblem(f"{path}.{key}", _unknown_key(str(key)))
            for key in value
            if key not in SETTINGS_KEYS
        ]
        level = value.get("level", DEFAULT_LEVEL)
        replicates = value.get("replicates", DEFAULT_REPLICATES)
        seed = value.get("seed", DEFAULT_SEED)
        method = value.get("method", PERCENTILE)
        problems += settings_problems(level, replicates, seed, method, path)
        if problems:
            raise ClarifyConfigError(problems)
        level_number, count, whole_seed = _as_number(level), _as_whole(replicates), _as_whole(seed)
        assert level_number is not None and count is not None and whole_seed is not None  # validated above
        return cls(level_number, count, whole_seed, str(method))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _unknown_key(key: str) -> str:
    suggestion = closest(key, SETTINGS_KEYS, ignore_case=True)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return f"unknown key {key!r}{hint} (valid keys: {', '.join(SETTINGS_KEYS)})"


def _as_whole(value: object) -> int | None:
    """``value`` as an int when it is a whole number (bool is not), else ``None``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return None


def _as_number(value: object) -> float | None:
    """``value`` as a finite float when it is a real number (bool is not), else ``None``."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def settings_problems(
    level: object, replicates: object, seed: object, method: object, path: str
) -> list[ConfigProblem]:
    """Every problem of the four settings, each naming its key and what would be valid."""
    problems: list[ConfigProblem] = []
    level_number = _as_number(level)
    level_ok = level_number is not None and 0 < level_number < 1
    if not level_ok:
        message = f"must be a number strictly between 0 and 1 (e.g. 0.95), got {level!r}"
        if level_number is not None and 1 < level_number < 100:
            message += f"; did you mean {level_number / 100:g} (a share, not a percentage)?"
        problems.append(ConfigProblem(f"{path}.level", message))
    count = _as_whole(replicates)
    if count is None or not MIN_REPLICATES <= count <= MAX_REPLICATES:
        problems.append(
            ConfigProblem(
                f"{path}.replicates",
                f"must be a whole number from {MIN_REPLICATES:,} to {MAX_REPLICATES:,} (e.g. {DEFAULT_REPLICATES}), "
                f"got {replicates!r}",
            )
        )
    elif level_ok and level_number is not None:
        tail = (1 - level_number) / 2
        if count * tail < MIN_TAIL_REPLICATES - 1e-9:
            needed = math.ceil(MIN_TAIL_REPLICATES / tail - 1e-9)
            problems.append(
                ConfigProblem(
                    f"{path}.replicates",
                    f"{count:,} replicates leave fewer than {MIN_TAIL_REPLICATES} beyond each end of a "
                    f"{level_number:g} interval; use at least {needed:,} (or a lower level)",
                )
            )
    whole_seed = _as_whole(seed)
    if whole_seed is None or whole_seed < 0:
        problems.append(ConfigProblem(f"{path}.seed", f"must be a whole number ≥ 0 (e.g. 7), got {seed!r}"))
    if not isinstance(method, str) or method not in METHODS:
        suggestion = closest(method, METHODS, ignore_case=True) if isinstance(method, str) else None
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        problems.append(
            ConfigProblem(f"{path}.method", f"{method!r} is not a method{hint} (valid: {', '.join(METHODS)})")
        )
    return problems


@dataclass(frozen=True)
class MetricInterval:
    """The interval of one metric on one facet (and its resampling record).

    ``low``/``high`` are ``None`` when there is no interval (``note`` says why); either may be ±∞. ``method`` is
    the method that produced them (it differs from the requested one after a fallback, explained in ``note``).
    ``replicates`` is the number of bootstrap replicates drawn (0 for the analytic interval), of which
    ``positive_infinite`` / ``negative_infinite`` were ±∞ and ``undefined`` had no value (by error text in
    ``undefined_reasons``).
    """

    metric: str
    estimate: float | None
    low: float | None
    high: float | None
    level: float
    method: str
    replicates: int
    positive_infinite: int = 0
    negative_infinite: int = 0
    undefined: int = 0
    undefined_reasons: dict[str, int] = field(default_factory=dict)
    note: str | None = None

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.low is None or self.high is None:
            return None
        return self.low, self.high

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute_intervals(
    label_table: LabelTable | None,
    prediction_table: PredictionTable | None,
    metrics: Iterable[str],
    settings: IntervalSettings,
) -> dict[str, MetricInterval]:
    """Intervals of ``metrics`` (names from ``INTERVAL_METRICS``) for one facet's tables, in the order asked.

    Pre-training metrics need ``label_table``, post-training ones ``prediction_table``. FT has no interval (it is
    computed from feature rows, not from the table): leave it out. A metric that is undefined on the observed
    table gets an entry without interval whose ``note`` is the metric's error text.
    """
    names = list(dict.fromkeys(metrics))
    for name in names:
        _check_metric(name, label_table, prediction_table)
    pre = _Stage(label_table, PRE_TRAINING_BATCH_FUNCTIONS, settings) if label_table is not None else None
    post = (
        _Stage(prediction_table, POST_TRAINING_BATCH_FUNCTIONS, settings)
        if prediction_table is not None
        else None
    )
    results: dict[str, MetricInterval] = {}
    for name in names:
        stage = pre if name in PRE_TRAINING_BATCH_FUNCTIONS else post
        assert stage is not None
        results[name] = stage.interval(name)
    return results


def _check_metric(
    name: str, label_table: LabelTable | None, prediction_table: PredictionTable | None
) -> None:
    if name == "FT":
        raise ValueError(
            "FT has no confidence interval: it is computed from feature rows, not from the contingency table; "
            f"intervals exist for {', '.join(INTERVAL_METRICS)}"
        )
    if name not in INTERVAL_METRICS:
        suggestion = closest(name, INTERVAL_METRICS, ignore_case=True)
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        raise ValueError(
            f"{name!r} is not a count-based bias metric{hint} (valid: {', '.join(INTERVAL_METRICS)})"
        )
    if name in PRE_TRAINING_BATCH_FUNCTIONS and label_table is None:
        raise ValueError(f"{name} is a pre-training metric: its interval needs the label table")
    if name in POST_TRAINING_BATCH_FUNCTIONS and prediction_table is None:
        raise ValueError(f"{name} is a post-training metric: its interval needs the prediction table")


# ------------------------------------------------------------------------------------------------ resampling


def resample_counts(counts: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """``replicates`` multinomial draws of a table: N = counts.sum() rows, cell probabilities counts / N.

    Returns int64 counts shaped (replicates, *counts.shape): each is the table of a sample of N rows drawn with
    replacement from the observed rows.
    """
    flat = counts.reshape(-1).astype(np.int64)
    total = int(flat.sum())
    if total <= 0:
        raise ValueError("an empty table cannot be resampled")
    draws = rng.multinomial(total, flat / total, size=replicates)
    return draws.astype(np.int64).reshape((replicates, *counts.shape))


def replicate_tables(
    table: LabelTable | PredictionTable, settings: IntervalSettings
) -> LabelTables | PredictionTables:
    """The bootstrap replicates of one table: the batch ``compute_intervals`` evaluates its stage's metrics on.

    Label tables draw from child stream 0 of ``SeedSequence(seed)``, prediction tables from stream 1, so the two
    stages never share random numbers and each depends on nothing but the table, ``seed`` and ``replicates``.
    """
    stream = 0 if isinstance(table, LabelTable) else 1
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(stream,)))
    return _batch(table, resample_counts(table.n, settings.replicates, rng))


def leave_one_out_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One table per occupied cell c with one row of c removed (n − e_c), and the weights n_c.

    Leaving out any of the n_c rows of cell c gives the same table, so these K ≤ cells tables with their weights
    are the whole N-row jackknife.
    """
    flat = counts.reshape(-1).astype(np.int64)
    occupied = np.flatnonzero(flat)
    tables = np.repeat(flat[np.newaxis], len(occupied), axis=0)
    tables[np.arange(len(occupied)), occupied] -= 1
    return tables.reshape((len(occupied), *counts.shape)), flat[occupied]


def _batch(table: LabelTable | PredictionTable, counts: np.ndarray) -> LabelTables | PredictionTables:
    if isinstance(table, LabelTable):
        return LabelTables(counts, table.has_group_variable)
    return PredictionTables(counts, table.has_group_variable)


class _Stage:
    """One table, its metric formulas, and its replicates (drawn on first use, shared by the stage's metrics)."""

    def __init__(
        self,
        table: LabelTable | PredictionTable,
        formulas: Mapping[str, Callable[[Any], MetricValues]],
        settings: IntervalSettings,
    ) -> None:
        self.table = table
        self.formulas = formulas
        self.settings = settings
        self._replicates: LabelTables | PredictionTables | None = None

    def replicates(self) -> LabelTables | PredictionTables:
        if self._replicates is None:
            self._replicates = replicate_tables(self.table, self.settings)
        return self._replicates

    def interval(self, name: str) -> MetricInterval:
        settings = self.settings
        formula = self.formulas[name]
        observed = formula(self.table.as_batch())
        error = observed.message(0)
        base = MetricInterval(name, None, None, None, settings.level, settings.method, 0)
        if error is not None:
            return replace(base, note=f"no interval: the metric is undefined on the data ({error})")
        estimate = float(observed.values[0])
        base = replace(base, estimate=estimate)
        if settings.method == NEWCOMBE and name in NEWCOMBE_METRICS:
            return replace(base, **_newcombe(self.table, settings.level))
        summary = ReplicateSummary(formula(self.replicates()), settings.level)
        result = replace(base, method=PERCENTILE, **summary.record())
        if summary.too_many_undefined():
            return replace(result, note=summary.undefined_note())
        percentile = summary.bounds(*summary.percentile_probabilities())
        if settings.method == BCA:
            try:
                if not math.isfinite(estimate):
                    raise BcaUndefined("the estimate is infinite")
                acceleration = jackknife_acceleration(formula, self.table)
                probabilities = bca_probabilities(estimate, summary, acceleration)
            except BcaUndefined as reason:
                return replace(
                    result,
                    low=percentile[0],
                    high=percentile[1],
                    note=f"BCa not defined here ({reason}): percentile",
                )
            low, high = summary.bounds(*probabilities)
            return replace(result, low=low, high=high, method=BCA)
        note = (
            f"newcombe applies to {' and '.join(sorted(NEWCOMBE_METRICS))} only: percentile bootstrap"
            if settings.method == NEWCOMBE
            else None
        )
        return replace(result, low=percentile[0], high=percentile[1], note=note)


class ReplicateSummary:
    """Replicate values of one metric ready for an interval: the defined ones sorted (±∞ at the ends), and the
    counts an interval reports (±∞, undefined by reason)."""

    def __init__(self, values: MetricValues, level: float) -> None:
        self.level = level
        self.total = len(values.values)
        defined = values.values[values.defined]
        self.sorted = np.sort(defined)
        self.undefined = self.total - len(defined)
        self.undefined_reasons = values.undefined_counts()
        self.positive_infinite = int(np.count_nonzero(defined == math.inf))
        self.negative_infinite = int(np.count_nonzero(defined == -math.inf))

    def record(self) -> dict[str, Any]:
        return {
            "replicates": self.total,
            "positive_infinite": self.positive_infinite,
            "negative_infinite": self.negative_infinite,
            "undefined": self.undefined,
            "undefined_reasons": self.undefined_reasons,
        }

    def too_many_undefined(self) -> bool:
        """More than (1 − level)/2 of the replicates undefined: either end could move past its tail."""
        return self.undefined > self.total * (1 - self.level) / 2

    def undefined_note(self) -> str:
        reason = max(self.undefined_reasons, key=lambda text: self.undefined_reasons[text])
        return (
            f"no interval: the metric is undefined in {self.undefined} of {self.total} replicates (more than "
            f"{(1 - self.level) / 2:.4g} of them), mostly because: {reason}"
        )

    def percentile_probabilities(self) -> tuple[float, float]:
        return (1 - self.level) / 2, (1 + self.level) / 2

    def bounds(self, low_probability: float, high_probability: float) -> tuple[float, float]:
        """Order statistics v₍⌊(m+1)p₁⌋₎ and v₍⌈(m+1)p₂⌉₎ of the m defined values, clipped to 1…m."""
        m = len(self.sorted)
        low_rank = min(max(math.floor((m + 1) * low_probability), 1), m)
        high_rank = min(max(math.ceil((m + 1) * high_probability), 1), m)
        return float(self.sorted[low_rank - 1]), float(self.sorted[high_rank - 1])


class BcaUndefined(Exception):
    """BCa cannot be computed for this metric and table; the message says why."""


def jackknife_acceleration(
    formula: Callable[[Any], MetricValues], table: LabelTable | PredictionTable
) -> float:
    """Efron's acceleration a from the jackknife, one leave-one-out table per occupied cell, weighted by n_c.

    a = Σ n_c (θ̄ − θ₍c₎)³ / (6 (Σ n_c (θ̄ − θ₍c₎)²)^{3/2}) with θ̄ = Σ n_c θ₍c₎ / N: exactly the N-row jackknife,
    computed from at most ``cells`` metric evaluations.
    """
    tables, weights = leave_one_out_counts(table.n)
    if len(weights) == 0:
        raise BcaUndefined("the table is empty")
    jackknife = formula(_batch(table, tables))
    if not jackknife.defined.all():
        raise BcaUndefined("the metric is undefined when one row is left out")
    if not np.isfinite(jackknife.values).all():
        raise BcaUndefined("the metric is infinite when one row is left out")
    mean = float(np.sum(weights * jackknife.values) / np.sum(weights))
    deviation = mean - jackknife.values
    spread = float(np.sum(weights * deviation**2))
    return float(np.sum(weights * deviation**3)) / (6 * spread**1.5) if spread > 0 else 0.0


def bca_probabilities(estimate: float, summary: ReplicateSummary, acceleration: float) -> tuple[float, float]:
    """Efron's adjusted tail probabilities α₁, α₂ = Φ(z₀ + (z₀ + z)/(1 − a(z₀ + z))) for z = z_{(1∓level)/2}.

    z₀ = Φ⁻¹(share of the defined replicates below the estimate, ties counting half).
    """
    if not math.isfinite(estimate):
        raise BcaUndefined("the estimate is infinite")
    values = summary.sorted
    below = np.count_nonzero(values < estimate) + 0.5 * np.count_nonzero(values == estimate)
    share_below = float(below) / len(values)
    if not 0 < share_below < 1:
        raise BcaUndefined("every replicate lies on one side of the estimate")
    normal = NormalDist()
    bias = normal.inv_cdf(share_below)
    probabilities = []
    for tail in summary.percentile_probabilities():
        z = bias + normal.inv_cdf(tail)
        denominator = 1 - acceleration * z
        if denominator <= 0:
            raise BcaUndefined("the acceleration is too large for this level")
        probabilities.append(normal.cdf(bias + z / denominator))
    return probabilities[0], probabilities[1]


def _newcombe(table: LabelTable | PredictionTable, level: float) -> dict[str, Any]:
    """Newcombe's interval for q_a − q_d (DPL: labels; DPPL: predicted labels)."""
    n_dy = table.by_facet_label() if isinstance(table, LabelTable) else table.by_facet().sum(axis=1)
    a_positive, a_total = int(n_dy[0, 1]), int(n_dy[0].sum())
    d_positive, d_total = int(n_dy[1, 1]), int(n_dy[1].sum())
    low, high = newcombe_interval(a_positive, a_total, d_positive, d_total, level)
    return {"low": low, "high": high, "method": NEWCOMBE}
