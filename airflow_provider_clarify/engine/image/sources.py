"""Finding and decoding the images of a computer-vision dataset.

A dataset (``dataset_uri`` or the ``dataset`` input) is a local folder or an ``s3://`` prefix read recursively, a
single image, or an image manifest: JSON Lines whose ``source-ref`` names each image (the SageMaker Ground Truth
convention the analysis-config reference mentions). Folders and prefixes are listed in the byte order of their
relative paths so every run sees the same order; a manifest keeps its line order. Everything is checked while
listing (extensions, manifest lines, an empty folder) so a bad dataset fails before any model call; images are
read one at a time later, so a large prefix never has to fit on disk or in memory.

S3 is read through the boto3 client the caller passes (the Airflow layer hands in its connection's client).
"""

from __future__ import annotations

import io
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from ...contract import InvalidS3Uri, is_s3_uri, s3_uri, split_s3_uri
from ..data.sources import FILE_SCHEME, S3Client, list_s3_keys, select_s3_keys
from .errors import ImageExplanationError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
"""File extensions of images (image data requirements: JPEG as jpg/jpeg, PNG as png), compared case-insensitively."""
MANIFEST_EXTENSIONS = (".manifest", ".jsonl", ".jsonlines", ".json")
SOURCE_REF = "source-ref"


@dataclass(frozen=True)
class ImageSource:
    """One image of the dataset: ``name`` is its path relative to the dataset root (POSIX separators), used in
    every output; ``location`` is where to read it (a local path or an ``s3://`` URI)."""

    name: str
    location: str


def _is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def _is_manifest(name: str) -> bool:
    return name.lower().endswith(MANIFEST_EXTENSIONS)


def _unsupported(where: str, name: str) -> ImageExplanationError:
    return ImageExplanationError(
        f"{where}: {name} is not a JPEG or PNG image (supported extensions: "
        f"{', '.join(IMAGE_EXTENSIONS)}, or a JSON Lines manifest with 'source-ref' lines ending in "
        f"{', '.join(MANIFEST_EXTENSIONS)}); remove it from the dataset or point dataset_uri at the images"
    )


def list_images(
    uri: str | Path, *, s3_client: S3Client | None = None, field: str = "dataset_uri"
) -> list[ImageSource]:
    """The images of the dataset at ``uri``, in a deterministic order; raises on anything that is not an image."""
    text = str(uri)
    if is_s3_uri(text):
        return _list_s3(text, s3_client, field)
    path = Path(text[len(FILE_SCHEME) :] if text.startswith(FILE_SCHEME) else text)
    if path.is_dir():
        return _list_folder(path, field)
    if path.is_file():
        if _is_image(path.name):
            return [ImageSource(path.name, str(path))]
        if _is_manifest(path.name):
            return _read_manifest(path.read_bytes(), str(path), path.parent.as_posix(), s3_client, field)
        raise _unsupported(field, str(path))
    raise ImageExplanationError(
        f"{field}: {text} does not exist; give a folder of images, an image manifest or an s3:// prefix"
    )


def _list_folder(root: Path, field: str) -> list[ImageSource]:
    files = sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    if not files:
        raise ImageExplanationError(
            f"{field}: folder {root} holds no images; put the JPEG/PNG files there or point dataset_uri at them"
        )
    for file in files:
        if not _is_image(file.name):
            raise _unsupported(field, str(file))
    return [ImageSource(file.relative_to(root).as_posix(), str(file)) for file in files]


def _list_s3(uri: str, s3_client: S3Client | None, field: str) -> list[ImageSource]:
    if s3_client is None:
        raise ImageExplanationError(
            f"{field}: {uri} is on S3 but no S3 client was given; pass s3_client=boto3.client('s3')"
        )
    try:
        bucket, key = split_s3_uri(uri, what=field)
    except InvalidS3Uri as error:
        raise ImageExplanationError(str(error)) from error
    selected = select_s3_keys(list_s3_keys(s3_client, bucket, key, field, uri), key)
    if selected == [key] and not key.endswith("/"):  # the URI names one object
        name = PurePosixPath(key).name
        if _is_image(name):
            return [ImageSource(name, uri)]
        if _is_manifest(name):
            body = read_bytes(uri, s3_client, field)
            return _read_manifest(body, uri, uri.rsplit("/", 1)[0], s3_client, field)
        raise _unsupported(field, uri)
    named = [(k[len(key) :].lstrip("/") or PurePosixPath(k).name, k) for k in selected]
    named = [(name, k) for name, k in named if not any(part.startswith(".") for part in name.split("/"))]
    if not named:
        raise ImageExplanationError(f"{field}: no images under {uri}; check the bucket and prefix")
    for _, object_key in named:
        if not _is_image(object_key):
            raise _unsupported(field, s3_uri(bucket, object_key))
    return [ImageSource(name, s3_uri(bucket, k)) for name, k in named]


def _read_manifest(
    body: bytes, where: str, base: str, s3_client: S3Client | None, field: str
) -> list[ImageSource]:
    """Lines ``{"source-ref": "<s3 URI or path>", ...}``; relative references are relative to the manifest."""
    locations: list[str] = []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImageExplanationError(f"{field}: manifest {where} is not UTF-8 text ({error})") from error
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImageExplanationError(
                f"{field}: manifest {where} line {number} is not JSON ({error.msg}); each line must be an object "
                'like {"source-ref": "s3://bucket/images/cat.jpg"}'
            ) from error
        reference = entry.get(SOURCE_REF) if isinstance(entry, dict) else None
        if not isinstance(reference, str) or not reference:
            raise ImageExplanationError(
                f"{field}: manifest {where} line {number} has no {SOURCE_REF!r} naming an image; each line must "
                'be an object like {"source-ref": "s3://bucket/images/cat.jpg"}'
            )
        if not _is_image(reference):
            raise _unsupported(f"{field}: manifest {where} line {number}", reference)
        if is_s3_uri(reference) or PurePosixPath(reference).is_absolute() or Path(reference).is_absolute():
            locations.append(reference)
        else:
            locations.append(
                posixpath.join(base, reference) if is_s3_uri(base) else str(Path(base) / reference)
            )
        if locations[-1] in locations[:-1]:
            raise ImageExplanationError(
                f"{field}: manifest {where} line {number} lists {reference} a second time; list each image once"
            )
    if not locations:
        raise ImageExplanationError(f"{field}: manifest {where} lists no images")
    if any(is_s3_uri(location) for location in locations) and s3_client is None:
        raise ImageExplanationError(
            f"{field}: manifest {where} names images on S3 but no S3 client was given; pass s3_client=..."
        )
    return [
        ImageSource(name, location)
        for name, location in zip(_relative_names(locations), locations, strict=True)
    ]


def _relative_names(locations: list[str]) -> list[str]:
    """Names relative to the deepest folder all ``locations`` share (the manifest's dataset root)."""
    parts = [_parts(location) for location in locations]
    common = 0
    shortest = min(len(p) for p in parts)
    while common < shortest - 1 and all(p[common] == parts[0][common] for p in parts):
        common += 1
    return ["/".join(p[common:]) for p in parts]


def _parts(location: str) -> list[str]:
    if is_s3_uri(location):
        return ["s3:", *location[len("s3://") :].split("/")]
    return list(Path(location).resolve().parts)


def read_bytes(location: str, s3_client: S3Client | None, field: str) -> bytes:
    """The bytes of a local file or an S3 object; ``field`` names what the location came from in errors."""
    if is_s3_uri(location):
        if s3_client is None:
            raise ImageExplanationError(f"{field}: {location} is on S3 but no S3 client was given")
        try:
            bucket, key = split_s3_uri(location, what=field)
            return bytes(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read())
        except Exception as error:
            raise ImageExplanationError(f"{field}: cannot read {location}: {error}") from error
    try:
        return Path(location).read_bytes()
    except OSError as error:
        raise ImageExplanationError(f"{field}: cannot read {location}: {error.strerror or error}") from error


def decode_image(data: bytes, name: str) -> np.ndarray:
    """``data`` as an RGB ``uint8`` array (height, width, 3); greyscale, palette and alpha images become RGB.

    The whole image is decoded here (``load``) so a truncated file fails with its name instead of yielding a
    partly grey picture.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            rgb = picture.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ImageExplanationError(
            f"{name}: cannot decode the image ({error}); the file is damaged, truncated or not a JPEG/PNG image"
        ) from error
    return np.asarray(rgb, dtype=np.uint8)


def image_reader(
    s3_client: S3Client | None, field: str = "dataset_uri"
) -> Callable[[ImageSource], np.ndarray]:
    """A function that reads and decodes one :class:`ImageSource`."""

    def read(source: ImageSource) -> np.ndarray:
        return decode_image(read_bytes(source.location, s3_client, field), source.location)

    return read
