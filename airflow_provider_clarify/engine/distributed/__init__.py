"""One analysis across many workers: ``plan`` → ``run_shard`` (one per shard, anywhere) → ``merge``.

The three steps share a *work folder* (a local directory or an ``s3://`` prefix): the plan writes ``plan.json``
and its artefacts, each shard its partial state, and the merge writes the same ``analysis.json`` (SHAP files,
report) that one ``run_analysis`` over the whole dataset writes. No Airflow here: the operators in
``airflow_provider_clarify.operators.sharded`` run these functions as mapped tasks, and the engine CLI runs them as
``plan`` / ``shard`` / ``merge`` subcommands. docs/distributed.md explains the design and its costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .document import PlanInfo
    from .merging import merge
    from .planning import plan
    from .shard import ShardInfo, run_shard

__all__ = ["PlanInfo", "ShardInfo", "merge", "plan", "run_shard"]


def __getattr__(name: str) -> Any:
    """The steps import the numeric stack; importing the package (e.g. at DAG-parse time) does not."""
    if name == "plan":
        from .planning import plan

        return plan
    if name in ("run_shard", "ShardInfo"):
        from . import shard

        return getattr(shard, name)
    if name == "merge":
        from .merging import merge

        return merge
    if name == "PlanInfo":
        from .document import PlanInfo

        return PlanInfo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
