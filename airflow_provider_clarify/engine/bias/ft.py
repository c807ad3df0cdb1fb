"""Flip test (FT), the one row-level metric (SPEC §9.2).

A k-NN classifier (uniform weights, Minkowski p = 2, the reference's k: 5 when facet a has more than 9 rows,
else 1) is fit on facet a's feature rows with their predicted labels and asked what facet d's rows would have
received. Using scikit-learn's same estimator keeps neighbour choice (and ties) identical to the reference; the
queries run in parallel (``n_jobs``), which does not change results.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from .safe_math import divide

NON_NUMERIC = "FlipTest does not support non-numeric columns"


def flip_test(
    features_a: np.ndarray,
    yhat_a: np.ndarray,
    features_d: np.ndarray,
    yhat_d: np.ndarray,
    *,
    n_jobs: int | None = None,
) -> float:
    """FT = (F+ − F−) / n_d with F+ = #{d: ŷ = 1, k-NN says 0}, F− = #{d: ŷ = 0, k-NN says 1}."""
    n_a, n_d = len(features_a), len(features_d)
    if n_d == 0:
        raise ValueError("Facet set is empty")
    if n_a == 0:
        raise ValueError("Negated Facet set is empty")
    neighbours = 5 if n_a > 9 else 1
    knn = KNeighborsClassifier(
        n_neighbors=neighbours,
        weights="uniform",
        algorithm="auto",
        leaf_size=30,
        p=2,
        metric="minkowski",
        n_jobs=n_jobs,
    )
    knn.fit(features_a, yhat_a.astype(bool))
    counterfactual = knn.predict(features_d).astype(bool)
    model = yhat_d.astype(bool)
    flipped_to_negative = int(np.count_nonzero(model & ~counterfactual))
    flipped_to_positive = int(np.count_nonzero(~model & counterfactual))
    return divide(flipped_to_negative - flipped_to_positive, n_d)
