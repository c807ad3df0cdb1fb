"""One type per column for the whole dataset, whatever the chunk size.

CSV and JSON Lines are typed chunk by chunk (a long read never aborts on a late float or word). Integers and
floats compare equal across chunks (``1 == 1.0``), so a column that is int in one chunk and float in another
needs nothing. But a column that holds a word in one chunk and numbers in another would compare ``1`` with
``"1"`` — and the answer would depend on where the chunks fall. So every file source remembers the kind each
column had in every chunk it produced; when a column's kinds disagree beyond int/float, the column is read as
text everywhere from then on (its original text: CSV cells as written, JSON values as JSON) and the read that
already handed out typed chunks is abandoned with :class:`ColumnTypesChanged`. :func:`with_stable_column_types`
runs the analysis again; each restart turns at least one more column to text, so it ends, and in practice it
happens at most once per dataset — a clean dataset is read exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pyarrow as pa

from ..errors import AnalysisError

T = TypeVar("T")
NUMBER_KINDS = frozenset({"int", "float"})


def arrow_kind(data_type: pa.DataType) -> str:
    """The pandas dtype family a column of this arrow type becomes."""
    if pa.types.is_dictionary(data_type):
        return "category"
    if pa.types.is_null(data_type):
        return "null"
    if pa.types.is_boolean(data_type):
        return "bool"
    if pa.types.is_integer(data_type):
        return "int"
    if pa.types.is_floating(data_type) or pa.types.is_decimal(data_type):
        return "float"
    return "string"


def unify_kinds(first: str, second: str) -> str:
    """Kind of a column whose chunks have kinds ``first`` and ``second`` (pandas concat semantics)."""
    if first == second or second == "null":
        return first
    if first == "null":
        return second
    if {first, second} == NUMBER_KINDS:
        return "float"
    return "string"


def kinds_agree(first: str, second: str) -> bool:
    """Whether values of the two kinds compare as the same values (null goes with anything, int with float)."""
    return first == second or "null" in (first, second) or {first, second} == NUMBER_KINDS


class ColumnTypesChanged(AnalysisError):
    """A column changed kind between chunks; it is text from now on and the analysis must read the data again."""

    def __init__(self, columns: list[str], kinds: dict[str, tuple[str, str]]) -> None:
        shown = ", ".join(f"{name!r} ({' and '.join(kinds[name])})" for name in columns)
        super().__init__(
            f"column(s) {shown} hold different kinds of values in different rows; they are read as text "
            "everywhere and the data is read again"
        )
        self.columns = columns


@dataclass
class ColumnKinds:
    """The kind every column had so far, across every read of one file source, and the columns read as text."""

    seen: dict[str, str] = field(default_factory=dict)
    text: set[str] = field(default_factory=set)

    def check(self, table: pa.Table) -> None:
        """Record the kinds of ``table``; raise :class:`ColumnTypesChanged` when a column's kinds disagree."""
        changed: dict[str, tuple[str, str]] = {}
        for name in table.column_names:
            if name in self.text:
                continue
            kind = arrow_kind(table.column(name).type)
            before = self.seen.get(name, "null")
            if kinds_agree(before, kind):
                self.seen[name] = unify_kinds(before, kind)
            else:
                changed[name] = (before, kind)
        if changed:
            self.text.update(changed)
            for name in changed:
                self.seen[name] = "string"
            raise ColumnTypesChanged(list(changed), changed)


MAX_RESTARTS = 1000


def with_stable_column_types(
    compute: Callable[[], T], warn: Callable[[str], None], collected: list[str] | None = None
) -> T:
    """``compute()``, run again whenever a read finds a column whose kinds disagree (now read as text).

    The warnings an abandoned attempt added to ``collected`` are dropped (the next attempt says them again);
    the reason for the restart is warned once through ``warn``.
    """
    kept = len(collected) if collected is not None else 0
    for _ in range(MAX_RESTARTS):
        try:
            return compute()
        except ColumnTypesChanged as change:
            if collected is not None:
                del collected[kept:]
            warn(change.reason)
            kept = len(collected) if collected is not None else 0
    raise AnalysisError("internal: column kinds kept changing between reads of the same data")
