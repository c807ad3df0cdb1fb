"""Flip test (FT), the one row-level metric (reference §9.2).

A k-NN classifier (uniform weights, Euclidean distance, the reference's k: 5 when facet a has more than 9 rows,
else 1) is fit on facet a's feature rows with their predicted labels and asked what facet d's rows would have
received. FT = (F+ − F−) / n_d with F+ = #{d: ŷ = 1, k-NN says 0} and F− = #{d: ŷ = 0, k-NN says 1}.

Speed without changing a single value: the k nearest neighbours are found with SciPy's parallel k-d tree; a
majority vote over a *set* of neighbours does not depend on the algorithm that found it, and the set is unique
unless the k-th and (k+1)-th distances tie. Rows with such a tie (duplicate or equidistant points, common with
integer features) are answered by scikit-learn's ``KNeighborsClassifier`` with the reference's exact settings, so
tie-breaking is the reference's too.

Memory: only facet a's rows are held (the reference side the neighbours are searched in, float64 because a
narrower type could change which neighbours tie); facet d's rows are queried a slice at a time
(:class:`NeighbourIndex`), and the counts F+ and F− are sums over rows, so slicing leaves every value unchanged.
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


QUERY_ROWS = 65_536
"""Facet-d rows per k-d tree query: bounds the distance and index arrays of one query (16 bytes per row and k)."""


class NeighbourIndex:
    """Facet a's rows and predictions, searched for the ``neighbours`` nearest rows of any facet-d rows.

    The k-d tree is built once over facet a; scikit-learn's reference estimator is fitted only when a row needs it
    (non-finite values, fewer rows than neighbours, or a tie at the k-th distance) and then reused.
    """

    def __init__(
        self, features_a: np.ndarray, yhat_a: np.ndarray, neighbours: int, n_jobs: int | None
    ) -> None:
        self.features_a = features_a
        self.yhat_a = yhat_a.astype(bool)
        self.neighbours = neighbours
        self.n_jobs = n_jobs
        self.finite_a = bool(np.isfinite(features_a).all())
        self._tree = None
        self._reference: KNeighborsClassifier | None = None
        if self.finite_a and len(features_a) > neighbours:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(features_a, copy_data=False)

    def reference(self) -> KNeighborsClassifier:
        if self._reference is None:
            self._reference = reference_classifier(self.neighbours, self.n_jobs).fit(
                self.features_a, self.yhat_a
            )
        return self._reference

    def counterfactual(self, features_d: np.ndarray) -> np.ndarray:
        """What facet a's nearest neighbours received, for every row of ``features_d``."""
        if len(features_d) > QUERY_ROWS:
            parts = [
                self.counterfactual(features_d[i : i + QUERY_ROWS])
                for i in range(0, len(features_d), QUERY_ROWS)
            ]
            return np.concatenate(parts)
        if self._tree is None or not np.isfinite(features_d).all():
            # scikit-learn's own errors (NaN inputs) and the tiny cases go straight to the reference estimator.
            labels: np.ndarray = self.reference().predict(features_d).astype(bool)
            return labels
        k = self.neighbours
        distances, indices = self._tree.query(features_d, k=k + 1, workers=self.n_jobs if self.n_jobs else 1)
        votes = self.yhat_a[indices[:, :k]].sum(axis=1)
        result: np.ndarray = votes * 2 > k
        kth, next_one = distances[:, k - 1], distances[:, k]
        tied = np.abs(next_one - kth) <= TIE_TOLERANCE * np.maximum(np.abs(kth), 1e-300)
        if tied.any():
            result[tied] = self.reference().predict(features_d[tied]).astype(bool)
        return result


def neighbour_count(n_a: int) -> int:
    """The reference's k: 5 when facet a has more than 9 rows, else 1."""
    return 5 if n_a > 9 else 1


def flip_counts(counterfactual: np.ndarray, yhat_d: np.ndarray) -> tuple[int, int]:
    """(F+, F−): facet-d rows predicted 1 whose neighbours got 0, and predicted 0 whose neighbours got 1."""
    model = yhat_d.astype(bool)
    return int(np.count_nonzero(model & ~counterfactual)), int(np.count_nonzero(~model & counterfactual))


def counterfactual_labels(
    features_a: np.ndarray, yhat_a: np.ndarray, features_d: np.ndarray, neighbours: int, n_jobs: int | None
) -> np.ndarray:
    """What facet a's nearest neighbours received, for every row of facet d."""
    return NeighbourIndex(features_a, yhat_a, neighbours, n_jobs).counterfactual(features_d)


def flip_test(
    features_a: np.ndarray,
    yhat_a: np.ndarray,
    features_d: np.ndarray,
    yhat_d: np.ndarray,
    *,
    n_jobs: int | None = None,
) -> float:
    """FT of facet d against facet a, every row in memory (the streaming form is :mod:`.ft_rows`)."""
    n_a, n_d = len(features_a), len(features_d)
    if n_d == 0:
        raise ValueError("Facet set is empty")
    if n_a == 0:
        raise ValueError("Negated Facet set is empty")
    counterfactual = counterfactual_labels(features_a, yhat_a, features_d, neighbour_count(n_a), n_jobs)
    flipped_to_negative, flipped_to_positive = flip_counts(counterfactual, yhat_d)
    return divide(flipped_to_negative - flipped_to_positive, n_d)
