"""The chart and table helpers draw what analysis.json says: read the numbers back from the figures."""

from __future__ import annotations

import math

import pytest
from matplotlib.patches import Rectangle

from airflow_provider_clarify.engine.report import helpers
from tests.unit.engine.report import sample_analyses as samples


def _bars(axes) -> list[Rectangle]:
    return [patch for patch in axes.patches if isinstance(patch, Rectangle)]


@pytest.mark.parametrize(
    ("raw", "number"),
    [("Infinity", math.inf), ("-Infinity", -math.inf), (0.25, 0.25), (0, 0.0), (None, None), (True, None)],
)
def test_metric_number_reads_analysis_json_values(raw, number):
    assert helpers.metric_number(raw) == number


def test_metric_number_maps_nan_to_none():
    assert helpers.metric_number(math.nan) is None


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (math.inf, "∞"),
        (-math.inf, "−∞"),
        (0.174539, "0.1745"),
        (-0.0621, "-0.0621"),
        (0.0, "0.0000"),
        (0.00001234, "1.234e-05"),
        (123456.0, "1.235e+05"),
    ],
)
def test_format_number(number, text):
    assert helpers.format_number(number) == text


def test_metric_cell_prefers_the_error_over_the_value():
    cell = helpers.metric_cell({"name": "TE", "value": None, "error": "Facet set is empty."})
    assert (cell.text, cell.kind) == ("Error: Facet set is empty.", "error")
    assert helpers.metric_cell({"name": "CI", "value": None}).kind == "missing"


def test_bias_table_has_a_row_per_metric_and_a_column_per_group():
    table = helpers.bias_metric_table(samples.bias_only(), "post_training_bias_metrics", "Race")
    assert table.columns == ["Metric", "Description", "Race = Black", "Race = White"]
    rows = {row[0].text: [cell.text for cell in row[1:]] for row in table.rows}
    assert list(rows) == ["AD", "DCA", "DI", "DPPL", "TE"]
    assert rows["DCA"] == ["Difference in Conditional Acceptance (DCA)", "∞", "0.0123"]
    assert rows["TE"] == ["Treatment Equality (TE)", "−∞", "Error: Facet set is empty. Cannot compute TE."]


def _panels(chart) -> dict[str, object]:
    """The chart's metric panels by metric name (the first word of each panel's title)."""
    return {
        axes.get_title(loc="left").split()[0]: axes
        for axes in chart.figure().axes
        if axes.get_title(loc="left")
    }


def test_bias_chart_gives_every_metric_its_own_panel_and_scale():
    chart = helpers.bias_metric_chart(samples.bias_only(), "post_training_bias_metrics", "Race")
    panels = _panels(chart)
    assert list(panels) == ["AD", "DCA", "DI", "DPPL", "TE"]
    assert panels["DI"].get_title(loc="left") == "DI (ratio; parity at 1, bars start there)"
    assert panels["AD"].get_title(loc="left") == "AD (parity at 0)"
    # each bar runs from its metric's parity to its value: DI 0.4321 and 1.7312 start at 1, the others at 0
    drawn = {
        name: sorted(
            (round(b.get_x(), 4), round(b.get_x() + b.get_width(), 4))
            for b in _bars(axes)
            if not b.get_hatch()
        )
        for name, axes in panels.items()
    }
    assert drawn["DI"] == [(1.0, 0.4321), (1.0, 1.7312)]
    assert drawn["AD"] == [(0.0, -0.0621), (0.0, 0.0402)]
    assert drawn["DPPL"] == [(0.0, -0.0897), (0.0, 0.1517)]
    assert drawn["DCA"] == [(0.0, 0.0123)]
    # every value lies inside its own panel, and no panel is stretched by another metric's range
    for name, axes in panels.items():
        low, high = axes.get_xlim()
        for start, end in drawn[name]:
            assert low < end < high and low <= start <= high
    assert panels["DPPL"].get_xlim()[1] - panels["DPPL"].get_xlim()[0] < 0.5
    assert panels["DI"].get_xlim()[0] < 0.4321 and panels["DI"].get_xlim()[1] > 1.7312
    # infinities: hatched bars to the panel's edge; a failed metric says "error"
    hatched = {name: [b for b in _bars(axes) if b.get_hatch()] for name, axes in panels.items()}
    assert len(hatched["DCA"]) == 1 and len(hatched["TE"]) == 1
    dca = hatched["DCA"][0]
    assert dca.get_x() == 0 and dca.get_x() + dca.get_width() > 0.8 * panels["DCA"].get_xlim()[1]
    te = hatched["TE"][0]
    assert te.get_x() + te.get_width() < 0.8 * panels["TE"].get_xlim()[0]
    assert "∞" in [t.get_text() for t in panels["DCA"].texts]
    assert "−∞" in [t.get_text() for t in panels["TE"].texts]
    assert [t.get_text() for t in panels["TE"].texts].count(" error") == 1  # TE for White


def test_a_gate_violation_is_marked_in_the_table_and_the_chart():
    violations = {
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
                "facet": "Race",
                "facet_value": "White",
                "metric_name": "DI",
                "constraint_check_type": "bias_threshold_check",
                "description": "Segment ages/young: Value 0.5 does not meet the constraint requirement [0.8, 1.25]",
            },
        ],
    }
    analysis = samples.bias_only()
    table = helpers.bias_metric_table(analysis, "post_training_bias_metrics", "Race", violations)
    di = next(row for row in table.rows if row[0].text == "DI")
    assert (di[2].text, di[2].kind) == ("0.4321 ✗ gate", "violation")
    assert (di[3].text, di[3].kind) == (
        "1.7312",
        "value",
    )  # a segment's violation leaves the whole-data cell alone
    assert "outside the band of the gate" in table.caption
    assert "violation" not in {
        c.kind
        for row in helpers.bias_metric_table(analysis, "post_training_bias_metrics", "Race").rows
        for c in row
    }
    panels = _panels(
        helpers.bias_metric_chart(analysis, "post_training_bias_metrics", "Race", violations=violations)
    )
    outlined = [b for b in _bars(panels["DI"]) if b.get_linewidth() == 2.0]
    assert [round(b.get_x() + b.get_width(), 4) for b in outlined] == [0.4321]
    assert all(b.get_linewidth() != 2.0 for name, axes in panels.items() if name != "DI" for b in _bars(axes))


def test_shap_chart_shows_the_ten_largest_by_magnitude_largest_first():
    analysis = samples.shap_only()
    axes = helpers.shap_chart(analysis, "<=50K").figure().axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == [f"feature_{i:02d}" for i in range(10)]
    assert [round(b.get_width(), 5) for b in _bars(axes)] == [round(0.31 / (i + 1), 5) for i in range(10)]
    axes = helpers.shap_chart(analysis, ">50K").figure().axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["Age", "Education", "Capital Gain", "Hours"]
    assert any("0.2388" in t.get_text() for t in axes.texts)  # expected value


def test_text_shap_chart_ranks_text_units():
    axes = helpers.text_shap_chart(samples.nlp_only(), "positive").figure().axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == [
        "great",
        "terrible",
        "love",
        "refund",
        "slow",
        "ok",
    ]


def test_pdp_chart_plots_one_line_per_target_over_the_feature_values():
    analysis = samples.pdp_only()
    figure = helpers.pdp_chart(analysis, 0).figure()
    main = next(a for a in figure.axes if a.get_lines())
    (line,) = main.get_lines()
    assert list(line.get_xdata()) == [20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
    assert list(line.get_ydata()) == [0.08, 0.19, 0.31, 0.36, 0.33, 0.27]
    shares = next(a for a in figure.axes if a is not main)
    assert [round(b.get_height(), 2) for b in _bars(shares)] == [0.21, 0.27, 0.24, 0.16, 0.09, 0.03]

    figure = helpers.pdp_chart(analysis, 1).figure()
    main = next(a for a in figure.axes if a.get_lines())
    assert [line.get_label() for line in main.get_lines()] == ["<=50K", ">50K"]
    assert [list(line.get_ydata()) for line in main.get_lines()] == [[0.72, 0.61, 0.66], [0.28, 0.39, 0.34]]
    assert [t.get_text() for t in main.get_xticklabels()] == ["Private", "Self-emp", "Government"]


def test_pdp_error_table_lists_only_failed_features():
    table = helpers.pdp_error_table(samples.pdp_only())
    assert [[c.text for c in row] for row in table.rows] == [
        ["Comments", "free_text", "PDP is not supported for free_text features"]
    ]


def test_distribution_chart_counts_and_highlights_positive_label():
    analysis = samples.bias_only()
    axes = helpers.label_distribution_chart(samples.DISTRIBUTIONS, analysis).figure().axes[0]
    bars = _bars(axes)
    assert [b.get_height() for b in bars] == [24720, 7841]
    # >50K is the positive label value: drawn in the highlight colour
    assert bars[1].get_facecolor() != bars[0].get_facecolor()
    texts = [t.get_text() for t in axes.texts]
    assert "7,841\n24.1%" in texts


def test_png_output_is_a_png():
    assert helpers.shap_chart(samples.shap_only(), ">50K")._repr_png_().startswith(b"\x89PNG\r\n")
