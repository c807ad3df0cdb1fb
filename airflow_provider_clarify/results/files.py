"""The output files a result lists: every file a reader opens by name, and one pattern per crowd of look-alikes.

Why a bound: an image analysis publishes a heatmap per image (or per box) and a segment map per image, thousands
for a large dataset, and a result travels through XCom and asset events. The files a reader opens by name —
analysis.json, the report, the JSON Lines and CSV results — are always listed; any other group of more than
:data:`LISTED_PER_GROUP` files sharing a folder and an extension (``shap_*.jpeg``, ``explanations_shap/segments/*.npy``)
becomes one entry: its glob pattern as the name, the pattern under the output location as the URI, and the number
of files in ``output_file_counts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

LISTED_PER_GROUP = 10
"""Files of one folder and extension listed one by one; more become a pattern."""
ALWAYS_LISTED = (".json", ".jsonl", ".csv", ".ipynb", ".html", ".pdf")
"""Extensions of the files a reader opens by name: never folded into a pattern."""


def bounded_output_files(files: Mapping[str, str]) -> tuple[dict[str, str], dict[str, int]]:
    """(the files to list, the number of files behind each pattern entry) for ``files`` (name → URI)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name in files:
        if name.lower().endswith(ALWAYS_LISTED):
            continue
        folder, _, base = name.rpartition("/")
        groups.setdefault((folder, PurePosixPath(base).suffix), []).append(name)
    crowds = {key: names for key, names in groups.items() if len(names) > LISTED_PER_GROUP}
    folded = {name for names in crowds.values() for name in names}
    listed = {name: uri for name, uri in files.items() if name not in folded}
    counts = {}
    for (folder, suffix), names in crowds.items():
        pattern = f"{folder}/*{suffix}" if folder else f"*{suffix}"
        uri = files[names[0]]
        listed[pattern] = uri[: -len(names[0])] + pattern if uri.endswith(names[0]) else pattern
        counts[pattern] = len(names)
    return listed, counts
