"""What the SageMaker SDK's clarify classes refuse in their arguments, as problems with a path and a fix.

Why a module of its own: the analysis config accepts some values that the SDK's classes refuse
(``SHAPConfig(agg_method="median")``, ``DataConfig(dataset_type="TEXT/CSV")``), and some arguments never reach the
document at all (``DataConfig(s3_compression_type=...)``, an empty ``ModelConfig()``). Code ported from the SDK must
be refused where the SDK refuses it, but with our errors: every problem at once, each naming where it is and what
to write instead. The document's own rules stay in :mod:`.validation`; a value the document schema refuses anyway
is left to it, so one mistake gives one message.

The builders call these checks when ``load_config`` reads them — after Airflow rendered their templated
arguments — never in their constructors (a constructor only sees ``"{{ params.x }}"``). Facts from the SDK's
``sagemaker.clarify`` 2.257.x (the values each class lists); no SDK code is used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from airflow_provider_clarify.config.errors import ConfigProblem
from airflow_provider_clarify.config.schema import enum_values

SDK_DATASET_TYPES = (
    "text/csv",
    "application/jsonlines",
    "application/json",
    "application/x-parquet",
    "application/x-image",
)
"""``DataConfig(dataset_type=...)``: exactly these spellings (the document also takes any case and Model
Monitor's ``application/sagemakercapturejson``)."""
SDK_ACCEPT_TYPES = ("text/csv", "application/jsonlines", "application/json")
SDK_CONTENT_TYPES = (
    "text/csv",
    "application/jsonlines",
    "application/json",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "application/x-npy",
)
SDK_AGG_METHODS = ("mean_abs", "mean_sq")
"""``SHAPConfig(agg_method=...)``: the SDK class refuses ``median`` although the container computes it."""
SDK_TEXT_GRANULARITIES = ("token", "sentence", "paragraph")
SDK_IMAGE_MODEL_TYPES = ("OBJECT_DETECTION", "IMAGE_CLASSIFICATION")
SDK_COMPRESSION_TYPES = ("None", "Gzip")
ENDPOINT_NAME_PREFIX = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])")
"""The SDK's check of ``ModelConfig(endpoint_name_prefix=...)`` (a search: only the start must match); the
document rules check the prefix more strictly (the endpoint name pattern, at most 23 characters)."""

_SHAP = ("$defs", "shap", "properties")


def text_languages() -> list[str]:
    """``TextConfig(language=...)``: the 124 names and ISO codes (the schema and the SDK list the same ones)."""
    return enum_values(*_SHAP, "text_config", "properties", "language")


def exact_choice(
    value: object, sdk_values: Sequence[str], document_values: Sequence[str], *, path: str, call: str
) -> list[ConfigProblem]:
    """A value the document would accept but the SDK class refuses (a case variant, or a value it does not list).

    ``call`` shows the argument as the user wrote it (``SHAPConfig(agg_method=...)``). Values the document refuses
    too are left to the schema's message; ``None`` means "not given".
    """
    if not isinstance(value, str) or value in sdk_values:
        return []
    if value.casefold() not in {choice.casefold() for choice in document_values}:
        return []  # the schema reports it, with its own "did you mean"
    by_case = {choice.casefold(): choice for choice in sdk_values}
    if value.casefold() in by_case:
        fix = f"write {by_case[value.casefold()]!r}"
    else:
        fix = (
            f"use one of {', '.join(map(repr, sdk_values))}, or write the analysis config as a document (a dict "
            f"or JSON), which accepts {value!r}"
        )
    return [
        ConfigProblem(
            path,
            f"{call}={value!r}) is refused by the SageMaker SDK's class, which takes exactly "
            f"{', '.join(map(repr, sdk_values))}; {fix}",
        )
    ]


def compression_problems(value: object) -> list[ConfigProblem]:
    """``DataConfig(s3_compression_type=...)``: only ``"None"`` can run.

    The SDK turns the dataset into a File-mode processing input and refuses ``"Gzip"`` there ("Data can only be
    gzipped when the input mode is Pipe"), as SageMaker itself does; it never reaches the document.
    """
    if value in (None, "None"):
        return []
    path = "DataConfig.s3_compression_type"
    if value == "Gzip":
        return [
            ConfigProblem(
                path,
                "'Gzip' cannot run: Clarify reads its dataset as a File-mode processing input, and SageMaker "
                "accepts Gzip only in Pipe mode (the SageMaker SDK refuses it too). Leave s3_compression_type at "
                "'None': the local engine reads gzip-compressed CSV files (.gz) as they are; for a managed job "
                "store them uncompressed",
            )
        ]
    return [ConfigProblem(path, f"{value!r} is not valid; the only value that runs is 'None' (the default)")]


def model_choice_problems(
    *, model_name: object, instance_count: object, instance_type: object, endpoint_name: object
) -> list[ConfigProblem]:
    """``ModelConfig``: an existing endpoint, or a model with instance type and count to deploy — exactly one.

    The SDK asserts this without a message; here the problem names the missing or conflicting arguments. What the
    document rules report anyway (a ``model_name`` without its instance type or count, ``endpoint_name_prefix``
    beside ``endpoint_name`` or not matching the endpoint name pattern) is left to them.
    """
    shadow = {"model_name": model_name, "instance_type": instance_type, "instance_count": instance_count}
    given = [name for name, value in shadow.items() if value]
    if endpoint_name and len(given) == len(shadow):
        return [
            ConfigProblem(
                "predictor.endpoint_name",
                "ModelConfig takes endpoint_name (an existing endpoint) or model_name, instance_type and "
                "instance_count (a shadow endpoint the job deploys), not both; remove one of the two",
            )
        ]
    if endpoint_name or model_name:
        return []
    if not given:
        return [
            ConfigProblem(
                "predictor",
                "ModelConfig() names no model: give endpoint_name='<existing endpoint>', or model_name, "
                "instance_type and instance_count to deploy a shadow endpoint (e.g. model_name='my-model', "
                "instance_type='ml.m5.xlarge', instance_count=1)",
            )
        ]
    return [
        ConfigProblem(
            "predictor.model_name",
            f"ModelConfig({', '.join(f'{name}=...' for name in given)}) names no model: add model_name (the "
            "SageMaker model to deploy on a shadow endpoint), or give endpoint_name to use an existing endpoint",
        )
    ]


def segmentation_problems(
    index: int, name_or_index: object, segments: object, display_aliases: object
) -> list[ConfigProblem]:
    """``SegmentationConfig``: a column, a non-empty list of segments (each a list), and one alias per segment
    (or one more, for the default segment)."""
    path = f"segment_config[{index}]"
    problems = []
    if name_or_index is None:
        problems.append(
            ConfigProblem(f"{path}.name_or_index", "SegmentationConfig needs the column (a name or an index)")
        )
    if isinstance(segments, str):
        return problems  # rendered text: typed and checked with the document
    if not isinstance(segments, list) or not segments or not all(isinstance(item, list) for item in segments):
        problems.append(
            ConfigProblem(
                f"{path}.segments",
                'must be a non-empty list of lists of values or intervals, e.g. [["[1, 4]", "(5, 6]"], ["(7, 9)"]]',
            )
        )
    elif isinstance(display_aliases, list) and len(display_aliases) not in (len(segments), len(segments) + 1):
        problems.append(
            ConfigProblem(
                f"{path}.display_aliases",
                f"has {len(display_aliases)} name(s) for {len(segments)} segment(s): give {len(segments)}, or "
                f"{len(segments) + 1} to name the default segment (the rows no segment covers) too",
            )
        )
    return problems
