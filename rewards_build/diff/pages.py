"""The site's pages on each side, and which are added, removed or changed, by kind.

Paths come from rewards_build/site/urls.py. Nothing is rendered: a page is "changed" when one of
the inputs it is made from differs (its partner's record, the catalog, the configuration ...), a
cheap and slightly generous comparison (a benefit's new wording marks every partner page changed,
because they show the benefit's title).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..site import urls
from .sides import Side
from .snapshot import fingerprint

# Kinds, in the order a summary lists them.
KINDS = ("partner", "partner-json", "partners-index", "home", "catalog", "catalog-json", "benefit", "toolkit",
         "toolkit-page", "tips", "404", "sitemap")


@dataclass(frozen=True, slots=True)
class PageChange:
    kind: str
    added: tuple[str, ...]  # output files, as `rewards build` writes them
    removed: tuple[str, ...]
    changed: tuple[str, ...]


def pages_of(side: Side, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Output file -> (kind, fingerprint of its inputs), for the shared pages and the partners `ids`."""
    cat = side.catalog
    if cat is None:
        return {}
    default = cat.languages[0]
    benefits, tips, toolkit = fingerprint(cat.benefits), fingerprint(cat.tips), fingerprint(cat.toolkit)
    partners = [side.partners[p] for p in ids if p in side.partners]
    rows = fingerprint(sorted((p.id, p.row) for p in partners))
    out: dict[str, tuple[str, str]] = {}

    def page(kind: str, key: str, *inputs: str, every_language: bool = True) -> None:
        languages = cat.languages if every_language else (default,)
        for lang in languages:
            out[urls.output_file(key, lang, default)] = (kind, fingerprint((cat.config, *inputs)))

    page("home", urls.HOME, cat.program, benefits, tips)
    page("catalog", urls.CATALOG, cat.program, benefits)
    page("catalog-json", urls.CATALOG_JSON, cat.program, benefits, every_language=False)
    for bid, fp in cat.benefits.items():
        page("benefit", urls.benefit(bid), cat.program, fp)
    page("toolkit", urls.TOOLKIT, toolkit)
    for tid, fp in cat.toolkit.items():
        page("toolkit-page", urls.toolkit(tid), fp)
    page("tips", urls.TIPS, tips)
    page("404", urls.NOT_FOUND)
    page("partners-index", urls.PARTNERS, rows)
    for p in partners:
        page("partner", urls.partner(p.id), cat.program, benefits, p.record)
        page("partner-json", urls.partner_json(p.id), cat.program, benefits, p.record, every_language=False)
    return out


def page_changes(base: Side, head: Side, ids: Iterable[str]) -> tuple[PageChange, ...]:
    wanted = list(ids)
    old, new = pages_of(base, wanted), pages_of(head, wanted)
    # The sitemap lists every page: it changes when a page comes or goes.
    if base.catalog is not None:
        old[urls.SITEMAP] = ("sitemap", fingerprint(sorted(old)))
    if head.catalog is not None:
        new[urls.SITEMAP] = ("sitemap", fingerprint(sorted(new)))
    by_kind: dict[str, tuple[list[str], list[str], list[str]]] = {k: ([], [], []) for k in KINDS}
    for path in sorted(old.keys() | new.keys()):
        b, a = old.get(path), new.get(path)
        if a is None:
            assert b is not None
            by_kind[b[0]][1].append(path)
        elif b is None:
            by_kind[a[0]][0].append(path)
        elif a[1] != b[1]:
            by_kind[a[0]][2].append(path)
    return tuple(PageChange(kind, tuple(a), tuple(r), tuple(c)) for kind, (a, r, c) in by_kind.items() if a or r or c)
