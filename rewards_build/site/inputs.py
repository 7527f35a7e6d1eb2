"""What each output was made from: fingerprints of the inputs, and the manifest that remembers
them between builds. This is what makes incremental builds correct (the Lektor way).

- The *global* fingerprint covers everything every page may depend on: site.yml, every content
  file outside partners/, the templates and assets, the translation catalogs, every file of the
  code packages (rewards_build and notifier: modules, schemas, catalogs; found by walking them, so
  a new module is covered without anyone listing it), and today's date. When it changes,
  everything is re-rendered (and still only files whose bytes differ are written).
- Each partner file has its own fingerprint: (size, mtime) first, and a SHA-256 of the bytes when
  those differ, or when they were recorded so shortly before the scan that a later write could
  have left them as they were (file times are coarse: the "racy" stamps git also re-checks). A
  changed partner re-renders its own pages and, if its row changed, the pages that list partners.

Everything here is the standard library: a no-op build decides from it alone, without importing the
loaders and renderers (see build.py).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from ..stamps import PACKAGES_ROOT, RACY_NS, code_files, walk
from .manifest import MANIFEST_VERSION, Scan

PARTNERS_DIR = "partners"
LOCALE_DIR = PACKAGES_ROOT / "rewards_build" / "locale"  # as i18n.LOCALE_DIR (which imports Babel)


def global_inputs(site_path: Path, content_dir: Path, templates_dir: Path) -> list[Path]:
    """The files behind the global fingerprint, except the code (see `code_files`)."""
    return [site_path, *walk(content_dir, skip=content_dir / PARTNERS_DIR), *walk(templates_dir)]


def global_fingerprint(site_path: Path, content_dir: Path, templates_dir: Path, catalogs: str,
                       today: str, *, packages_root: Path | None = None) -> str:
    digest = hashlib.sha256(f"{MANIFEST_VERSION}\0{today}\0{catalogs}\0".encode())
    for path in global_inputs(site_path, content_dir, templates_dir):
        digest.update(_entry(str(path), path))
    # Code files by their path inside the packages: the same code gives the same key wherever it lives.
    root = PACKAGES_ROOT if packages_root is None else packages_root
    for path in code_files(root):
        digest.update(_entry(path.relative_to(root).as_posix(), path))
    return digest.hexdigest()


def _entry(name: str, path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # site.yml named but absent, or a file deleted while we walked
        data = b"\0missing\0"
    return f"{name}\0{len(data)}\0".encode() + data  # the length keeps file boundaries unambiguous


def catalogs_fingerprint(languages: Sequence[str]) -> str:
    """The translation catalogs of the site's languages (i18n.py reads them; this needs no Babel)."""
    digest = hashlib.sha256()
    for language in languages:
        path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def scan_partners(content_dir: Path) -> tuple[Scan, bool]:
    """Every partner file, by id (its file name), with size and modification time (no reading), in
    file-name order; and whether anything else sits in partners/ (a stray file is a problem only a full
    load reports)."""
    started = time.time_ns()
    strays = False
    found: list[tuple[str, int, int]] = []
    folder = content_dir / PARTNERS_DIR
    if not folder.is_dir():
        return Scan(at_ns=started), strays
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if name.endswith(".yml") and entry.is_file():
                st = entry.stat()
                found.append((name, st.st_size, st.st_mtime_ns))
            else:
                strays = True
    found.sort()
    return Scan([n[:-4] for n, _, _ in found], [s for _, s, _ in found], [m for _, _, m in found], started), strays


def partner_rel(pid: str) -> str:
    """A partner file's path in the content folder (ids are file names)."""
    return f"{PARTNERS_DIR}/{pid}.yml"


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def suspects(now: Scan, before: Scan) -> tuple[list[str], list[str]]:
    """(partners whose file may have changed since `before`: new, other size or time, or a stamp too
    recent to trust; partners whose file went)."""
    racy_from = before.at_ns - RACY_NS
    if now.same_stamps(before):
        return [pid for pid, mtime in zip(now.ids, now.mtimes, strict=True) if mtime >= racy_from], []
    old = {pid: (size, mtime) for pid, size, mtime in zip(before.ids, before.sizes, before.mtimes, strict=True)}
    maybe = [pid for pid, size, mtime in zip(now.ids, now.sizes, now.mtimes, strict=True)
             if old.get(pid) != (size, mtime) or mtime >= racy_from]
    present = set(now.ids)
    return maybe, [pid for pid in before.ids if pid not in present]
