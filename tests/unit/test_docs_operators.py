"""docs/operators.md has a section for every operator and sensor of the provider, and each section's parameter
table lists exactly the arguments the class takes.

The docs promise "every parameter"; an argument added to an operator (an asset alias, notifiers, an interval
option) but not to its table is invisible to users, and a table row whose argument was renamed is a trap. Each
``## `ClassName` `` section's table rows name their arguments in backticks in the first column; a row ending in
``...`` stands for "and Airflow's other arguments" of that kind.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import airflow_provider_clarify.operators
import airflow_provider_clarify.sensors
from airflow_provider_clarify.compat import BaseOperator

ROOT = Path(__file__).resolve().parents[2]
OPERATORS_PAGE = ROOT / "docs" / "operators.md"
SECTION = re.compile(r"^## `(\w+)`", re.MULTILINE)
TABLE_ROW = re.compile(r"^\| ([^|]+) \|", re.MULTILINE)
NAME = re.compile(r"`(\w+)`")


def _provider_operators() -> dict[str, type]:
    """Every public operator / sensor class defined in the provider's operators and sensors packages."""
    found: dict[str, type] = {}
    for package in (airflow_provider_clarify.operators, airflow_provider_clarify.sensors):
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and value.__module__ == module.__name__
                    and not name.startswith("_")
                    and issubclass(value, BaseOperator)
                ):
                    found[name] = value
    return found


def _documented_sections() -> dict[str, str]:
    text = OPERATORS_PAGE.read_text()
    starts = [(match.group(1), match.start()) for match in SECTION.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {name: text[start:end] for (name, start), end in zip(starts, ends, strict=True)}


def _table_arguments(section: str) -> set[str]:
    names: set[str] = set()
    for cell in TABLE_ROW.findall(section):
        if cell.strip() in ("parameter", "---"):
            continue
        names |= set(NAME.findall(cell))
    return names


def _own_arguments(cls: type) -> set[str]:
    """The keyword arguments the class's own ``__init__`` adds (BaseOperator's are Airflow's docs' business)."""
    parameters = inspect.signature(cls.__dict__["__init__"]).parameters.values()
    return {
        p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def _accepted_arguments(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None and klass is not object:
            names |= {p for p in inspect.signature(init).parameters if p not in ("self", "args", "kwargs")}
    return names


OPERATORS = _provider_operators()


def test_every_operator_and_sensor_has_a_section():
    assert {
        "ClarifyOperator",
        "LocalClarifyOperator",
        "ClarifyGateOperator",
        "ClarifyProcessingJobSensor",
    } <= set(OPERATORS)
    missing = sorted(set(OPERATORS) - set(_documented_sections()))
    assert missing == [], f"docs/operators.md has no '## `Name`' section for {missing}"


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_the_parameter_table_lists_exactly_the_arguments_the_class_takes(name):
    section = _documented_sections().get(name)
    if section is None:
        pytest.skip("reported by test_every_operator_and_sensor_has_a_section")
    cls = OPERATORS[name]
    documented = _table_arguments(section)
    undocumented = sorted(_own_arguments(cls) - documented)
    unknown = sorted(documented - _accepted_arguments(cls))
    assert (undocumented, unknown) == ([], []), (
        f"{name}: arguments missing from its table: {undocumented}; table rows the class does not take: {unknown}"
    )


def test_a_documented_section_names_a_real_class():
    unknown = sorted(set(_documented_sections()) - set(OPERATORS))
    assert unknown == [], f"docs/operators.md documents classes the provider does not define: {unknown}"
