"""Provider metadata: every module and class it lists imports, under the distribution's own name and version."""

from __future__ import annotations

import importlib
import inspect

import airflow_provider_clarify
from airflow_provider_clarify.get_provider_info import get_provider_info


def test_every_listed_module_and_link_imports():
    info = get_provider_info()
    for part in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[part]:
            for module in entry["python-modules"]:
                assert inspect.ismodule(importlib.import_module(module)), module
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert inspect.isclass(getattr(importlib.import_module(module), name)), link


def test_names_the_distribution_and_its_version():
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-clarify"
    assert info["versions"] == [airflow_provider_clarify.__version__]
