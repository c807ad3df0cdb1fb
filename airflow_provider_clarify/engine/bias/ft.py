"""Flip test (FT), the one row-level metric (SPEC §9.2).

A k-NN classifier (uniform weights, Euclidean distance, the reference's k: 5 when facet a has more than 9 rows,
else 1) is fit on facet a's feature rows with their predicted labels and asked what facet d's rows would have
received. FT = (F+ − F−) / n_d with F+ = #{d: ŷ = 1, k-NN says 0} and F− = #{d: ŷ = 0, k-NN says 1}.

Speed without changing a single value: the k nearest neighbours are found with SciPy's parallel k-d tree; a
majority vote over a *set* of neighbours does not depend on the algorithm that found it, and the set is unique
unless the k-th and (k+1)-th distances tie. Rows with such a tie (duplicate or equidistant points, common with
integer features) are answered by scikit-learn's ``KNeighborsClassifier`` with the reference's exact settings, so
tie-breaking is the reference's too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .safe_math import divide

if TYPE_CHECKING:
    from sklearn.neighbors import KNeighborsClassifier

# scikit-learn and SciPy's k-d tree are imported where FT runs: importing them costs seconds, and most analyses
# (and every engine CLI start) never compute FT.

NON_NUMERIC = "FlipTest does not support non-numeric columns"
TIE_TOLERANCE = 1e-9


def reference_classifier(neighbours: int, n_jobs: int | None) -> KNeighborsClassifier:
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(
        n_neighbors=neighbours,
        weights="uniform",
        algorithm="auto",
        leaf_size=30,
        p=2,
        metric="minkowski",
        metric_params=None,
        n_jobs=n_jobs,
    )


def counterfactual_labels(
    features_a: np.ndarray, yhat_a: np.ndarray, features_d: np.ndarray, neighbours: int, n_jobs: int | None
) -> np.ndarray:
    """What facet a's nearest neighbours received, for every row of facet d."""
    yhat_a = yhat_a.astype(bool)
    finite = np.isfinite(features_a).all() and np.isfinite(features_d).all()
    if not finite or len(features_a) <= neighbours:
        # scikit-learn's own errors (NaN inputs) and the tiny cases go straight to the reference estimator.
        labels: np.ndarray = (
            reference_classifier(neighbours, n_jobs).fit(features_a, yhat_a).predict(features_d).astype(bool)
        )
        return labels
    from scipy.spatial import cKDTree

    tree = cKDTree(features_a)
    distances, indices = tree.query(features_d, k=neighbours + 1, workers=n_jobs if n_jobs else 1)
    votes = yhat_a[indices[:, :neighbours]].sum(axis=1)
    result: np.ndarray = votes * 2 > neighbours
    kth, next_one = distances[:, neighbours - 1], distances[:, neighbours]
    tied = np.abs(next_one - kth) <= TIE_TOLERANCE * np.maximum(np.abs(kth), 1e-300)
    if tied.any():
        fallback = reference_classifier(neighbours, n_jobs).fit(features_a, yhat_a)
        result[tied] = fallback.predict(features_d[tied]).astype(bool)
    return result


def flip_test(
    features_a: np.ndarray,
    yhat_a: np.ndarray,
    features_d: np.ndarray,
    yhat_d: np.ndarray,
    *,
    n_jobs: int | None = None,
) -> float:
    n_a, n_d = len(features_a), len(features_d)
    if n_d == 0:
        raise ValueError("Facet set is empty")
    if n_a == 0:
        raise ValueError("Negated Facet set is empty")
    neighbours = 5 if n_a > 9 else 1
    counterfactual = counterfactual_labels(features_a, yhat_a, features_d, neighbours, n_jobs)
    model = yhat_d.astype(bool)
    flipped_to_negative = int(np.count_nonzero(model & ~counterfactual))
    flipped_to_positive = int(np.count_nonzero(~model & counterfactual))
    return divide(flipped_to_negative - flipped_to_positive, n_d)
