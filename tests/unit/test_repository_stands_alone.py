"""The repository stands alone: nothing in it reads a sibling folder of the checkout.

A user's clone has nothing beside it, so a path that climbs out of the repository (``..`` then the sibling's
name, or ``parents[2]`` joined with it) works on a developer machine and fails for everyone else. ``.ci/run`` proves the whole
suite in an isolated clone; this test names the offending line directly and runs in a second.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCANNED = (
    "airflow_provider_clarify",
    "tests",
    "dags",
    "scripts",
    "benchmarks",
    "sample_data",
    "Makefile",
    ".ci",
)
# A path built to a folder named "shared" beside or above the repository.
OUTSIDE = re.compile(r"""(\.\./shared\b|parents\[\d\]\s*/\s*["']shared["']|\.parent\s*/\s*["']shared["'])""")


def lines_reading_outside(root: Path) -> list[str]:
    found = []
    for top in SCANNED:
        base = root / top
        files = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in files:
            if (
                not path.is_file()
                or path.suffix in (".gz", ".npy", ".png", ".jpg", ".pyc")
                or path == Path(__file__)
            ):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if OUTSIDE.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_file_reads_outside_the_repository() -> None:
    assert lines_reading_outside(REPO_ROOT) == []


def test_the_check_finds_a_path_that_climbs_out(tmp_path: Path) -> None:
    # The offending line is assembled here so that this file does not itself hold one.
    offending = "DATA = Path(__file__).parents[2] / " + '"shared" / "datasets"'
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(f'{offending}\nOK = "shared_keys"\n', encoding="utf-8")
    assert lines_reading_outside(tmp_path) == [f"tests/test_x.py:1: {offending}"]


def test_ci_runs_the_suite_in_an_isolated_clone() -> None:
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "git clone" in script and "mktemp -d" in script
    assert script.rstrip().endswith("make test")
