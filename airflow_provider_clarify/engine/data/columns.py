"""Column names of the logical table: resolving a name-or-index config value, and the generated names.

One rule for every place that turns a config value into a column (the join key when the dataset opens, the roles
afterwards), so a wrong name or index fails the same way everywhere: naming the field and listing the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..errors import AnalysisError
from ..suggestions import did_you_mean, headerless_hint

DEFAULT_PREDICTED_LABEL_NAME: Final = "predicted_label"
"""The predicted-label column's name when nothing names it (JSON data without headers, a headerless file)."""
DEFAULT_LABEL_NAME: Final = "label0"
"""The label column's name for JSON data without headers."""


def generated_names(count: int) -> list[str]:
    """``column_0``, ``column_1``, ... for data without a header row or ``headers``."""
    return [f"column_{i}" for i in range(count)]


def column_name(value: str | int, names: Sequence[str], field_name: str, where: str) -> str:
    """Resolve a name-or-index config value against ``names`` (``where`` names the dataset in messages)."""
    if isinstance(value, bool):
        raise AnalysisError(f"{field_name}: {value!r} is neither a column name nor a 0-based index")
    if isinstance(value, int):
        if not 0 <= value < len(names):
            raise AnalysisError(
                f"{field_name}: index {value} is out of range; {where} has {len(names)} column(s) "
                f"(0..{len(names) - 1}): {list(names)}"
            )
        return names[value]
    if str(value) not in names:
        raise AnalysisError(
            f"{field_name}: column {value!r} is not in {where}; available columns: {list(names)}"
            + did_you_mean(value, names)
            + headerless_hint(names)
        )
    return str(value)
