"""Golden values: the reference's German-credit figures (reference §9.3) and the Adult dataset (sex, race facets).

German credit: the published metric values pin down the confusion counts per facet (ForeignWorker = 1 is facet
d): a: n = 32, TP 27, FP 1, FN 1, TN 3; d: n = 868, TP 556, FP 31, FN 52, TN 229 (e.g. CI = (32 − 868)/900 =
−0.928889; DPPL = 28/32 − 587/868 = 0.198733). A dataset with exactly those counts must reproduce the published
count-based values. The group variable of the original data is not public, so CDDL/CDDPL are checked against an
independent computation on a synthetic A151 column, and FT has its own hand-worked test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis

from .conftest import load
from .reference import metric_values, posttraining, pretraining

GERMAN_PUBLISHED_PRE = {
    "CI": -0.9288888888888889,
    "DPL": 0.17453917050691248,
    "KL": 0.08543332780657628,
    "JS": 0.023326469309177138,
    "KS": 0.17453917050691248,
    "LP": 0.2468356620962257,
    "TVD": 0.17453917050691245,
}
GERMAN_PUBLISHED_POST = {
    "AD": 0.03312211981566815,
    "DAR": 0.017096617181796114,
    "DCA": -0.035775127768313375,
    "DCR": -0.07473309608540923,
    "DI": 0.7728768926925609,
    "DPPL": 0.19873271889400923,
    "DRR": 0.06494661921708189,
    "GE": 0.04922014234295094,
    "RD": 0.049812030075187974,
    "SD": 0.13076923076923075,
    "TE": 0.6774193548387097,
}


def german_credit_equivalent() -> pd.DataFrame:
    cells = {  # (ForeignWorker, label, predicted) → count; label 1 = good (positive), 2 = bad
        (0, 1, 1): 27, (0, 2, 1): 1, (0, 1, 2): 1, (0, 2, 2): 3,
        (1, 1, 1): 556, (1, 2, 1): 31, (1, 1, 2): 52, (1, 2, 2): 229,
    }  # fmt: skip
    rows = []
    for (facet, label, predicted), count in cells.items():
        rows.extend(
            {"ForeignWorker": facet, "Class1Good2Bad": label, "Prediction": predicted} for _ in range(count)
        )
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=7).reset_index(drop=True)
    frame["A151"] = [(i * 7) % 3 == 0 for i in range(len(frame))]
    frame["A151"] = frame["A151"].astype(int)
    frame["Duration"] = [(i * 13) % 48 + 6 for i in range(len(frame))]
    return frame


def test_german_credit_published_values(write_csv, output_dir):
    frame = german_credit_equivalent()
    path = write_csv(frame)
    config = {
        "dataset_type": "text/csv",
        "label": "Class1Good2Bad",
        "label_values_or_threshold": [1],
        "predicted_label": "Prediction",
        "facet": [{"name_or_index": "ForeignWorker", "value_or_threshold": [1]}],
        "group_variable": "A151",
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": [m for m in GERMAN_PUBLISHED_POST] + ["CDDPL"]},
        },
    }
    result = run_analysis(load_config(config), path, output_dir)
    assert load(output_dir) == result
    pre = metric_values(result["pre_training_bias_metrics"], "ForeignWorker")
    post = metric_values(result["post_training_bias_metrics"], "ForeignWorker")
    for name, value in GERMAN_PUBLISHED_PRE.items():
        assert pre[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    for name, value in GERMAN_PUBLISHED_POST.items():
        assert post[name] == pytest.approx(value, rel=1e-12), name
    d = frame["ForeignWorker"] == 1
    y = frame["Class1Good2Bad"] == 1
    yhat = frame["Prediction"] == 1
    assert pre["CDDL"] == pytest.approx(pretraining(d, y, frame["A151"])["CDDL"], rel=1e-12)
    assert post["CDDPL"] == pytest.approx(posttraining(d, y, yhat, frame["A151"])["CDDPL"], rel=1e-12)
    section = result["pre_training_bias_metrics"]
    assert section["label"] == "Class1Good2Bad"
    assert section["label_value_or_threshold"] == "1"
    assert section["facets"]["ForeignWorker"][0]["value_or_threshold"] == "1"
    names = [m["name"] for m in section["facets"]["ForeignWorker"][0]["metrics"]]
    assert names == ["CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD"]


def test_adult_sex_and_race(adult_csv, output_dir):
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [">50K"],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}, {"name_or_index": "race"}],
        "group_variable": "relationship",
        "methods": {"pre_training_bias": {"methods": "all"}},
    }
    result = run_analysis(load_config(config), adult_csv, output_dir)
    frame = pd.read_csv(adult_csv)
    y = frame["income"] == ">50K"
    section = result["pre_training_bias_metrics"]
    expected = pretraining(frame["sex"] == "Female", y, frame["relationship"])
    got = metric_values(section, "sex")
    assert got == pytest.approx(expected, rel=1e-12)
    races = list(frame["race"].unique())  # one-vs-rest in order of first appearance
    assert [entry["value_or_threshold"] for entry in section["facets"]["race"]] == races
    for index, race in enumerate(races):
        expected = pretraining(frame["race"] == race, y, frame["relationship"])
        assert metric_values(section, "race", index) == pytest.approx(expected, rel=1e-12), race


def test_adult_numeric_threshold_facet(adult_csv, output_dir):
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [">50K"],
        # fnlwgt is an integer column with >= 5 % distinct values: continuous, so [200000] is a threshold.
        # (age, with 74 distinct values in 48842 rows, is categorical under the same rule.)
        "facet": [
            {"name_or_index": "fnlwgt", "value_or_threshold": [200000]},
            {"name_or_index": "age", "value_or_threshold": [40]},
        ],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL", "KL"]}},
    }
    result = run_analysis(load_config(config), adult_csv, output_dir)
    frame = pd.read_csv(adult_csv)
    section = result["pre_training_bias_metrics"]
    assert section["facets"]["fnlwgt"][0]["value_or_threshold"] == f"(200000, {frame['fnlwgt'].max()}]"
    expected = pretraining(frame["fnlwgt"] > 200000, frame["income"] == ">50K")
    assert metric_values(section, "fnlwgt") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL", "KL")}, rel=1e-12
    )
    assert section["facets"]["age"][0]["value_or_threshold"] == "40"
    expected = pretraining(frame["age"] == 40, frame["income"] == ">50K")
    assert metric_values(section, "age") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL", "KL")}, rel=1e-12
    )
