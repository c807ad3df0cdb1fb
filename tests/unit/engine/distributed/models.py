"""In-process models for sharded-run tests, named ``module:callable`` so a plan records them for every step.

Both read the text/csv request body the engine sends (one record per line, the model features in dataset order:
sex, race_code, age, priors, score, age_group) and answer one CSV line per record.
"""

from __future__ import annotations


def _records(body: bytes) -> list[list[float]]:
    return [[float(value) for value in line.split(",")] for line in body.decode().splitlines()]


def labels(body: bytes) -> str:
    """Predicted label 1 when score + 0.2 · (race_code == 1) > 0.6."""
    return "\n".join(str(int(r[4] + 0.2 * (r[1] == 1) > 0.6)) for r in _records(body))


def probability(body: bytes) -> str:
    """A probability that grows with score and age and falls with priors (PDP has something to show)."""
    return "\n".join(repr(min(1.0, max(0.0, 0.5 * r[4] + r[2] / 200 - r[3] / 50))) for r in _records(body))


def text_score(body: bytes) -> str:
    """A probability from a review (its words "good" and "bad") and a rating: text is explained by its tokens."""
    import csv
    import io
    import math

    scores = []
    for rating, review in csv.reader(io.StringIO(body.decode())):
        words = review.lower().split()
        logit = 0.8 * words.count("good") - 0.9 * words.count("bad") + 0.3 * (float(rating) - 3)
        scores.append(repr(1 / (1 + math.exp(-logit))))
    return "\n".join(scores)
