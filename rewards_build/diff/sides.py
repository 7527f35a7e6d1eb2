"""Loading one side of a diff with the same loader as every other command (`pipeline.py`), then
turning it into snapshots.

A side is either the whole program (`partner_files=None`) or, when only partner files changed, the
catalog (program.yml, benefits, tips, toolkit) and those partner files: the answers for a partner
depend only on its own file and the catalog, so nothing else needs reading.

When everything must be compared (program.yml or another catalog file changed), BASE can borrow
HEAD's partners: a partner file that is the same at both revisions was read, checked and modelled once,
for HEAD, and only the checks that depend on the catalog (`crossrules.check_against_catalog`) can
answer differently against BASE's (`with_partners_of`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from notifier.plan import History

from ..config import SiteConfig
from ..crossrules import check_against_catalog
from ..model import Content
from ..pipeline import load_config, load_content
from ..problems import Problem
from .snapshot import Catalog, PartnerSnapshot, catalog, snapshots


@dataclass(frozen=True, slots=True)
class Side:
    label: str  # "BASE 1a2b3c4" / "HEAD (working tree)"
    problems: tuple[Problem, ...] = ()
    config_error: bool = False
    catalog: Catalog | None = None  # None: nothing could be loaded (invalid, or compared against nothing)
    partners: dict[str, PartnerSnapshot] = field(default_factory=dict)
    offer_ids: frozenset[str] = frozenset()  # of the partners compared (for the rule across partners)

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Loaded:
    """A side read and valid, before the rules: what `snapshot_side` turns into a Side."""

    label: str
    config: SiteConfig
    content: Content


def load(label: str, site_path: Path, today: dt.date, *, partner_files: Collection[str] | None = None,
         shown_from: Path | None = None, offer_owners: dict[str, str] | None = None) -> Loaded | Side:
    """The side's configuration and content, or a Side holding its problems. `partner_files`
    (content-relative, "partners/x.yml"): load only the catalog and these. `shown_from`: problems name
    files relative to this folder (BASE is read from a temporary copy, and its paths should not say so)."""
    config, problems = load_config(site_path)
    if config is None:
        return Side(label, _shown(problems, shown_from), config_error=True)
    content, problems = load_content(config.content_dir, today, partner_files=partner_files, root=config.root,
                                     offer_owners=offer_owners)
    if content is None:
        return Side(label, _shown(problems, shown_from))
    return Loaded(label, config, content)


def snapshot_side(loaded: Loaded, today: dt.date, history: History, compare: Collection[str] | None = None) -> Side:
    """`compare`: the partner ids to snapshot (default: every one loaded)."""
    content = loaded.content
    wanted = content.partners.values() if compare is None else [
        content.partners[p] for p in compare if p in content.partners]
    return Side(loaded.label, (), False, catalog(loaded.config, content),
                snapshots(loaded.config, content, wanted, history, today),
                frozenset(o.id for p in wanted for o in p.offers))


def load_side(label: str, site_path: Path, today: dt.date, history: History, *,
              partner_files: Collection[str] | None = None, compare: Collection[str] | None = None,
              shown_from: Path | None = None) -> Side:
    loaded = load(label, site_path, today, partner_files=partner_files, shown_from=shown_from)
    return loaded if isinstance(loaded, Side) else snapshot_side(loaded, today, history, compare)


def with_partners_of(base: Loaded, head: Content, shared: Collection[str]) -> Loaded | None:
    """BASE (its catalog and the partner files that differ from HEAD's, as loaded) with HEAD's models of
    the `shared` partner files (content-relative: the same bytes at both revisions), in file order as a
    whole load gives them. None when one of them does not fit BASE's catalog: then BASE is invalid, and
    only a whole load says where (the caller falls back to one)."""
    content = base.content
    borrowed = {p.source: p for p in head.partners.values() if p.source in shared}
    misfits: list[str] = []
    for partner in borrowed.values():
        check_against_catalog(lambda _path, message: misfits.append(message), partner, content)
        if misfits:
            return None
    own = {p.source: p for p in content.partners.values()}
    merged = {**borrowed, **own}
    partners = {merged[source].id: merged[source] for source in sorted(merged)}
    return replace(base, content=replace(content, partners=partners))


def _shown(problems: list[Problem], base: Path | None) -> tuple[Problem, ...]:
    if base is None:
        return tuple(problems)
    out = []
    for p in problems:
        path = os.path.abspath(p.path)
        rel = os.path.relpath(path, base) if path.startswith(str(base)) else p.path
        out.append(Problem(rel, p.line, p.col, p.message))
    return tuple(out)
