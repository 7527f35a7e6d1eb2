"""A partner's Atom feed (RFC 4287) of its alerts and benefit state changes, in each language, beside its
page (`urls.partner_feed`), so a team can follow a partner in a feed reader or a chat channel.

Every entry is an answer of the rules (`rules.assess`: escalations, benefit states), worded with the
messages the partner page uses; nothing is re-derived here. Dates come from the content (the day an
escalation fell due or rose a level, an activation, a contact, a completion), never from the clock,
so a rebuild of the same content gives the same bytes, and ids are stable names of their cause.

Privacy: a feed shows what the partner page shows on a public site, and less: alert and state wording
names offers, benefits and dates only (no emails, phones, personal names or sales figures), so the
same feed serves both privacy modes. Like the partner page it is linked from, it is in no sitemap.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from .. import wording
from ..model import Category, OfferStatus, Partner
from ..rules import BenefitState, BenefitStatus, Escalation, PartnerStanding, reminder_level
from . import labels, urls
from .i18n import Formatter
from .pages import Site
from .views import Page

TEMPLATE = "feed.xml"


@dataclass(frozen=True, slots=True)
class FeedChrome:
    """The language the feed is rendered in (`render.page_bytes` reads `context.chrome.lang`)."""

    lang: str


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str  # the page's address and the cause: the same cause keeps it from build to build
    title: str
    updated: str  # RFC 3339, from content dates
    url: str  # the partner page (absolute)
    categories: tuple[str, ...]  # escalation kind and level, or benefit state and category (reader filters)
    summary: str


@dataclass(frozen=True, slots=True)
class FeedContext:
    chrome: FeedChrome
    id: str
    title: str
    subtitle: str
    updated: str
    self_url: str
    page_url: str
    author: str
    entries: tuple[FeedEntry, ...]


def feed_outputs(site: Site, partner_id: str) -> list[str]:
    """The feed files a partner produces (to delete them when the partner goes)."""
    key = urls.partner_feed(partner_id)
    return [urls.output_file(key, language, site.default) for language in site.languages]


def feed_pages(site: Site, standing: PartnerStanding) -> list[Page]:
    """The partner's feed in every language, from the standing its pages were made from."""
    return [_feed(site, standing, language) for language in site.languages]


def _feed(site: Site, s: PartnerStanding, language: str) -> Page:
    f = Formatter(language)
    p = s.partner
    key = urls.partner_feed(p.id)
    self_url = urls.absolute(site.config.base_url, key, language, site.default)
    page_url = urls.absolute(site.config.base_url, urls.partner(p.id), language, site.default)
    dated = [*(_alert(site, s, f, e) for e in s.escalations), *_state_changes(s, f),
             *_partner_events(site, s, f)]
    dated.sort(key=lambda item: (item[0], item[1].id), reverse=True)  # newest first, ties in a fixed order
    entries = tuple(_with_url(entry, page_url) for _, entry in dated)
    newest = dated[0][0] if dated else _newest_content_date(p, site.today)
    return Page(urls.output_file(key, language, site.default), TEMPLATE, FeedContext(
        FeedChrome(language), self_url, _xml(f"{p.name} · {site.config.title}"),
        _xml(f.gettext("Where %(name)s stands in Marketplace Rewards") % {"name": p.name}),
        _rfc3339(newest), self_url, page_url, _xml(site.config.title), entries))


def _alert(site: Site, s: PartnerStanding, f: Formatter, e: Escalation) -> tuple[dt.date, FeedEntry]:
    """An open escalation, dated the day it reached its present level (a rise is news to a reader)."""
    words = wording.ESCALATIONS[e.kind]
    p = s.partner
    policy = site.config.notifier.reminders
    level = reminder_level(e, site.today, policy)
    values = {"offer": _offer_name(p, e.offer_id), "benefit": _benefit_title(site, e.benefit_id, f.language),
              "benefits": ", ".join(_benefit_title(site, b, f.language) for b in e.benefits),
              "days": e.days, "date": f.date(e.since), "due": f.date(e.due)}
    # The rule is a step function of the day: the first day it gives today's level is when the level rose.
    span = max(0, (site.today - e.due).days)
    first = bisect.bisect_left(range(span + 1), level,
                               key=lambda n: reminder_level(e, e.due + dt.timedelta(days=n), policy))
    since = e.due + dt.timedelta(days=min(first, span))
    subject = values["offer"] or ""
    title = f.gettext(words.label) + (f" · {subject}" if subject else "")
    cause = f"alert/{e.key}/level-{level}"
    return since, FeedEntry(cause, title, _rfc3339(since), "", (e.kind.value, f"level-{level}"),
                            f.gettext(words.alert) % values)


def _state_changes(s: PartnerStanding, f: Formatter) -> list[tuple[dt.date, FeedEntry]]:
    """Each benefit whose present state began on a day the content records."""
    changes = []
    for group in s.offers:
        for st in group.statuses:
            dated = _state_date(s.partner, st, f)
            if dated is None:
                continue
            day, detail = dated
            b = st.benefit
            cause = f"state/{st.offer.id}/{b.id}/{st.state.value}/{day.isoformat()}"
            title = f"{b.title_in(f.language)} ({st.offer.name}): {f.gettext(labels.STATES[st.state])}"
            kind = "sales-marketing" if b.category is Category.SALES_MARKETING else "technical"
            changes.append((day, FeedEntry(cause, title, _rfc3339(day), "", (st.state.value, kind), detail)))
    return changes


def _partner_events(site: Site, s: PartnerStanding, f: Formatter) -> list[tuple[dt.date, FeedEntry]]:
    """What the partner's file dates about the partner itself: an offer going live (it starts the
    program's clock for that offer) and an opt-out (of the program, an offer or one benefit)."""
    p = s.partner
    events = []
    for o in p.offers:
        if o.status is OfferStatus.LIVE and o.live_date is not None and o.live_date <= site.today:
            events.append((o.live_date, FeedEntry(
                f"live/{o.id}/{o.live_date.isoformat()}", f.gettext("%(offer)s is live") % {"offer": o.name},
                _rfc3339(o.live_date), "", ("offer-live",),
                f.gettext("Live since %(date)s") % {"date": f.date(o.live_date)})))
    for x in p.opt_outs:
        if x.date > site.today:
            continue
        scope = [name for name in (_offer_name(p, x.offer), _benefit_title(site, x.benefit, f.language)) if name]
        summary = (f.gettext("Opted out on %(date)s") % {"date": f.date(x.date)}) if scope else \
            f.gettext("This partner opted out of program engagements.")
        events.append((x.date, FeedEntry(
            f"opt-out/{x.offer or '-'}/{x.benefit or '-'}/{x.date.isoformat()}",
            " · ".join([f.gettext("Opted out"), *scope]), _rfc3339(x.date), "", ("opted-out",), summary)))
    return events


def _state_date(p: Partner, st: BenefitStatus, f: Formatter) -> tuple[dt.date, str] | None:
    """The day a benefit's state began and its wording (the partner page's), when the content dates it.
    Locked, available and expiring have no day of their own; a revocation the rules infer from a delisted
    offer is dated "today" by them, which would move every day, so only recorded revocations count."""
    state, a, r = st.state, st.activation, st.request
    if state in (BenefitState.AWAITING_CONTACT, BenefitState.ACTIVATED) and a is not None:
        return a.date, f.gettext("Activated on %(date)s") % {"date": f.date(a.date)}
    if state is BenefitState.ACTIVATED and r is not None:
        return r.date, f.gettext("Activated on %(date)s") % {"date": f.date(r.date)}
    if state is BenefitState.CONTACTED and st.contacted_on is not None:
        return st.contacted_on, f.gettext("Contacted on %(date)s") % {"date": f.date(st.contacted_on)}
    if state is BenefitState.COMPLETED and a is not None and a.completed is not None:
        return a.completed, f.gettext("Completed on %(date)s") % {"date": f.date(a.completed)}
    if state is BenefitState.COMPLETED and r is not None:  # a request records no completion day: its own
        return r.date, f.gettext(labels.STATES[state])
    if state is BenefitState.EXPIRED and st.expires_on is not None:
        return st.expires_on, f.gettext("Expired on %(date)s") % {"date": f.date(st.expires_on)}
    if state is BenefitState.REVOKED and st.revocation is not None and st.revocation in p.revocations:
        reason = f.gettext(labels.REVOCATION_REASONS.get(st.revocation.reason, st.revocation.reason))
        return st.revocation.date, f.gettext("Revoked: %(reason)s") % {"reason": reason}
    return None


def _with_url(entry: FeedEntry, page_url: str) -> FeedEntry:
    """Ids are the cause named under the partner page's address (an absolute IRI, as Atom asks), so they
    differ per language and partner, and say what they are about."""
    return FeedEntry(f"{page_url}#{entry.id}", _xml(entry.title), entry.updated, page_url, entry.categories,
                     _xml(entry.summary))


def _newest_content_date(p: Partner, today: dt.date) -> dt.date:
    """A feed with no entry is as new as the newest day in the partner's file (today if it has none)."""
    days = [o.live_date for o in p.offers if o.live_date] + [a.date for a in p.activations]
    days += [c.date for c in p.team_contacts] + [r.date for r in p.technical_requests]
    days += [r.date for r in p.revocations]
    past = [d for d in days if d <= today]
    return max(past) if past else today


# What XML 1.0 cannot hold (its Char production); validation lets noncharacters such as U+FFFE through in
# names and titles, which an HTML page survives but would make the whole feed unreadable to a parser.
# Written as the short list of what is not a Char, not as the negation of what is: `re` compiles the
# negated class of large ranges in 8.6 ms and this one in 1.1 ms, on every start of a build.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _offer_name(p: Partner, offer_id: str | None) -> str:
    o = p.offer(offer_id) if offer_id else None
    return o.name if o else (offer_id or "")


def _benefit_title(site: Site, benefit_id: str | None, language: str) -> str:
    b = site.content.benefits.get(benefit_id or "")
    return b.title_in(language) if b else (benefit_id or "")
