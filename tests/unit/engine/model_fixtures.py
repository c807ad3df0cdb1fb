"""Importable in-process models for the ``module:callable`` form of the predictor override."""

from __future__ import annotations


def csv_sum_model(body: bytes) -> str:
    """Scores each CSV line by the sum of its fields divided by 10: a model whose outputs a test can predict."""
    lines = body.decode().splitlines()
    return "\n".join(str(sum(float(v) for v in line.split(",")) / 10) for line in lines)


def frame_sum_model(records):
    """``csv_sum_model`` on typed records: an unannotated first parameter receives the records as a DataFrame."""
    frame_sum_model.seen.append(records)
    return records.sum(axis=1).to_numpy() / 10


frame_sum_model.seen = []


def body_named_sum_model(body):
    """``csv_sum_model`` declared by its parameter's name alone (``body``, unannotated): it gets the bytes."""
    return csv_sum_model(body)


def jsonlines_echo_count(body: bytes) -> str:
    """One {"score": n} per request line, where n is the number of features the line carried."""
    import json

    return "\n".join(json.dumps({"score": len(json.loads(line)["f"])}) for line in body.decode().splitlines())


class CsvFunctionModel:
    """An in-process model behind the text/csv contract: parses each request line into floats and answers
    ``function(values)`` (a float or a list of floats) as one CSV line."""

    def __init__(self, function):
        self.function = function
        self.records = 0

    def __call__(self, body: bytes) -> str:
        lines = body.decode().splitlines()
        self.records += len(lines)
        answers = []
        for line in lines:
            result = self.function([float(v) for v in line.split(",")])
            answers.append(
                ",".join(repr(float(v)) for v in result) if isinstance(result, list) else repr(float(result))
            )
        return "\n".join(answers)
