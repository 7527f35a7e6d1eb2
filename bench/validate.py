"""Benchmark `rewards validate` against its floor, measured in the same run, and print a table.

    python bench/validate.py [--partners 1000 10000] [--repeat 3]

The floor: read every content file and parse it with PyYAML's C loader, nothing else. The full run:
`load_all` (parse, duplicate-key and alias checks, JSON Schema for every file, cross-file rules, the
typed model). Each measurement runs in a fresh process so that its peak memory is its own; the best
of --repeat runs is reported. Target at 10,000 partners: at most 1.5 times the floor, under 150 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TODAY = dt.date(2026, 11, 24)


def _floor(site: Path) -> None:
    import yaml

    content = site.parent / "content"
    files = [content / "program.yml", *sorted(content.glob("*/*.yml"))]
    for path in files:
        yaml.load(path.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader)
    for path in sorted(content.glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        yaml.load(text.split("---", 2)[1], Loader=yaml.CSafeLoader)


def _validate(site: Path) -> None:
    from rewards_build.pipeline import load_all

    result = load_all(site, TODAY)
    if result.problems:
        raise SystemExit(f"generated content has problems: {result.problems[:3]}")


def worker(kind: str, site: Path) -> None:
    # Imports are not timed: both sides pay the interpreter start and their imports before the clock.
    import yaml  # noqa: F401

    if kind == "validate":
        import rewards_build.pipeline  # noqa: F401
    start = time.perf_counter()
    (_floor if kind == "floor" else _validate)(site)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(kind: str, site: Path, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--worker", kind, str(site)], check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check-jsonschema", metavar="BIN",
                        help="also time check-jsonschema (schema only, partner files) at the smallest size")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SITE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return
    from bench.generate import generate

    print("$ python bench/validate.py " + " ".join(sys.argv[1:]))
    print("| partners | files | floor (YAML only) s | validate s | ratio | floor peak MB | validate peak MB "
          "| files/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes: list[str] = []
    for n in args.partners:
        with tempfile.TemporaryDirectory() as tmp:
            site = generate(Path(tmp), n, TODAY)
            files = sum(1 for _ in (site.parent / "content").rglob("*.*"))
            floor = measure("floor", site, args.repeat)
            full = measure("validate", site, args.repeat)
            print(f"| {n:,} | {files:,} | {floor['seconds']:.2f} | {full['seconds']:.2f} "
                  f"| {full['seconds'] / floor['seconds']:.2f} | {floor['peak_mb']:.0f} | {full['peak_mb']:.0f} "
                  f"| {files / full['seconds']:,.0f} |", flush=True)
            if args.check_jsonschema and n == min(args.partners):
                start = time.perf_counter()
                subprocess.run([args.check_jsonschema, "--schemafile", str(REPO / "rewards_build/schemas/"
                                                                         "partner.schema.json"),
                                *map(str, sorted((site.parent / "content/partners").glob("*.yml")))],
                               check=True, capture_output=True)
                other = time.perf_counter() - start
                notes.append(f"\ncheck-jsonschema on the same {n:,} partner files (JSON Schema only, no "
                             "cross-file rules): "
                             f"{other:.2f} s, {other / full['seconds']:.1f} times `rewards validate` on all {files:,} "
                             "files")

    print("\n".join(notes))


if __name__ == "__main__":
    main()
