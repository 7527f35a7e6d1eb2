"""The plan of a build: what is stale, decided from fingerprints and the manifest alone, before any
content is read. Standard library only (with the configuration's declarations): a build with nothing
to do plans, says so and ends without importing the loaders, Jinja or Babel (see build.py).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ..config import SiteConfig, site_config_from  # declarations only: no loader, no schema
from ..problems import Problem
from ..yamlload import parse_yaml
from . import inputs, manifest, urls
from .manifest import DamagedManifest, Manifest, Scan


class Mode(StrEnum):
    FULL = "full"  # everything: first build, --clean, a global input changed, or a stray file in partners/
    PARTIAL = "partial"  # only the partners whose files changed, appeared or went, and the listings
    NOTHING = "nothing"  # up to date


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """What this build will do, decided from fingerprints alone, before any content is read."""

    mode: Mode
    out: Path
    global_key: str  # the fingerprint of everything but the partner files
    previous: Manifest  # what the last build was made from (empty for none, or with --clean)
    scan: Scan  # every partner file as it is now
    shas: dict[str, str]  # the hash of each partner file read for this plan (every one on a full build)
    changed: tuple[str, ...]  # partner ids to load and render (every one on a full build)
    removed: tuple[str, ...]  # partner ids whose files went (their outputs go too)
    note: str = ""  # why the previous build's manifest was ignored (damaged), if it was

    @property
    def full(self) -> bool:
        return self.mode is Mode.FULL

    @property
    def touched(self) -> bool:
        """Partner files' stamps moved since the last build (so the manifest must remember them)."""
        return not self.scan.same_stamps(self.previous.scan)


@dataclass(frozen=True, slots=True)
class BuildResult:
    exit_code: int  # 0 built, 1 content or build error (old site kept), 2 unusable site.yml
    mode: str = ""
    out: Path | None = None
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)


def output_path(out: Path) -> Path:
    """The output as an absolute path whose last name is kept as it is (it is a link to the live build)."""
    absolute = Path(os.path.abspath(out))
    return absolute.parent.resolve() / absolute.name


def shown(path: Path) -> str:
    """A path as messages show it, relative to where the user stands (pipeline.shown_path, without its imports)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def plan_build(config: SiteConfig, out: Path, today: dt.date, clean: bool, *, force_full: bool = False) -> BuildPlan:
    """Everything is stale on a first or --clean build, when a global input changed, when the previous
    build's manifest is damaged, or when a stray file sits in partners/ (only a full load reports it);
    else the partners whose files changed, or nothing."""
    global_key = inputs.global_fingerprint(config.path, config.content_dir, config.templates_dir,
                                           inputs.catalogs_fingerprint(config.languages), today.isoformat())
    note = ""
    try:
        previous = (None if clean else Manifest.read(out, config.languages)) or Manifest()
    except DamagedManifest as damage:
        previous = Manifest()
        note = f"the build manifest {shown(out / urls.MANIFEST)} is damaged ({damage}); ignoring it: full build"
    scan, strays = inputs.scan_partners(config.content_dir)
    if previous.global_key != global_key or strays or force_full:
        return BuildPlan(Mode.FULL, out, global_key, previous, scan, {}, tuple(scan.ids), (), note)
    maybe, removed = inputs.suspects(scan, previous.scan)
    shas: dict[str, str] = {}
    changed: list[str] = []
    known = set(previous.scan.ids) if maybe else set()
    try:
        # Each line found by a search of the text, or (for many, such as the files a generator or a
        # checkout wrote just before a full build's scan) all parsed at once.
        parsed = previous.entries() if len(maybe) > manifest.REWRITE_ALL_FROM else None
        for pid in maybe:
            shas[pid] = inputs.sha_of(config.content_dir / inputs.partner_rel(pid))
            before = previous.entry(pid) if parsed is None else parsed.get(pid)
            if before is None and pid in known:
                raise DamagedManifest(f"no line for partner {pid}")
            if before is None or before.sha != shas[pid]:
                changed.append(pid)
    except DamagedManifest as damage:  # a partner line we needed is not what a build writes
        note = f"the build manifest {shown(out / urls.MANIFEST)} is damaged ({damage}); ignoring it: full build"
        return BuildPlan(Mode.FULL, out, global_key, Manifest(), scan, {}, tuple(scan.ids), (), note)
    except FileNotFoundError:  # a partner file went between the scan and now: plan again from a full build
        return BuildPlan(Mode.FULL, out, global_key, previous, scan, {}, tuple(scan.ids), (), note)
    mode = Mode.PARTIAL if changed or removed else Mode.NOTHING
    return BuildPlan(mode, out, global_key, previous, scan, shas, tuple(changed), tuple(removed))


def quick_config(site_path: Path) -> SiteConfig | None:
    """site.yml parsed but not validated (None when it does not even parse). Only a plan that finds
    every input as the last build saw it trusts it: site.yml is one of those inputs, so its bytes are
    then the ones that build validated. Any other plan validates it again (pipeline.load_config)."""
    try:
        loaded = parse_yaml(site_path.read_text(encoding="utf-8"), str(site_path))
        if loaded.problems or not isinstance(loaded.data, dict):
            return None
        return site_config_from(loaded.data, site_path)
    except Exception:  # anything odd here is for the validating path to report, located
        return None
