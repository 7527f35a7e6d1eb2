"""Helpers for the site tests: a private copy of site.yml, content/ and templates/site in a tmp
folder (tests may edit it freely), and builds of it on the example content's reference date."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from rewards_build.site.build import BuildResult, build

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 24)  # the reference date of the example content


@dataclass
class SiteCopy:
    root: Path

    @property
    def site_yml(self) -> Path:
        return self.root / "site.yml"

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates" / "site"

    def build(self, out: Path, **kwargs) -> tuple[BuildResult, str]:
        stream = io.StringIO()
        kwargs.setdefault("today", TODAY)
        result = build(self.site_yml, out=out, stream=stream, progress=False, **kwargs)
        return result, stream.getvalue()


def copy_site(dest: Path) -> SiteCopy:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.yml", dest / "site.yml")
    shutil.copytree(REPO / "content", dest / "content")
    shutil.copytree(REPO / "templates" / "site", dest / "templates" / "site")
    return SiteCopy(dest)


def tree(folder: Path, skip: tuple[str, ...] = (".rewards-build.json",)) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in skip
    }


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every file: unchanged stamps mean the file was not rewritten."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for rel, data in tree(folder, skip=()).items():
        h.update(rel.encode() + b"\0" + data)
    return h.hexdigest()


