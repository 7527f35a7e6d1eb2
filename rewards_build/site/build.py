"""`rewards build`: the whole build as one function, a plan and then a straight list of steps.

    read site.yml -> plan (fingerprint the inputs, decide what is stale) -> load + validate ->
    collect pages -> render and stage (in parallel) -> record the manifest -> swap in atomically ->
    summarise

See docs/site.md for how incrementality works and why it is safe.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from jinja2 import TemplateError

from ..config import SiteConfig
from ..model import Content
from ..pipeline import load_config, load_content, shown_path
from ..problems import Problem
from ..report import print_problems
from . import i18n, inputs, urls, write
from .pages import Site, global_pages, listing_pages
from .parallel import Progress, default_jobs, render_partners
from .partner import partner_outputs
from .render import Renderer, page_bytes
from .search import search_indexes
from .views import Page

Row = dict[str, Any]  # a partners-index row as the manifest keeps it (JSON)


def outputs_per_partner(languages: int) -> int:
    """A page and a feed per language, and the JSON (`partner.partner_outputs`), for counts and progress."""
    return 2 * languages + 1


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
    previous: inputs.Manifest  # what the last build was made from (empty for none, or with --clean)
    stamps: dict[str, inputs.FileStamp]  # every partner file as it is now, by partner id
    changed: tuple[str, ...]  # partner ids to load and render (every one on a full build)
    removed: tuple[str, ...]  # partner ids whose files went (their outputs go too)
    note: str = ""  # why the previous build's manifest was ignored (damaged), if it was

    @property
    def full(self) -> bool:
        return self.mode is Mode.FULL


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


@dataclass(frozen=True, slots=True)
class Staged:
    """What rendering put in the stage: the pages whose bytes changed, and every page counted."""

    written: list[str]
    total: int
    rows: dict[str, Row]  # every partner's index row, by id
    listing: list[Page]  # the pages listing partners (none when the rows did not change)


def build(site_path: Path, today: dt.date, *, out: Path | None = None, clean: bool = False,
          jobs: int | None = None, stream: TextIO = sys.stderr, progress: bool | None = None) -> BuildResult:
    started = time.perf_counter()
    given_out = out is not None

    # 1. Read site.yml (validated), once: where content, templates and the output live.
    config, problems = load_config(site_path)
    if config is None:
        print_problems(problems, stream)
        return BuildResult(2, problems=problems)
    out = output_path(out or config.output_dir)
    refusal = refuse_sources(config, out, "--out" if given_out else "output_dir in site.yml")
    if refusal:
        print(f"rewards build: {refusal}", file=stream)
        return BuildResult(2)

    # 2. One build at a time per output folder (`rewards serve` and a manual build may overlap);
    #    under the lock, leftovers of a killed build are swept away.
    with write.exclusive(out):
        write.sweep(out)

        # 3. Plan: fingerprint the inputs, read what the previous build was made from, decide what is stale.
        plan = plan_build(config, out, today, clean)
        if plan.note:
            print(f"rewards build: {plan.note}", file=stream)
        if plan.mode is Mode.NOTHING:
            remember_stamps(plan)
            return summarise(stream, BuildResult(0, plan.mode, out, seconds=time.perf_counter() - started),
                             len(plan.previous.outputs) + len(plan.stamps) * outputs_per_partner(len(config.languages)))

        # 4. Load and validate: all content, or the shared content plus the changed partner files.
        content, problems = load_planned(config, plan, today)
        if content is None:
            print_problems(problems, stream)
            print(f"rewards build: {len(problems)} problem(s); the site in {shown_path(out)} was left as it was",
                  file=stream)
            return BuildResult(1, plan.mode, out, problems=problems)
        site = Site(config, content, today)

        # 5. Collect the pages that depend on no partner (full builds only).
        shared = collect_shared_pages(site) if plan.full else []

        # 6. Render into a new build folder, record what it was made from, then switch the output to it.
        stage = write.Stage(out, write.new_token(), reuse_spare(plan))
        try:
            staged = render_pages(stage, site, plan, shared, jobs or default_jobs(), stream, progress)
            obsolete = stage_manifest(stage, site, plan, shared, staged)
            removed_files = stage.commit(obsolete, carry=not plan.full)
        except (OSError, TemplateError) as error:
            stage.abort()
            print(f"rewards build: {type(error).__name__}: {error}; the site in {shown_path(out)} was left as it was",
                  file=stream)
            return BuildResult(1, plan.mode, out, problems=[])
        except BaseException:
            stage.abort()
            raise

        # 7. Summarise in one line.
        pages_written = len(staged.written)
        return summarise(stream, BuildResult(0, plan.mode, out, pages_written, staged.total - pages_written,
                                             removed_files, time.perf_counter() - started), staged.total)


def output_path(out: Path) -> Path:
    """The output as an absolute path whose last name is kept as it is (it is a link to the live build)."""
    absolute = Path(os.path.abspath(out))
    return absolute.parent.resolve() / absolute.name


def refuse_sources(config: SiteConfig, out: Path, named: str) -> str:
    """Why the output may not go where it is asked to (empty when it may): an output that is,
    holds or is inside the content or the templates, or that is or holds the folder of site.yml,
    would write the site into its own sources (and a full build removes what it does not make)."""
    places = {out, out.resolve()}
    sources = [(config.root.resolve(), "the folder of site.yml", False),
               (config.content_dir.resolve(), "the content folder", True),
               (config.templates_dir.resolve(), "the templates folder", True)]
    for source, what, no_inside in sources:
        for place in places:
            if place == source:
                relation = "is"
            elif source.is_relative_to(place):
                relation = "holds"
            elif no_inside and place.is_relative_to(source):
                relation = "is inside"
            else:
                continue
            return (f"{named} {shown_path(out)} would write the site into its sources: it {relation} {what} "
                    f"({shown_path(source)}); choose a folder outside the content and the templates that does "
                    f"not hold site.yml")
    return ""


def plan_build(config: SiteConfig, out: Path, today: dt.date, clean: bool) -> BuildPlan:
    """Everything is stale on a first or --clean build, when a global input changed, when the previous
    build's manifest is damaged, or when a stray file sits in partners/ (only a full load reports it);
    else the partners whose files changed, or nothing."""
    global_key = inputs.global_fingerprint(config.path, config.content_dir, config.templates_dir,
                                           i18n.catalogs_fingerprint(config.languages), today.isoformat())
    note = ""
    try:
        previous = (None if clean else inputs.Manifest.read(out, config.languages)) or inputs.Manifest()
    except inputs.DamagedManifest as damage:
        previous = inputs.Manifest()
        note = (f"the build manifest {shown_path(out / urls.MANIFEST)} is damaged ({damage}); "
                f"ignoring it: full build")
    scanned, strays = inputs.scan_partners(config.content_dir)
    if previous.global_key != global_key or strays:
        return BuildPlan(Mode.FULL, out, global_key, previous, inputs.hash_all(config.content_dir, scanned),
                         tuple(sorted(scanned)), (), note)
    stamps, changed, removed = inputs.partner_changes(config.content_dir, previous.partners, scanned)
    mode = Mode.PARTIAL if changed or removed else Mode.NOTHING
    return BuildPlan(mode, out, global_key, previous, stamps, tuple(changed), tuple(removed))


def remember_stamps(plan: BuildPlan) -> None:
    """Nothing to render; files touched but identical: the manifest remembers their new times only
    (replaced alone in the live build). A plain output folder of an older version is converted too."""
    if plan.stamps == plan.previous.partners and not write.is_plain(plan.out):
        return
    stage = write.Stage(plan.out, write.new_token(), reuse_spare(plan))
    try:
        manifest = replace(plan.previous, partners=plan.stamps)
        stage.record([urls.MANIFEST] if stage.put(urls.MANIFEST, manifest.to_bytes()) else [])
        stage.commit(carry=True)
    except BaseException:
        stage.abort()
        raise


def load_planned(config: SiteConfig, plan: BuildPlan, today: dt.date) -> tuple[Content | None, list[Problem]]:
    """All content, or the shared content and only the changed partner files. On a partial load the
    offer ids of the partners not read come from the manifest, so the rule across partners (an offer
    id belongs to one partner) holds on a one-partner rebuild as it does on a full one."""
    if plan.full:
        return load_content(config.content_dir, today)
    owners = inputs.offer_owners(plan.previous.offers, set(plan.changed) | set(plan.removed))
    return load_content(config.content_dir, today, partner_files=[plan.stamps[pid].rel for pid in plan.changed],
                        offer_owners=owners)


def collect_shared_pages(site: Site) -> list[Page]:
    """The pages that depend on content and configuration but on no partner, and the assets."""
    folder = site.config.templates_dir / "site" / "assets"
    assets = [Page(urls.ASSETS + path.relative_to(folder).as_posix(), None, path.read_bytes())
              for path in sorted(folder.rglob("*")) if path.is_file()]
    return global_pages(site) + assets


def render_pages(stage: write.Stage, site: Site, plan: BuildPlan, shared: list[Page], jobs: int, stream: TextIO,
                 progress: bool | None) -> Staged:
    """Render and stage the shared pages, every loaded partner's pages and, when the rows changed,
    the listings; nothing in the live site changes yet."""
    partners = site.content.partners
    partner_ids = sorted(partners, key=lambda pid: partners[pid].source)
    listings = 2 * len(site.languages) + 1  # the partners index and search index per language, the sitemap
    bar = Progress(len(shared) + len(partner_ids) * outputs_per_partner(len(site.languages)) + listings,
                   stream, progress)
    try:
        renderer = Renderer(site.config.templates_dir, site.languages)
        written = _stage_pages(stage, renderer, shared)
        bar.advance(len(shared))
        partner_written, fresh_rows, count = render_partners(site, renderer, stage, partner_ids, jobs, bar)
        written += partner_written
        rows = fresh_rows if plan.full else _merge_rows(plan, fresh_rows)
        if not plan.full and rows == plan.previous.rows:  # the index and sitemap would come out the same
            listing = []
        else:
            ordered = [rows[pid] for pid in _by_file(rows, plan.stamps)]
            listing = listing_pages(site, ordered) + search_indexes(site, ordered)  # the search lists partners too
        written += _stage_pages(stage, renderer, listing)
        bar.advance(len(listing))
    finally:
        bar.close()
    return Staged(written, len(shared) + count + len(listing), rows, listing)


def reuse_spare(plan: BuildPlan) -> write.Reuse | None:
    """The build folder the live build was made from, and what differs between them, when the
    manifest can say (not on --clean or after a damaged manifest: then the new build starts empty)."""
    if not plan.previous.global_key:
        return None
    return write.Reuse(plan.previous.parent, plan.previous.changed)


def stage_manifest(stage: write.Stage, site: Site, plan: BuildPlan, shared: list[Page], staged: Staged) -> list[str]:
    """What this build was made from, staged with the pages (and so switched in with them); returns
    the outputs of the live build this one no longer makes."""
    outputs = [p.output for p in shared + staged.listing] if plan.full else plan.previous.outputs
    offers = {} if plan.full else {pid: ids for pid, ids in plan.previous.offers.items() if pid not in plan.removed}
    offers.update({pid: [o.id for o in p.offers] for pid, p in site.content.partners.items()})
    manifest = inputs.Manifest(plan.global_key, plan.stamps, staged.rows, outputs, offers, stage.parent)
    obsolete = obsolete_outputs(site, plan, manifest)
    manifest.changed = sorted({*staged.written, *obsolete}) if stage.parent else []  # nothing to sync against
    changed = [urls.MANIFEST] if stage.put(urls.MANIFEST, manifest.to_bytes()) else []
    stage.record(staged.written + changed)
    return obsolete


def obsolete_outputs(site: Site, plan: BuildPlan, now: inputs.Manifest) -> list[str]:
    """Files the previous build made that this one does not: on a partial build, only removed partners'."""
    if not plan.full:
        return [o for pid in plan.removed for o in partner_outputs(site, pid)]
    before = set(plan.previous.outputs) | {o for pid in plan.previous.partners for o in partner_outputs(site, pid)}
    after = set(now.outputs) | {o for pid in now.partners for o in partner_outputs(site, pid)} | {urls.MANIFEST}
    return sorted(before - after)


def summarise(stream: TextIO, result: BuildResult, total: int) -> BuildResult:
    out = shown_path(result.out) if result.out is not None else "?"
    if result.mode == Mode.NOTHING:
        print(f"rewards build: {out} is up to date ({total} outputs); nothing written "
              f"in {result.seconds:.2f} s", file=stream)
    else:
        print(f"rewards build: {result.mode} build of {out}: {result.written} files written, "
              f"{result.unchanged} unchanged, {result.removed} removed in {result.seconds:.2f} s", file=stream)
    return result


def _stage_pages(stage: write.Stage, renderer: Renderer, pages: list[Page]) -> list[str]:
    return [page.output for page in pages if stage.put(page.output, page_bytes(renderer, page))]


def _merge_rows(plan: BuildPlan, fresh: dict[str, Row]) -> dict[str, Row]:
    """The previous build's rows of the partners still there, with the re-rendered ones."""
    rows = {pid: row for pid, row in plan.previous.rows.items() if pid not in plan.removed and pid in plan.stamps}
    rows.update(fresh)
    return rows


def _by_file(rows: dict[str, Row], stamps: dict[str, inputs.FileStamp]) -> list[str]:
    """Partners in file-name order, as a clean build lists them."""
    return sorted(rows, key=lambda pid: stamps[pid].rel if pid in stamps else pid)
