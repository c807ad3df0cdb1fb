"""Importable in-process models for the ``module:callable`` form of the predictor override."""

from __future__ import annotations


def csv_sum_model(body: bytes) -> str:
    """Scores each CSV line by the sum of its fields divided by 10: a model whose outputs a test can predict."""
    lines = body.decode().splitlines()
    return "\n".join(str(sum(float(v) for v in line.split(",")) / 10) for line in lines)


def jsonlines_echo_count(body: bytes) -> str:
    """One {"score": n} per request line, where n is the number of features the line carried."""
    import json

    return "\n".join(json.dumps({"score": len(json.loads(line)["f"])}) for line in body.decode().splitlines())
