"""render_config stays an alias of load_config(source, rendered=True) while the operators move over."""

from __future__ import annotations

from airflow_provider_clarify.config import load_config, render_config
from tests.unit.config.documents import SHAP_CSV, variant


def test_render_config_is_load_config_rendered():
    rendered = variant(SHAP_CSV, **{"methods.shap.num_samples": "64"})
    assert render_config(rendered) == load_config(rendered, rendered=True)
    assert render_config(rendered).methods.shap.num_samples == 64
