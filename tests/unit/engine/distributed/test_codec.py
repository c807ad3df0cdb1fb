"""State files carry values exactly (an int stays an int, a float its every bit) and never run code."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from airflow_provider_clarify.engine.distributed import codec
from airflow_provider_clarify.engine.errors import AnalysisError


def test_round_trip_keeps_types_and_bits():
    document = {
        "values": [1, 1.0, 0.1 + 0.2, -0.0, True, None, "é", float("inf"), 2**70],
        "nested": {"array": np.arange(6, dtype=np.int64).reshape(2, 3), "scores": np.array([0.1, np.nan])},
    }
    header, back = codec.decode(codec.encode({"plan": "p"}, document), "test")
    assert header == {"plan": "p"}
    values = back["values"]
    assert [type(v) for v in values] == [int, float, float, float, bool, type(None), str, float, int]
    assert values[2] == 0.1 + 0.2 and math.copysign(1, values[3]) == -1 and values[8] == 2**70
    np.testing.assert_array_equal(back["nested"]["array"], document["nested"]["array"])
    assert back["nested"]["array"].dtype == np.int64
    assert np.isnan(back["nested"]["scores"][1])


def test_values_that_cannot_travel_are_named():
    import datetime

    with pytest.raises(AnalysisError, match=r"column 'day' holds values of type date"):
        codec.plain(datetime.date(2024, 1, 1), "column 'day'")


def test_a_pickle_is_not_a_state_file():
    with pytest.raises(AnalysisError, match="not a state file"):
        codec.decode(pickle.dumps({"a": 1}), "shards/x.zip")
    with pytest.raises(AnalysisError, match="not a state file"):
        codec.read_header(b"PK\x03\x04 broken", "shards/y.zip")
