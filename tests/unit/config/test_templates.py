"""Template placeholders: one reading of a record template for the validation and the request serializer."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import templates
from airflow_provider_clarify.config.templates import RecordTemplate


@pytest.mark.parametrize(
    ("template", "kvp", "vector", "named"),
    [
        ("$features", 0, 1, ()),
        ("$features_kvp", 1, 0, ()),
        ('{"names": $feature_names, "values": $features}', 0, 1, ()),
        ('{"a": "${A}", "b": "${B}"}', 0, 0, ("A", "B")),
        ("[$features_kvp, $features_kvp]", 2, 0, ()),
        ("$features_kvp $features", 1, 1, ()),
        ("no placeholder", 0, 0, ()),
    ],
)
def test_record_template_placeholders_are_counted(template, kvp, vector, named):
    parsed = RecordTemplate.parse(template)
    assert (parsed.kvp_count, parsed.vector_count, parsed.named) == (kvp, vector, named)
    assert parsed.has_placeholder == bool(kvp or vector or named)


@pytest.mark.parametrize(
    ("template", "alone"),
    [("$features_kvp", True), ("$features", True), ("[$features_kvp, $features_kvp]", False),
     ('{"x": $features_kvp, "a": "${A}"}', False), ("$features_kvp,$features", False)],
)  # fmt: skip
def test_features_kvp_must_stand_alone(template, alone):
    assert RecordTemplate.parse(template).kvp_is_alone is alone


def test_content_template_placeholders():
    assert templates.has_features_placeholder('{"features":$features}')
    assert not templates.has_features_placeholder('{"x": 1}')
    assert templates.has_record_placeholder('{"instances": $records}')
    assert templates.has_record_placeholder("$record")
    assert templates.sends_one_record('{"instance": $record}')
    assert not templates.sends_one_record('{"instances": $records}')


def test_the_substitution_patterns_find_every_placeholder_in_order():
    found = [
        m.group(0)
        for m in templates.RECORD_PLACEHOLDERS.finditer('$feature_names $features_kvp "${A}" $features')
    ]
    assert found == ["$feature_names", "$features_kvp", '"${A}"', "$features"]
    found = [m.group(0) for m in templates.CONTENT_PLACEHOLDERS.finditer("$records $record $feature_names")]
    assert found == ["$records", "$record", "$feature_names"]
