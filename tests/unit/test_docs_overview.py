"""The overviews a newcomer reads first point at things that exist: the README's and the docs index's links, and
the commands and pages `make demo` suggests when it is done."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from scripts import demo

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_every_relative_link_of_the_overviews_lands_on_a_file(page):
    source = ROOT / page
    targets = [t for t in LINK.findall(source.read_text()) if not t.startswith(("http://", "https://"))]
    assert targets, f"{page} links nothing"
    missing = [t for t in targets if not (source.parent / t).exists()]
    assert missing == [], f"{page} links to files that do not exist: {missing}"


def test_the_docs_index_lists_every_page():
    index = (ROOT / "docs" / "index.md").read_text()
    listed = set(LINK.findall(index))
    pages = {path.name for path in (ROOT / "docs").glob("*.md")} - {"index.md"}
    assert sorted(pages - listed) == []


def test_what_the_demo_suggests_exists():
    pages = re.findall(r"docs/[\w-]+\.md", demo.NEXT_STEPS)
    assert pages and [p for p in pages if not (ROOT / p).is_file()] == []
    targets = re.findall(r"make (\w+)", demo.NEXT_STEPS)
    makefile = (ROOT / "Makefile").read_text()
    assert targets and [t for t in targets if not re.search(rf"^{t}:", makefile, re.MULTILINE)] == []
    modules = re.findall(r"python -m ([\w.]+)", demo.NEXT_STEPS)
    assert modules and [m for m in modules if importlib.util.find_spec(f"{m}.__main__") is None] == []
    imports = re.findall(r"from ([\w.]+) import (\w+)", demo.NEXT_STEPS)
    for module, name in imports:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"
