"""Atomic output: nothing in the live site changes until every file has rendered.

Two ways, chosen per build:
- the output folder does not exist yet: write everything into a sibling staging folder, then
  rename that folder into place (one atomic rename);
- it exists: write each changed file next to its target under a temporary name, and only once all
  have rendered rename each into place, then delete the outputs that are no longer produced.
A file whose new bytes equal what is already there is not written at all (no-op rebuilds touch
nothing). On failure, `abort` removes every temporary file, leaving the old site as it was.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TMP_MARK = ".rewards-tmp-"


@dataclass
class Stage:
    out: Path
    token: str  # unique per build: names this build's temporary files
    fresh: bool = field(init=False)
    root: Path = field(init=False)
    pending: list[str] = field(default_factory=list)  # relative outputs waiting for their rename
    created_dirs: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fresh = not self.out.exists()
        self.root = self.out.parent / f".{self.out.name}{TMP_MARK}{self.token}" if self.fresh else self.out
        if self.fresh:
            self.root.mkdir(parents=True)

    def put(self, rel: str, data: bytes) -> bool:
        """Stage one output; False when the file already holds exactly these bytes."""
        return put(self.root, self.fresh, self.token, rel, data)

    def record(self, written: Iterable[str]) -> None:
        self.pending.extend(written)

    def commit(self, obsolete: Iterable[str] = ()) -> int:
        """Swap everything in; returns how many obsolete files were removed."""
        if self.fresh:
            os.replace(self.root, self.out)
            return 0
        for rel in self.pending:
            target = self.out / rel
            os.replace(_tmp_name(target, self.token), target)
        removed = 0
        for rel in obsolete:
            target = self.out / rel
            if target.is_file():
                target.unlink()
                removed += 1
                _prune(target.parent, self.out)
        return removed

    def abort(self) -> None:
        """Leave the previous site exactly as it was."""
        if self.fresh:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for dirpath, _dirs, files in os.walk(self.out):
            for name in files:
                if TMP_MARK + self.token in name:
                    path = Path(dirpath) / name
                    path.unlink(missing_ok=True)
                    _prune(path.parent, self.out)


def _tmp_name(target: Path, token: str) -> Path:
    return target.with_name(f".{target.name}{TMP_MARK}{token}")


def put(root: Path, fresh: bool, token: str, rel: str, data: bytes) -> bool:
    """Write one file (usable from worker processes: no shared state)."""
    target = root / rel
    if fresh:
        _write(target, data)
        return True
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    _write(_tmp_name(target, token), data)
    return True


def _write(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _prune(folder: Path, top: Path) -> None:
    """Remove folders left empty, up to (not including) the site root."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def leftovers(out: Path) -> list[Path]:
    """Temporary files or staging folders of any build (tests assert there are none)."""
    found = [p for p in out.parent.iterdir() if TMP_MARK in p.name] if out.parent.exists() else []
    if out.exists():
        found += [Path(d) / n for d, _s, files in os.walk(out) for n in files if TMP_MARK in n]
    return found


@contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output's parent folder (no lock file to clean up or ignore)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def sweep(out: Path, deep: bool = False) -> None:
    """Remove what a killed build left (call under `exclusive`: then no other build is running).
    Staging folders beside the site are cheap to find; temporary files inside it are looked for
    only when `deep` (full builds, where one walk of the folder is noise)."""
    prefix = f".{out.name}{TMP_MARK}"
    for path in out.parent.iterdir():
        if path.name.startswith(prefix) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
    if deep and out.is_dir():
        for path in leftovers(out):
            if path.is_file():
                path.unlink(missing_ok=True)
