"""Every section the repository cites ("SPEC §n" or "reference §n") exists in docs/reference.md.

Code comments, docstrings, tests and docs point readers at numbered sections of the reference page. A citation
of a section that does not exist sends the reader nowhere, and it happens silently when a section is renumbered
or a comment is copied from elsewhere. This test parses the page's numbered headings and every section sign in
the scanned folders. A bare section sign counts too: in this repository it only ever continues a citation
("SPEC §4, §8.1", or "(SPEC" at the end of one line and "§8.1" on the next). Ranges ("§8.3-8.5", "§6-§8") must
exist at both ends.

It also checks that the page keeps the section numbers the code was written against (so citations can be
re-pointed mechanically) and that links into the page (``reference.md#anchor``) land on a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"
SCANNED_FOLDERS = ("airflow_provider_clarify", "tests", "dags", "benchmarks", "docs")
TEXT_SUFFIXES = frozenset(
    {
        ".py",
        ".md",
        ".rst",
        ".txt",
        ".json",
        ".jsonl",
        ".yaml",
        ".yml",
        ".cfg",
        ".toml",
        ".ini",
        ".ipynb",
        ".html",
    }
)

# Written as an escape so that this file's own examples are not citations of the repository.
SECTION_SIGN = "\N{SECTION SIGN}"
RANGE_DASHES = "-\N{EN DASH}"
SECTION_NUMBER = r"\d+[a-z]?(?:\.\d+)*"
CITATION = re.compile(
    rf"{SECTION_SIGN}\s?(?P<first>{SECTION_NUMBER})"
    rf"(?:\s?[{RANGE_DASHES}]\s?{SECTION_SIGN}?\s?(?P<last>{SECTION_NUMBER}))?"
)
HEADING = re.compile(
    rf"^(?P<level>#{{2,3}})\s+(?P<number>{SECTION_NUMBER})\.?\s+(?P<title>.+?)\s*$", re.MULTILINE
)
REFERENCE_LINK = re.compile(r"\(\s*(?:\./)?reference\.md#(?P<anchor>[^)\s]+)\s*\)")

# The sections the code's citations were written against (the reference's numbering); they must all stay.
STABLE_SECTIONS = (
    "1",
    *("2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"),
    *("3", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"),
    "4",
    *("5", "5.1", "5.2", "5.3", "5.4"),
    *("6", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6"),
    "7",
    *("8", "8.1", "8.2", "8.3", "8.4", "8.5"),
    *("9", "9.1", "9.2", "9.3"),
    *("10", "10.1", "10.2", "10.3", "10.4"),
    "11",
    *("12", "12.1", "12.2", "12.3"),
    *("13", "13a"),
    *("14", "15", "16"),
)


def section_headings(markdown: str) -> list[str]:
    """The section numbers of the ``##`` / ``###`` headings that start with one (``## 3. Data loading`` → "3")."""
    return [match.group("number") for match in HEADING.finditer(markdown)]


def heading_anchors(markdown: str) -> set[str]:
    """GitHub's anchors of every heading: lower case, punctuation dropped, spaces turned into hyphens."""
    anchors = set()
    for line in markdown.splitlines():
        match = re.match(r"^#{1,6}\s+(.+?)\s*$", line)
        if match:
            text = match.group(1).strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


def citations(text: str) -> list[tuple[int, str]]:
    """``(line number, section)`` for every section a text cites; both ends of a range are listed."""
    found = []
    for match in CITATION.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append((line, match.group("first")))
        if match.group("last"):
            found.append((line, match.group("last")))
    return found


def missing_sections(cited: Iterable[tuple[str, int, str]], sections: Iterable[str]) -> list[str]:
    """``where:line cites §n`` for every citation of a section that is not in ``sections``."""
    known = set(sections)
    return [
        f"{where}:{line} cites {SECTION_SIGN}{section}"
        for where, line, section in cited
        if section not in known
    ]


def broken_reference_links(documents: dict[str, str], anchors: set[str]) -> list[str]:
    """``name: #anchor`` for every ``reference.md#anchor`` link whose anchor is no heading of the page."""
    return [
        f"{name}: #{match.group('anchor')}"
        for name, text in documents.items()
        for match in REFERENCE_LINK.finditer(text)
        if match.group("anchor") not in anchors
    ]


def scanned_files() -> list[Path]:
    files = []
    for folder in SCANNED_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).parts
            if any(part.startswith(".") or part == "__pycache__" for part in relative):
                continue
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                files.append(path)
    return files


def repository_citations() -> list[tuple[str, int, str]]:
    cited = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        relative = path.relative_to(ROOT).as_posix()
        cited.extend((relative, line, section) for line, section in citations(text))
    return cited


def section_key(number: str) -> tuple[tuple[int, str], ...]:
    """Document order of section numbers: 3 < 3.1 < 3.10 < 4 and 13 < 13.2 < 13a < 14."""
    parts = []
    for part in number.split("."):
        digits = re.match(r"\d+", part)
        assert digits is not None
        parts.append((int(digits.group()), part[digits.end() :]))
    return tuple(parts)


# --------------------------------------------------------------------------------------------- the repository


def test_reference_keeps_every_section_number_in_order_once():
    numbers = section_headings(REFERENCE.read_text(encoding="utf-8"))
    assert [n for n in STABLE_SECTIONS if n not in numbers] == []
    assert sorted({n for n in numbers if numbers.count(n) > 1}) == []
    assert numbers == sorted(numbers, key=section_key), "numbered headings must appear in section order"


def test_every_cited_section_exists_in_the_reference():
    cited = repository_citations()
    # Not vacuous: the package and the docs cite the reference today.
    assert {where.split("/")[0] for where, _, _ in cited} >= {"airflow_provider_clarify", "docs"}
    sections = section_headings(REFERENCE.read_text(encoding="utf-8"))
    assert missing_sections(cited, sections) == []


def test_links_into_the_reference_land_on_a_heading():
    anchors = heading_anchors(REFERENCE.read_text(encoding="utf-8"))
    documents = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))}
    assert any(REFERENCE_LINK.search(text) for text in documents.values())  # not vacuous
    assert broken_reference_links(documents, anchors) == []


# ------------------------------------------------------------------------------------- the checker itself


def test_both_spellings_lists_and_ranges_are_read_as_citations():
    s = SECTION_SIGN
    text = (
        f"rule of SPEC {s}3.5 and reference {s}3.6\n"
        f"(SPEC {s}4, {s}8.1, {s}9, {s}10.2)\n"
        f"files (SPEC {s}8.3-8.5), explanations (SPEC {s}6-{s}8), (SPEC\n{s}13a), SPEC {s}2.6 rule 7.\n"
    )
    assert citations(text) == [
        (1, "3.5"),
        (1, "3.6"),
        (2, "4"),
        (2, "8.1"),
        (2, "9"),
        (2, "10.2"),
        (3, "8.3"),
        (3, "8.5"),
        (3, "6"),
        (3, "8"),
        (4, "13a"),
        (4, "2.6"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"see SPEC {SECTION_SIGN}99 for that", ["notes.py:1 cites \N{SECTION SIGN}99"]),
        (f"ok {SECTION_SIGN}3.5\nthen reference {SECTION_SIGN}3.9", ["notes.py:2 cites \N{SECTION SIGN}3.9"]),
        (f"range SPEC {SECTION_SIGN}8.1-8.7", ["notes.py:1 cites \N{SECTION SIGN}8.7"]),
        (f"letter SPEC {SECTION_SIGN}13b", ["notes.py:1 cites \N{SECTION SIGN}13b"]),
        (f"all known: SPEC {SECTION_SIGN}3, {SECTION_SIGN}3.5, {SECTION_SIGN}8.1-{SECTION_SIGN}13a", []),
    ],
)
def test_a_citation_of_a_missing_section_is_reported(text, expected):
    headings = "## 3. Data\n### 3.5 Types\n## 8. Output\n### 8.1 Bias\n## 13a. Other kinds\n"
    cited = [("notes.py", line, section) for line, section in citations(text)]
    assert missing_sections(cited, section_headings(headings)) == expected


def test_headings_are_read_by_their_numbers_only():
    markdown = (
        "# Title 1\n"
        "## 3. Data loading\n"
        "### 3.5 Data-type inference for label / facet\n"
        "## 13a. Computer vision\n"
        "#### Time series\n"
        "## Sources\n"
        "Text mentioning ## 4. in a line does not count\n"
    )
    assert section_headings(markdown) == ["3", "3.5", "13a"]
    assert "35-data-type-inference-for-label--facet" in heading_anchors(markdown)
    assert "13a-computer-vision" in heading_anchors(markdown)


def test_a_link_to_a_missing_anchor_is_reported():
    anchors = heading_anchors(
        "## 14. Provider decisions where the sources are silent\n### 3.7 Missing values\n"
    )
    documents = {
        "good.md": "see [reference \N{SECTION SIGN}3.7](reference.md#37-missing-values)",
        "bad.md": "see [the list](reference.md#14-open-items) and [more](./reference.md#37-missing-value)",
    }
    assert broken_reference_links(documents, anchors) == [
        "bad.md: #14-open-items",
        "bad.md: #37-missing-value",
    ]


def test_section_order_key():
    numbers = ["14", "3.10", "13a", "3", "13.2", "3.2", "13"]
    assert sorted(numbers, key=section_key) == ["3", "3.2", "3.10", "13", "13.2", "13a", "14"]


def test_citations_name_the_page_in_the_repository():
    """The engineering spec the first version cited ("SPEC §n") is not part of the repository; every citation
    names the reference page instead, so a reader of the repository can follow it."""
    spec_citation = re.compile(r"\bSPEC\s*$|\bSPEC\s+" + SECTION_SIGN)
    stale = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in scanned_files()
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spec_citation.search(line)
    ]
    assert stale == []
