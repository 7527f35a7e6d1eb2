"""The page contexts: frozen records of what a template shows, every value already computed.

The records a page makes dozens of (a benefit row, its action and snippet, a link) are named tuples:
a frozen dataclass sets each field through object.__setattr__, three times the cost, and a large
build makes over a million of them. Templates read both by attribute alike.

Names ending in `_url` are links; everything else is display text (escaped by the template) or a
code used for styling and filtering (a state, a listing type).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from markupsafe import Markup

from ..model import Localized
from .i18n import LocalizedMarkup


class Link(NamedTuple):
    label: str
    url: str
    current: bool = False
    lang: str = ""


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every page shares: language, relative roots, navigation and language switcher."""

    lang: str
    site_title: str
    title: str
    description: str
    home_url: str  # this language's home page
    assets_url: str  # relative prefix to the shared assets folder
    canonical_url: str
    nav: tuple[Link, ...]
    languages: tuple[Link, ...]
    edit_url: str | None = None  # "edit this page": the content file that produced it
    alternates: tuple[Link, ...] = ()  # hreflang: this page's absolute address per language, then x-default
    noindex: bool = False  # ask search engines not to index the page (partner pages unless site.yml allows it)
    feed_url: str = ""  # the page's Atom feed (partner pages: site/feeds.py), linked in the head
    search_url: str = ""  # this language's search index (site/search.py), read by the search box's script


@dataclass(frozen=True, slots=True)
class Page:
    """One output file. `template` None means `context` is serialised as JSON, or written as is."""

    output: str  # relative to the site root, POSIX
    template: str | None
    context: Any


# --- Partner pages --------------------------------------------------------------------------


class SnippetView(NamedTuple):
    """An edit to show: the YAML to paste (site/snippets.py), where it goes, and the file in the editor."""

    kind: str  # snippets.Kind, for styling and tests
    mode: str  # snippets.Mode: append, replace, new-file
    target: str  # the path in the file: "activations", "activations.3", "offers.0.owner"
    where: str  # the sentence that says where to paste it
    text: str  # the YAML
    edit_url: str
    edit_label: str
    who: str = ""  # "For the rewards team", when the keys are the team's
    form: Link | None = None  # a request form the benefit has, besides the file
    request: Link | None = None  # the issue form that asks for the same edit, filled in (forms/links.py)


class Action(NamedTuple):
    """A button: a link (to the editor, the How-to page, a section of this page, support), or an edit
    to show in place (`snippet`: the link then opens the YAML, the copy button and the editor link)."""

    label: str
    url: str = ""
    hint: str = ""  # e.g. the file the pull request edits
    snippet: SnippetView | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    level: int
    title: str
    message: str
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class TierView:
    name: Localized  # "" when no offer is live yet
    sales: str  # "" on a public site (site.yml privacy)
    next_name: Localized
    needed: str  # "" on a public site
    percent: int | None  # None on a public site: the progress would give the sales away
    progress_label: str
    unlocks_label: str  # "A transact offer would unlock:" (rules.next_step); "" for "<next tier> unlocks:"
    unlocks: tuple[Link, ...]  # what the next step unlocks


@dataclass(frozen=True, slots=True)
class StageView:
    """The program's growth stages, the partner's marked (rules.growth_stage)."""

    label: str
    current: bool


@dataclass(frozen=True, slots=True)
class OfferRow:
    id: str
    name: str
    listing_type: str
    listing_type_label: str
    status: str
    status_label: str
    live_date: str
    owner: str  # on a public site only whether it is recorded, never the name


@dataclass(frozen=True, slots=True)
class ContactRow:
    name: str  # "" on a public site
    email: str
    phone: str
    language: str
    note: str = ""  # why the contact gets less mail than the others (rules.gets_tips), or ""


class BenefitRow(NamedTuple):
    title: Localized
    url: str
    state: str
    state_label: str
    detail: str
    action: Action | None  # only where it would change this row's state (amounts: the partner's, shown once)


@dataclass(frozen=True, slots=True)
class RowGroup:
    """An offer's benefits that ask the same of the partner now (rules.Attention), sorted by title."""

    code: str  # the Attention value: "needs-action", "in-progress", "available", "closed", "locked"
    title: str
    count: int
    rows: tuple[BenefitRow, ...]
    folded: bool  # shown in a closed <details> (locked rows: nothing to do yet)


@dataclass(frozen=True, slots=True)
class OfferBenefits:
    anchor: str  # the offer's section id on the page ("sales-<offer>", which alerts link to)
    offer_id: str
    offer_name: str
    listing_type_label: str
    groups: tuple[RowGroup, ...]  # in the order a partner acts: needs action first, locked last


@dataclass(frozen=True, slots=True)
class RequestRow:
    benefit: str
    offer: str
    phase: str
    date: str
    status: str
    status_label: str
    note: str


@dataclass(frozen=True, slots=True)
class Sponsorship:
    title: Localized
    url: str
    amount: str


@dataclass(frozen=True, slots=True)
class PartnerContext:
    chrome: Chrome
    id: str
    name: str
    mpn_id: str
    file: str  # the YAML file that produced the page
    index_url: str  # the partners index
    edit_url: str
    json_url: str
    howto_url: str
    opted_out: bool
    as_of: str  # "As of Nov 24, 2026": the build's day, which every day count and state is computed for
    as_of_iso: str
    stages: tuple[StageView, ...]
    tier: TierView
    offers: tuple[OfferRow, ...]
    alerts: tuple[Alert, ...]
    contacts: tuple[ContactRow, ...]
    assign_contact: Action  # the edit itself when there is no contact; else a link to the How-to page
    sales: tuple[OfferBenefits, ...]
    technical: tuple[OfferBenefits, ...]
    phases: tuple[str, ...]
    sponsorships: tuple[Sponsorship, ...]  # company-level amounts at its tier, shown once (not per offer)
    requests: tuple[RequestRow, ...]
    request_action: Action
    opt_out: Action | None  # None once opted out of everything


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """A partner as the partners index lists it; kept in the manifest so that a one-partner
    rebuild can re-render the index without loading every other partner."""

    id: str
    name: str
    tier_id: str
    listing_types: tuple[str, ...]
    live_offers: int
    alerts: int
    urgent: int



# --- Other pages ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexRow:
    name: str
    url: str
    tier: Localized
    tier_id: str
    listing_types: str
    listing_type_codes: str
    alerts: str
    alert_count: int
    badge: str  # "" or " urgent": a CSS class suffix


@dataclass(frozen=True, slots=True)
class PartnersIndexContext:
    chrome: Chrome
    rows_html: Markup  # each row rendered from _partner_row.html
    count: str
    listing_types: tuple[Link, ...]  # label, code in url


@dataclass(frozen=True, slots=True)
class CatalogRow:
    title: Localized
    url: str
    category: str
    category_label: str
    listing_types: str
    listing_type_codes: str
    tier: Localized
    tier_id: str
    tier_rank: int
    summary: Localized


@dataclass(frozen=True, slots=True)
class CatalogContext:
    chrome: Chrome
    rows: tuple[CatalogRow, ...]
    categories: tuple[Link, ...]
    listing_types: tuple[Link, ...]
    tiers: tuple[Link, ...]
    json_url: str


@dataclass(frozen=True, slots=True)
class QuantityRow:
    tier: Localized
    amount: str


@dataclass(frozen=True, slots=True)
class BenefitContext:
    chrome: Chrome
    title: Localized
    category_label: str
    stage: str
    description: LocalizedMarkup
    listing_types: tuple[str, ...]
    unlock_tier: Localized
    conditions: tuple[str, ...]
    quantity_label: Localized
    quantities: tuple[QuantityRow, ...]
    delivery: str
    request_form_url: str
    catalog_url: str


@dataclass(frozen=True, slots=True)
class TierRow:
    name: Localized
    threshold: str
    unlocks: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class ListingTypeRow:
    label: str
    gets: str
    benefits: int


@dataclass(frozen=True, slots=True)
class HomeContext:
    chrome: Chrome
    program_year: str
    stages: tuple[str, ...]
    tiers: tuple[TierRow, ...]
    listing_types: tuple[ListingTypeRow, ...]
    getting_started_tips: tuple[Link, ...]
    catalog_url: str
    partners_url: str
    toolkit_url: str
    tips_url: str
    contact_within: str  # "7 days" (program.yml): the rewards team's promise after an activation


@dataclass(frozen=True, slots=True)
class HowToSection:
    id: str  # the anchor partner pages link to
    title: str
    who: str
    effect: str  # what the site and the mail do once the edit merges
    snippet: SnippetView


@dataclass(frozen=True, slots=True)
class HowToContext:
    chrome: Chrome
    sections: tuple[HowToSection, ...]
    team_keys: tuple[str, ...]  # the keys only the rewards team writes


@dataclass(frozen=True, slots=True)
class TextPage:
    """A toolkit page, or one tip. Content text knows its language (lang_attr: English standing in)."""

    id: str
    title: Localized
    summary: Localized
    url: str
    body: LocalizedMarkup
    meta: str = ""
    edit_url: str = ""  # the repository editor's address of its file ("" on a page that has its own)
    edit_file: str = ""  # that file, as the link names it


@dataclass(frozen=True, slots=True)
class ListContext:
    chrome: Chrome
    intro: str
    items: tuple[TextPage, ...]


@dataclass(frozen=True, slots=True)
class TextContext:
    chrome: Chrome
    page: TextPage
    back: Link


@dataclass(frozen=True, slots=True)
class NotFoundContext:
    chrome: Chrome
