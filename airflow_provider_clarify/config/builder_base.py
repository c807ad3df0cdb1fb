"""What every SDK-shaped builder shares: arguments kept as attributes (so Airflow can render them in place), a
readable repr, and the SDK's rule of writing only the fields that were given.

Kept apart from :mod:`.builders` so that the builders of each analysis kind (:mod:`.builders_time_series`) build
on it and :mod:`.builders` can combine them all without an import cycle.
"""

from __future__ import annotations

import copy
from typing import Any


def set_if_given(value: Any, key: str, target: dict[str, Any]) -> None:
    """Write ``key`` only when a value was given: the SDK never writes ``null``s into the document."""
    if value is not None:
        target[key] = copy.deepcopy(value)


class Builder:
    """Common behaviour of the builders: arguments kept as attributes (so Airflow can render them), a readable
    repr. Builders only describe a document; ``load_config`` validates it."""

    template_fields: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.template_fields
            if getattr(self, name) is not None
        )
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and all(
            getattr(self, name) == getattr(other, name) for name in self.template_fields
        )

    __hash__ = None  # type: ignore[assignment]  # mutable (Airflow renders attributes in place)
