"""Rendered text read back as JSON or as a Python literal (what Jinja prints), never as code."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config.literals import parse_python_literal, parse_structured_text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('["age", "sex"]', ["age", "sex"]),
        ("['age', 'sex']", ["age", "sex"]),
        ("{'min_di': 0.8, 'strict': True, 'none': None}", {"min_di": 0.8, "strict": True, "none": None}),
        ("(1, 2)", [1, 2]),
        ("3", 3),
    ],
)
def test_json_first_then_python_literals(text, value):
    assert parse_structured_text(text) == value


@pytest.mark.parametrize(
    "text", ["{1, 2}", "b'x'", "1j", "{1: 'a'}", "__import__('os').getcwd()", "[open('x')]", "not a literal"]
)
def test_what_json_cannot_hold_or_code_gives_none(text):
    assert parse_structured_text(text) is None
    assert parse_python_literal(text) is None
