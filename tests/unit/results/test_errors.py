"""The results layer's error is a plain ValueError: callers without Airflow catch it as such."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.results import ClarifyResult, ClarifyResultError


def test_result_errors_are_value_errors():
    with pytest.raises(ValueError, match="not a Clarify result") as caught:
        ClarifyResult.from_xcom({"rows": 1})
    assert isinstance(caught.value, ClarifyResultError)
