"""Loading one side of a diff with the same loader as every other command (`pipeline.py`), then
turning it into snapshots.

A side is either the whole program (`partner_files=None`) or, when only partner files changed, the
catalog (program.yml, benefits, tips, toolkit) and those partner files: the answers for a partner
depend only on its own file and the catalog, so nothing else needs reading.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from notifier.plan import History

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


def load_side(label: str, site_path: Path, today: dt.date, history: History, *,
              partner_files: Collection[str] | None = None, compare: Collection[str] | None = None,
              shown_from: Path | None = None) -> Side:
    """`partner_files` (content-relative, "partners/x.yml"): load only the catalog and these; `compare`:
    the partner ids to snapshot (default: every one loaded). `shown_from`: problems name files
    relative to this folder (BASE is read from a temporary copy, and its paths should not say so)."""
    config, problems = load_config(site_path)
    if config is None:
        return Side(label, _shown(problems, shown_from), config_error=True)
    content, problems = load_content(config.content_dir, today, partner_files=partner_files, root=config.root)
    if content is None:
        return Side(label, _shown(problems, shown_from))
    wanted = content.partners.values() if compare is None else [
        content.partners[p] for p in compare if p in content.partners]
    return Side(label, (), False, catalog(config, content), snapshots(config, content, wanted, history, today),
                frozenset(o.id for p in wanted for o in p.offers))


def _shown(problems: list[Problem], base: Path | None) -> tuple[Problem, ...]:
    if base is None:
        return tuple(problems)
    out = []
    for p in problems:
        path = os.path.abspath(p.path)
        rel = os.path.relpath(path, base) if path.startswith(str(base)) else p.path
        out.append(Problem(rel, p.line, p.col, p.message))
    return tuple(out)
