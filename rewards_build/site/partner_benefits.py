"""A partner's benefits on its page: each offer's rows, grouped by what they ask of the partner now
(needs action, in progress, available, done, locked: `rules.attention`), sorted by title in the page's
language, each with the one edit that moves it on."""

from __future__ import annotations

import datetime as dt
import unicodedata

from .. import rules
from ..forms import links
from ..model import Category, Delivery, Partner
from ..rules import Attention, BenefitState, BenefitStatus, LockReason, PartnerStanding
from . import labels, snippets, urls
from .i18n import N_, Formatter
from .pages import Site
from .urls import Linker
from .views import Action, BenefitRow, Link, OfferBenefits, RowGroup, SnippetView

_GROUPS: dict[Attention, str] = {
    Attention.NEEDS_ACTION: N_("Needs action"),
    Attention.IN_PROGRESS: N_("In progress"),
    Attention.AVAILABLE: N_("Available"),
    Attention.CLOSED: N_("Done or closed"),
    Attention.LOCKED: N_("Locked"),
}
# Locked rows are folded away: the partner cannot act on them yet, and they outnumber the rest.
_FOLDED = frozenset({Attention.LOCKED})


class Edits:
    """What every action on one page of a partner needs: the partner, the day, the file and its words.
    The words and links every snippet of the page shares are worked out once a page, not once a row
    (a page has dozens of snippets); `where` sentences once per kind of place."""

    __slots__ = (
        "_where",
        "edit_label",
        "edit_url",
        "f",
        "form_label",
        "link",
        "partner",
        "request_label",
        "site",
        "team",
    )

    def __init__(self, site: Site, partner: Partner, f: Formatter, link: Linker):
        self.site, self.partner, self.f, self.link = site, partner, f, link
        self.edit_url = site.config.edit_link(partner.source)
        self.edit_label = f.gettext("Open %(file)s in the editor") % {"file": partner.source}
        self.team = f.gettext("For the rewards team")
        self.form_label = f.gettext("Request form")
        self.request_label = f.gettext("Ask with a form (no YAML)")
        self._where: dict[tuple[object, ...], str] = {}

    @property
    def today(self) -> dt.date:
        return self.site.today

    @property
    def domain(self) -> str:
        return self.partner.account_email.rpartition("@")[2]

    def action(self, label: str, snippet: snippets.Snippet, offer: str = "", team: bool = False,
               form: str | None = None) -> Action:
        p = self.partner
        request = links.for_snippet(self.site.config.edit_url, p.id, snippet)
        key = (snippet.mode, snippet.has_list, snippet.path[0], snippet.path[-1], offer)
        where = self._where.get(key)
        if where is None:
            where = self._where[key] = snippet.where(self.f.gettext, p.source, offer)
        return Action(label, snippet=SnippetView(
            snippet.kind.value, snippet.mode.value, snippet.target, where, snippet.text, self.edit_url,
            self.edit_label, self.team if team else "",
            Link(self.form_label, form) if form else None,
            Link(self.request_label, request) if request else None))

    def howto(self, label: str, section: str) -> Action:
        return Action(label, self.link.to(urls.HOW_TO) + "#" + section)



# Technical benefits a partner asks for (the others are self-serve, or emailed once they unlock).
_REQUESTED = frozenset({Delivery.REQUEST_FORM, Delivery.REWARDS_TEAM})


def _row_action(s: PartnerStanding, edits: Edits, st: BenefitStatus) -> Action | None:
    """The one edit that moves this row on, if any: the state and lock reasons come from the rules."""
    f, p, b, today = edits.f, edits.partner, st.benefit, edits.today
    state, offer = st.state, st.offer.id
    if state is BenefitState.LOCKED:
        # Only a contact would unlock it: the assign step is once, at the top of the tab.
        if st.lock_reasons == (LockReason.NO_CONTACT,):
            return Action(f.gettext("Assign a marketing contact"), "#assign-contact")
        return None
    if state in (BenefitState.AVAILABLE, BenefitState.EXPIRING):
        if b.category is Category.SALES_MARKETING:
            return edits.action(f.gettext("Activate"), snippets.activate(offer, b.id, today, bool(p.activations)))
        if b.delivery in _REQUESTED:
            return edits.action(f.gettext("Request"),
                                snippets.request_help(offer, b.id, today, bool(p.technical_requests)),
                                form=b.request_form_url)
        return None
    if state is BenefitState.AWAITING_CONTACT:
        return edits.action(f.gettext("Record the call"),
                            snippets.team_contact(offer, b.id, today, bool(p.team_contacts)), team=True)
    if state in (BenefitState.CONTACTED, BenefitState.ACTIVATED) and st.activation is not None:
        index = p.activations.index(st.activation)
        return edits.action(f.gettext("Mark completed"), snippets.complete(index, st.activation, today), team=True)
    if state is BenefitState.ACTIVATED and st.request is not None:
        index = p.technical_requests.index(st.request)
        return edits.action(f.gettext("Mark completed"), snippets.request_done(index, st.request), team=True)
    return None


def _benefit_row(s: PartnerStanding, edits: Edits, st: BenefitStatus) -> BenefitRow:
    """A benefit's row: its state and what it waits for, in words; amounts are the company's (shown once)."""
    site, f, link = edits.site, edits.f, edits.link
    b = st.benefit
    within = site.content.program.timing.contact_within_days
    state = st.state
    if state is BenefitState.LOCKED:
        reasons = []
        for reason in st.lock_reasons:
            if reason is LockReason.TIER and st.unlock_tier is not None and site.config.public:
                reasons.append(f.gettext("needs the %(tier)s tier") % {"tier": st.unlock_tier.name_in(f.language)})
            elif reason is LockReason.TIER and st.unlock_tier is not None:
                reasons.append(f.gettext("needs the %(tier)s tier (%(amount)s more in billed sales)")
                               % {"tier": st.unlock_tier.name_in(f.language), "amount": f.money(st.needed_usd)})
            else:
                reasons.append(f.gettext(labels.LOCK_REASONS[reason]))
        detail = f.gettext("Locked: %(reasons)s") % {"reasons": "; ".join(reasons)}
    elif state in (BenefitState.AVAILABLE, BenefitState.EXPIRING):
        if st.expires_on:
            detail = f.gettext("Available until %(date)s") % {"date": f.date(st.expires_on)}
        elif st.deadline:
            detail = f.gettext("Complete by %(date)s") % {"date": f.date(st.deadline)}
        else:
            detail = f.gettext("Available")
    elif state is BenefitState.AWAITING_CONTACT and st.activation is not None:
        when = f.date(st.activation.date)
        if st.overdue:
            detail = f.gettext("Activated on %(date)s: day %(day)d, contact overdue (due within %(total)d days)") \
                % {"date": when, "day": st.days_waiting or 0, "total": within}
        else:
            detail = f.gettext("Activated on %(date)s: day %(day)d of %(total)d") \
                % {"date": when, "day": st.days_waiting or 0, "total": within}
    elif state is BenefitState.CONTACTED:
        detail = f.gettext("Contacted on %(date)s") % {"date": f.date(st.contacted_on)}
    elif state is BenefitState.COMPLETED and st.activation is not None:
        detail = f.gettext("Completed on %(date)s") % {"date": f.date(st.activation.completed)}
    elif state is BenefitState.ACTIVATED and st.activation is not None:
        detail = f.gettext("Activated on %(date)s") % {"date": f.date(st.activation.date)}
    elif state is BenefitState.EXPIRED:
        detail = f.gettext("Expired on %(date)s") % {"date": f.date(st.expires_on)}
    elif state is BenefitState.REVOKED and st.revocation is not None:
        detail = f.gettext("Revoked: %(reason)s") % {
            "reason": f.gettext(labels.REVOCATION_REASONS.get(st.revocation.reason, st.revocation.reason))}
    else:
        detail = f.gettext(labels.STATES[state])
    state_code = "overdue" if state is BenefitState.AWAITING_CONTACT and st.overdue else state.value
    return BenefitRow(b.title_in(f.language), link.to(urls.benefit(b.id)), state_code,
                      f.gettext(labels.STATES[state]), detail, _row_action(s, edits, st))


def sort_key(title: str) -> str:
    """Titles in dictionary order as a reader of the page's language sees them (Hangul syllables are in
    가나다 order in Unicode; case and compatibility forms do not count)."""
    return unicodedata.normalize("NFKC", title).casefold()


def offer_benefits(s: PartnerStanding, edits: Edits, group: rules.OfferBenefits, category: Category,
                   flags: frozenset[tuple[str | None, str]]) -> OfferBenefits:
    """One offer's benefits of one category, in groups by `rules.attention`, each sorted by displayed title."""
    f = edits.f
    by_group: dict[Attention, list[BenefitRow]] = {}
    for st in group.statuses:
        if st.benefit.category is category:
            by_group.setdefault(rules.attention(st, flags), []).append(_benefit_row(s, edits, st))
    groups = tuple(
        RowGroup(code.value, f.gettext(_GROUPS[code]), len(rows),
                 tuple(sorted(rows, key=lambda r: sort_key(r.title))), code in _FOLDED)
        for code in rules.ATTENTION_ORDER if (rows := by_group.get(code))
    )
    offer = group.offer
    prefix = "sales" if category is Category.SALES_MARKETING else "tech"
    return OfferBenefits(f"{prefix}-{offer.id}", offer.id, offer.name,
                         f.gettext(labels.LISTING_TYPES[offer.listing_type]), groups)
