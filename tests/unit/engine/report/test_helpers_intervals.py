"""Report helpers for confidence intervals (whiskers, brackets) and segments (tables per segment): read the
numbers back from the drawn figures and tables."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from airflow_provider_clarify.engine.report import helpers
from airflow_provider_clarify.engine.report.writer import write_report

STAGE = "post_training_bias_metrics"


def analysis_with_intervals() -> dict:
    return {
        "version": "1.0",
        STAGE: {
            "label": "y",
            "label_value_or_threshold": "1",
            "confidence_interval_settings": {
                "level": 0.9,
                "replicates": 2000,
                "method": "percentile",
                "seed": 7,
            },
            "facets": {
                "sex": [
                    {
                        "value_or_threshold": "F",
                        "metrics": [
                            {"name": "DI", "value": 0.7333, "confidence_interval": [0.55, 0.909]},
                            {"name": "DPPL", "value": 0.12, "confidence_interval": [-0.02, 0.25]},
                            {"name": "TE", "value": 2.0, "confidence_interval": [0.5, "Infinity"]},
                            {
                                "name": "AD",
                                "value": None,
                                "error": "Facet set is empty",
                                "confidence_interval": [None, None],
                            },
                        ],
                    }
                ]
            },
        },
    }


def whiskers(axes) -> list[tuple[float, float, float]]:
    """(y, x_low, x_high) of every horizontal whisker (``hlines``) on the axes."""
    found = []
    for collection in axes.collections:
        for segment in collection.get_segments():
            (x0, y0), (x1, y1) = segment
            if y0 == y1 and x0 != x1:
                found.append((y0, min(x0, x1), max(x0, x1)))
    return sorted(found)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ([0.5, 0.9], (0.5, 0.9)),
        (["-Infinity", 1.0], (-math.inf, 1.0)),
        ([None, None], None),
        (None, None),
        ([1.0], None),
    ],
)
def test_metric_interval_reads_the_pair(pair, expected):
    assert helpers.metric_interval({"confidence_interval": pair}) == expected


def test_table_cells_show_the_interval_in_brackets():
    cell = helpers.metric_cell({"name": "DI", "value": 0.7333, "confidence_interval": [0.55, "Infinity"]})
    assert cell.text == "0.7333 [0.5500, ∞]"
    assert helpers.metric_cell({"name": "DI", "value": 0.7333}).text == "0.7333"


def test_bias_chart_draws_each_whisker_in_its_metrics_own_units():
    chart = helpers.bias_metric_chart(analysis_with_intervals(), STAGE, "sex")
    figure = chart.figure()
    panels = {a.get_title(loc="left").split()[0]: a for a in figure.axes if a.get_title(loc="left")}
    # DI's interval [0.55, 0.909] is drawn where DI's values are (its bars start at 1); DPPL's [-0.02, 0.25] as is;
    # TE's +∞ end goes to the edge of TE's panel with an arrow head; AD failed and has no whisker.
    assert [(round(lo, 6), round(hi, 6)) for _, lo, hi in whiskers(panels["DI"])] == [(0.55, 0.909)]
    assert [(round(lo, 6), round(hi, 6)) for _, lo, hi in whiskers(panels["DPPL"])] == [(-0.02, 0.25)]
    ((_, low, high),) = whiskers(panels["TE"])
    right_edge = panels["TE"].get_xlim()[1]
    assert low == 0.5 and 0.95 * right_edge < high < right_edge
    arrow_heads = [line for line in panels["TE"].lines if line.get_marker() == ">"]
    assert [line.get_xdata()[0] for line in arrow_heads] == [high]
    assert whiskers(panels["AD"]) == []
    legend = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    assert "90 % confidence interval" in legend
    assert all(np.isfinite(axes.get_xlim()).all() for axes in panels.values())


def test_an_analysis_without_intervals_draws_no_whisker():
    analysis = analysis_with_intervals()
    for metric in analysis[STAGE]["facets"]["sex"][0]["metrics"]:
        metric.pop("confidence_interval")
    figure = helpers.bias_metric_chart(analysis, STAGE, "sex").figure()
    assert all(whiskers(axes) == [] for axes in figure.axes)
    assert not [t for legend in figure.legends for t in legend.get_texts() if "confidence" in t.get_text()]


def segments_document() -> dict:
    def section(di: float) -> dict:
        return {
            "label": "y",
            "facets": {"sex": [{"value_or_threshold": "F", "metrics": [{"name": "DI", "value": di}]}]},
        }

    return {
        "version": "1.0",
        "segment_configs": [
            {
                "config_name": "ages",
                "name_or_index": "age",
                "column": "age",
                "segments": [
                    {
                        "name": "young",
                        "values": ["[0, 30)"],
                        "is_default": False,
                        STAGE: section(0.5),
                        "explanations": {
                            "kernel_shap": {
                                "y": {
                                    "global_shap_values": {"a": 0.1, "b": -0.3},
                                    "global_shap_confidence_intervals": {"a": [0.05, 0.2]},
                                }
                            }
                        },
                    },
                    {
                        "name": "__default__",
                        "values": [],
                        "is_default": True,
                        STAGE: section(0.9),
                        "explanations": {"error": "no explained record belongs to this segment"},
                    },
                ],
            }
        ],
    }


def test_segment_table_has_a_column_per_segment():
    table = helpers.segment_metric_table(segments_document(), 0, STAGE, "sex")
    assert table.columns == ["Metric", "young", "__default__"]
    assert [[cell.text for cell in row] for row in table.rows] == [["DI", "0.5000", "0.9000"]]
    assert "ages" in table.title and "column age" in table.caption


def test_segment_shap_table_orders_features_by_their_largest_value():
    assert helpers.segment_has_shap(segments_document(), 0) == ["y"]
    table = helpers.segment_shap_table(segments_document(), 0, "y")
    assert table.columns == ["Feature", "young", "__default__"]
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["b", "-0.3000", "n/a"],
        ["a", "0.1000 [0.0500, 0.2000]", "n/a"],
    ]


def test_the_report_has_a_segments_section_that_rereads_its_file(tmp_path):
    analysis = analysis_with_intervals()
    (tmp_path / "analysis.json").write_text(json.dumps(analysis))
    paths = write_report(tmp_path, analysis, segments=segments_document())
    notebook = json.loads(paths[0].read_text())
    sections = [cell["metadata"].get("clarify_section") for cell in notebook["cells"]]
    assert "Segments" in sections
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    assert any("segments_path = 'segments/analysis_segments.json'" in source for source in sources)
    tables = [
        "".join(output["data"]["text/html"])
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "segment_metric_table" in "".join(cell["source"])
    ]
    assert len(tables) == 1 and "young" in tables[0] and "0.9000" in tables[0]
    html = paths[1].read_text()
    assert "0.7333 [0.5500, 0.9090]" in html


def test_without_segments_the_notebook_has_no_segments_parameter(tmp_path):
    analysis = analysis_with_intervals()
    paths = write_report(tmp_path, analysis)
    sources = "".join("".join(cell["source"]) for cell in json.loads(paths[0].read_text())["cells"])
    assert "segments_path" not in sources
