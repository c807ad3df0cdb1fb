"""The files an image explanation publishes, their names, and publishing them all-or-nothing.

Names follow the managed job where its examples show them (the Clarify object-detection example reads
``shap_<image>_box<k>_object.jpeg`` per explained box and ``<image>_objects.jpeg`` with the boxes drawn, in the
output folder itself); the image-classification heatmap, for which no source shows a name, is
``shap_<image>.jpeg`` by the same pattern. ``<image>`` is the image's path relative to the dataset root without
its extension, folders joined by ``_``.

The machine-readable result is ``explanations_shap/image_explanations.jsonl``: one line per explained image
(classification) or box (detection), with ``image``, ``label``, ``box`` (detection, pixels), ``score``
(detection: the model's confidence for the box), ``expected_value`` (the value of the all-masked image),
``prediction`` (the value of the unmasked image; ``sum(shap_values) == prediction - expected_value``),
``shap_values`` (index = segment id), ``segments`` (``.npy`` of each pixel's segment id, relative to the output
folder) and ``heatmap``.

Everything is written to a hidden staging folder inside the output folder and moved into place only when the
whole run succeeded, so a failure at image 900 of 1000 publishes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from ...contract import SHAP_DIR
from ..output import NEW_FILE_MODE
from .heatmap import save_jpeg

EXPLANATIONS_FILE = "image_explanations.jsonl"
EXPLANATIONS_PATH = f"{SHAP_DIR}/{EXPLANATIONS_FILE}"
SEGMENTS_DIR = f"{SHAP_DIR}/segments"


class StemNames:
    """File stems of images, unique within a run (``a/b.jpg`` → ``a_b``; a clash gets ``_2``, ``_3``...)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def stem(self, name: str) -> str:
        path = PurePosixPath(name)
        base = str(path.with_suffix("")).replace("/", "_")
        stem, count = base, 1
        while stem in self._used:
            count += 1
            stem = f"{base}_{count}"
        self._used.add(stem)
        return stem


def classification_heatmap(stem: str, class_index: int | None = None) -> str:
    """``shap_<stem>.jpeg`` for the predicted class; ``shap_<stem>_class<i>.jpeg`` for a class asked for."""
    return f"shap_{stem}.jpeg" if class_index is None else f"shap_{stem}_class{class_index}.jpeg"


def box_heatmap(stem: str, number: int) -> str:
    """``shap_<stem>_box<k>_object.jpeg``: the heatmap of explained box ``k`` (1 = highest score)."""
    return f"shap_{stem}_box{number}_object.jpeg"


def objects_picture_name(stem: str) -> str:
    return f"{stem}_objects.jpeg"


def segments_file(stem: str) -> str:
    return f"{SEGMENTS_DIR}/{stem}.npy"


class Publisher:
    """Stages output files and moves them into ``output_dir`` on :meth:`publish` (nothing without an output dir)."""

    def __init__(self, output_dir: Path | None) -> None:
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.staged: list[str] = []
        self._staging: Path | None = None
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            self._staging = Path(tempfile.mkdtemp(prefix=".clarify-images-", dir=self.output_dir))

    def _target(self, relative: str) -> Path | None:
        if self._staging is None:
            return None
        path = self._staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self.staged.append(relative)
        return path

    def jpeg(self, relative: str, picture: np.ndarray) -> None:
        path = self._target(relative)
        if path is not None:
            save_jpeg(picture, path)

    def npy(self, relative: str, array: np.ndarray) -> None:
        path = self._target(relative)
        if path is not None:
            np.save(path, array, allow_pickle=False)

    def jsonl(self, relative: str, records: list[dict[str, Any]]) -> None:
        path = self._target(relative)
        if path is not None:
            with path.open("w", encoding="utf-8", newline="\n") as stream:
                for record in records:
                    stream.write(json.dumps(record, ensure_ascii=False, allow_nan=False))
                    stream.write("\n")

    def publish(self) -> None:
        """Move every staged file into place (each move is an atomic rename), then drop the staging folder."""
        if self._staging is None or self.output_dir is None:
            return
        for relative in self.staged:
            target = self.output_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            source = self._staging / relative
            os.chmod(source, NEW_FILE_MODE)
            os.replace(source, target)
        self.discard()

    def discard(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
