"""The catalog-wide search index, one per language (`urls.SEARCH_INDEX`): benefits, tips and toolkit
pages, and partners where the site's privacy lets them be found. `assets/search.js` fetches it when
the search box is first used and filters it as the reader types; nothing is sent anywhere.

Partners are listed when the site is private (behind the company's sign-in: everything is shown) or when
`index_partners: true` says partner pages may be found; on a public site whose partner pages are noindex
the index leaves them out too (the partners index has its own filter)."""

from __future__ import annotations

from ..model import ListingType
from . import labels, urls
from .i18n import Formatter
from .pages import NAV, Site, first_sentence, partners_hidden
from .views import Page

_KINDS = dict(NAV)  # the section names the navigation shows: "Benefits", "Tips", "Toolkit", "Partners"


def partners_searchable(site: Site) -> bool:
    return not site.config.public or not partners_hidden(site)


def search_indexes(site: Site, partners: list[tuple[str, str]]) -> list[Page]:
    """The index of every language; `partners`: (id, name) of each partner to list, in file order."""
    return [_index(site, partners, language) for language in site.languages]


def _index(site: Site, partners: list[tuple[str, str]], language: str) -> Page:
    f = Formatter(language)
    # Links are relative to the index's own folder (the language's root): search.js resolves them so.
    link = urls.Linker(urls.HOME, language, site.default, site.config.base_url)
    content = site.content
    items: list[dict[str, str]] = []
    kind = f.gettext(_KINDS[urls.CATALOG])
    for b in content.benefits.values():
        items.append(_item(kind, b.title_in(language), link.to(urls.benefit(b.id)),
                           first_sentence(b.description_in(language)),
                           " ".join([b.id, f.gettext(labels.CATEGORIES[b.category]),
                                     *(f.gettext(labels.LISTING_TYPES[lt]) for lt in ListingType
                                       if lt in b.listing_types)])))
    kind = f.gettext(_KINDS[urls.TIPS])
    for t in content.tips:
        items.append(_item(kind, t.title_in(language), link.to(urls.tip(t.id)), first_sentence(t.body_in(language)),
                           t.id))
    kind = f.gettext(_KINDS[urls.TOOLKIT])
    for page in content.toolkit:
        items.append(_item(kind, page.title_in(language), link.to(urls.toolkit(page.id)), page.summary_in(language),
                           page.id))
    if partners_searchable(site):
        kind = f.gettext(_KINDS[urls.PARTNERS])
        for pid, name in partners:
            items.append(_item(kind, name, link.to(urls.partner(pid)), "", pid))
    return Page(urls.output_file(urls.SEARCH_INDEX, language, site.default), None,
                {"lang": language, "items": items})


def _item(kind: str, title: str, url: str, summary: str, keywords: str) -> dict[str, str]:
    """One result: title, address, section, one sentence, and words it is also found by (ids, labels).
    `lang` names the title's language where content had no words in the page's own (English stands in)."""
    item = {"title": str(title), "url": url, "kind": str(kind), "summary": str(summary), "keywords": keywords}
    if getattr(title, "fallback", False):
        item["lang"] = str(getattr(title, "lang", ""))
    return item
