"""What the output protocol costs when the local engine publishes a large output, against plain renames.

    python benchmarks/publish.py                 # a 256 MiB explanations_shap/out.csv
    python benchmarks/publish.py --mib 1024

The output folder holds analysis.json, a 400 KiB report and a large local-SHAP CSV (random digits), all on one
filesystem under benchmarks/.data/. Measured, each on a fresh copy:

* peer: the rename-only publication the provider did before the protocol (every file ``os.replace``-d into the
  destination, analysis.json last) — the least any publication can cost;
* ours: ``seal`` (SHA-256 of every file into the run manifest) + ``publish`` (running manifest, earlier output
  removed, renames, complete manifest);
* the reader: ``read_local_analysis`` (the reading rule: listing, manifest sizes, SHA-256 of analysis.json only).

Printed: seconds for each and the protocol's throughput (hashing dominates: it reads every byte once).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from airflow_provider_clarify.outputs.manifest import new_run
from airflow_provider_clarify.outputs.publishing import LocalDirectory, publication_names, publish, seal
from airflow_provider_clarify.outputs.reading import read_local_analysis

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / ".data" / "publish"
CHUNK = 1024 * 1024


def _make_run(folder: Path, mib: int) -> None:
    (folder / "explanations_shap").mkdir(parents=True)
    line = b"0.123456789,-0.98765432,0.5555555,0.0001234,0.31415926\n"
    block = line * (CHUNK // len(line))
    with (folder / "explanations_shap" / "out.csv").open("wb") as stream:
        for _ in range(mib):
            stream.write(block)
    (folder / "report.html").write_bytes(b"<html>" + b"x" * 400 * 1024 + b"</html>")
    (folder / "analysis.json").write_bytes(b'{"version": "1.0"}\n')


def _fresh(name: str, template: Path) -> tuple[Path, Path]:
    root = DATA_DIR / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    source = root / "run"
    shutil.copytree(template, source)
    return source, root / "out"


def _peer(source: Path, target: Path) -> None:
    for name in publication_names(source):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source / name, destination)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="size of explanations_shap/out.csv in MiB")
    args = parser.parse_args()
    template = DATA_DIR / f"template-{args.mib}"
    if not template.exists():
        _make_run(template, args.mib)
    total_mib = sum(p.stat().st_size for p in template.rglob("*") if p.is_file()) / CHUNK

    source, target = _fresh("peer", template)
    started = time.perf_counter()
    _peer(source, target)
    peer = time.perf_counter() - started

    source, target = _fresh("ours", template)
    started = time.perf_counter()
    publish(source, LocalDirectory(target), manifest=seal(source, new_run()))
    ours = time.perf_counter() - started

    started = time.perf_counter()
    output, _ = read_local_analysis(target)
    reader = time.perf_counter() - started
    assert output.rule == "manifest" and len(output.files) == 3

    print(f"output: {total_mib:.0f} MiB in 3 files")
    print(f"peer (renames only):            {peer:8.3f} s")
    print(f"ours (seal + publish):          {ours:8.3f} s   ({total_mib / ours:,.0f} MiB/s)")
    print(f"reader (rule + analysis.json):  {reader:8.3f} s")
    shutil.rmtree(DATA_DIR / "peer", ignore_errors=True)
    shutil.rmtree(DATA_DIR / "ours", ignore_errors=True)


if __name__ == "__main__":
    main()
