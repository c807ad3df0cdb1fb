"""The bias-metric registry: names by stage in the reference's order (docs/reference.md §9), one description per name."""

from __future__ import annotations

from airflow_provider_clarify.config import metrics


def test_every_metric_has_one_stage_and_one_description():
    names = [*metrics.PRE_TRAINING_METRICS, *metrics.POST_TRAINING_METRICS]
    assert len(names) == len(set(names)) == 21
    assert set(metrics.METRIC_DESCRIPTIONS) == set(names) == set(metrics.METRIC_STAGES)
    assert {metrics.METRIC_STAGES[name] for name in metrics.PRE_TRAINING_METRICS} == {"pre_training"}
    assert {metrics.METRIC_STAGES[name] for name in metrics.POST_TRAINING_METRICS} == {"post_training"}


def test_descriptions_end_with_the_metric_name():
    for name, description in metrics.METRIC_DESCRIPTIONS.items():
        assert description.endswith(f"({name})"), description
