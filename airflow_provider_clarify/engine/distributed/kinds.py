"""One type per column across shards: what each shard saw, and the columns the merge must read as text.

One process reads a column as text everywhere once two of its chunks disagree (a word in one, numbers in another;
:mod:`..data.column_kinds`): it starts again with that column as text. A shard sees only its own chunks, so two
shards can each be consistent and still disagree with each other — or one shard can turn a column to text that
another read as numbers. Each shard therefore records the kinds it saw and the columns it read as text (per file
source: the main dataset and each auxiliary one); the merge finds the columns one process would have read as text,
and every shard that read one of them typed is computed again with it as text (:mod:`.merging`). A clean dataset
— the common case — needs nothing of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..data.column_kinds import ColumnKinds, kinds_agree, unify_kinds
from ..data.dataset import TabularDataset

SourceKinds = dict[str, Any]
"""``{"seen": {column: kind}, "text": [column, ...]}`` of one file source."""


def kinds_state(dataset: TabularDataset) -> list[SourceKinds]:
    """The kinds of the main source, then of each auxiliary source."""
    sources = [dataset.main, *(auxiliary.source for auxiliary in dataset.auxiliaries)]
    return [{"seen": dict(source.kinds.seen), "text": sorted(source.kinds.text)} for source in sources]


def preset_text(dataset: TabularDataset, text: Sequence[Sequence[str]]) -> None:
    """Read the given columns of each source (main, then auxiliaries) as text from the start."""
    sources = [dataset.main, *(auxiliary.source for auxiliary in dataset.auxiliaries)]
    for source, columns in zip(sources, text, strict=True):
        kinds: ColumnKinds = source.kinds
        for column in columns:
            kinds.text.add(column)
            kinds.seen[column] = "string"


def text_columns(states: Sequence[Sequence[SourceKinds]]) -> list[list[str]]:
    """Per source, the columns one process reads as text: read as text by any shard, or seen with kinds that
    disagree between shards."""
    sources = len(states[0])
    result = []
    for position in range(sources):
        text: set[str] = set()
        seen: dict[str, str] = {}
        for state in states:
            source = state[position]
            text.update(source["text"])
            for column, kind in source["seen"].items():
                before = seen.get(column, "null")
                if kinds_agree(before, kind):
                    seen[column] = unify_kinds(before, kind)
                else:
                    text.add(column)
        result.append(sorted(text))
    return result


def shards_to_redo(states: Sequence[Sequence[SourceKinds]], text: Sequence[Sequence[str]]) -> list[int]:
    """The shards that read a column typed which one process reads as text."""
    redo = []
    for index, state in enumerate(states):
        if any(sorted(source["text"]) != list(columns) for source, columns in zip(state, text, strict=True)):
            redo.append(index)
    return redo
