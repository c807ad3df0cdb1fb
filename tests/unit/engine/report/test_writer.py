"""write_report end to end on hand-built analysis.json documents: files, content, atomicity, bad input."""

from __future__ import annotations

import ast
import html
import json
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.report import ReportError, write_report
from tests.unit.engine.report import sample_analyses as samples

DATA_IMAGE = re.compile(r'<img[^>]+src="data:image/png;base64,')


def _render(tmp_path: Path, analysis: dict, **kwargs) -> tuple[str, nbformat.NotebookNode, PdfReader]:
    paths = write_report(tmp_path, analysis, **kwargs)
    name = kwargs.get("name", "report")
    assert paths == [tmp_path / f"{name}.ipynb", tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths), "stray files left"
    page = paths[1].read_text(encoding="utf-8")
    notebook = nbformat.read(paths[0], as_version=4)
    return page, notebook, PdfReader(paths[2])


@dataclass
class Rendered:
    folder: Path
    page: str
    notebook: nbformat.NotebookNode
    reader: PdfReader


@pytest.fixture(scope="module")
def bias_render(tmp_path_factory) -> Rendered:
    folder = tmp_path_factory.mktemp("bias")
    return Rendered(folder, *_render(folder, samples.bias_only()))


@pytest.fixture(scope="module")
def combined_render(tmp_path_factory) -> Rendered:
    """One full report shared by the tests that only read it (rendering costs seconds on a busy machine)."""
    folder = tmp_path_factory.mktemp("combined")
    rendered = _render(
        folder,
        samples.combined(),
        name="credit_audit",
        title="Credit model audit",
        distributions=samples.DISTRIBUTIONS,
    )
    return Rendered(folder, *rendered)


def _pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _all_metrics(analysis: dict):
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for facet, groups in analysis.get(stage, {}).get("facets", {}).items():
            for group in groups:
                for metric in group["metrics"]:
                    yield stage, facet, group["value_or_threshold"], metric


# ------------------------------------------------------------------------------------------------------- bias
def test_bias_report_lists_every_metric_with_description_and_shows_errors_in_place(bias_render):
    analysis = samples.bias_only()
    page, reader = bias_render.page, bias_render.reader
    text = html.unescape(page)
    for _, _, _, metric in _all_metrics(analysis):
        assert f">{metric['name']}</td>" in page
        assert metric["description"] in text
        if metric.get("error"):
            assert f"Error: {metric['error']}" in text
    # the two failed metrics sit in error cells, not in value cells
    assert page.count('class="clarify-error"') == 2
    # "Infinity" / "-Infinity" strings are shown as infinities, not as "n/a" or a parse failure
    assert '<td class="clarify-value">∞</td>' in page
    assert '<td class="clarify-value">−∞</td>' in page
    assert "n/a" not in text
    # column headers name the facet group
    for header in ("Sex = Female", "Race = Black", "Race = White"):
        assert header in text
    pdf = _pdf_text(reader)
    for _, _, _, metric in _all_metrics(analysis):
        assert metric["name"] in pdf
    assert "Group variable is empty" in pdf


def test_bias_values_are_rounded_to_four_decimals_in_the_table(bias_render):
    page = bias_render.page
    # CI = 0.3328 (Sex = Female), DI = 1.7312 (Race = White), AD = -0.0621 (Race = Black)
    for shown in ("0.3328", "1.7312", "-0.0621"):
        assert f'<td class="clarify-value">{shown}</td>' in page


def test_distributions_add_one_chart_for_the_label_and_one_per_facet(tmp_path, bias_render):
    without = bias_render.page
    with_dist, notebook, _ = _render(tmp_path, samples.bias_only(), distributions=samples.DISTRIBUTIONS)
    # bias charts: one per facet per stage (Sex pre-training, Race post-training)
    assert len(DATA_IMAGE.findall(without)) == 2
    # + label + two facets
    assert len(DATA_IMAGE.findall(with_dist)) == 5
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert "label_distribution_chart(distributions, analysis)" in sources
    assert "facet_distribution_chart(distributions, 'Race', analysis)" in sources
    assert "Label distribution: Target" in with_dist
    assert "Facet distribution: Sex" in with_dist


# ------------------------------------------------------------------------------------------------------- SHAP
def test_shap_report_has_one_chart_per_target(tmp_path):
    page, notebook, reader = _render(tmp_path, samples.shap_only())
    assert len(DATA_IMAGE.findall(page)) == 2
    plain = [
        output["data"]["text/plain"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    assert "<Chart: Global SHAP values: <=50K (top 10 of 13 features)>" in plain
    assert "<Chart: Global SHAP values: >50K>" in plain
    assert "Feature attributions (SHAP)" in _pdf_text(reader)


def test_nlp_report_charts_top_text_units_and_feature_values(tmp_path):
    page, notebook, _ = _render(tmp_path, samples.nlp_only())
    assert len(DATA_IMAGE.findall(page)) == 2
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert "text_shap_chart(analysis, 'positive')" in sources
    assert "shap_chart(analysis, 'positive')" in sources


# -------------------------------------------------------------------------------------------------------- PDP
def test_pdp_report_has_a_chart_per_feature_and_the_error_table(tmp_path):
    page, _, reader = _render(tmp_path, samples.pdp_only())
    assert len(DATA_IMAGE.findall(page)) == 2  # Age and Workclass; Comments failed
    assert "Partial dependence: Age" in page
    assert "Partial dependence: Workclass" in page
    assert "PDP is not supported for free_text features" in page
    assert "free_text" in page
    assert "PDP is not supported" in _pdf_text(reader)


# --------------------------------------------------------------------------------------------- whole report
def test_combined_report_title_sections_and_pdf_pages(combined_render):
    page, notebook, reader = combined_render.page, combined_render.notebook, combined_render.reader
    assert "<title>Credit model audit</title>" in page
    assert ">Credit model audit" in page  # the h1
    assert notebook.metadata["title"] == "Credit model audit"
    # bias: 3 distributions + 2 metric charts; SHAP: 2; PDP: 2
    assert len(DATA_IMAGE.findall(page)) == 9
    pdf = _pdf_text(reader)
    sections = ["Bias analysis", "Feature attributions (SHAP)", "Partial dependence"]
    for section in sections:
        assert section in page
        assert section in pdf
    assert "Credit model audit" in pdf
    assert reader.metadata.title == "Credit model audit"
    assert len(reader.pages) >= len(sections) + 1  # title page + at least one page per section
    # every section starts on a page of its own: the first page mentioning each section heading differs
    first_pages = [
        next(i for i, p in enumerate(reader.pages) if i > 0 and (p.extract_text() or "").startswith(section))
        for section in sections
    ]
    assert len(set(first_pages)) == len(sections)
    # the title page's contents point at those pages (1-based)
    contents = reader.pages[0].extract_text()
    for section, index in zip(sections, first_pages, strict=True):
        assert f"{section} page {index + 1}" in contents


def test_html_is_self_contained(combined_render):
    page = combined_render.page
    assert not re.search(r"<script[^>]*\bsrc=", page), "external script"
    assert not re.search(r"<link[^>]*\bhref=", page), "linked stylesheet"
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", page), "remote resource"
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", page), "CSS fetching a remote resource"
    # the code cells are not shown to readers, the charts are
    assert "load_analysis(analysis_path)" not in page
    assert "<style" in page


def test_empty_analysis_still_renders_and_says_so(tmp_path):
    page, _, reader = _render(tmp_path, {"version": "1.0"})
    assert "holds no bias metrics and no explanations" in page
    assert len(DATA_IMAGE.findall(page)) == 0
    assert len(reader.pages) >= 1


def test_one_vs_rest_facet_with_many_groups_is_split_over_charts_and_pdf_pages(tmp_path):
    values = [f"group-{i}" for i in range(8)]
    groups = [
        {
            "value_or_threshold": value,
            "metrics": [
                {"name": "CI", "description": "Class Imbalance (CI)", "value": round(0.1 * i - 0.3, 4)},
                {
                    "name": "DPL",
                    "description": "Difference in Positive Proportions in Labels (DPL)",
                    "value": round(0.05 * i, 4),
                },
            ],
        }
        for i, value in enumerate(values)
    ]
    analysis = {
        "version": "1.0",
        "pre_training_bias_metrics": {
            "label": "y",
            "label_value_or_threshold": "1",
            "facets": {"Group": groups},
        },
    }
    page, _, reader = _render(tmp_path, analysis)
    assert len(DATA_IMAGE.findall(page)) == 2  # six groups per chart
    pdf = _pdf_text(reader)
    for value in values:
        assert f"Group = {value}" in page
        assert f"Group = {value}" in pdf


# ------------------------------------------------------------------------------------------------- notebook
def test_notebook_is_valid_executed_and_loads_analysis_json(combined_render):
    notebook = combined_render.notebook
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert (
        "\nanalysis_path = 'analysis.json'\nviolations_path = 'constraint_violations.json'\n"
        in code[1].source
    )
    assert (
        code[2].source
        == "analysis = load_analysis(analysis_path)\nviolations = load_violations(violations_path)"
    )
    assert "airflow_provider_clarify" not in code[0].source, "helper cell must not need this package"
    png_outputs = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(png_outputs) == 9


def test_notebook_reruns_next_to_analysis_json_without_the_report_writer(
    combined_render, tmp_path, monkeypatch
):
    """Run the stored code cells the plain way (exec in order, cwd = the output folder), like Jupyter would."""
    shutil.copy(combined_render.folder / "credit_audit.ipynb", tmp_path / "report.ipynb")
    (tmp_path / "analysis.json").write_text(json.dumps(samples.combined()), encoding="utf-8")
    notebook = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    images = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            exec(compile(ast.Module(tree.body[:-1], []), "cell", "exec"), namespace)
            value = eval(compile(ast.Expression(tree.body[-1].value), "cell", "eval"), namespace)
            if hasattr(value, "_repr_png_"):
                assert value._repr_png_().startswith(b"\x89PNG")
                images += 1
        else:
            exec(cell.source, namespace)
    assert images == 9


# ------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", ["../escape", "a/b", "a\\b", "", ".hidden", "line\nbreak", "trailing\n"])
def test_bad_report_name_is_rejected_before_writing(tmp_path, name):
    with pytest.raises(ReportError, match=r"methods\.report\.name"):
        write_report(tmp_path, samples.bias_only(), name=name)
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        write_report(tmp_path / "nope", samples.bias_only())


def test_nan_in_analysis_fails_cleanly_and_leaves_no_file(tmp_path):
    analysis = samples.bias_only()
    analysis["pre_training_bias_metrics"]["facets"]["Sex"][0]["metrics"][1]["value"] = math.nan
    with pytest.raises(ReportError, match="NaN"):
        write_report(tmp_path, analysis)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_drawing_names_the_cell_and_leaves_no_partial_files(tmp_path):
    (tmp_path / "analysis.json").write_text("{}", encoding="utf-8")
    analysis = samples.pdp_only()
    analysis["explanations"]["pdp"][0]["model_predictions"] = [["not a number"] * 6]
    with pytest.raises(ReportError, match=r"pdp_chart\(analysis, 0\)"):
        write_report(tmp_path, analysis)
    assert [p.name for p in tmp_path.iterdir()] == ["analysis.json"]


def test_distributions_of_the_wrong_type_are_rejected(tmp_path):
    with pytest.raises(TypeError, match="distributions"):
        write_report(tmp_path, samples.bias_only(), distributions=[("a", 1)])


def test_title_is_shown_as_text_never_as_markup(tmp_path):
    title = "<script>alert(1)</script> *Q3* [audit](x)"
    page, notebook, reader = _render(tmp_path, {"version": "1.0"}, title=title)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *Q3* [audit](x)" in page  # the h1, literally
    assert notebook.metadata["title"] == title
    assert title in reader.pages[0].extract_text()


def test_report_errors_are_engine_analysis_errors(tmp_path):
    """The engine turns AnalysisError into the job's failure reason; a report failure must be one."""
    with pytest.raises(AnalysisError) as caught:
        write_report(tmp_path, samples.bias_only(), name="a/b")
    assert "methods.report.name" in caught.value.reason
