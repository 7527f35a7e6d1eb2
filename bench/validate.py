"""Benchmark `rewards validate` as users run it against its floor, alternated in the same run; print a table.

    python bench/validate.py [--partners 1000 10000] [--repeat 5]

Both sides are whole processes on the same generated files (bench/generate.py), started afresh each
time, alternated run by run (the order swaps every round, so a busy machine slows both alike), with
the disk synced before each run (bench/timing.py):

- validate: `rewards validate --site ... --today ...`, exactly as a user or CI runs it;
- floor: the product's own fastest parse of the same files, in one process: read each file, split
  the Markdown front matter, and parse with the lean loader of rewards_build/yamlload.py (the C
  parser and the builder the product itself uses). No schema, no cross-file rules, no model.

Each row: the median wall time and its range over --repeat rounds, CPU seconds, the largest process's
peak memory, and the ratio validate / floor taken round by round (median and range). The load average
is printed before and after. Target (issue 13) at 10,000 partners: at most 1.2 x the floor.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def floor(site_yml: Path) -> None:
    """The floor's process: the product's parse of every content file, nothing else."""
    sys.path.append(str(REPO))  # after the installed product (and any PYTHONPATH), as `rewards` finds it
    import gc

    from rewards_build.cli import GC_THRESHOLDS
    from rewards_build.yamlload import parse_yaml, split_front_matter

    gc.set_threshold(*GC_THRESHOLDS)  # as `rewards` runs: the floor is the product's own fastest parse

    content = site_yml.parent / "content"
    count = 0
    for path in [content / "program.yml", *sorted(content.glob("*/*.yml"))]:
        loaded = parse_yaml(path.read_bytes().decode("utf-8"), path.name)
        count += loaded.data is not None
    for path in sorted(content.glob("*/*.md")):
        parts, _problems = split_front_matter(path.read_bytes().decode("utf-8"), path.name)
        if parts is not None:
            count += parse_yaml(parts.yaml_text, path.name, parts.line_offset).data is not None
    print(f"{count} files parsed")


def main() -> None:
    if sys.argv[1:2] == ["--floor"]:  # the floor's own process: nothing else imported
        floor(Path(sys.argv[2]))
        return

    import argparse
    import datetime as dt
    import os
    import platform
    import tempfile
    import time

    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate
    from timing import Run, load, paired, spread, whole

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="rounds of validate and floor, alternated")
    parser.add_argument("--check-jsonschema", metavar="BIN",
                        help="also time check-jsonschema (schema only, partner files) at the smallest size")
    args = parser.parse_args()
    today = dt.date(2026, 11, 24)
    rewards = Path(sys.executable).with_name("rewards")
    product = [rewards] if rewards.exists() else [sys.executable, "-m", "rewards_build"]

    print(f"$ python bench/validate.py {' '.join(sys.argv[1:])}")
    print(f"{os.cpu_count()} cores, Python {platform.python_version()}, load average before: {load()}\n")
    print("| partners | files | floor s (lean loader) | validate s | validate / floor, paired | target "
          "| floor CPU s | validate CPU s | floor peak MB | validate peak MB | files/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes: list[str] = []
    for n in args.partners:
        with tempfile.TemporaryDirectory(prefix="rewards-bench-validate-") as tmp:
            site = generate(Path(tmp), n, today)
            files = sum(1 for _ in (site.parent / "content").rglob("*.*"))
            commands = {"floor": [sys.executable, __file__, "--floor", site],
                        "validate": [*product, "validate", "--site", site, "--today", today.isoformat()]}
            whole(commands["floor"], cwd=site.parent)  # warm-up: the files into the page cache
            runs: dict[str, list[Run]] = {"floor": [], "validate": []}
            for round_ in range(args.repeat):
                for kind in (("floor", "validate") if round_ % 2 == 0 else ("validate", "floor")):
                    runs[kind].append(whole(commands[kind], cwd=site.parent))
            f, v = runs["floor"], runs["validate"]
            print(f"| {n:,} | {files:,} | {spread([r.wall for r in f])} | {spread([r.wall for r in v])} "
                  f"| {paired([r.wall for r in v], [r.wall for r in f])} | 1.2 "
                  f"| {spread([r.cpu for r in f])} | {spread([r.cpu for r in v])} "
                  f"| {max(r.peak_mb for r in f):.0f} | {max(r.peak_mb for r in v):.0f} "
                  f"| {files / min(r.wall for r in v):,.0f} |", flush=True)
            if args.check_jsonschema and n == min(args.partners):
                start = time.perf_counter()
                whole([args.check_jsonschema, "--schemafile", REPO / "rewards_build/schemas/partner.schema.json",
                       *sorted((site.parent / "content/partners").glob("*.yml"))])
                other = time.perf_counter() - start
                best = min(r.wall for r in v)
                notes.append(f"\ncheck-jsonschema on the same {n:,} partner files (JSON Schema only, no cross-file "
                             f"rules): {other:.2f} s, {other / best:.1f} times `rewards validate` on all {files:,} "
                             "files")
    print("\n".join(notes))
    print(f"\nload average after: {load()}. Times are medians (range) over {args.repeat} rounds of whole processes, "
          "validate and floor alternated; the ratio is taken round by round.")


if __name__ == "__main__":
    main()
