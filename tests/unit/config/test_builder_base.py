"""What every builder shares: only given fields are written (copies), a readable repr, equality by arguments."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config.builder_base import Builder, set_if_given


class _Example(Builder):
    template_fields = ("name", "sizes")

    def __init__(self, name: str | None = None, sizes: list[int] | None = None) -> None:
        self.name = name
        self.sizes = sizes


def test_only_given_values_are_written_and_as_copies():
    target: dict[str, object] = {}
    sizes = [1, 2]
    set_if_given(None, "absent", target)
    set_if_given(sizes, "sizes", target)
    set_if_given(0, "zero", target)  # a falsy value is still a value
    assert target == {"sizes": [1, 2], "zero": 0}
    sizes.append(3)
    assert target["sizes"] == [1, 2]


def test_repr_shows_given_arguments_and_equality_compares_them():
    assert repr(_Example("a")) == "_Example(name='a')"
    assert _Example("a", [1]) == _Example("a", [1]) and _Example("a") != _Example("b")
    with pytest.raises(TypeError):
        hash(_Example())  # mutable: Airflow renders the attributes in place
