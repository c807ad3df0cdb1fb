"""The report's newer sections, read back from their tables and charts: model performance from counts (values by
hand), run context, gate verdict, time series; and a clean HTML without notebook wording."""

from __future__ import annotations

import html
import json
import math
import re

import pytest

from airflow_provider_clarify.engine.report import helpers, write_report
from airflow_provider_clarify.engine.report.context import run_context_table
from airflow_provider_clarify.engine.report.performance import (
    confusion_matrix_chart,
    confusion_matrix_table,
    group_performance_table,
    group_rates_table,
    performance_table,
)
from airflow_provider_clarify.engine.report.series import (
    series_attribution_chart,
    series_item_table,
    series_top_table,
)
from airflow_provider_clarify.engine.report.verdict import gate_verdict_table, load_violations
from tests.unit.engine.report import sample_analyses as samples


def side(tp: int, fp: int, fn: int, tn: int) -> dict:
    return {
        "rows": tp + fp + fn + tn,
        "label_positive": tp + fn,
        "rows_with_prediction": tp + fp + fn + tn,
        "predicted_positive": tp + fp,
        "true_positive": tp,
        "false_positive": fp,
        "false_negative": fn,
        "true_negative": tn,
    }


def report_data() -> dict:
    return {
        "run": {
            "dataset": "s3://bucket/data.csv",
            "dataset_type": "text/csv",
            "rows": 12345,
            "label": "Target",
            "positive_outcome": ">50K",
            "predictions": "column 'prediction' of the dataset",
            "methods": ["post_training_bias"],
            "engine": "local engine (airflow-provider-clarify)",
            "engine_version": "9.9.9",
        },
        "performance": {
            "label": "Target",
            "label_value_or_threshold": ">50K",
            "predictions": True,
            "overall": side(3, 1, 2, 4),
            "groups": [
                {
                    "facet": "Race",
                    "value_or_threshold": "Black",
                    "d": side(1, 0, 1, 2),
                    "a": side(2, 1, 1, 2),
                },
                {
                    "facet": "Race",
                    "value_or_threshold": "White",
                    "d": side(0, 0, 0, 3),
                    "a": side(3, 1, 2, 1),
                },
            ],
        },
    }


def texts(table) -> dict[str, list[str]]:
    return {row[0].text: [cell.text for cell in row[1:]] for row in table.rows}


def test_performance_measures_are_ratios_of_the_counts():
    rows = texts(performance_table(report_data()))
    # TP 3, FP 1, FN 2, TN 4 (10 rows)
    expected = {
        "Accuracy": 7 / 10,
        "Balanced accuracy": (3 / 5 + 4 / 5) / 2,
        "Precision": 3 / 4,
        "Recall (true positive rate)": 3 / 5,
        "Specificity (true negative rate)": 4 / 5,
        "F1 score": 6 / 9,
        "False positive rate": 1 / 5,
        "False negative rate": 2 / 5,
        "Positive labels": 5 / 10,
        "Positive predictions": 4 / 10,
    }
    assert {name: float(values[0]) for name, values in rows.items()} == pytest.approx(expected, abs=5e-5)


def test_confusion_matrix_table_and_chart_show_the_counts():
    rows = texts(confusion_matrix_table(report_data()))
    assert rows["Label positive"] == ["3 (30.0 %)", "2 (20.0 %)", "5 (50.0 %)"]
    assert rows["Label negative"] == ["1 (10.0 %)", "4 (40.0 %)", "5 (50.0 %)"]
    assert rows["All rows"] == ["4 (40.0 %)", "6 (60.0 %)", "10 (100.0 %)"]
    axes = confusion_matrix_chart(report_data()).figure().axes[0]
    assert [t.get_text().split("\n")[:2] for t in axes.texts] == [
        ["TP", "3"],
        ["FN", "2"],
        ["FP", "1"],
        ["TN", "4"],
    ]


def test_group_tables_show_rates_and_measures_of_d_and_of_the_rest():
    rates = texts(group_rates_table(report_data()))
    # Black: d has 4 rows, 2 positive labels, 1 positive prediction; a has 6 rows, 3 and 3
    assert rates["Race = Black"] == ["4", "50.0 % (2)", "25.0 % (1)", "6", "50.0 % (3)", "50.0 % (3)"]
    measures = texts(group_performance_table(report_data()))
    # White d: TN only -> accuracy 1, precision and recall n/a (nothing to divide by), specificity 1
    assert measures["Race = White"][:2] == ["1.0000", f"{4 / 7:.4f}"]
    assert measures["Race = White"][2] == "n/a" and measures["Race = White"][4] == "n/a"
    assert measures["Race = White"][6] == "1.0000"


def test_pre_training_only_rates_have_no_prediction_columns():
    data = report_data()
    data["performance"]["predictions"] = False
    for group in data["performance"]["groups"]:
        for key in ("d", "a"):
            group[key] = {"rows": group[key]["rows"], "label_positive": group[key]["label_positive"]}
    table = group_rates_table(data)
    assert table.columns == [
        "Facet group (d)",
        "Rows in d",
        "Positive labels in d",
        "Rows in the rest (a)",
        "Positive labels in a",
    ]


def test_run_context_lists_the_facts_in_order():
    rows = texts(run_context_table(report_data()))
    assert list(rows)[:3] == ["Dataset", "Dataset type", "Rows read"]
    assert rows["Rows read"] == ["12,345"]
    assert rows["Positive outcome (label value or threshold)"] == [">50K"]
    assert rows["Predicted labels from"] == ["column 'prediction' of the dataset"]
    assert rows["Engine version"] == ["9.9.9"]


def test_gate_verdict_lists_violations_or_says_passed(tmp_path):
    assert load_violations(tmp_path / "constraint_violations.json") is None
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(ValueError, match=r"not a constraint_violations\.json document"):
        load_violations(tmp_path / "bad.json")
    failed = gate_verdict_table(
        {
            "version": "1.0",
            "violations": [
                {
                    "facet": "Race",
                    "facet_value": "Black",
                    "metric_name": "DI",
                    "constraint_check_type": "bias_threshold_check",
                    "description": "Value 0.4321 does not meet the constraint requirement [0.8, 1.25]",
                },
                {
                    "label": "label0",
                    "metric_name": "shap",
                    "constraint_check_type": "feature_attribution_drift_check",
                    "description": "Feature attribution drift 0.76 exceeds threshold 0.9",
                },
            ],
        }
    )
    assert failed.title == "Gate verdict: failed, 2 violation(s)"
    assert [[c.text for c in row] for row in failed.rows] == [
        [
            "threshold",
            "DI",
            "Race",
            "Black",
            "Value 0.4321 does not meet the constraint requirement [0.8, 1.25]",
        ],
        ["SHAP drift", "shap [label0]", "", "", "Feature attribution drift 0.76 exceeds threshold 0.9"],
    ]
    passed = gate_verdict_table({"version": "1.0", "violations": []})
    assert passed.title == "Gate verdict: passed" and passed.rows == []


def series_data(fine: bool) -> dict:
    if fine:
        explanations = [
            {"feature_name": "sales", "timestamp": "2024-01-01", "scores": [1.0, 3.0]},
            {"feature_name": "sales", "timestamp": "2024-01-02", "scores": [-2.0, 0.0]},
            {"feature_name": "price", "timestamp": "2024-01-01", "scores": [0.5, 0.5]},
            {"feature_name": "price", "timestamp": "2024-01-02", "scores": [0.0, -1.0]},
            {"feature_name": "store_size", "scores": [0.25, 0.75]},
        ]
        summary = {
            "items": 7,
            "horizon": 2,
            "direction": "chronological",
            "granularity": "fine_grained",
            "top_features": [{"feature_name": "sales", "mean_abs_score": 3.0}],
        }
    else:
        explanations = [
            {"timestamp": "2024-01-01", "scores": [1.0, 3.0]},
            {"timestamp": "2024-01-02", "scores": [-2.0, 0.0]},
        ]
        summary = {
            "items": 7,
            "horizon": 2,
            "direction": "chronological",
            "granularity": "timewise",
            "top_time_steps": [{"timestamp": "2024-01-01", "mean_abs_score": 2.0}],
        }
    item = {"item_id": "store-1", "offset": [10.0, 11.0], "explanations": explanations}
    return {
        "time_series": {
            "results_path": "asymmetric_shapley_value/x/out.jsonl",
            "summary": summary,
            "items": [item],
        }
    }


def test_timewise_heat_map_rows_are_horizon_steps_over_time():
    axes = series_attribution_chart(series_data(False), 0).figure().axes[0]
    (image,) = axes.get_images()
    assert image.get_array().tolist() == [[1.0, -2.0], [3.0, 0.0]]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["forecast step 1", "forecast step 2"]
    assert image.get_clim() == (-3.0, 3.0)  # centred on zero: white is "no effect"
    assert texts(series_top_table(series_data(False)))["2024-01-01"] == ["2.0000"]


def test_fine_grained_heat_map_rows_are_series_with_horizon_mean_scores():
    data = series_data(True)
    axes = series_attribution_chart(data, 0).figure().axes[0]
    assert axes.get_images()[0].get_array().tolist() == [[2.0, -1.0], [0.5, -0.5]]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["sales", "price"]
    rows = texts(series_item_table(data, 0))
    assert rows["offset (forecast at the baseline)"] == ["10.0000", "11.0000"]
    assert rows["static covariate store_size"] == ["0.2500", "0.7500"]
    assert "7 item(s), forecast horizon 2" in series_top_table(data).caption


# ------------------------------------------------------------------------------------------ the rendered report
NOTEBOOK_WORDING = re.compile(r"re-?run|\bcells?\b|notebook|jupyter", re.IGNORECASE)


def visible_text(page: str) -> str:
    """The text a reader sees: tags, styles and attributes removed."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_report_with_every_new_section_and_clean_wording(tmp_path):
    violations = {
        "version": "1.0",
        "violations": [
            {
                "facet": "Race",
                "facet_value": "Black",
                "metric_name": "DI",
                "constraint_check_type": "bias_threshold_check",
                "description": "Value 0.4321 does not meet the constraint requirement [0.8, 1.25]",
            }
        ],
    }
    data = {**report_data(), **series_data(False)}
    paths = write_report(
        tmp_path, samples.bias_only(), report_data=data, violations=violations, title="Audit"
    )
    page = paths[1].read_text(encoding="utf-8")
    text = visible_text(page)
    for heading in (
        "Run context",
        "Gate verdict",
        "Bias analysis",
        "Model performance",
        "Time-series explanations",
    ):
        assert f">{heading}" in page
    assert "Gate verdict: failed, 1 violation(s)" in text
    assert '<td class="clarify-violation">0.4321 ✗ gate</td>' in page
    assert "3 (30.0 %)" in text and "Accuracy" in text
    assert not NOTEBOOK_WORDING.findall(text), NOTEBOOK_WORDING.findall(text)
    assert '<td class="clarify-value">0.7000</td>' in page  # accuracy 7 / 10
    # the stored analysis.json copy is what the cells read; the violations file of the worker's folder is not
    notebook = json.loads(paths[0].read_text())
    params = "".join(
        next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))["source"]
    )
    assert "report_data = {" in params and "'rows': 12345" in params
    assert math.isclose(helpers.metric_number("Infinity"), math.inf)


def test_the_verdict_comes_only_from_the_document_given(tmp_path, monkeypatch):
    """A constraint_violations.json in the worker's current folder is never read by the engine's rendering."""
    (tmp_path / "cwd").mkdir()
    (tmp_path / "cwd" / "constraint_violations.json").write_text(
        json.dumps(
            {
                "version": "1.0",
                "violations": [
                    {
                        "facet": "Race",
                        "facet_value": "Black",
                        "metric_name": "DI",
                        "constraint_check_type": "bias_threshold_check",
                        "description": "stale",
                    }
                ],
            }
        )
    )
    monkeypatch.chdir(tmp_path / "cwd")
    (tmp_path / "out").mkdir()
    page = write_report(tmp_path / "out", samples.bias_only())[1].read_text()
    assert "Gate verdict" not in page and '<td class="clarify-violation"' not in page and "stale" not in page


def test_bad_report_data_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(TypeError, match="report_data must be a JSON object"):
        write_report(tmp_path, samples.bias_only(), report_data=["run"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="violations must be a JSON object"):
        write_report(tmp_path, samples.bias_only(), violations="[]")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
