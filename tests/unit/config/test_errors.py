"""ClarifyConfigError carries every problem with its JSON path; paths are built one way."""

from __future__ import annotations

import pickle

from airflow_provider_clarify.config.errors import ClarifyConfigError, ConfigProblem, join_path


def test_join_path():
    assert join_path("$", "methods") == "methods"
    assert join_path("methods", "shap") == "methods.shap"
    assert join_path("facet", 1) == "facet[1]"
    assert join_path("$", 0) == "[0]"


def test_error_lists_problems_once_in_order_and_pickles():
    problems = [ConfigProblem("b", "second"), ConfigProblem("a", "first"), ConfigProblem("b", "second")]
    error = ClarifyConfigError(problems)
    assert error.problems == problems[:2]
    assert error.paths == ["b", "a"]
    assert str(error) == "invalid analysis config (2 problems)\n  - b: second\n  - a: first"
    assert pickle.loads(pickle.dumps(error)).problems == error.problems


def test_text_becomes_one_problem_at_the_root_or_given_path():
    assert ClarifyConfigError("broken").problems == [ConfigProblem("$", "broken")]
    assert ClarifyConfigError("bad", path="label").paths == ["label"]
