"""The local engine reads datasets from S3 (SeaweedFS on loopback) through the boto3 client it is given."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis


def sample() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "id": np.arange(600),
            "x": rng.normal(size=600).round(3),
            "gender": rng.choice(["m", "f"], size=600),
            "label": rng.choice(["yes", "no"], size=600),
        }
    )
    frame["prediction"] = np.where(rng.random(600) < 0.7, frame["label"], "no")
    return frame


CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "predicted_label": "prediction",
    "label_values_or_threshold": ["yes"],
    "facet": [{"name_or_index": "gender", "value_or_threshold": ["f"]}],
    "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
}


def put_csv(s3_client, bucket: str, key: str, frame: pd.DataFrame, header: bool = True) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=header)
    s3_client.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue().encode())


def test_prefix_of_part_files_equals_local_file(s3_client, bucket, tmp_path):
    frame = sample()
    for index, start in enumerate(range(0, 600, 200)):
        put_csv(s3_client, bucket, f"data/train/part-{index:05d}.csv", frame.iloc[start : start + 200])
    put_csv(s3_client, bucket, "data/other/ignored.csv", frame.iloc[:5])  # outside the prefix
    frame.to_csv(tmp_path / "all.csv", index=False)
    warnings: list[str] = []
    remote = run_analysis(
        load_config(CONFIG),
        f"s3://{bucket}/data/train",
        tmp_path / "remote",
        s3_client=s3_client,
        warnings=warnings,
    )
    local = run_analysis(load_config(CONFIG), tmp_path / "all.csv", tmp_path / "local")
    assert remote == local
    assert (tmp_path / "remote" / "analysis.json").exists()


def test_dataset_uri_in_config_and_joined_facet_dataset_on_s3(s3_client, bucket, tmp_path):
    frame = sample()
    put_csv(s3_client, bucket, "main/data.csv", frame.drop(columns=["gender"]))
    put_csv(s3_client, bucket, "facets/a.csv", frame[["id", "gender"]].iloc[::-1].iloc[:300], header=False)
    put_csv(s3_client, bucket, "facets/b.csv", frame[["id", "gender"]].iloc[::-1].iloc[300:], header=False)
    config = dict(
        CONFIG,
        dataset_uri=f"s3://{bucket}/main/data.csv",
        facet_dataset_uri=f"s3://{bucket}/facets/",
        facet_headers=["id", "gender"],
        joinsource_name_or_index="id",
    )
    config["methods"] = {"pre_training_bias": {"methods": ["CI", "DPL"]}}
    result = run_analysis(load_config(config), None, tmp_path / "out", s3_client=s3_client)
    d = frame["gender"] == "f"
    y = frame["label"] == "yes"
    values = {
        m["name"]: m["value"] for m in result["pre_training_bias_metrics"]["facets"]["gender"][0]["metrics"]
    }
    assert values["CI"] == pytest.approx(((~d).sum() - d.sum()) / len(frame))
    assert values["DPL"] == pytest.approx((y & ~d).sum() / (~d).sum() - (y & d).sum() / d.sum())


def test_missing_prefix_is_a_clear_error(s3_client, bucket, tmp_path):
    with pytest.raises(AnalysisError, match="dataset_uri: no objects under"):
        run_analysis(
            load_config(CONFIG), f"s3://{bucket}/nothing-here/", tmp_path / "out", s3_client=s3_client
        )
    assert not (tmp_path / "out").exists()


def test_s3_dataset_without_a_client_is_a_clear_error(tmp_path, bucket):
    with pytest.raises(AnalysisError, match="no S3 client was given"):
        run_analysis(load_config(CONFIG), f"s3://{bucket}/data.csv", tmp_path / "out")
