"""The typed, immutable model of the program, built from validated content.

Nothing downstream of this module reads YAML: the site and the notifier see only these records.
Every record keeps the content file it came from (`source`), so that pages can link to the file to
edit and messages can name it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from enum import StrEnum

from markupsafe import Markup


class ListingType(StrEnum):
    LIST = "list"
    TRIAL = "trial"
    TRANSACT = "transact"


class Category(StrEnum):
    SALES_MARKETING = "sales-marketing"
    TECHNICAL = "technical"


class Delivery(StrEnum):
    REWARDS_TEAM = "rewards-team"
    REQUEST_FORM = "request-form"
    EMAILED_ON_UNLOCK = "emailed-on-unlock"
    SELF_SERVE = "self-serve"


class Condition(StrEnum):
    LISTING_OPTIMIZATION_DONE = "listing-optimization-done"
    NOT_BYOL = "not-byol"
    NOT_PRIVATE = "not-private"
    CO_SELL_READY = "co-sell-ready"


class OfferStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    DELISTED = "delisted"


class OwnerStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"
    UNKNOWN = "unknown"


class Localized(str):
    """Text that knows the language it is written in.

    A page or a mail asks for a language; where the content (or the interface catalog) has no words
    in it, English stands in, and `fallback` says so. A str subclass, so that every consumer that
    joins, formats, sorts or escapes text keeps working; `lang_attr` is what a page puts on the
    element that shows it, so a screen reader and a search engine read English as English on a
    Korean page.
    """

    lang: str
    fallback: bool

    def __new__(cls, text: str = "", lang: str = "en", fallback: bool = False) -> Localized:
        self = super().__new__(cls, text)
        self.lang = lang
        self.fallback = fallback
        return self

    def __reduce__(self) -> tuple[type[Localized], tuple[str, str, bool]]:
        # str's own reduction would rebuild it without its language (pages cross process boundaries).
        return (Localized, (str(self), self.lang, self.fallback))

    def __mod__(self, values: object) -> Localized:
        """A formatted message stays in its language: f.gettext("... %(x)s") % {...}. (Made without
        __init__ arguments and sharing the attributes, which nothing changes: a large build formats
        messages millions of times.)"""
        out = str.__new__(Localized, str.__mod__(self, values))
        out.__dict__ = self.__dict__
        return out

    @property
    def lang_attr(self) -> Markup:
        """' lang="en"' where the text is not in the language asked for, else nothing."""
        return Markup(' lang="%s"') % self.lang if self.fallback else Markup("")

    @property
    def html(self) -> Markup:
        """The text for the middle of a translated sentence: escaped, and in a <span lang="en"> where English
        stands in (`_("Tier: %(tier)s", tier=name.html)` in a template; never in an attribute)."""
        if self.fallback:
            return Markup('<span lang="%s">%s</span>') % (self.lang, str(self))
        return Markup.escape(str(self))

    def derive(self, text: str) -> Localized:
        """Other text made from this one (its first sentence, say), in the same language."""
        return Localized(text, self.lang, self.fallback)


@functools.lru_cache(maxsize=8192)
def localized(text: str, lang: str, asked: str) -> Localized:
    """`text`, written in `lang`, shown where `asked` was wanted (one object per distinct text: a large
    build asks for the same titles hundreds of thousands of times)."""
    return Localized(text, lang, lang != asked)


@dataclass(frozen=True, slots=True)
class Translation:
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    body: str | None = None
    quantity_label: str | None = None  # a benefit's quantity label


def _translated(translations: dict[str, Translation], language: str, field: str, english: str) -> Localized:
    """The text in `language` where the content gives it, English otherwise (marked as a fallback)."""
    translation = translations.get(language)
    text = getattr(translation, field) if translation else None
    return localized(text, language, language) if text else localized(english, "en", language)


@dataclass(frozen=True, slots=True)
class Tier:
    id: str
    name: str  # English
    threshold_usd: int
    names: tuple[tuple[str, str], ...] = ()  # (language, name) from the tier's translations

    def name_in(self, language: str) -> Localized:
        """The tier's name as a reader of `language` sees it: every page, mail and feed shows a tier
        through this (rewards report, rewards diff and the JSON keep the English name and the id)."""
        for lang, name in self.names:
            if lang == language:
                return localized(name, language, language)
        return localized(self.name, "en", language)


@dataclass(frozen=True, slots=True)
class Timing:
    contact_within_days: int
    offer_silence_days: int
    list_trial_expiry_months: int
    transact_deadline_month: int
    transact_deadline_day: int
    expiry_warning_days: int
    getting_started_days: int = 60  # getting-started tips go to offers live at most this long


@dataclass(frozen=True, slots=True)
class Program:
    program_year: str
    tiers: tuple[Tier, ...]  # ascending by threshold; tiers[0] is the Publisher tier
    timing: Timing
    support_ticket_url: str
    languages: tuple[str, ...]  # languages[0] is the default (English)
    source: str

    _ranks: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Rules ask for a tier's rank hundreds of thousands of times in a large run: a lookup, not a scan.
        object.__setattr__(self, "_ranks", {tier.id: i for i, tier in enumerate(self.tiers)})

    def tier(self, tier_id: str) -> Tier:
        return self.tiers[self._ranks[tier_id]]

    def tier_rank(self, tier_id: str) -> int:
        return self._ranks[tier_id]

    def has_tier(self, tier_id: str) -> bool:
        return tier_id in self._ranks


@dataclass(frozen=True, slots=True)
class Quantity:
    unit: str
    by_tier: tuple[tuple[str, int], ...]  # (tier id, amount), in tier order
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Benefit:
    id: str
    title: str
    category: Category
    listing_types: frozenset[ListingType]
    unlock_tier: str  # tier id; applies to transact offers only
    conditions: frozenset[Condition]
    delivery: Delivery
    description: str  # Markdown
    source: str
    stage: str | None = None
    quantity: Quantity | None = None
    request_form_url: str | None = None
    translations: dict[str, Translation] = field(default_factory=dict)

    def title_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "title", self.title)

    def description_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "description", self.description)

    def quantity_label_in(self, language: str) -> Localized:
        """The quantity's label ("" when it has none: the page then says "Quantity by tier")."""
        label = self.quantity.label if self.quantity else None
        return _translated(self.translations, language, "quantity_label", label) if label else Localized("")


@dataclass(frozen=True, slots=True)
class Owner:
    status: OwnerStatus
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    name: str
    listing_type: ListingType
    status: OfferStatus
    byol: bool = False
    private: bool = False
    live_date: dt.date | None = None
    owner: Owner = Owner(OwnerStatus.UNKNOWN)
    billed_sales_usd: int = 0
    listing_optimization_done: bool = False
    co_sell_ready: bool = False


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str
    phone: str  # as written; validation checked that it parses as an international number
    language: str  # BCP 47 tag as written
    tips: bool = True  # false: this contact opted out of best-practice tips (reminders still come)
    bounced_on: dt.date | None = None  # mail to this address bounces since then: replace it (rules.contact_bounces)


@dataclass(frozen=True, slots=True)
class Activation:
    benefit: str
    offer: str
    date: dt.date
    completed: dt.date | None = None


@dataclass(frozen=True, slots=True)
class TeamContact:
    date: dt.date
    about: str  # offer-live | activation | general
    offer: str | None = None
    benefit: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TechnicalRequest:
    benefit: str
    phase: str
    date: dt.date
    status: str
    offer: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OptOut:
    """No offer and no benefit: the partner opted out of all program mail and engagements."""

    date: dt.date
    offer: str | None = None
    benefit: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Revocation:
    date: dt.date
    reason: str
    offer: str | None = None
    benefit: str | None = None


@dataclass(frozen=True, slots=True)
class Partner:
    id: str
    name: str
    mpn_id: str
    account_email: str
    offers: tuple[Offer, ...]
    contacts: tuple[Contact, ...]
    activations: tuple[Activation, ...]
    team_contacts: tuple[TeamContact, ...]
    technical_requests: tuple[TechnicalRequest, ...]
    opt_outs: tuple[OptOut, ...]
    revocations: tuple[Revocation, ...]
    source: str  # content-relative path, e.g. "partners/contoso.yml"

    def offer(self, offer_id: str) -> Offer | None:
        return next((o for o in self.offers if o.id == offer_id), None)


@dataclass(frozen=True, slots=True)
class Tip:
    id: str
    title: str
    body: str  # Markdown
    listing_types: frozenset[ListingType]
    tiers: frozenset[str]  # empty: every tier
    order: int
    source: str
    getting_started: bool = False
    translations: dict[str, Translation] = field(default_factory=dict)

    def title_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "title", self.title)

    def body_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "body", self.body)


@dataclass(frozen=True, slots=True)
class ToolkitPage:
    id: str
    title: str
    summary: str
    body: str  # Markdown
    order: int
    source: str
    translations: dict[str, Translation] = field(default_factory=dict)

    def title_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "title", self.title)

    def summary_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "summary", self.summary)

    def body_in(self, language: str) -> Localized:
        return _translated(self.translations, language, "body", self.body)


@dataclass(frozen=True, slots=True)
class Content:
    """Everything in content/, validated."""

    program: Program
    benefits: dict[str, Benefit]  # by id, in file-name order
    partners: dict[str, Partner]  # by id, in file-name order
    tips: tuple[Tip, ...]  # in (order, id) order
    toolkit: tuple[ToolkitPage, ...]  # in (order, id) order
