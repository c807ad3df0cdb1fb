"""One item of a forecasting dataset, as every other part of the time-series engine sees it.

Whatever the JSON layout, an item is its id, its sorted timestamps and three kinds of inputs: the target series
(observed history), the related series (possibly reaching into the forecast horizon: known future covariates such
as prices or holidays, as in the Clarify DeepAR example) and the static covariates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ItemId = str | int
Timestamp = str | int
StaticValue = str | int | float | bool


@dataclass(frozen=True, eq=False)
class ItemSeries:
    """A validated item.

    ``timestamps``: as written in the dataset (strings or integers), sorted by time; ``N`` of them.
    ``target``: the ``T`` observed target values (``T <= N``; the last ``N - T`` timestamps are the forecast
    horizon, where only related series have values). ``related``: shape ``(R, N)``. ``statics``: ``S`` values.
    """

    item_id: ItemId
    timestamps: tuple[Timestamp, ...]
    target: np.ndarray
    related: np.ndarray
    statics: tuple[StaticValue, ...]

    @property
    def history_length(self) -> int:
        """``T``: steps with an observed target."""
        return int(self.target.shape[0])

    @property
    def length(self) -> int:
        """``N``: all timestamps, history plus known-future steps."""
        return len(self.timestamps)

    @property
    def related_count(self) -> int:
        return int(self.related.shape[0])

    @property
    def static_count(self) -> int:
        return len(self.statics)

    @property
    def label(self) -> str:
        """How messages name the item: its id as JSON shows it."""
        return repr(self.item_id)

    def same_as(self, other: object) -> bool:
        """Value equality (tests compare items read from different layouts)."""
        return (
            isinstance(other, ItemSeries)
            and self.item_id == other.item_id
            and type(self.item_id) is type(other.item_id)
            and self.timestamps == other.timestamps
            and np.array_equal(self.target, other.target)
            and np.array_equal(self.related, other.related)
            and self.statics == other.statics
        )
