"""The job contract: S3 URIs split and joined, infinities written and read back as analysis.json holds them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airflow_provider_clarify import contract


def test_split_and_join_s3_uris():
    assert contract.split_s3_uri("s3://bucket/a/b.csv") == ("bucket", "a/b.csv")
    assert contract.split_s3_uri("s3://bucket") == ("bucket", "")
    assert contract.s3_uri("bucket", "a/b.csv") == "s3://bucket/a/b.csv"
    assert contract.join_uri("s3://b/out/", "analysis.json") == "s3://b/out/analysis.json"
    assert contract.join_uri("s3://b/out", "/x/", "y") == "s3://b/out/x/y"
    assert contract.is_s3_uri("s3://b/k") and not contract.is_s3_uri("/tmp/k") and not contract.is_s3_uri(3)


@pytest.mark.parametrize(
    ("uri", "fragment"), [("/local/path", "must be an S3 URI"), ("s3:///key", "no bucket")]
)
def test_bad_s3_uri_names_the_field(uri, fragment):
    with pytest.raises(contract.InvalidS3Uri, match="output_uri") as caught:
        contract.split_s3_uri(uri, what="output_uri")
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_json_ready_writes_what_analysis_json_holds():
    value = {1: (np.float64(math.inf), -math.inf, math.nan, np.int64(3)), "x": [np.bool_(True)]}
    assert contract.json_ready(value) == {"1": ["Infinity", "-Infinity", None, 3], "x": [True]}
    assert contract.encode_number(math.inf) == "Infinity" and contract.encode_number(0.5) == 0.5


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("Infinity", math.inf),
        ("+inf", math.inf),
        ("-Infinity", -math.inf),
        (None, None),
        (2, 2.0),
        ("NaN", None),
    ],
)
def test_decode_number_reads_back_every_spelling(raw, number):
    assert contract.decode_number(raw) == number


@pytest.mark.parametrize("raw", [True, "0.5", "high", [1]])
def test_decode_number_refuses_anything_else(raw):
    with pytest.raises(ValueError, match="expected a number"):
        contract.decode_number(raw)


def test_codec_round_trips():
    for number in (0.0, -1.25, 3, math.inf, -math.inf):
        assert contract.decode_number(contract.encode_number(number)) == number
