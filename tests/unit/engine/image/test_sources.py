"""Listing and decoding image datasets: folders, single files, manifests; every bad input names its file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from airflow_provider_clarify.engine.image.errors import ImageExplanationError
from airflow_provider_clarify.engine.image.sources import decode_image, image_reader, list_images


def write_image(path: Path, array: np.ndarray, image_format: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, format=image_format)
    return path


def colour(value: int, shape: tuple[int, int] = (6, 5)) -> np.ndarray:
    return np.full((*shape, 3), value, dtype=np.uint8)


def test_folder_is_read_recursively_in_path_order_and_hidden_files_are_skipped(tmp_path):
    for name in ("b.png", "a/z.jpg", "a/b/c.jpeg", "A.PNG"):
        write_image(tmp_path / name, colour(10), "JPEG" if name.endswith(("jpg", "jpeg")) else "PNG")
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.txt").write_text("junk")
    names = [source.name for source in list_images(tmp_path)]
    assert names == sorted(["b.png", "a/z.jpg", "a/b/c.jpeg", "A.PNG"])  # byte order of relative paths
    assert names == [source.name for source in list_images(str(tmp_path))]


def test_unsupported_extension_is_named(tmp_path):
    write_image(tmp_path / "ok.png", colour(1))
    (tmp_path / "notes" / "readme.txt").parent.mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hello")
    with pytest.raises(
        ImageExplanationError, match=r"readme\.txt is not a JPEG or PNG image.*\.jpg, \.jpeg, \.png"
    ):
        list_images(tmp_path)


def test_empty_folder_and_missing_path(tmp_path):
    with pytest.raises(ImageExplanationError, match="holds no images"):
        list_images(tmp_path)
    with pytest.raises(ImageExplanationError, match="does not exist"):
        list_images(tmp_path / "nowhere")


def test_single_image_file(tmp_path):
    path = write_image(tmp_path / "one.png", colour(3))
    (source,) = list_images(path)
    assert source.name == "one.png" and source.location == str(path)


def test_manifest_keeps_line_order_and_names_relative_to_the_common_folder(tmp_path):
    write_image(tmp_path / "imgs" / "cats" / "c1.png", colour(1))
    write_image(tmp_path / "imgs" / "dogs" / "d1.png", colour(2))
    manifest = tmp_path / "imgs" / "list.manifest"
    lines = [
        {"source-ref": "dogs/d1.png", "class": 1},
        {"source-ref": str(tmp_path / "imgs" / "cats" / "c1.png")},
    ]
    manifest.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    sources = list_images(manifest)
    assert [s.name for s in sources] == ["dogs/d1.png", "cats/c1.png"]
    read = image_reader(None)
    assert read(sources[0])[0, 0].tolist() == [2, 2, 2]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"source_ref": "a.png"}', r"line 2 has no 'source-ref'"),
        ("not json", r"line 2 is not JSON"),
        ('{"source-ref": "a.gif"}', r"line 2: a\.gif is not a JPEG or PNG"),
        ('{"source-ref": "a.png"}', r"line 2 lists a\.png a second time"),
    ],
)
def test_bad_manifest_lines_are_named(tmp_path, line, message):
    manifest = tmp_path / "data.jsonl"
    manifest.write_text('{"source-ref": "a.png"}\n' + line + "\n")
    with pytest.raises(ImageExplanationError, match=message) as caught:
        list_images(manifest)
    assert str(manifest) in str(caught.value)


def test_empty_manifest(tmp_path):
    manifest = tmp_path / "empty.manifest"
    manifest.write_text("\n")
    with pytest.raises(ImageExplanationError, match="lists no images"):
        list_images(manifest)


def test_decoding_gives_rgb_for_greyscale_palette_and_alpha_images():
    grey = np.arange(30, dtype=np.uint8).reshape(5, 6)
    for mode_image in (
        Image.fromarray(grey, mode="L"),
        Image.fromarray(grey, mode="L").convert("P"),
        Image.fromarray(np.dstack([grey, grey, grey, np.full_like(grey, 7)]), mode="RGBA"),
    ):
        buffer = io.BytesIO()
        mode_image.save(buffer, format="PNG")
        decoded = decode_image(buffer.getvalue(), "x.png")
        assert decoded.shape == (5, 6, 3) and decoded.dtype == np.uint8
        assert np.array_equal(decoded[..., 0], grey) and np.array_equal(decoded[..., 2], grey)


def test_truncated_and_garbage_images_are_named(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(
        buffer, "JPEG"
    )
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    with pytest.raises(ImageExplanationError, match=r"cut\.jpg: cannot decode the image"):
        decode_image(truncated, "cut.jpg")
    path = tmp_path / "fake.png"
    path.write_bytes(b"this is not a picture")
    (source,) = list_images(path)
    with pytest.raises(ImageExplanationError, match=r"fake\.png: cannot decode the image"):
        image_reader(None)(source)
