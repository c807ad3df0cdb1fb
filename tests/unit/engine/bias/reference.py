"""Test-side, independent computation of bias metrics from pandas boolean masks (textbook formulas of reference §9).

Deliberately written differently from the engine (row masks instead of contingency tables) so agreement means
something.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _div(p: float, q: float) -> float:
    if q == 0:
        return 0.0 if p == 0 else math.copysign(math.inf, p)
    return p / q


def pretraining(d: pd.Series, y: pd.Series, group: pd.Series | None = None) -> dict[str, float]:
    d, y = d.astype(bool), y.astype(bool)
    n_a, n_d = int((~d).sum()), int(d.sum())
    q_a, q_d = int((~d & y).sum()) / n_a, int((d & y).sum()) / n_d
    p_a = np.array([1 - q_a, q_a])
    p_d = np.array([1 - q_d, q_d])
    keep = (p_a > 0) & (p_d > 0)
    p_a, p_d = p_a[keep], p_d[keep]
    mix = (p_a + p_d) / 2
    out = {
        "CI": (n_a - n_d) / (n_a + n_d),
        "DPL": q_a - q_d,
        "KL": float(np.sum(p_a * np.log(p_a / p_d))),
        "JS": float(0.5 * (np.sum(p_a * np.log(p_a / mix)) + np.sum(p_d * np.log(p_d / mix)))),
        "LP": float(np.sqrt(np.sum((p_a - p_d) ** 2))),
        "TVD": float(0.5 * np.sum(np.abs(p_a - p_d))),
        "KS": float(np.max(np.abs(p_a - p_d))),
    }
    if group is not None:
        out["CDDL"] = cdd(d, y, group)
    return out


def cdd(d: pd.Series, outcome: pd.Series, group: pd.Series) -> float:
    total, weighted = 0, 0.0
    for value in sorted(group.unique()):
        in_group = group == value
        accepted = int((in_group & outcome).sum())
        rejected = int((in_group & ~outcome).sum())
        share_accepted = int((in_group & outcome & d).sum()) / accepted if accepted else 0.0
        share_rejected = int((in_group & ~outcome & d).sum()) / rejected if rejected else 0.0
        weighted += int(in_group.sum()) * (share_rejected - share_accepted)
        total += int(in_group.sum())
    return weighted / total


def posttraining(
    d: pd.Series, y: pd.Series, yhat: pd.Series, group: pd.Series | None = None
) -> dict[str, float]:
    d, y, yhat = d.astype(bool), y.astype(bool), yhat.astype(bool)

    def count(mask: pd.Series) -> int:
        return int(mask.sum())

    tp = {g: count(m & y & yhat) for g, m in (("a", ~d), ("d", d))}
    fp = {g: count(m & ~y & yhat) for g, m in (("a", ~d), ("d", d))}
    fn = {g: count(m & y & ~yhat) for g, m in (("a", ~d), ("d", d))}
    tn = {g: count(m & ~y & ~yhat) for g, m in (("a", ~d), ("d", d))}
    n = {g: tp[g] + fp[g] + fn[g] + tn[g] for g in "ad"}
    qh = {g: (tp[g] + fp[g]) / n[g] for g in "ad"}

    def diff(first: float, second: float) -> float:
        return 0.0 if first == second == math.inf else first - second

    out = {
        "DPPL": qh["a"] - qh["d"],
        "DI": _div(qh["d"], qh["a"]),
        "DCA": diff(_div(tp["a"] + fn["a"], tp["a"] + fp["a"]), _div(tp["d"] + fn["d"], tp["d"] + fp["d"])),
        "DCR": diff(_div(tn["d"] + fp["d"], tn["d"] + fn["d"]), _div(tn["a"] + fp["a"], tn["a"] + fn["a"])),
        "RD": diff(_div(tp["a"], tp["a"] + fn["a"]), _div(tp["d"], tp["d"] + fn["d"])),
        "SD": diff(_div(tn["d"], tn["d"] + fp["d"]), _div(tn["a"], tn["a"] + fp["a"])),
        "DAR": diff(_div(tp["a"], tp["a"] + fp["a"]), _div(tp["d"], tp["d"] + fp["d"])),
        "DRR": diff(_div(tn["d"], tn["d"] + fn["d"]), _div(tn["a"], tn["a"] + fn["a"])),
        "AD": diff(_div(tp["a"] + tn["a"], n["a"]), _div(tp["d"] + tn["d"], n["d"])),
        "TE": diff(_div(fn["d"], fp["d"]), _div(fn["a"], fp["a"])),
    }
    benefit = yhat.astype(int) - y.astype(int) + 1
    mean = benefit.mean()
    out["GE"] = float(((benefit / mean) ** 2 - 1).sum() / (len(benefit) * 2))
    if group is not None:
        out["CDDPL"] = cdd(d, yhat, group)
    return out


def metric_values(section: dict, facet: str, index: int = 0) -> dict[str, float | None]:
    return {m["name"]: m["value"] for m in section["facets"][facet][index]["metrics"]}
