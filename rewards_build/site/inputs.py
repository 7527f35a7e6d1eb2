"""What each output was made from: fingerprints of the inputs, and the manifest that remembers
them between builds. This is what makes incremental builds correct (the Lektor way).

- The *global* fingerprint covers everything every page may depend on: site.yml, every content
  file outside partners/, the templates and assets, the translation catalogs, every file of the
  code packages (rewards_build and notifier: modules, schemas, catalogs; found by walking them, so
  a new module is covered without anyone listing it), and today's date. When it changes,
  everything is re-rendered (and still only files whose bytes differ are written).
- Each partner file has its own fingerprint: (size, mtime) first, and a SHA-256 of the bytes when
  those differ. A changed partner re-renders its own pages and the pages that list partners.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import urls

MANIFEST_VERSION = 3
PARTNERS_DIR = "partners"
# The code that turns content into pages: all of it counts, whichever module a change lands in.
CODE_PACKAGES = ("rewards_build", "notifier")
PACKAGES_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the packages (checkout or site-packages)
_NOT_INPUTS = ("__pycache__",)  # byte code changes whenever Python recompiles, not when the code does


class DamagedManifest(ValueError):
    """The manifest is there but is not what a build writes; the message says how."""


@dataclass(frozen=True, slots=True)
class FileStamp:
    rel: str  # content-relative, e.g. partners/contoso.yml
    size: int
    mtime_ns: int
    sha: str = ""


@dataclass
class Manifest:
    global_key: str = ""
    partners: dict[str, FileStamp] = field(default_factory=dict)  # by partner id
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # PartnerRow as JSON, by id
    outputs: list[str] = field(default_factory=list)  # every output not belonging to a partner
    offers: dict[str, list[str]] = field(default_factory=dict)  # offer ids, by partner id
    parent: str = ""  # the build folder this build was made from (the spare of the next build), if any
    changed: list[str] = field(default_factory=list)  # outputs that differ from the parent's: written or gone

    @classmethod
    def read(cls, out: Path, languages: Sequence[str] = ()) -> Manifest | None:
        """The previous build's manifest; None when there is none or it is of another version.
        Raises DamagedManifest when it is not what a build writes (truncated, random bytes, the
        wrong shape): the output folder is not trusted to hold what we wrote."""
        try:
            text = (out / urls.MANIFEST).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise DamagedManifest(error.strerror or str(error)) from None
        try:
            data = json.loads(text.decode("utf-8"))
        except UnicodeDecodeError:
            raise DamagedManifest("not UTF-8") from None
        except ValueError as error:
            raise DamagedManifest(f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise DamagedManifest(f"a JSON {type(data).__name__}, not an object")
        if data.get("version") != MANIFEST_VERSION:
            return None
        return cls._checked(data, languages)

    @classmethod
    def _checked(cls, data: dict[str, Any], languages: Sequence[str]) -> Manifest:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise DamagedManifest(what)

        missing = [key for key in ("global", "partners", "rows", "outputs", "offers", "parent", "changed")
                   if key not in data]
        need(not missing, f"missing {', '.join(missing)}")
        need(isinstance(data["global"], str), "global is not text")
        partners, rows, outputs, offers = data["partners"], data["rows"], data["outputs"], data["offers"]
        need(isinstance(partners, dict) and all(
            isinstance(v, list) and len(v) == 4 and isinstance(v[0], str) and type(v[1]) is int
            and type(v[2]) is int and isinstance(v[3], str) for v in partners.values()), "partners: bad file stamp")
        need(isinstance(rows, dict) and all(
            isinstance(row, dict) and row.get("id") == pid and isinstance(row.get("html"), dict)
            and all(isinstance(row["html"].get(lang), str) for lang in languages)
            for pid, row in rows.items()), "rows: bad partner row")
        need(isinstance(outputs, list) and all(isinstance(o, str) for o in outputs), "outputs: not a list of paths")
        need(isinstance(data["parent"], str) and (data["parent"] == "" or _safe_path(data["parent"], parts=1)),
             "parent: not a folder name")
        need(isinstance(data["changed"], list) and all(isinstance(o, str) for o in data["changed"]),
             "changed: not a list of paths")
        # Paths and ids name files the build removes or links: none may leave the build folder.
        need(all(_safe_path(rel) for rel in outputs + data["changed"]), "a path leaves the site folder")
        need(all(_safe_path(pid, parts=1) for ids in (partners, rows, offers) for pid in ids), "a partner id is "
             "not a file name")
        need(isinstance(offers, dict) and all(isinstance(ids, list) and all(isinstance(i, str) for i in ids)
                                              for ids in offers.values()), "offers: not lists of offer ids")
        return cls(data["global"], {k: FileStamp(*v) for k, v in partners.items()}, rows, outputs, offers,
                   data["parent"], data["changed"])

    def to_bytes(self) -> bytes:
        data = {"version": MANIFEST_VERSION, "global": self.global_key,
                "partners": {k: [s.rel, s.size, s.mtime_ns, s.sha] for k, s in sorted(self.partners.items())},
                "rows": dict(sorted(self.rows.items())), "outputs": sorted(self.outputs),
                "offers": dict(sorted(self.offers.items())), "parent": self.parent,
                "changed": sorted(self.changed)}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _safe_path(rel: str, parts: int = 0) -> bool:
    """A relative path inside a folder (no .., no absolute path, no empty part); `parts`: exactly so many."""
    names = rel.split("/")
    return bool(rel) and "\0" not in rel and "\\" not in rel and all(n not in ("", ".", "..") for n in names) \
        and (parts == 0 or len(names) == parts)


def offer_owners(offers: dict[str, list[str]], skip: set[str]) -> dict[str, str]:
    """offer id -> partner id for the partners in `offers` that are not in `skip`."""
    return {oid: pid for pid, oids in offers.items() if pid not in skip for oid in oids}


def _walk(folder: Path, skip: Path | None = None) -> list[Path]:
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
    return [path for package in CODE_PACKAGES for path in _walk(root / package)]


def global_inputs(site_path: Path, content_dir: Path, templates_dir: Path) -> list[Path]:
    """The files behind the global fingerprint, except the code (see `code_files`)."""
    return [site_path, *_walk(content_dir, skip=content_dir / PARTNERS_DIR), *_walk(templates_dir)]


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


def scan_partners(content_dir: Path) -> tuple[dict[str, FileStamp], bool]:
    """Every partner file, by id (its file name), with size and modification time (no reading);
    and whether anything else sits in partners/ (a stray file is a problem only a full load reports)."""
    stamps: dict[str, FileStamp] = {}
    strays = False
    folder = content_dir / PARTNERS_DIR
    if not folder.is_dir():
        return stamps, strays
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.name.endswith(".yml") and entry.is_file():
                st = entry.stat()
                stamps[entry.name[:-4]] = FileStamp(f"{PARTNERS_DIR}/{entry.name}", st.st_size, st.st_mtime_ns)
            else:
                strays = True
    return stamps, strays


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def partner_changes(content_dir: Path, old: dict[str, FileStamp],
                    now: dict[str, FileStamp]) -> tuple[dict[str, FileStamp], list[str], list[str]]:
    """Compare the scan with the manifest: (stamps with hashes, changed or added ids, removed ids)."""
    stamped: dict[str, FileStamp] = {}
    changed: list[str] = []
    for pid, stamp in now.items():
        before = old.get(pid)
        if before and (before.size, before.mtime_ns, before.rel) == (stamp.size, stamp.mtime_ns, stamp.rel):
            stamped[pid] = before
            continue
        sha = sha_of(content_dir / stamp.rel)
        stamped[pid] = FileStamp(stamp.rel, stamp.size, stamp.mtime_ns, sha)
        if before is None or before.sha != sha:
            changed.append(pid)
    removed = [pid for pid in old if pid not in now]
    return stamped, sorted(changed), sorted(removed)


def hash_all(content_dir: Path, now: dict[str, FileStamp]) -> dict[str, FileStamp]:
    return {pid: FileStamp(s.rel, s.size, s.mtime_ns, sha_of(content_dir / s.rel)) for pid, s in now.items()}
