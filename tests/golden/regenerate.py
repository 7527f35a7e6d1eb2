"""Regenerate the golden trees after an intended change to what users see:

    .venv/bin/python -m tests.golden.regenerate

Builds the mini fixture's site and outbox exactly as test_golden.py does (same code), replaces
tests/golden/expected/ with them, and prints what changed. Then read `git diff tests/golden/expected/`:
it is the user-visible change your pull request makes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from .golden import EXPECTED, REPO, TREES, CommandFailed, compare, produce, read_tree, write_tree


def main() -> int:
    # 1. Make the new trees first: if a command fails, the old expected/ stays as it was.
    with tempfile.TemporaryDirectory(prefix="rewards-golden-") as tmp:
        try:
            trees = produce(Path(tmp) / "mini")
        except CommandFailed as error:
            print(f"regenerate: {error}\nregenerate: {EXPECTED} was left as it was", file=sys.stderr)
            return 1

    # 2. Read the old ones, then replace expected/ as a whole (so files no longer written disappear).
    old = {tree: read_tree(EXPECTED / tree) for tree in TREES}
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for tree in TREES:
        write_tree(EXPECTED / tree, trees[tree])

    # 3. Summarise, per tree: added, removed, changed.
    shown = EXPECTED.relative_to(REPO).as_posix()
    any_change = False
    for tree in TREES:
        d = compare(tree, old[tree], trees[tree])
        size = sum(len(data) for data in trees[tree].values())
        counts = f"{len(d.extra)} added, {len(d.missing)} removed, {len(d.changed)} changed" if d else "unchanged"
        print(f"{shown}/{tree}: {len(trees[tree])} files, {size / 1024:.1f} KiB: {counts}")
        for label, names in (("added", d.extra), ("removed", d.missing), ("changed", d.changed)):
            for name in names:
                print(f"  {label:8} {name}")
        any_change = any_change or bool(d)
    if any_change:
        print(f"Review it as the user-visible change: git diff --stat {shown}/ && git diff {shown}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
