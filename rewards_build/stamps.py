"""What the keys of saved work are made from: the files of the code packages (a key must change when
the code does) and how far a file's stamp can be trusted. Used by the build's fingerprints and the
loaded-content cache; standard library only (a no-op build imports it)."""

from __future__ import annotations

import os
from pathlib import Path

CODE_PACKAGES = ("rewards_build", "notifier")  # all of the code counts, whichever module a change lands in
PACKAGES_ROOT = Path(__file__).resolve().parents[1]  # the folder holding the packages (checkout or site-packages)
_NOT_INPUTS = ("__pycache__",)  # byte code changes whenever Python recompiles, not when the code does
# A stamp (size, times) recorded less than this before its scan cannot be trusted: a write in the same
# tick of the file system's clock can leave it as it was (the "racy" stamps git re-checks; 2 s covers
# the coarsest clock, FAT's).
RACY_NS = 2_000_000_000


def walk(folder: Path, skip: Path | None = None) -> list[Path]:
    """Every file under `folder` in name order, byte code left out; `skip`: a sub-folder left out."""
    found = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_INPUTS)
        if skip is not None and Path(dirpath) == skip.parent:
            dirs[:] = [d for d in dirs if d != skip.name]
        found += [Path(dirpath) / name for name in sorted(files)]
    return found


def code_files(packages_root: Path | None = None) -> list[Path]:
    """Every file of the code packages: each module, the schemas, the catalogs."""
    root = PACKAGES_ROOT if packages_root is None else packages_root
    return [path for package in CODE_PACKAGES for path in walk(root / package)]
