"""Sample counts (reference §6.2) and global aggregation (reference §6.5), checked against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_clarify.engine.explain import ExplanationError
from airflow_provider_clarify.engine.explain.aggregate import aggregate
from airflow_provider_clarify.engine.explain.kernel_shap import sample_count


def test_sample_count_defaults_and_caps():
    assert sample_count(None, 14) == 2 * 14 + 2048  # 2M + 2048 < 2^14 − 2
    assert sample_count(None, 4) == 14  # capped at 2^4 − 2: exact enumeration
    assert sample_count(100, 14) == 100
    assert sample_count(100, 5) == 30
    assert sample_count(None, 40) == 2 * 40 + 2048


def test_aggregation_methods():
    values = np.array([[1.0, -2.0], [-3.0, 4.0], [2.0, 0.0]])
    np.testing.assert_allclose(aggregate(values, "mean_abs"), [2.0, 2.0])
    np.testing.assert_allclose(aggregate(values, "mean_sq"), [14 / 3, 20 / 3])
    np.testing.assert_allclose(aggregate(values, "median"), [1.0, 0.0])  # signed
    np.testing.assert_allclose(aggregate(values, None), [2.0, 2.0])
    with pytest.raises(ExplanationError, match="agg_method 'max'"):
        aggregate(values, "max")
