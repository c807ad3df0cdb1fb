"""What the CreateProcessingJob API accepts, read from the service model that ships with botocore.

Why botocore's model: AWS refuses a bad instance type, an environment variable name with a dash or a 300-character
tag only when the job is created — after the config was uploaded. botocore itself checks types and required
members but not enums, patterns or maximum lengths, so the operator checks them here, before any side effect.
Reading the limits from the installed botocore (rather than copying them) keeps them in step with the API; an
instance type newer than the installed botocore is refused with a hint to upgrade it.

Java-style patterns of the model (``\\p{L}`` in tag keys) are translated for the one shape they take there, a
repeated character class; a pattern of another shape is not checked (the lengths still are).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

Matcher = Callable[[str], bool]

DEFAULT_EXAMPLE = "ml.m5.xlarge"

_CLASS_PATTERN = re.compile(r"\^?\(?\[(?P<body>[^\]]*)\]\*\)?\$?")
_CLASS_TOKEN = re.compile(r"\\p\{(?P<category>[A-Za-z]+)\}|\\(?P<escaped>.)|(?P<plain>.)")


@dataclass(frozen=True)
class StringRule:
    """Length bounds and pattern of one string member of the API (``pattern`` as the model writes it)."""

    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None

    def problem(self, value: str) -> str | None:
        """Why ``value`` breaks the rule (a phrase for an error message), or None."""
        if len(value) < self.min_length:
            return f"is shorter than {self.min_length} character(s)"
        if self.max_length is not None and len(value) > self.max_length:
            return f"is {len(value)} characters long, more than the {self.max_length} the API accepts"
        matcher = _matcher(self.pattern)
        if matcher is not None and not matcher(value):
            return f"does not match the API's pattern {self.pattern}"
        return None


@dataclass(frozen=True)
class MapRule:
    """A map or list member: at most ``max_entries`` entries, keys and values each a :class:`StringRule`."""

    max_entries: int | None
    key: StringRule
    value: StringRule


@dataclass(frozen=True)
class ProcessingJobLimits:
    """The limits of the CreateProcessingJob members the operator fills from user arguments."""

    botocore_version: str
    instance_types: tuple[str, ...]
    environment: MapRule
    tags: MapRule

    def instance_type_problem(self, value: object) -> str | None:
        """Why ``value`` is not a processing instance type (with the closest names), or None."""
        if not isinstance(value, str):
            return f"must be a string such as 'ml.m5.xlarge', got {type(value).__name__} {value!r}"
        if not self.instance_types or value in self.instance_types:
            return None
        close = difflib.get_close_matches(value, self.instance_types, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(name) for name in close)}? " if close else ""
        return (
            f"{value!r} is not a SageMaker processing instance type; {hint}(botocore {self.botocore_version} "
            f"knows {len(self.instance_types)} types, e.g. {DEFAULT_EXAMPLE!r}; a type newer than that needs a "
            "newer botocore)"
        )


@cache
def processing_job_limits() -> ProcessingJobLimits:
    """The limits, read once per process from botocore's SageMaker service model (no network)."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    request = model.operation_model("CreateProcessingJob").input_shape
    cluster = request.members["ProcessingResources"].members["ClusterConfig"]
    environment = request.members["Environment"]
    tags = request.members["Tags"]
    tag = tags.member
    return ProcessingJobLimits(
        botocore_version=str(botocore.__version__),
        instance_types=tuple(cluster.members["InstanceType"].enum or ()),
        environment=MapRule(
            _int(environment.metadata.get("max")),
            _string_rule(environment.key),
            _string_rule(environment.value),
        ),
        tags=MapRule(
            _int(tags.metadata.get("max")),
            _string_rule(tag.members["Key"]),
            _string_rule(tag.members["Value"]),
        ),
    )


def _string_rule(shape: Any) -> StringRule:  # a botocore StringShape (built at run time: no static type)
    metadata = shape.metadata
    return StringRule(
        min_length=_int(metadata.get("min")) or 0,
        max_length=_int(metadata.get("max")),
        pattern=metadata.get("pattern"),
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@cache
def _matcher(pattern: str | None) -> Matcher | None:
    """A full-match test for the model's ``pattern``; None when it cannot be translated faithfully."""
    if pattern is None:
        return None
    if "\\p{" not in pattern:
        try:
            compiled = re.compile(pattern)
        except re.error:
            return None
        return lambda value: compiled.fullmatch(value) is not None
    found = _CLASS_PATTERN.fullmatch(pattern)
    return None if found is None else _class_matcher(found.group("body"))


def _class_matcher(body: str) -> Matcher | None:
    """``[...]*`` with Unicode categories (``\\p{L}``) and literal characters, as a per-character test."""
    categories: list[str] = []
    literals: set[str] = set()
    for token in _CLASS_TOKEN.finditer(body):
        if token.group("category"):
            categories.append(token.group("category"))
        elif token.group("escaped"):
            literals.add(token.group("escaped"))
        else:
            if token.group("plain") == "-":
                return None  # a range: not the shape this translator knows
            literals.add(token.group("plain"))
    prefixes = tuple(categories)

    def matches(value: str) -> bool:
        return all(char in literals or unicodedata.category(char).startswith(prefixes) for char in value)

    return matches
