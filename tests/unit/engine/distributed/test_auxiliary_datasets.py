"""Sharded runs over a main dataset with a facet dataset joined on a key column, and with a predicted-label
dataset aligned by position: the merged output equals one process's."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, EngineOptions, run_analysis
from airflow_provider_clarify.engine.distributed import plan
from tests.unit.engine.distributed.datasets import frame, run_sharded, same_files, write

OPTIONS = EngineOptions(chunk_rows=23)
METHODS = {
    "pre_training_bias": {"methods": "all"},
    "post_training_bias": {"methods": ["DPPL", "DI", "FT", "AD"]},
}


@pytest.mark.parametrize(("files", "shards"), [(3, 1), (3, 3), (10, 8)])
def test_facet_dataset_joined_on_a_key(tmp_path, files, shards):
    """CSV files this small are read in one chunk each (one read block), and joined data is cut between chunks
    only: 8 shards need 8 files at least (shards then hold one or two files)."""
    data = frame()
    data.insert(0, "id", np.arange(len(data)))
    sizes = [len(data) // files] * (files - 1) + [len(data) - (len(data) // files) * (files - 1)]
    main = write(data.drop(columns=["race_code"]), tmp_path / "data", "text/csv", sizes=sizes)
    facets = data[["id", "race_code"]].sample(frac=1.0, random_state=3).iloc[:280]  # 20 rows find no match
    (tmp_path / "facets").mkdir()
    facets.to_csv(tmp_path / "facets/facets.csv", index=False)
    analysis = load_config(
        {
            "dataset_type": "text/csv",
            "label": "label",
            "label_values_or_threshold": [1],
            "predicted_label": "predicted",
            "facet": [{"name_or_index": "race_code", "value_or_threshold": [2]}],
            "facet_dataset_uri": str(tmp_path / "facets"),
            "joinsource_name_or_index": "id",
            "excluded_columns": ["id"],
            "methods": METHODS,
        }
    )
    run_analysis(analysis, str(main), tmp_path / "single", options=OPTIONS)
    merged = run_sharded(analysis, main, tmp_path / "sharded", shards, options=OPTIONS)
    same_files(tmp_path / "single", merged, ["analysis.json"])


def test_joined_data_is_cut_between_chunks_only(tmp_path):
    data = frame(rows=30)
    data.insert(0, "id", np.arange(30))
    main = write(data.drop(columns=["race_code"]), tmp_path / "data", "text/csv", sizes=[30])
    (tmp_path / "facets").mkdir()
    data[["id", "race_code"]].to_csv(tmp_path / "facets/facets.csv", index=False)
    analysis = load_config(
        {
            "dataset_type": "text/csv",
            "label": "label",
            "label_values_or_threshold": [1],
            "facet": [{"name_or_index": "race_code", "value_or_threshold": [2]}],
            "facet_dataset_uri": str(tmp_path / "facets"),
            "joinsource_name_or_index": "id",
            "methods": {"pre_training_bias": {"methods": ["CI"]}},
        }
    )
    with pytest.raises(
        AnalysisError, match=r"split only where the reader's chunks end, and this one is read in 1 chunk"
    ):
        plan(analysis, str(main), tmp_path / "work", 4, options=EngineOptions(chunk_rows=10))


@pytest.mark.parametrize("shards", [1, 3, 8])
def test_predicted_label_dataset_aligned_by_position(tmp_path, shards):
    data = frame()
    main = write(data.drop(columns=["predicted"]), tmp_path / "data", "text/csv", sizes=[len(data)])
    (tmp_path / "predictions").mkdir()
    data[["predicted"]].to_csv(tmp_path / "predictions/predictions.csv", index=False)
    analysis = load_config(
        {
            "dataset_type": "text/csv",
            "label": "label",
            "label_values_or_threshold": [1],
            "predicted_label": "predicted",
            "predicted_label_dataset_uri": str(tmp_path / "predictions"),
            "facet": [{"name_or_index": "sex", "value_or_threshold": [1]}],
            "group_variable": "age_group",
            "methods": METHODS,
        }
    )
    run_analysis(analysis, str(main), tmp_path / "single", options=OPTIONS)
    merged = run_sharded(analysis, main, tmp_path / "sharded", shards, options=OPTIONS)
    same_files(tmp_path / "single", merged, ["analysis.json"])


def test_aligned_datasets_of_different_lengths(tmp_path):
    data = frame()
    main = write(data.drop(columns=["predicted"]), tmp_path / "data", "text/csv", sizes=[len(data)])
    (tmp_path / "predictions").mkdir()
    data[["predicted"]].iloc[:-5].to_csv(tmp_path / "predictions/predictions.csv", index=False)
    analysis = load_config(
        {
            "dataset_type": "text/csv",
            "label": "label",
            "label_values_or_threshold": [1],
            "predicted_label": "predicted",
            "predicted_label_dataset_uri": str(tmp_path / "predictions"),
            "facet": [{"name_or_index": "sex", "value_or_threshold": [1]}],
            "methods": {"post_training_bias": {"methods": ["DPPL"]}},
        }
    )
    with pytest.raises(
        AnalysisError,
        match=r"predicted_label_dataset_uri: the predicted label dataset has at least 295 row\(s\) but the dataset has more than 300",
    ):
        plan(analysis, str(main), tmp_path / "work", 3, options=OPTIONS)
