"""Deciding the pages and their context from the model and the rules (everything but partners,
which live in partner.py). Nothing here renders or writes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import escape  # XML text and double-quoted attributes (quotes escaped too)

from markupsafe import Markup

from ..config import SiteConfig
from ..model import Content, ListingType, Localized
from ..rules import benefits_unlocked_at
from . import labels, snippets, urls
from .i18n import N_, Formatter, LocalizedMarkup, localized_html
from .render import markdown_html
from .views import (
    BenefitContext,
    CatalogContext,
    CatalogRow,
    Chrome,
    HomeContext,
    HowToContext,
    HowToSection,
    IndexRow,
    Link,
    ListContext,
    ListingTypeRow,
    NotFoundContext,
    Page,
    PartnerRow,
    PartnersIndexContext,
    QuantityRow,
    SnippetView,
    TextContext,
    TextPage,
    TierRow,
)

NAV: tuple[tuple[str, str], ...] = (
    (urls.HOME, N_("Home")),
    (urls.CATALOG, N_("Benefits")),
    (urls.PARTNERS, N_("Partners")),
    (urls.TOOLKIT, N_("Toolkit")),
    (urls.TIPS, N_("Tips")),
    (urls.HOW_TO, N_("How to")),
)


@dataclass(frozen=True, slots=True)
class Site:
    """Everything a page depends on besides one partner: configuration, content, today."""

    config: SiteConfig
    content: Content
    today: dt.date

    @property
    def languages(self) -> tuple[str, ...]:
        return self.config.languages

    @property
    def default(self) -> str:
        return self.config.languages[0]


def chrome(site: Site, key: str, language: str, title: str, description: str = "",
           edit_file: str | None = None, absolute: bool = False, noindex: bool = False) -> tuple[Chrome, urls.Linker]:
    f = Formatter(language)
    link = urls.Linker(key, language, site.default, site.config.base_url, absolute=absolute)
    section = key.split("/", 1)[0] + "/" if "/" in key else ""
    nav = tuple(Link(f.gettext(label), link.to(target), current=(target == section)) for target, label in NAV)
    not_found = key == urls.NOT_FOUND
    switch = tuple(
        Link(labels.LANGUAGE_NAMES.get(other, other),
             link.to_language("" if not_found else key, other, site.default),
             current=(other == language), lang=other)
        for other in site.languages
    )
    return Chrome(
        lang=language,
        site_title=site.config.title,
        title=title,
        description=description,
        home_url=link.to(urls.HOME),
        assets_url=link.asset(""),
        canonical_url=urls.absolute(site.config.base_url, key, language, site.default),
        nav=nav,
        languages=switch,
        edit_url=site.config.edit_link(edit_file) if edit_file else None,
        alternates=() if not_found else alternates(site, key),
        noindex=noindex or not_found,
        feed_url=link.to(feed) if (feed := urls.feed_of(key)) else "",
        search_url=link.to(urls.SEARCH_INDEX),
    ), link


def alternates(site: Site, key: str) -> tuple[Link, ...]:
    """hreflang links: the page's absolute address in every language, and x-default (the default language's)."""
    base, default = site.config.base_url, site.default
    return (*(Link("", urls.absolute(base, key, other, default), lang=other) for other in site.languages),
            Link("", urls.absolute(base, key, default, default), lang="x-default"))


def partners_hidden(site: Site) -> bool:
    """Partner pages and the partners index are noindex and out of the sitemap unless site.yml allows them."""
    return not site.config.index_partners


_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.", "no."})  # not a sentence's end
_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+")
_INLINE = ((re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"), (re.compile(r"[*_`]+"), ""))


def first_sentence(markdown: str) -> str:
    """The first sentence of a Markdown text, whatever its line breaks: the first paragraph joined into one
    line (heading and quote marks, link targets and emphasis dropped), up to the first full stop."""
    paragraph = markdown.strip().split("\n\n", 1)[0]
    text = " ".join(line.strip().lstrip("#>-* ").strip() for line in paragraph.splitlines())
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    for end in _SENTENCE_END.finditer(text):
        head = text[:end.start()]
        if head.rsplit(" ", 1)[-1].lstrip("(").lower() not in _ABBREVIATIONS:
            return head
    return text


def home_page(site: Site, language: str) -> Page:
    f = Formatter(language)
    content = site.content
    c, link = chrome(site, urls.HOME, language, f.gettext("Marketplace Rewards"),
                     f.gettext("How the Marketplace Rewards program grows with your business."),
                     edit_file=content.program.source)  # the tiers, numbers and year come from program.yml
    tiers = tuple(
        TierRow(t.name_in(language), f.money(t.threshold_usd),
                tuple(Link(b.title_in(language), link.to(urls.benefit(b.id)))
                      for b in benefits_unlocked_at(content, t.id)))
        for t in content.program.tiers
    )
    types = tuple(
        ListingTypeRow(f.gettext(labels.LISTING_TYPES[lt]), f.gettext(labels.LISTING_TYPE_GETS[lt])
                       % {"period": f.months(content.program.timing.list_trial_expiry_months)},
                       sum(1 for b in content.benefits.values() if lt in b.listing_types))
        for lt in ListingType
    )
    tips = tuple(Link(t.title_in(language), link.to(urls.tip(t.id))) for t in content.tips if t.getting_started)
    return Page(
        urls.output_file(urls.HOME, language, site.default), "home.html",
        HomeContext(c, content.program.program_year, tuple(f.gettext(s) for s in labels.STAGES.values()),
                    tiers, types, tips, link.to(urls.CATALOG), link.to(urls.PARTNERS),
                    link.to(urls.TOOLKIT), link.to(urls.TIPS), f.days(content.program.timing.contact_within_days)),
    )


def catalog_page(site: Site, language: str) -> Page:
    f = Formatter(language)
    program = site.content.program
    c, link = chrome(site, urls.CATALOG, language, f.gettext("Benefit catalog"),
                     f.gettext("Every Marketplace Rewards benefit, by category, listing type and tier."))
    rows = []
    for b in site.content.benefits.values():
        tier = program.tier(b.unlock_tier) if ListingType.TRANSACT in b.listing_types else None
        description = b.description_in(language)
        rows.append(CatalogRow(
            b.title_in(language), link.to(urls.benefit(b.id)), b.category.value,
            f.gettext(labels.CATEGORIES[b.category]),
            ", ".join(f.gettext(labels.LISTING_TYPES[lt]) for lt in ListingType if lt in b.listing_types),
            " ".join(lt.value for lt in ListingType if lt in b.listing_types),
            tier.name_in(language) if tier else Localized(), tier.id if tier else "",
            program.tier_rank(tier.id) if tier else -1,
            description.derive(first_sentence(description)),
        ))
    return Page(
        urls.output_file(urls.CATALOG, language, site.default), "catalog.html",
        CatalogContext(
            c, tuple(rows),
            tuple(Link(f.gettext(label), code) for code, label in labels.CATEGORIES.items()),
            tuple(Link(f.gettext(label), code) for code, label in labels.LISTING_TYPES.items()),
            tuple(Link(t.name_in(language), t.id) for t in program.tiers),
            link.root_file(urls.CATALOG_JSON),
        ),
    )


def benefit_pages(site: Site, language: str) -> list[Page]:
    f = Formatter(language)
    program = site.content.program
    pages = []
    for b in site.content.benefits.values():
        key = urls.benefit(b.id)
        title = b.title_in(language)
        c, link = chrome(site, key, language, title, edit_file=b.source)
        transact = ListingType.TRANSACT in b.listing_types
        quantities = tuple(QuantityRow(program.tier(t).name_in(language), f.money(v))
                           for t, v in b.quantity.by_tier) if b.quantity else ()
        pages.append(Page(urls.output_file(key, language, site.default), "benefit.html", BenefitContext(
            c, title, f.gettext(labels.CATEGORIES[b.category]),
            f.gettext(labels.STAGES[b.stage]) if b.stage in labels.STAGES else "",
            localized_html(b.description_in(language), markdown_html),
            tuple(f.gettext(labels.LISTING_TYPES[lt]) for lt in ListingType if lt in b.listing_types),
            program.tier(b.unlock_tier).name_in(language) if transact else Localized(),
            tuple(f.gettext(labels.CONDITIONS[cond]) for cond in sorted(b.conditions)),
            b.quantity_label_in(language),
            quantities,
            f.gettext(labels.DELIVERIES[b.delivery]),
            b.request_form_url or "",
            link.to(urls.CATALOG),
        )))
    return pages


def toolkit_pages(site: Site, language: str) -> list[Page]:
    f = Formatter(language)
    c, link = chrome(site, urls.TOOLKIT, language, f.gettext("Publisher toolkit"))
    items = tuple(
        TextPage(t.id, t.title_in(language), t.summary_in(language), link.to(urls.toolkit(t.id)),
                 LocalizedMarkup(), edit_url=site.config.edit_link(t.source), edit_file=t.source)
        for t in site.content.toolkit
    )
    pages = [Page(urls.output_file(urls.TOOLKIT, language, site.default), "list.html", ListContext(
        c, f.gettext("Guides, badges and learning modules for marketing your offers."), items))]
    for t in site.content.toolkit:
        key = urls.toolkit(t.id)
        tc, tlink = chrome(site, key, language, t.title_in(language), t.summary_in(language), edit_file=t.source)
        page = TextPage(t.id, t.title_in(language), t.summary_in(language), "",
                        localized_html(t.body_in(language), markdown_html))
        pages.append(Page(urls.output_file(key, language, site.default), "text.html",
                          TextContext(tc, page, Link(f.gettext("Publisher toolkit"), tlink.to(urls.TOOLKIT)))))
    return pages


def tips_page(site: Site, language: str) -> Page:
    f = Formatter(language)
    c, _ = chrome(site, urls.TIPS, language, f.gettext("Best-practice tips"))
    items = tuple(
        TextPage(t.id, t.title_in(language), Localized(), "#" + t.id,
                 localized_html(t.body_in(language), markdown_html),
                 ", ".join(f.gettext(labels.LISTING_TYPES[lt]) for lt in ListingType if lt in t.listing_types),
                 edit_url=site.config.edit_link(t.source), edit_file=t.source)  # the page is made of these files
        for t in site.content.tips
    )
    return Page(urls.output_file(urls.TIPS, language, site.default), "tips.html", ListContext(
        c, f.gettext("What the best listings do, from the program's experience."), items))


def howto_page(site: Site, language: str) -> Page:
    """Every common edit to a partner file, with its snippet (site/snippets.py, as docs/editing.md)."""
    f = Formatter(language)
    timing = site.content.program.timing
    c, _ = chrome(site, urls.HOW_TO, language, f.gettext("How to"),
                  f.gettext("Every common edit to a partner file: the YAML to add, and what happens once it merges."))
    numbers = {"window": f.days(timing.contact_within_days), "silence": f.days(timing.offer_silence_days)}
    sections = []
    for r in snippets.recipes(site.today):
        sn = r.snippet
        file = sn.path[0] if sn.mode is snippets.Mode.NEW_FILE else snippets.EXAMPLE_FILE
        view = SnippetView(sn.kind.value, sn.mode.value, sn.target,
                           sn.where(f.gettext, str(file), snippets.EXAMPLE_OFFER), sn.text, "", "")
        sections.append(HowToSection(r.id, f.gettext(r.title), f.gettext(r.who), f.gettext(r.effect) % numbers, view))
    return Page(urls.output_file(urls.HOW_TO, language, site.default), "howto.html",
                HowToContext(c, tuple(sections), snippets.TEAM_KEYS))


def not_found_page(site: Site, language: str) -> Page:
    """The page a server sends for a missing address, in each language (/404.html, /ko/404.html): links are
    absolute paths, since it is served at any depth; noindex, and no hreflang (it is no page of its own)."""
    f = Formatter(language)
    c, _ = chrome(site, urls.NOT_FOUND, language, f.gettext("Page not found"), absolute=True)
    return Page(urls.output_file(urls.NOT_FOUND, language, site.default), "404.html", NotFoundContext(c))


def robots_txt(site: Site) -> Page:
    """Everything may be crawled (a crawler must read a partner page to see its noindex); the sitemap's address."""
    text = f"User-agent: *\nDisallow:\n\nSitemap: {site.config.base_url}{urls.SITEMAP}\n"
    return Page(urls.ROBOTS, None, text)


def catalog_json(site: Site) -> Page:
    program = site.content.program
    benefits = [
        {
            "id": b.id, "title": b.title, "category": b.category.value, "stage": b.stage,
            "listing_types": sorted(lt.value for lt in b.listing_types), "unlock_tier": b.unlock_tier,
            "conditions": sorted(c.value for c in b.conditions), "delivery": b.delivery.value,
            "quantity": {"unit": b.quantity.unit, "by_tier": dict(b.quantity.by_tier)} if b.quantity else None,
            "url": site.config.base_url + urls.benefit(b.id),
        }
        for b in site.content.benefits.values()
    ]
    tiers = [{"id": t.id, "name": t.name, "threshold_usd": t.threshold_usd} for t in program.tiers]
    return Page(urls.CATALOG_JSON, None, {"program_year": program.program_year, "tiers": tiers,
                                          "benefits": benefits})


def global_pages(site: Site) -> list[Page]:
    """Every page that depends on content and configuration, but on no partner."""
    pages: list[Page] = [robots_txt(site), catalog_json(site)]
    for language in site.languages:
        pages += [not_found_page(site, language), home_page(site, language), catalog_page(site, language),
                  tips_page(site, language), howto_page(site, language)]
        pages += benefit_pages(site, language)
        pages += toolkit_pages(site, language)
    return pages


# --- Pages that list every partner -----------------------------------------------------------


def index_row(site: Site, r: PartnerRow, language: str) -> IndexRow:
    """A partner's row in the partners index of one language (rendered once, kept in the manifest)."""
    f = Formatter(language)
    link = urls.Linker(urls.PARTNERS, language, site.default, site.config.base_url)
    tier = site.content.program.tier(r.tier_id).name_in(language) if r.tier_id else f.gettext("No live offer")
    alerts = f.ngettext("%(num)d alert", "%(num)d alerts", r.alerts) % {"num": r.alerts} if r.alerts else ""
    return IndexRow(
        r.name, link.to(urls.partner(r.id)), tier, r.tier_id,
        ", ".join(f.gettext(labels.LISTING_TYPES[lt]) for lt in r.listing_types), " ".join(r.listing_types),
        alerts, r.alerts, " urgent" if r.urgent else "",
    )


def partners_index_page(site: Site, rows_html: Markup, n: int, language: str) -> Page:
    """The partners index around its rows, already rendered: listing.py renders it with a stand-in for
    the rows and puts them in as bytes, on a full build and a partial one alike."""
    f = Formatter(language)
    c, _ = chrome(site, urls.PARTNERS, language, f.gettext("Partners"),
                  f.gettext("Every partner in the program, its tier and its alerts."), noindex=partners_hidden(site))
    count = f.ngettext("%(num)s partner", "%(num)s partners", n) % {"num": f.number(n)}
    types = tuple(Link(f.gettext(label), code) for code, label in labels.LISTING_TYPES.items())
    return Page(urls.output_file(urls.PARTNERS, language, site.default), "partners.html",
                PartnersIndexContext(c, rows_html, count, types))


def sitemap(site: Site, partner_ids: list[str]) -> Page:
    """Every indexable page, once per language, with the build's date and its language alternates; the
    partners index and partner pages only when site.yml lets search engines index them."""
    keys = [urls.HOME, urls.CATALOG, urls.TOOLKIT, urls.TIPS, urls.HOW_TO]
    keys += [urls.benefit(b) for b in site.content.benefits]
    keys += [urls.toolkit(t.id) for t in site.content.toolkit]
    if not partners_hidden(site):
        keys += [urls.PARTNERS] + [urls.partner(pid) for pid in partner_ids]
    lastmod = site.today.isoformat()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for key in keys:
        links = "".join(f'<xhtml:link rel="alternate" hreflang="{escape(alt.lang)}" href="{escape(alt.url)}"/>'
                        for alt in alternates(site, key))
        for language in site.languages:
            loc = urls.absolute(site.config.base_url, key, language, site.default)
            lines.append(f"  <url><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod>{links}</url>")
    lines.append("</urlset>\n")
    return Page(urls.SITEMAP, None, "\n".join(lines))
