"""What a shard and the merge both start from: the verified plan, its config and options, the dataset rebuilt
from the plan's state (with the files this step reads), the column roles, and the model when one is needed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...config import AnalysisConfig, load_config
from ..data.dataset import TabularDataset
from ..data.file_source import FACET_DATASET
from ..data.sources import S3Client, list_files
from ..errors import AnalysisError
from ..models import Model
from ..options import EngineOptions
from ..predictors import PredictorError, build_model
from ..roles import ColumnRoles
from ..run import AnalysisRun, Warn
from .dataset_state import restore_dataset, restore_roles
from .document import Plan, restore_options, step_overrides
from .inputs import InputFile, fetch_main_files
from .pieces import Piece

PROFILED_IN_SHARDS = "shards"
"""Each shard profiles and counts its rows; the merge merges the profiles (every count-based metric)."""
PROFILED_IN_PLAN = "plan"
"""The plan profiles the data (FT needs the facet groups before any shard compares rows); shards run FT."""


@dataclass
class StepInputs:
    """The plan's view of the analysis, as one step of it reads it."""

    plan: Plan
    config: AnalysisConfig
    options: EngineOptions
    roles: ColumnRoles
    listing: list[InputFile]

    @classmethod
    def of(cls, plan: Plan, options: EngineOptions | None) -> StepInputs:
        config = load_config(plan["config"])
        merged = restore_options(plan["options"], step_overrides(options))
        listing = [InputFile.from_list(item) for item in plan["inputs"]]
        return cls(plan, config, merged, restore_roles(plan["roles"]), listing)

    @property
    def bias_mode(self) -> str | None:
        """Where the bias first pass runs: :data:`PROFILED_IN_SHARDS`, :data:`PROFILED_IN_PLAN` or None."""
        bias = self.plan["bias"]
        return None if bias is None else str(bias["mode"])

    def pieces(self, index: int) -> list[Piece]:
        return [Piece.from_list(item) for item in self.plan["pieces"][index]]

    @property
    def chunks(self) -> list[list[int]] | None:
        chunks = self.plan["chunks"]
        return None if chunks is None else [[int(size) for size in sizes] for sizes in chunks]

    def dataset(self, files: Collection[int], *, s3_client: S3Client | None, scratch: Path) -> TabularDataset:
        """The planned dataset, main files ``files`` readable (and the auxiliary datasets, read in full)."""
        uri = str(self.plan["dataset_uri"])
        main = fetch_main_files(uri, self.listing, files, s3_client=s3_client, scratch=scratch)
        config = self.config

        def auxiliary_files(index: int, field: str) -> list[Path]:
            source = (
                config.facet_dataset_uri if field == FACET_DATASET else config.predicted_label_dataset_uri
            )
            if source is None:
                raise AnalysisError(f"internal: the plan has a {field} dataset the config does not name")
            return list_files(source, field, s3_client=s3_client, scratch=scratch)

        return restore_dataset(self.plan["dataset"], main, auxiliary_files)

    def run(self, warn: Warn, s3_client: S3Client | None, output_dir: Path | None = None) -> AnalysisRun:
        return AnalysisRun(self.config, self.roles, self.options, warn, s3_client, output_dir)

    def model(self, predictor: object, runtime_client: object) -> Model:
        """The model of the analysis: ``predictor`` as given to this step, else the one the plan recorded."""
        chosen = predictor if predictor is not None else self.plan["predictor"]
        if isinstance(chosen, str) and chosen.startswith("<in-process "):
            raise AnalysisError(
                f"predictor: the plan was made with an in-process model ({chosen}); pass the same model to every "
                "shard and to the merge (predictor=...)"
            )
        try:
            return build_model(
                self.config,
                predictor=chosen,
                sagemaker_runtime_client=runtime_client,
                options=self.options,
                feature_names=list(self.roles.features),
            )
        except PredictorError as error:
            raise AnalysisError(str(error)) from error


def needs_model_for_bias(inputs: StepInputs) -> bool:
    """Post-training bias with predicted labels from the model (no predicted-label column)."""
    return inputs.config.methods.post_training_bias is not None and inputs.roles.predicted_label is None


def shard_records(inputs: StepInputs, index: int) -> tuple[int, int]:
    """The positions of shard ``index``'s explained records among all records: [start, end)."""
    starts: list[Any] = inputs.plan["explanations"]["records"]
    return int(starts[index]), int(starts[index + 1])
