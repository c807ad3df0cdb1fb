"""Draw the executed report notebook onto A4 landscape PDF pages with matplotlib's PdfPages.

Why matplotlib rather than HTML→PDF: it is already a dependency, needs no browser or LaTeX in the worker or the
processing container, and keeps charts as vector graphics. The pages draw the very objects the notebook cells
returned (charts and tables), in notebook order; every report section starts on a new page, and a section with
nothing to draw still gets a page with its heading and introduction.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, FigureBase
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Rectangle

from airflow_provider_clarify.engine.report.executor import ExecutionResult
from airflow_provider_clarify.engine.report.helpers import ERROR_COLOR, Chart, Table

Drawer = Callable[[FigureBase], None]
"""Draws one page's content into the area (a subfigure) it is given."""

PAGE_SIZE = (11.69, 8.27)  # A4 landscape, inches
MARGIN = 0.5
HEADER_HEIGHT = 1.05
FOOTER_HEIGHT = 0.35
TABLE_FONT = 9.5
LINE_HEIGHT_PT = TABLE_FONT * 1.45
CHAR_WIDTH_PT = TABLE_FONT * 0.55  # average width of a sans-serif character, a little generous
TEXT_COLOR = "#24292F"
MUTED = "#57606A"


@dataclass
class _Page:
    section: str
    subsection: str
    intro: str
    draw: Drawer


@dataclass
class _Section:
    name: str
    intro: str
    pages: list[_Page] = field(default_factory=list)


def _markdown_parts(source: str) -> tuple[int, str, str]:
    """Heading level, heading text and the remaining paragraph of a report markdown cell."""
    lines = source.strip().splitlines()
    if not lines or not lines[0].startswith("#"):
        return 0, "", source.strip()
    heading = lines[0]
    level = len(heading) - len(heading.lstrip("#"))
    return level, heading.lstrip("#").strip(), "\n".join(lines[1:]).strip().replace("`", "")


# The notebook's cells define their own copies of the helper classes (the helper source runs inside the
# notebook), so objects are recognised by shape, not by isinstance against this package's classes.
def _is_chart(value: object) -> bool:
    return callable(getattr(value, "figure", None)) and callable(getattr(value, "_repr_png_", None))


def _is_table(value: object) -> bool:
    return isinstance(getattr(value, "columns", None), list) and isinstance(
        getattr(value, "rows", None), list
    )


def _collect(result: ExecutionResult, title: str) -> tuple[str, list[_Section]]:
    title_note = ""
    sections: list[_Section] = []
    subsection = ""
    for executed in result.cells:
        cell = executed.cell
        if cell.cell_type == "markdown":
            level, heading, text = _markdown_parts(cell.source)
            if level == 1:
                title_note = text
            elif level == 2:
                sections.append(_Section(heading, text))
                subsection = ""
            elif level >= 3:
                subsection = heading
            elif text and not sections:
                sections.append(_Section("Summary", text))
            continue
        value = executed.value
        if not sections or not (_is_chart(value) or _is_table(value)):
            continue
        section = sections[-1]
        if _is_chart(value):
            section.pages.append(_Page(section.name, subsection, "", _chart_drawer(value)))
        else:
            for chunk in _table_pages(value):
                section.pages.append(_Page(section.name, subsection, "", chunk))
    for section in sections:
        if not section.pages:
            section.pages.append(_Page(section.name, "", "", lambda area: None))
        section.pages[0].intro = section.intro
    return title_note, sections


def write_pdf(result: ExecutionResult, path: Path, *, title: str) -> int:
    """Write the PDF and return its page count (title page included)."""
    title_note, sections = _collect(result, title)
    pages = [page for section in sections for page in section.pages]
    first_pages = []
    number = 2
    for section in sections:
        first_pages.append((section.name, number))
        number += len(section.pages)
    total = 1 + len(pages)
    with PdfPages(path, metadata={"Title": title, "Creator": "airflow-provider-clarify"}) as pdf:
        pdf.savefig(_title_page(title, title_note, first_pages, total))
        for number, page in enumerate(pages, start=2):
            pdf.savefig(_content_page(page, title, number, total))
    return total


def _title_page(title: str, note: str, contents: list[tuple[str, int]], total: int) -> Figure:
    figure = Figure(figsize=PAGE_SIZE)
    figure.add_artist(Rectangle((0, 0.9), 1, 0.1, transform=figure.transFigure, color="#0072B2"))
    figure.text(0.06, 0.72, title, fontsize=26, fontweight="bold", color=TEXT_COLOR, va="top")
    figure.text(0.06, 0.62, "\n".join(textwrap.wrap(note, 110)), fontsize=10, color=MUTED, va="top")
    figure.text(0.06, 0.5, "Contents", fontsize=14, fontweight="bold", color=TEXT_COLOR, va="top")
    for row, (name, page) in enumerate(contents or [("No results in this analysis", 1)]):
        y = 0.44 - row * 0.045
        figure.text(0.08, y, name, fontsize=12, color=TEXT_COLOR, va="top")
        figure.text(0.6, y, f"page {page}", fontsize=12, color=MUTED, va="top", ha="right")
    _footer(figure, title, 1, total)
    return figure


def _footer(figure: FigureBase, title: str, number: int, total: int) -> None:
    figure.text(MARGIN / PAGE_SIZE[0], 0.02, title, fontsize=8, color=MUTED)
    figure.text(1 - MARGIN / PAGE_SIZE[0], 0.02, f"{number} / {total}", fontsize=8, color=MUTED, ha="right")


def _content_page(page: _Page, title: str, number: int, total: int) -> Figure:
    figure = Figure(figsize=PAGE_SIZE, layout="constrained")
    engine = figure.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    engine.set(w_pad=MARGIN / 2, h_pad=MARGIN / 3)
    _width, height = PAGE_SIZE
    content = height - MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT
    grid = figure.add_gridspec(3, 1, height_ratios=[HEADER_HEIGHT, content, FOOTER_HEIGHT])
    head = figure.add_subfigure(grid[0])
    body = figure.add_subfigure(grid[1])
    foot = figure.add_subfigure(grid[2])
    left = MARGIN / PAGE_SIZE[0]
    head.text(left, 0.95, page.section, fontsize=16, fontweight="bold", color=TEXT_COLOR, va="top")
    offset = 0.3 / HEADER_HEIGHT
    if page.subsection:
        head.text(left, 0.95 - offset, page.subsection, fontsize=11, color="#0B4F7C", va="top")
        offset += 0.24 / HEADER_HEIGHT
    if page.intro:
        intro = "\n".join(textwrap.wrap(page.intro, 190)[:2])
        head.text(left, 0.95 - offset, intro, fontsize=8.5, color=MUTED, va="top")
    page.draw(body)
    foot.text(left, 0.2, title, fontsize=8, color=MUTED)
    foot.text(1 - left, 0.2, f"{number} / {total}", fontsize=8, color=MUTED, ha="right")
    return figure


def _chart_drawer(chart: Chart) -> Drawer:
    def draw(area: FigureBase) -> None:
        chart.figure(area)

    return draw


# ---------------------------------------------------------------------------------------------------- tables
def _content_capacity() -> tuple[int, int]:
    """Characters per line and lines per page available to a table."""
    width_pt = (PAGE_SIZE[0] - 2 * MARGIN) * 72
    height_pt = (PAGE_SIZE[1] - MARGIN - HEADER_HEIGHT - MARGIN / 2 - FOOTER_HEIGHT) * 72
    return int(width_pt / CHAR_WIDTH_PT), int(height_pt / LINE_HEIGHT_PT)


def _column_widths(table: Table, columns: list[int], capacity: int) -> list[int]:
    # metric tables: a short name then a description; two-column tables (run context...): a label then a value
    caps = {0: 14, 1: 46} if len(table.columns) > 2 else {0: 46, 1: 90}
    wanted = []
    for column in columns:
        longest = max([len(table.columns[column])] + [len(row[column].text) for row in table.rows])
        wanted.append(max(6, min(longest, caps.get(column, 34))) + 2)
    scale = min(1.0, capacity / sum(wanted))
    return [max(5, int(w * scale)) for w in wanted]


def _table_pages(table: Table) -> list[Drawer]:
    """Split a table over pages: value columns in groups that fit the width, rows in groups that fit the height."""
    capacity, lines_per_page = _content_capacity()
    fixed = [0, 1] if len(table.columns) > 3 else []
    values = [i for i in range(len(table.columns)) if i not in fixed]
    column_sets = []
    current: list[int] = []
    for column in values:
        trial = fixed + current + [column]
        if current and sum(_column_widths(table, trial, 10**6)) > capacity:
            column_sets.append(fixed + current)
            current = []
        current.append(column)
    column_sets.append(fixed + current)

    drawers = []
    for columns in column_sets:
        widths = _column_widths(table, columns, capacity)
        header = [textwrap.wrap(table.columns[c], widths[i] - 2) or [""] for i, c in enumerate(columns)]
        wrapped_rows = [
            [textwrap.wrap(row[c].text, widths[i] - 2) or [""] for i, c in enumerate(columns)]
            for row in table.rows
        ]
        budget = lines_per_page - 4 - max(len(h) for h in header)
        chunk: list[int] = []
        used = 0.0
        chunks = []
        for index, wrapped in enumerate(wrapped_rows):
            height = max(len(lines) for lines in wrapped) + 0.6
            if chunk and used + height > budget:
                chunks.append(chunk)
                chunk, used = [], 0.0
            chunk.append(index)
            used += height
        chunks.append(chunk)
        for rows in chunks:
            drawers.append(_table_drawer(table, columns, widths, header, wrapped_rows, rows, lines_per_page))
    return drawers


def _table_drawer(
    table: Table,
    columns: list[int],
    widths: Sequence[float],
    header: list[list[str]],
    wrapped_rows: list[list[list[str]]],
    rows: list[int],
    lines_per_page: int,
) -> Drawer:
    def draw(area: FigureBase) -> None:
        capacity, _ = _content_capacity()
        left = MARGIN / PAGE_SIZE[0]
        axes = area.add_axes((left, 0, 1 - 2 * left, 1))
        axes.set_axis_off()
        axes.set_xlim(0, capacity)
        axes.set_ylim(lines_per_page, 0)
        axes.text(0, 0, table.title, fontsize=TABLE_FONT + 2, fontweight="bold", color=TEXT_COLOR, va="top")
        y = 1.6
        header_height = max(len(h) for h in header) + 0.6
        axes.add_patch(Rectangle((0, y), sum(widths), header_height, color="#F3F6F9", linewidth=0))
        x = 0.0
        for i, lines in enumerate(header):
            numeric = any(row[columns[i]].kind in ("value", "violation") for row in table.rows)
            _cell_text(axes, x, y, widths[i], lines, right=numeric, color=TEXT_COLOR, bold=True)
            x += widths[i]
        y += header_height
        axes.plot([0, sum(widths)], [y, y], color="#C9D3DD", linewidth=1.2)
        for index in rows:
            wrapped = wrapped_rows[index]
            height = max(len(lines) for lines in wrapped) + 0.6
            x = 0.0
            for i, lines in enumerate(wrapped):
                cell = table.rows[index][columns[i]]
                color = (
                    ERROR_COLOR
                    if cell.kind in ("error", "violation")
                    else ("#8C959F" if cell.kind == "missing" else TEXT_COLOR)
                )
                right = cell.kind in ("value", "violation")
                _cell_text(
                    axes, x, y, widths[i], lines, right=right, color=color, bold=cell.kind == "violation"
                )
                x += widths[i]
            y += height
            axes.plot([0, sum(widths)], [y, y], color="#E4E8EC", linewidth=0.6)
        if table.caption:
            caption = "\n".join(textwrap.wrap(table.caption, capacity))
            axes.text(0, y + 0.6, caption, fontsize=TABLE_FONT - 0.5, color=MUTED, va="top", linespacing=1.3)

    return draw


def _cell_text(
    axes: Axes,
    x: float,
    y: float,
    width: float,
    lines: list[str],
    *,
    right: bool,
    color: str,
    bold: bool = False,
) -> None:
    """One table cell's wrapped text: numbers right-aligned, everything else left-aligned."""
    axes.text(
        x + width - 0.8 if right else x + 0.8,
        y + 0.3,
        "\n".join(lines),
        fontsize=TABLE_FONT,
        fontweight="bold" if bold else "normal",
        va="top",
        ha="right" if right else "left",
        color=color,
        linespacing=1.3,
    )
