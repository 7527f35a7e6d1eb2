"""Making what a plan asks for: load and validate the planned content, render and stage the pages,
record the manifest. build.py imports this module only when there is something to make: it brings
the loaders, the schemas, the rules, Jinja, Markdown and Babel with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from jinja2 import TemplateError

from ..config import SiteConfig
from ..model import Content
from ..pipeline import load_content
from ..problems import Problem
from . import inputs, listing, urls, write
from .manifest import Entry, Manifest
from .pages import Site, global_pages
from .parallel import Progress, WorkerLost, render_partners
from .partner import partner_outputs
from .plan import BuildPlan
from .render import Renderer, page_bytes
from .views import Page

# A full disk, a broken template, a killed worker: the build stops and the old site stays.
BUILD_ERRORS = (OSError, TemplateError, WorkerLost)
Unspliceable = listing.Unspliceable
Row = listing.Row


def outputs_per_partner(languages: int) -> int:
    """A page and a feed per language, and the JSON (`partner.partner_outputs`), for counts and progress."""
    return 2 * languages + 1


@dataclass(frozen=True, slots=True)
class Staged:
    """What rendering put in the stage: the pages whose bytes changed, and every page counted."""

    written: list[str]
    total: int
    rows: dict[str, Row]  # the index row of every partner rendered
    listing: list[str]  # the outputs of the pages listing partners (none when no row changed); not their bytes


def load_planned(config: SiteConfig, plan: BuildPlan, today: dt.date) -> tuple[Content | None, list[Problem]]:
    """All content, or the shared content and only the changed partner files. On a partial load the
    rule across partners (an offer id belongs to one partner) must hold as on a full one: the changed
    partners' offer ids are looked up among the other partners' in the manifest, and if one is taken
    (or the files have problems) they are loaded again with every other partner's offers, so the
    problems are exactly those of a full load."""
    if plan.full:
        return load_content(config.content_dir, today)
    files = [inputs.partner_rel(pid) for pid in plan.changed]
    content, problems = load_content(config.content_dir, today, partner_files=files, offer_owners={})
    skip = set(plan.changed) | set(plan.removed)
    if content is not None and not any(
            (owner := plan.previous.owner_of(offer.id)) is not None and owner not in skip
            for partner in content.partners.values() for offer in partner.offers):
        return content, problems
    owners = {oid: pid for pid, entry in plan.previous.entries().items() if pid not in skip for oid in entry.offers}
    return load_content(config.content_dir, today, partner_files=files, offer_owners=owners)


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
        _, written = _stage_pages(stage, renderer, shared)
        bar.advance(len(shared))
        partner_written, rows, count = render_partners(site, renderer, stage, partner_ids, jobs, bar)
        written += partner_written
        if plan.full:
            ordered = [rows[pid] for pid in sorted(rows, key=inputs.partner_rel)]  # file order, as the scan
            listed, listing_written = _stage_pages(stage, renderer, listing.full_listing(site, renderer, ordered))
        else:
            listed, listing_written = _stage_pages(stage, renderer,
                                                   listing.spliced(site, renderer, plan, stage.previous, rows))
        written += listing_written
        bar.advance(len(listed))
    finally:
        bar.close()
    return Staged(written, len(shared) + count + len(listed), rows, listed)


def stage_manifest(stage: write.Stage, site: Site, plan: BuildPlan, shared: list[Page], staged: Staged) -> list[str]:
    """What this build was made from, staged with the pages (and so switched in with them); returns
    the outputs of the live build this one no longer makes."""
    outputs = [p.output for p in shared] + staged.listing if plan.full else plan.previous.outputs
    partners = site.content.partners

    def entry(pid: str, sha: str) -> Entry:
        return listing.entry_of(site, pid, sha, tuple(o.id for o in partners[pid].offers), staged.rows[pid])

    if plan.full:  # every line made, hashed and written one at a time, in file order
        content = site.config.content_dir
        text = "".join(entry(pid, inputs.sha_of(content / inputs.partner_rel(pid))).line() for pid in plan.scan.ids)
    else:
        text = plan.previous.with_entries([entry(pid, plan.shas[pid]) for pid in staged.rows], plan.removed)
    manifest = Manifest(plan.global_key, plan.scan, outputs, stage.parent, [], text, len(site.languages))
    obsolete = obsolete_outputs(site, plan, outputs)
    if stage.keeps_live(staged.written, obsolete, carry=not plan.full):
        # No page changed: this manifest replaces the live build's own, so it keeps that build's spare and
        # what differs from it (else the next build would find no spare and link every file anew).
        manifest.parent, manifest.changed = plan.previous.parent, plan.previous.changed
    else:
        manifest.changed = sorted({*staged.written, *obsolete}) if stage.parent else []  # nothing to sync against
    changed = [urls.MANIFEST] if stage.put(urls.MANIFEST, manifest.to_bytes()) else []
    stage.record(staged.written + changed)
    return obsolete


def obsolete_outputs(site: Site, plan: BuildPlan, outputs: list[str]) -> list[str]:
    """Files the previous build made that this one does not: on a partial build, only removed partners'.
    A partner in both builds makes the same files in both, so on a full build only the previous build's
    shared outputs and its removed partners' can be obsolete; the new build's partner outputs are made
    one at a time to be checked against those, never kept (150,000 paths at 30,000 partners)."""
    if not plan.full:
        return [o for pid in plan.removed for o in partner_outputs(site, pid)]
    current = set(plan.scan.ids)
    before = set(plan.previous.outputs) | {o for pid in plan.previous.scan.ids if pid not in current
                                           for o in partner_outputs(site, pid)}
    before -= {*outputs, urls.MANIFEST}
    if before:  # nothing to check on a first build
        before.difference_update(o for pid in plan.scan.ids for o in partner_outputs(site, pid))
    return sorted(before)


def _stage_pages(stage: write.Stage, renderer: Renderer, pages: Iterable[Page]) -> tuple[list[str], list[str]]:
    """Stage pages one by one (each page's bytes go once staged): (every output, those written)."""
    outputs, written = [], []
    for page in pages:
        outputs.append(page.output)
        if stage.put(page.output, page_bytes(renderer, page)):
            written.append(page.output)
    return outputs, written
