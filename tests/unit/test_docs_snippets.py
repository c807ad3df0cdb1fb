"""The Python examples in README.md and docs/ call our classes with arguments those classes accept.

Docs drift silently: a renamed argument keeps reading well and fails only when a user copies it. Every ```python
block is parsed, and each call of one of our operators, sensors or builders is checked keyword by keyword against
the real signature (an operator also takes BaseOperator's arguments such as ``retries``).
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from airflow_provider_clarify import clarify
from airflow_provider_clarify.config import builders, builders_time_series
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.operators._assets import ClarifyAssetEventResult
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.gate import ClarifyGateOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from airflow_provider_clarify.operators.mlflow import ClarifyMlflowOperator
from airflow_provider_clarify.sensors.clarify import ClarifyProcessingJobSensor

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
ELIDED_ARGUMENTS = re.compile(r",\s*\.\.\.\s*\)")  # "f(a=1, ...)": the docs' way to say "and the rest"
CHECKED = {
    cls.__name__: cls
    for cls in (
        ClarifyOperator,
        LocalClarifyOperator,
        ClarifyGateOperator,
        ClarifyProcessingJobSensor,
        ClarifyMlflowOperator,
        ClarifyAssetEventResult,
        EngineOptions,
        clarify.LocalClarifyProcessor,
        clarify.SageMakerClarifyProcessor,
        *(
            value
            for module in (builders, builders_time_series)
            for name, value in vars(module).items()
            if inspect.isclass(value) and value.__module__ == module.__name__ and not name.startswith("_")
        ),
    )
}


def _accepted_keywords(cls: type) -> tuple[set[str], bool]:
    """Keyword names of ``cls.__init__`` and of every ``__init__`` it forwards ``**kwargs`` to."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters.values()
        names |= {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            return names, False
    return names, True


def _calls(source: str) -> list[tuple[str, list[str], int]]:
    found = []
    for node in ast.walk(ast.parse(ELIDED_ARGUMENTS.sub(")", source))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        )
        if name == "partial" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name = func.value.id  # Operator.partial(...) takes the operator's arguments
        if name in CHECKED:
            found.append((name, [k.arg for k in node.keywords if k.arg], node.lineno))
    return found


def _snippets() -> list[tuple[str, str]]:
    return [
        (f"{document.name}#{index}", block)
        for document in DOCUMENTS
        for index, block in enumerate(PYTHON_BLOCK.findall(document.read_text()))
    ]


def test_the_docs_have_python_examples_calling_our_classes():
    called = {name for _, block in _snippets() for name, _, _ in _calls(block)}
    assert {"ClarifyOperator", "LocalClarifyOperator", "ClarifyGateOperator"} <= called


@pytest.mark.parametrize(("where", "block"), _snippets(), ids=[where for where, _ in _snippets()])
def test_documented_calls_use_real_arguments(where, block):
    wrong = []
    for name, keywords, line in _calls(block):
        accepted, open_ended = _accepted_keywords(CHECKED[name])
        if open_ended:
            continue
        wrong += [f"{name}({keyword}=...) at line {line}" for keyword in keywords if keyword not in accepted]
    assert wrong == [], f"{where}: arguments the class does not take: {wrong}"
