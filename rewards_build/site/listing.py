"""The pages that list partners. A full build joins every row; a partial build takes the live
partners index of each language and cuts the changed partners' rows out, replaces them or puts them
in, without rendering every row again. The sitemap and the search index are rendered from the
partner ids (file names) and names.

The partners index is `prefix + row + row + ... + suffix`, its rows in file order, as UTF-8 from the
rendering workers: the page is rendered with a stand-in for the rows (`_frame`), so the megabytes of
rows are joined once, as bytes, and never pass through Jinja as text. The manifest keeps, per partner
and language, its row's length and where the row's link to the partner's page sits in it; the link
(`href="../partners/<id>/index.html"`) appears once in the page, in that row (content text is
escaped, so no name can contain it). So a row is found with one search of the page, and the page
keeps the rows' HTML: nothing else needs to. The prefix and suffix must match the live page exactly,
or the splice is refused (`Unspliceable`) and the build becomes a full one: a live page edited by
hand, or rows of another shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from . import urls
from .manifest import Entry
from .pages import Site, partners_index_page, sitemap
from .plan import BuildPlan
from .render import Renderer, page_bytes
from .search import partners_searchable, search_indexes
from .views import Page


@dataclass(frozen=True, slots=True)
class Row:
    """A partner's row in the partners index, as a rendering worker hands it back: 30,000 of them wait
    in the parent for the index, so each is a few slots, not dictionaries of text."""

    id: str
    name: str  # the search index lists it
    html: tuple[bytes, ...]  # per language of site.languages, in UTF-8 as the index holds it


_ROWS = "\0partner rows\0"  # stands in for the rows when rendering the frame (no template can output NUL)


class Unspliceable(Exception):
    """The live partners index is not what the manifest says it holds: rebuild it from every row."""


def marker(site: Site, pid: str, language: str) -> bytes:
    """The link to a partner's page, as its row in the partners index holds it (`pages.index_row`)."""
    link = urls.Linker(urls.PARTNERS, language, site.default, site.config.base_url)
    return f'href="{escape(link.to(urls.partner(pid)))}"'.encode()


def entry_of(site: Site, pid: str, sha: str, offers: tuple[str, ...], row: Row) -> Entry:
    """What the manifest keeps of a partner: its file's hash, its offers, and where its rows' links sit."""
    spans = tuple((len(html), html.find(marker(site, pid, language)))
                  for language, html in zip(site.languages, row.html, strict=True))
    return Entry(pid, sha, offers, row.name, spans)


def full_listing(site: Site, renderer: Renderer, rows: list[Row]) -> Iterator[Page]:
    """A full build's pages listing partners, `rows` in file order: the sitemap, each partners index
    and each search index, one at a time (an index page of 30,000 partners is about 9 MB)."""
    yield sitemap(site, [row.id for row in rows])
    for i, language in enumerate(site.languages):
        prefix, suffix = _frame(site, renderer, language, len(rows))
        yield Page(urls.output_file(urls.PARTNERS, language, site.default), None,
                   b"".join([prefix, *(row.html[i] for row in rows), suffix]))
    yield from _searches(site, lambda: [(row.id, row.name) for row in rows])


def _searches(site: Site, named: Callable[[], list[tuple[str, str]]]) -> list[Page]:
    """The search indexes; `named`: every partner's (id, name) in file order, asked only when they are listed."""
    return search_indexes(site, named() if partners_searchable(site) else [])


def spliced(site: Site, renderer: Renderer, plan: BuildPlan, live: Path | None, fresh: dict[str, Row]) -> list[Page]:
    """The listing pages once the partners in `fresh` were re-rendered and those of `plan.removed` went;
    none when no row, name or the number of partners changed."""
    previous = plan.previous
    old_ids = set(previous.scan.ids)
    if live is None:
        raise Unspliceable("no live build")
    before = {pid: _entry(plan, pid) for pid in [*fresh, *plan.removed] if pid in old_ids}
    olds = {lang: _read(live / urls.output_file(urls.PARTNERS, lang, site.default)) for lang in site.languages}
    spans = {lang: {pid: _span(site, olds[lang], pid, lang, i, entry) for pid, entry in before.items()}
             for i, lang in enumerate(site.languages)}
    added = [pid for pid in fresh if pid not in old_ids]
    same = not added and not plan.removed and all(
        fresh[pid].name == entry.name and all(
            olds[lang][slice(*spans[lang][pid])] == fresh[pid].html[i] for i, lang in enumerate(site.languages))
        for pid, entry in before.items())
    if same:
        return []
    order = {pid: i for i, pid in enumerate(plan.scan.ids)}
    pages = [sitemap(site, plan.scan.ids)]
    for lang in site.languages:
        pages.append(_index(site, renderer, plan, lang, olds[lang], spans[lang], fresh, added, order))
    pages += _searches(site, lambda: _named(plan, fresh))
    return pages


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise Unspliceable(f"{path.name}: {error}") from None


def _span(site: Site, page: bytes, pid: str, language: str, i: int, entry: Entry) -> tuple[int, int]:
    """Where a partner's row is in the live index page."""
    length, at = entry.rows[i]
    found = page.find(marker(site, pid, language))
    if at < 0 or found < at:
        raise Unspliceable(f"the row of {pid} is not in the {language} partners index")
    return found - at, found - at + length


def _frame(site: Site, renderer: Renderer, language: str, count: int) -> tuple[bytes, bytes]:
    """The partners index page of `count` partners around its rows: (prefix, suffix)."""
    page = page_bytes(renderer, partners_index_page(site, Markup(_ROWS), count, language))
    parts = page.split(_ROWS.encode())
    if len(parts) != 2:
        raise Unspliceable("the partners index shows its rows other than once")
    return parts[0], parts[1]


def _index(site: Site, renderer: Renderer, plan: BuildPlan, language: str, old: bytes,
           spans: dict[str, tuple[int, int]], fresh: dict[str, Row], added: list[str],
           order: dict[str, int]) -> Page:
    li = site.languages.index(language)  # where this language's HTML is in each row
    prefix, suffix = _frame(site, renderer, language, len(plan.previous.scan.ids))
    if not (len(old) >= len(prefix) + len(suffix) and old.startswith(prefix) and old.endswith(suffix)):
        raise Unspliceable(f"the {language} partners index is not what the last build wrote")
    begin, end = len(prefix), len(old) - len(suffix)
    edits: list[tuple[int, int, int, bytes]] = []  # (start, end, file order, new bytes)
    for pid, (start, stop) in spans.items():
        if not begin <= start <= stop <= end:
            raise Unspliceable(f"the row of {pid} is outside the rows of the {language} partners index")
        edits.append((start, stop, order.get(pid, -1), fresh[pid].html[li] if pid in fresh else b""))
    for pid in added:  # before the next partner in file order that the live page lists, or at the end
        at = end
        for later in plan.scan.ids[order[pid] + 1:]:
            if later in spans:
                at = spans[later][0]
                break
            if later not in added:
                at = _span(site, old, later, language, li,
                           _entry(plan, later))[0]
                break
        edits.append((at, at, order[pid], fresh[pid].html[li]))
    parts, cursor = [], begin
    for start, stop, _order, data in sorted(edits):
        if start < cursor:
            raise Unspliceable("partner rows overlap")
        parts += [old[cursor:start], data]
        cursor = stop
    parts.append(old[cursor:end])
    if len(plan.scan.ids) != len(plan.previous.scan.ids):
        prefix, suffix = _frame(site, renderer, language, len(plan.scan.ids))
    return Page(urls.output_file(urls.PARTNERS, language, site.default), None, b"".join([prefix, *parts, suffix]))


def _entry(plan: BuildPlan, pid: str) -> Entry:
    entry = plan.previous.entry(pid)
    if entry is None:
        raise Unspliceable(f"no manifest line for {pid}")
    return entry


def _named(plan: BuildPlan, fresh: dict[str, Row]) -> list[tuple[str, str]]:
    """Every partner's id and name in file order (the search index lists them when partners may be found)."""
    names = {pid: entry.name for pid, entry in plan.previous.entries().items()}
    names.update((pid, row.name) for pid, row in fresh.items())
    return [(pid, names[pid]) for pid in plan.scan.ids]
