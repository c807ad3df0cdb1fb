"""``ClarifyResult``: one compact, engine-independent view of a Clarify ``analysis.json``.

Both engines (the managed processing job and the in-worker engine) write the same ``analysis.json`` (SPEC §8), so
downstream tasks — gates, dashboards, templates — read this one model and never care which engine ran.

XCom carries :meth:`ClarifyResult.to_xcom`, a small JSON-able dict; everything large (local SHAP values, PDP
arrays, reports) stays in the output files whose URIs the result lists.

**XCom size bound.** Per metric entry about 40-60 bytes, per global SHAP feature about 30-40 bytes. Lists that
could grow without limit are capped, the rest of the data stays in ``analysis.json``:

- global SHAP values: at most :data:`XCOM_MAX_SHAP_FEATURES` features per target (the largest by absolute
  value; ``shap_truncated`` counts the features left out),
- NLP top text units: at most :data:`XCOM_MAX_TOP_TEXT` per target,
- PDP: no arrays, only counts and ranges (at most :data:`XCOM_MAX_CATEGORIES` category names per feature),
- warnings: at most :data:`XCOM_MAX_WARNINGS`, each at most :data:`XCOM_MAX_WARNING_CHARS` characters,
- output files: at most :data:`XCOM_MAX_OUTPUT_FILES` entries.

A 50-feature, 10-facet-value analysis with both bias stages, all metrics, SHAP and PDP serialises to well under
:data:`XCOM_DOCUMENTED_BOUND_BYTES` (64 KiB) of JSON (tests/unit/results measure it).

**Numbers.** In ``analysis.json`` and in the XCom dict ±∞ are the strings ``"Infinity"`` / ``"-Infinity"`` (SPEC
§8.1, and strict JSON has no infinity); in the Python objects they are ``float("inf")``. A failed metric keeps
``value=None`` and its ``error`` string. NaN never survives parsing: it becomes ``None`` like in the container.

This module imports neither Airflow nor boto3: reading S3 is the Airflow layer's job.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_provider_clarify.config.metrics import METRIC_DESCRIPTIONS, METRIC_STAGES

XCOM_FORMAT = 1
"""Version of the XCom dict layout; the key ``clarify_result`` carries it and marks a dict as a Clarify result."""
XCOM_MARKER = "clarify_result"
XCOM_MAX_SHAP_FEATURES = 1000
XCOM_MAX_TOP_TEXT = 50
XCOM_MAX_CATEGORIES = 20
XCOM_MAX_WARNINGS = 50
XCOM_MAX_WARNING_CHARS = 500
XCOM_MAX_OUTPUT_FILES = 200
XCOM_DOCUMENTED_BOUND_BYTES = 64 * 1024

STAGES = ("pre_training", "post_training")
"""Bias stages, named as the analysis.json sections without the ``_bias_metrics`` suffix."""
_SECTION_KEYS = {stage: f"{stage}_bias_metrics" for stage in STAGES}

_DESCRIPTIONS = METRIC_DESCRIPTIONS


class ClarifyResultError(ValueError):
    """The input is not a Clarify ``analysis.json`` / result, or a look-up names something the result lacks."""


# --------------------------------------------------------------------------------------------------------------
# Numbers


def parse_number(value: Any, where: str) -> float | None:
    """analysis.json number → float: ``"Infinity"`` strings → ±inf, NaN/null → None; anything else is an error."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ClarifyResultError(f"{where}: expected a number, got a boolean {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, str):
        text = value.strip()
        if text in ("Infinity", "+Infinity", "inf", "+inf"):
            return math.inf
        if text in ("-Infinity", "-inf"):
            return -math.inf
        if text in ("NaN", "nan"):
            return None
    raise ClarifyResultError(f"{where}: expected a number, null or 'Infinity'/'-Infinity', got {value!r}")


def encode_number(value: float | None) -> float | str | None:
    """float → JSON value the way analysis.json writes it: ±inf as ``"Infinity"``/``"-Infinity"``."""
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


# --------------------------------------------------------------------------------------------------------------
# Model


@dataclass(frozen=True)
class MetricEntry:
    """One bias metric of one facet group: ``value`` (None on failure) or ``error``."""

    name: str
    value: float | None
    error: str | None = None
    description: str = ""

    @property
    def failed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class FacetGroup:
    """One element of a facet's list: the facet value(s)/threshold string (SPEC §4) and its metrics."""

    value_or_threshold: str
    metrics: tuple[MetricEntry, ...]


@dataclass(frozen=True)
class BiasSection:
    """``pre_training_bias_metrics`` or ``post_training_bias_metrics``."""

    label: str | None
    label_value_or_threshold: str | None
    facets: dict[str, tuple[FacetGroup, ...]]


@dataclass(frozen=True)
class ShapSummary:
    """Global SHAP of one target; ``shap_truncated`` counts features left out of the XCom form."""

    global_shap_values: dict[str, float]
    expected_value: float | None
    global_top_shap_text: dict[str, float] | None = None
    shap_truncated: int = 0


@dataclass(frozen=True)
class PdpSummary:
    """A PDP entry without its arrays: how many grid values, their range (numerical) or first categories."""

    feature_name: str
    data_type: str | None
    label_headers: tuple[str, ...] = ()
    num_values: int = 0
    value_min: float | None = None
    value_max: float | None = None
    categories: tuple[str, ...] = ()
    prediction_min: float | None = None
    prediction_max: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class BiasMetricRow:
    """A flat bias-metric row (see :meth:`ClarifyResult.rows`)."""

    stage: str
    label: str | None
    label_value: str | None
    facet: str
    facet_value: str
    metric: str
    description: str
    value: float | None
    error: str | None


@dataclass(frozen=True)
class ClarifyResult:
    """The summary of one Clarify analysis. Build it with :meth:`from_analysis` or :meth:`from_xcom`."""

    engine: str = "local"
    job_name: str | None = None
    job_status: str | None = None
    output_uri: str | None = None
    analysis_uri: str | None = None
    output_files: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    bias: dict[str, BiasSection] = field(default_factory=dict)
    shap: dict[str, ShapSummary] = field(default_factory=dict)
    pdp: tuple[PdpSummary, ...] = ()
    warnings: tuple[str, ...] = ()

    # ---------------------------------------------------------------------------------------------- building

    @classmethod
    def from_analysis(
        cls,
        path_or_dict: str | Path | Mapping[str, Any],
        *,
        engine: str = "local",
        job_name: str | None = None,
        job_status: str | None = None,
        output_uri: str | None = None,
        output_files: Mapping[str, str] | Iterable[str] | None = None,
        warnings: Iterable[str] | None = None,
    ) -> ClarifyResult:
        """Parse an ``analysis.json`` (a dict, a local file, or a local output directory holding one).

        ``output_uri`` is the output location (local directory or ``s3://`` prefix); for a local path it defaults
        to the file's directory. ``output_files`` maps file names relative to the output location to URIs, or
        lists relative names (joined to ``output_uri``); for a local path it defaults to every file of
        that directory (analysis.json, report, ``explanations_shap/*``; hidden files excepted).
        """
        local_dir: Path | None = None
        if isinstance(path_or_dict, Mapping):
            document: Any = path_or_dict
        elif isinstance(path_or_dict, (str, Path)):
            if str(path_or_dict).startswith("s3://"):
                raise ClarifyResultError(
                    f"{path_or_dict}: ClarifyResult reads local files only; download analysis.json first "
                    "(the operators do this) and pass the s3:// prefix as output_uri"
                )
            path = Path(path_or_dict)
            if path.is_dir():
                path = path / "analysis.json"
            if not path.is_file():
                raise ClarifyResultError(f"{path}: no analysis.json there (was the analysis successful?)")
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise ClarifyResultError(f"{path} is not valid JSON: {err}") from None
            local_dir = path.parent
            output_uri = output_uri or str(local_dir)
        else:
            raise ClarifyResultError(
                f"expected an analysis.json dict or a path to one, got {type(path_or_dict).__name__}"
            )
        if not isinstance(document, Mapping):
            raise ClarifyResultError(f"analysis.json must hold a JSON object, got {type(document).__name__}")
        known = {*_SECTION_KEYS.values(), "explanations", "version"}
        if not known & set(document):
            raise ClarifyResultError(
                "not a Clarify analysis.json: none of 'version', 'pre_training_bias_metrics', "
                f"'post_training_bias_metrics', 'explanations' is present (keys: {sorted(document)[:10]})"
            )
        bias = {
            stage: _parse_bias_section(document[key], key)
            for stage, key in _SECTION_KEYS.items()
            if document.get(key) is not None
        }
        explanations = document.get("explanations") or {}
        if not isinstance(explanations, Mapping):
            raise ClarifyResultError("explanations: expected an object")
        files = _output_files(output_files, output_uri, local_dir)
        return cls(
            engine=engine,
            job_name=job_name,
            job_status=job_status,
            output_uri=output_uri,
            analysis_uri=_join(output_uri, "analysis.json") if output_uri else None,
            output_files=files,
            version=None if document.get("version") is None else str(document["version"]),
            bias=bias,
            shap=_parse_kernel_shap(explanations.get("kernel_shap")),
            pdp=_parse_pdp(explanations.get("pdp")),
            warnings=tuple(str(w) for w in warnings or ()),
        )

    # ---------------------------------------------------------------------------------------------- look-ups

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(stage for stage in STAGES if stage in self.bias)

    def facets(self, stage: str | None = None) -> list[str]:
        """Facet column names, in analysis.json order, over one stage or all."""
        names: dict[str, None] = {}
        for section_stage, section in self.bias.items():
            if stage in (None, section_stage):
                names.update(dict.fromkeys(section.facets))
        return list(names)

    def facet_values(self, facet: str, stage: str | None = None) -> list[str]:
        values: dict[str, None] = {}
        for section_stage, section in self.bias.items():
            if stage in (None, section_stage):
                values.update(
                    dict.fromkeys(group.value_or_threshold for group in section.facets.get(facet, ()))
                )
        return list(values)

    def metric_names(self, stage: str | None = None) -> list[str]:
        return sorted({row.metric for row in self.rows() if stage in (None, row.stage)})

    def rows(self) -> list[BiasMetricRow]:
        """Every bias metric as a flat row, stage → facet → facet value → metric order.

        Key names avoid the clash of "value": ``facet_value`` is the facet group string (SPEC §4, e.g.
        ``"Female"`` or ``"(40, 68]"``), ``value`` is the metric's number (None on error, ±inf as float).
        """
        rows = []
        for stage in self.stages:
            section = self.bias[stage]
            for facet, groups in section.facets.items():
                for group in groups:
                    for entry in group.metrics:
                        rows.append(
                            BiasMetricRow(
                                stage=stage,
                                label=section.label,
                                label_value=section.label_value_or_threshold,
                                facet=facet,
                                facet_value=group.value_or_threshold,
                                metric=entry.name,
                                description=entry.description,
                                value=entry.value,
                                error=entry.error,
                            )
                        )
        return rows

    def row_dicts(self) -> list[dict[str, Any]]:
        """:meth:`rows` as plain dicts (JSON-able once ±inf is encoded; see :func:`encode_number`)."""
        return [dict(row.__dict__) for row in self.rows()]

    def find_metrics(
        self,
        name: str | None = None,
        facet: str | None = None,
        value: Any = None,
        stage: str | None = None,
    ) -> list[BiasMetricRow]:
        """Rows matching every given filter (``value`` = facet value; numbers match their string form)."""
        stage = normalise_stage(stage)
        wanted_value = None if value is None else facet_value_text(value)
        return [
            row
            for row in self.rows()
            if (name is None or row.metric.upper() == name.upper())
            and (facet is None or row.facet == facet)
            and (wanted_value is None or _same_facet_value(row.facet_value, wanted_value))
            and (stage is None or row.stage == stage)
        ]

    def metric_entry(
        self, name: str, facet: str | None = None, value: Any = None, stage: str | None = None
    ) -> BiasMetricRow:
        """The one row that matches; a clear :class:`ClarifyResultError` when none or several do."""
        matches = self.find_metrics(name, facet, value, stage)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ClarifyResultError(self._explain_missing(name, facet, value, stage))
        listed = ", ".join(f"{m.stage}/{m.facet}={m.facet_value}" for m in matches[:10])
        raise ClarifyResultError(
            f"metric {name} matches {len(matches)} entries ({listed}); pass facet=, value= and/or stage= to "
            "pick one"
        )

    def metric(
        self, name: str, facet: str | None = None, value: Any = None, stage: str | None = None
    ) -> float | None:
        """The value of one bias metric, e.g. ``result.metric("DI", facet="sex", value="Female")``.

        Returns None when that metric failed (see :meth:`metric_entry` for its ``error``). Filters that are left
        out must not be needed to single out one entry.
        """
        return self.metric_entry(name, facet, value, stage).value

    def describe_contents(self, stage: str | None = None) -> str:
        """What exists, for error messages: stages, facets with their values, metric names."""
        parts = []
        for section_stage in self.stages:
            if stage not in (None, section_stage):
                continue
            section = self.bias[section_stage]
            facets = "; ".join(
                f"{facet}: {[group.value_or_threshold for group in groups]}"
                for facet, groups in section.facets.items()
            )
            parts.append(
                f"{section_stage} (facets {facets or 'none'}; metrics {self.metric_names(section_stage)})"
            )
        return ", ".join(parts) if parts else "no bias metrics"

    def _explain_missing(self, name: str | None, facet: str | None, value: Any, stage: str | None) -> str:
        stage = normalise_stage(stage)
        if name is not None and not self.find_metrics(name=name):
            known = (
                ""
                if name.upper() in METRIC_STAGES
                else f" (not a Clarify bias metric; known: {sorted(METRIC_STAGES)})"
            )
            return (
                f"metric {name!r} is not in this result{known}. The result holds: {self.describe_contents()}"
            )
        if stage is not None and stage not in self.bias:
            return f"stage {stage!r} is not in this result. The result holds: {self.describe_contents()}"
        # List facets and values of the stage that computes this metric, not of both stages.
        stage = stage or (METRIC_STAGES.get(name.upper()) if name is not None else None)
        if facet is not None and facet not in self.facets(stage):
            return f"facet {facet!r} is not in this result; facets: {self.facets(stage)}"
        if facet is not None and value is not None:
            values = self.facet_values(facet, stage)
            if not any(_same_facet_value(v, facet_value_text(value)) for v in values):
                return f"facet {facet!r} has no value {value!r} in this result; its values: {values}"
        return (
            f"no metric {name!r} for facet={facet!r}, value={value!r}, stage={stage!r}. "
            f"The result holds: {self.describe_contents()}"
        )

    # ---------------------------------------------------------------------------------------------- XCom

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-able dict (see the module docstring for its size bound); :meth:`from_xcom` reverses it."""
        files = dict(list(self.output_files.items())[:XCOM_MAX_OUTPUT_FILES])
        payload: dict[str, Any] = {
            XCOM_MARKER: XCOM_FORMAT,
            "engine": self.engine,
            "job_name": self.job_name,
            "job_status": self.job_status,
            "output_uri": self.output_uri,
            "analysis_uri": self.analysis_uri,
            "output_files": files,
            "version": self.version,
            "bias": {stage: _bias_section_to_xcom(section) for stage, section in self.bias.items()},
            "shap": {target: _shap_to_xcom(summary) for target, summary in self.shap.items()},
            "pdp": [_pdp_to_xcom(entry) for entry in self.pdp],
            "warnings": [w[:XCOM_MAX_WARNING_CHARS] for w in self.warnings[:XCOM_MAX_WARNINGS]],
        }
        if len(self.warnings) > XCOM_MAX_WARNINGS:
            payload["warnings_truncated"] = len(self.warnings) - XCOM_MAX_WARNINGS
        if len(self.output_files) > XCOM_MAX_OUTPUT_FILES:
            payload["output_files_truncated"] = len(self.output_files) - XCOM_MAX_OUTPUT_FILES
        return payload

    @classmethod
    def from_xcom(cls, payload: Any) -> ClarifyResult:
        """Rebuild a result from :meth:`to_xcom` output (also accepts a ClarifyResult or its JSON string)."""
        if isinstance(payload, ClarifyResult):
            return payload
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError:
                raise ClarifyResultError("not a Clarify result: a string that is not JSON") from None
        if payload is None:
            raise ClarifyResultError(
                "no Clarify result: the value is None (did the upstream task push its return value to XCom?)"
            )
        if not isinstance(payload, Mapping) or XCOM_MARKER not in payload:
            kind = type(payload).__name__
            keys = f" with keys {sorted(map(str, payload))[:10]}" if isinstance(payload, Mapping) else ""
            raise ClarifyResultError(
                f"not a Clarify result: got a {kind}{keys}; expected the XCom value of a ClarifyOperator or "
                f"LocalClarifyOperator (a dict with the key {XCOM_MARKER!r})"
            )
        if payload[XCOM_MARKER] != XCOM_FORMAT:
            raise ClarifyResultError(
                f"Clarify result format {payload[XCOM_MARKER]!r} is not supported (this provider reads "
                f"format {XCOM_FORMAT})"
            )
        try:
            return cls(
                engine=payload.get("engine") or "local",
                job_name=payload.get("job_name"),
                job_status=payload.get("job_status"),
                output_uri=payload.get("output_uri"),
                analysis_uri=payload.get("analysis_uri"),
                output_files=dict(payload.get("output_files") or {}),
                version=payload.get("version"),
                bias={
                    stage: _bias_section_from_xcom(section)
                    for stage, section in (payload.get("bias") or {}).items()
                },
                shap={
                    target: _shap_from_xcom(summary, target)
                    for target, summary in (payload.get("shap") or {}).items()
                },
                pdp=tuple(_pdp_from_xcom(entry) for entry in payload.get("pdp") or ()),
                warnings=tuple(payload.get("warnings") or ()),
            )
        except (KeyError, TypeError, AttributeError) as err:
            raise ClarifyResultError(f"malformed Clarify result XCom: {type(err).__name__}: {err}") from None


# --------------------------------------------------------------------------------------------------------------
# analysis.json parsing


def _parse_bias_section(section: Any, where: str) -> BiasSection:
    if not isinstance(section, Mapping):
        raise ClarifyResultError(f"{where}: expected an object")
    facets_raw = section.get("facets")
    facets_raw = {} if facets_raw is None else facets_raw
    if not isinstance(facets_raw, Mapping):
        raise ClarifyResultError(f"{where}.facets: expected an object keyed by facet name")
    facets: dict[str, tuple[FacetGroup, ...]] = {}
    for facet, groups in facets_raw.items():
        if not isinstance(groups, list):
            raise ClarifyResultError(f"{where}.facets.{facet}: expected a list of facet groups")
        parsed = []
        for index, group in enumerate(groups):
            group_where = f"{where}.facets.{facet}[{index}]"
            if not isinstance(group, Mapping) or not isinstance(group.get("metrics"), list):
                raise ClarifyResultError(f"{group_where}: expected an object with a 'metrics' list")
            metrics = tuple(
                _parse_metric(metric, f"{group_where}.metrics[{i}]")
                for i, metric in enumerate(group["metrics"])
            )
            parsed.append(FacetGroup(_text(group.get("value_or_threshold")), metrics))
        facets[str(facet)] = tuple(parsed)
    return BiasSection(
        label=_optional_text(section.get("label")),
        label_value_or_threshold=_optional_text(section.get("label_value_or_threshold")),
        facets=facets,
    )


def _parse_metric(metric: Any, where: str) -> MetricEntry:
    if not isinstance(metric, Mapping) or not isinstance(metric.get("name"), str):
        raise ClarifyResultError(f"{where}: expected an object with a string 'name'")
    value = parse_number(metric.get("value"), f"{where}.value")
    error = metric.get("error")
    return MetricEntry(
        name=metric["name"],
        value=value,
        error=None if error is None else str(error),
        description=str(metric.get("description") or _DESCRIPTIONS.get(metric["name"], "")),
    )


def _parse_kernel_shap(kernel_shap: Any) -> dict[str, ShapSummary]:
    if kernel_shap is None:
        return {}
    if not isinstance(kernel_shap, Mapping):
        raise ClarifyResultError("explanations.kernel_shap: expected an object keyed by target name")
    summaries = {}
    for target, body in kernel_shap.items():
        where = f"explanations.kernel_shap.{target}"
        if not isinstance(body, Mapping) or not isinstance(body.get("global_shap_values", {}), Mapping):
            raise ClarifyResultError(f"{where}: expected an object with 'global_shap_values'")
        values = {
            str(feature): _required_number(v, f"{where}.global_shap_values.{feature}")
            for feature, v in (body.get("global_shap_values") or {}).items()
        }
        text = body.get("global_top_shap_text")
        top_text = (
            None
            if text is None
            else {str(unit): _required_number(v, f"{where}.global_top_shap_text") for unit, v in text.items()}
        )
        summaries[str(target)] = ShapSummary(
            global_shap_values=values,
            expected_value=parse_number(body.get("expected_value"), f"{where}.expected_value"),
            global_top_shap_text=top_text,
        )
    return summaries


def _parse_pdp(pdp: Any) -> tuple[PdpSummary, ...]:
    if pdp is None:
        return ()
    if not isinstance(pdp, list):
        raise ClarifyResultError("explanations.pdp: expected a list")
    entries = []
    for index, item in enumerate(pdp):
        where = f"explanations.pdp[{index}]"
        if not isinstance(item, Mapping) or "feature_name" not in item:
            raise ClarifyResultError(f"{where}: expected an object with 'feature_name'")
        values = item.get("feature_values") or []
        numbers = [parse_number(v, where) for v in values if _is_number(v)]
        numeric = item.get("data_type") == "numerical" and len(numbers) == len(values) and values
        predictions = [
            number
            for number in (
                parse_number(v, where) for v in _flatten(item.get("model_predictions") or []) if _is_number(v)
            )
            if number is not None
        ]
        entries.append(
            PdpSummary(
                feature_name=str(item["feature_name"]),
                data_type=_optional_text(item.get("data_type")),
                label_headers=tuple(str(h) for h in item.get("label_headers") or ()),
                num_values=len(values),
                value_min=min(numbers) if numeric else None,
                value_max=max(numbers) if numeric else None,
                categories=() if numeric else tuple(str(v) for v in values[:XCOM_MAX_CATEGORIES]),
                prediction_min=min(predictions) if predictions else None,
                prediction_max=max(predictions) if predictions else None,
                error=_optional_text(item.get("error")),
            )
        )
    return tuple(entries)


def _output_files(
    given: Mapping[str, str] | Iterable[str] | None, output_uri: str | None, local_dir: Path | None
) -> dict[str, str]:
    if isinstance(given, Mapping):
        return {str(name): str(uri) for name, uri in given.items()}
    if given is not None:
        names = [str(name) for name in given]
        return {name: _join(output_uri, name) if output_uri and "://" not in name else name for name in names}
    if local_dir is None:
        return {}
    found = {}
    for path in sorted(local_dir.rglob("*")):
        relative = path.relative_to(local_dir).as_posix()
        if path.is_file() and not relative.startswith(".") and "/." not in relative:
            found[relative] = _join(output_uri, relative) if output_uri else str(path)
    return found


def _join(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _required_number(value: Any, where: str) -> float:
    number = parse_number(value, where)
    return math.nan if number is None else number


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or value in (
        "Infinity",
        "-Infinity",
    )


def _flatten(values: Any) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        else:
            yield value


def normalise_stage(stage: str | None) -> str | None:
    """``"pre_training"`` / ``"post_training"`` from the spellings users write (``"Post-Training"``, the section key)."""
    if stage is None:
        return None
    key = stage.strip().lower().replace("-", "_").replace(" ", "_")
    key = key.removesuffix("_bias_metrics").removesuffix("_bias")
    if key not in STAGES:
        raise ClarifyResultError(f"unknown stage {stage!r}; use one of {list(STAGES)}")
    return key


def facet_value_text(value: Any) -> str:
    """A facet value as analysis.json writes it: a list of values joined by commas, anything else as text."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _same_facet_value(recorded: str, wanted: str) -> bool:
    """Exact string match, or the same number (``1`` matches ``"1.0"``) for numeric facet values."""
    if recorded == wanted:
        return True
    try:
        return float(recorded) == float(wanted)
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------------------------
# XCom forms


def _bias_section_to_xcom(section: BiasSection) -> dict[str, Any]:
    return {
        "label": section.label,
        "label_value": section.label_value_or_threshold,
        "facets": {
            facet: [
                {"value": group.value_or_threshold, "metrics": [_metric_to_xcom(m) for m in group.metrics]}
                for group in groups
            ]
            for facet, groups in section.facets.items()
        },
    }


def _metric_to_xcom(metric: MetricEntry) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": metric.name, "value": encode_number(metric.value)}
    if metric.error is not None:
        entry["error"] = metric.error
    if metric.description != _DESCRIPTIONS.get(metric.name, ""):
        entry["description"] = metric.description
    return entry


def _bias_section_from_xcom(section: Mapping[str, Any]) -> BiasSection:
    return BiasSection(
        label=section.get("label"),
        label_value_or_threshold=section.get("label_value"),
        facets={
            facet: tuple(
                FacetGroup(
                    group["value"],
                    tuple(
                        MetricEntry(
                            name=m["name"],
                            value=parse_number(m.get("value"), f"bias.{facet}.{m['name']}"),
                            error=m.get("error"),
                            description=m.get("description", _DESCRIPTIONS.get(m["name"], "")),
                        )
                        for m in group["metrics"]
                    ),
                )
                for group in groups
            )
            for facet, groups in section["facets"].items()
        },
    )


def _top_by_magnitude(values: Mapping[str, float], limit: int) -> dict[str, float]:
    if len(values) <= limit:
        return dict(values)
    keep = set(
        sorted(values, key=lambda name: -abs(values[name]) if not math.isnan(values[name]) else 0)[:limit]
    )
    return {name: value for name, value in values.items() if name in keep}


def _shap_to_xcom(summary: ShapSummary) -> dict[str, Any]:
    kept = _top_by_magnitude(summary.global_shap_values, XCOM_MAX_SHAP_FEATURES)
    body: dict[str, Any] = {
        "expected_value": encode_number(summary.expected_value),
        "global_shap_values": {name: encode_number(value) for name, value in kept.items()},
    }
    truncated = summary.shap_truncated + len(summary.global_shap_values) - len(kept)
    if truncated:
        body["shap_truncated"] = truncated
    if summary.global_top_shap_text is not None:
        top = _top_by_magnitude(summary.global_top_shap_text, XCOM_MAX_TOP_TEXT)
        body["global_top_shap_text"] = {unit: encode_number(value) for unit, value in top.items()}
    return body


def _shap_from_xcom(body: Mapping[str, Any], target: str) -> ShapSummary:
    where = f"shap.{target}"
    text = body.get("global_top_shap_text")
    return ShapSummary(
        global_shap_values={
            name: _required_number(value, where) for name, value in body["global_shap_values"].items()
        },
        expected_value=parse_number(body.get("expected_value"), where),
        global_top_shap_text=None
        if text is None
        else {u: _required_number(v, where) for u, v in text.items()},
        shap_truncated=int(body.get("shap_truncated", 0)),
    )


def _pdp_to_xcom(entry: PdpSummary) -> dict[str, Any]:
    body: dict[str, Any] = {"feature_name": entry.feature_name, "data_type": entry.data_type}
    if entry.error is not None:
        body["error"] = entry.error
        return body
    body.update(
        {
            "label_headers": list(entry.label_headers),
            "num_values": entry.num_values,
            "prediction_min": encode_number(entry.prediction_min),
            "prediction_max": encode_number(entry.prediction_max),
        }
    )
    if entry.value_min is not None:
        body["value_min"] = encode_number(entry.value_min)
        body["value_max"] = encode_number(entry.value_max)
    else:
        body["categories"] = list(entry.categories)
    return body


def _pdp_from_xcom(body: Mapping[str, Any]) -> PdpSummary:
    where = f"pdp.{body['feature_name']}"
    return PdpSummary(
        feature_name=body["feature_name"],
        data_type=body.get("data_type"),
        label_headers=tuple(body.get("label_headers") or ()),
        num_values=int(body.get("num_values", 0)),
        value_min=parse_number(body.get("value_min"), where),
        value_max=parse_number(body.get("value_max"), where),
        categories=tuple(body.get("categories") or ()),
        prediction_min=parse_number(body.get("prediction_min"), where),
        prediction_max=parse_number(body.get("prediction_max"), where),
        error=body.get("error"),
    )
