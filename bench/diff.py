"""Benchmark `rewards diff` against `rewards validate` on the same generated content, whole processes.

    python bench/diff.py [--partners 10000] [--repeat 5]

Generates N partners (bench/generate.py) in a git repository, commits them, then times, alternating
the commands in each round (so a busy machine slows each alike): `rewards validate`; `rewards diff`
with one partner file changed in the working tree; `rewards diff` with a tier threshold moved in
program.yml (every partner read and assessed on both sides). Prints the median and range of each
and the load average before and after. Targets: one file under 3 s; program.yml at most 2.5 x validate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REWARDS = [sys.executable, "-m", "rewards_build"]
TODAY = ["--today", "2026-11-24"]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
                        "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"})


def timed(root: Path, args: list[str], codes: tuple[int, ...]) -> float:
    start = time.perf_counter()
    done = subprocess.run([*REWARDS, *args, *TODAY], cwd=root, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in codes:
        raise SystemExit(f"{args}: exit {done.returncode}\n{done.stderr.decode()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        root = Path(tmp)
        generate(root, args.partners, dt.date(2026, 11, 24))
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "generated")
        partner = sorted((root / "content" / "partners").iterdir())[args.partners // 2]
        program = root / "content" / "program.yml"
        original_partner, original_program = partner.read_text(), program.read_text()
        moved_partner = original_partner.replace("billed_sales_usd: ", "billed_sales_usd: 9", 1)
        moved_program = original_program.replace("threshold_usd: 50000,", "threshold_usd: 40000,")
        assert moved_partner != original_partner and moved_program != original_program
        rows: dict[str, list[float]] = {"validate": [], "diff, one partner file": [], "diff, program.yml": []}
        load_before = os.getloadavg()[0]
        for _ in range(args.repeat):
            rows["validate"].append(timed(root, ["validate"], (0,)))
            partner.write_text(moved_partner)
            rows["diff, one partner file"].append(timed(root, ["diff"], (3,)))
            partner.write_text(original_partner)
            program.write_text(moved_program)
            rows["diff, program.yml"].append(timed(root, ["diff"], (3,)))
            program.write_text(original_program)
        load_after = os.getloadavg()[0]
    validate = statistics.median(rows["validate"])
    print(f"{args.partners:,} partners, {os.cpu_count()} CPUs, {args.repeat} rounds (commands alternated), "
          f"load average before {load_before:.1f}, after {load_after:.1f}\n")
    print("| command | median s | min s | max s | x validate | target |")
    print("|---|---:|---:|---:|---:|---|")
    targets = {"validate": "", "diff, one partner file": "< 3 s", "diff, program.yml": "<= 2.5 x validate"}
    for name, times in rows.items():
        median = statistics.median(times)
        print(f"| {name} | {median:.2f} | {min(times):.2f} | {max(times):.2f} | {median / validate:.2f} | "
              f"{targets[name]} |")


if __name__ == "__main__":
    main()
