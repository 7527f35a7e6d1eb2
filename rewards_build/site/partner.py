"""A partner's section: its page in each language (overview, sales and marketing, technical,
alerts), its JSON, and its row in the partners index. States, tiers and escalations come from
`rules.assess`; this module only words them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .. import rules, wording
from ..model import Category, Contact, Delivery, Localized, Offer, OwnerStatus, Partner
from ..privacy import mask_email, mask_phone
from ..rules import (
    BenefitState,
    BenefitStatus,
    Escalation,
    EscalationKind,
    LockReason,
    PartnerStanding,
    assess,
    benefits_unlocked_at,
    reminder_level,
)
from . import labels, snippets, urls
from .feeds import feed_outputs, feed_pages
from .i18n import N_, Formatter
from .pages import Site, chrome, partners_hidden
from .urls import Linker
from .views import (
    Action,
    Alert,
    BenefitRow,
    ContactRow,
    Link,
    OfferBenefits,
    OfferRow,
    Page,
    PartnerContext,
    PartnerRow,
    RequestRow,
    SnippetView,
    Sponsorship,
    TierView,
)


def partner_pages(site: Site, partner: Partner) -> tuple[list[Page], PartnerRow]:
    standing = assess(site.content, partner, site.today)
    pages = [_page(site, standing, language) for language in site.languages]
    pages.append(Page(urls.partner_json(partner.id), None, _json(site, standing)))
    pages += feed_pages(site, standing)
    return pages, _row(site, standing)


def partner_outputs(site: Site, partner_id: str) -> list[str]:
    """The files a partner produces (to delete them when the partner goes)."""
    key = urls.partner(partner_id)
    return ([urls.output_file(key, lang, site.default) for lang in site.languages] + [urls.partner_json(partner_id)]
            + feed_outputs(site, partner_id))


def _row(site: Site, s: PartnerStanding) -> PartnerRow:
    return PartnerRow(
        id=s.partner.id, name=s.partner.name, tier_id=s.tier.tier.id if s.tier.tier else "",
        listing_types=tuple(lt.value for lt in sorted(s.listing_types)),
        live_offers=sum(1 for o in s.partner.offers if o.status.value == "live"),
        alerts=len(s.escalations), urgent=sum(1 for e in s.escalations if _level(site, e) >= 2),
    )


def _contact(site: Site, f: Formatter, c: Contact) -> ContactRow:
    """A marketing contact as the page shows it: on a public site without the name, email and phone masked."""
    masked = site.config.mask_contacts
    return ContactRow("" if site.config.public else c.name, mask_email(c.email) if masked else c.email,
                      mask_phone(c.phone) if masked else c.phone, f.language_name(c.language))


@dataclass(frozen=True, slots=True)
class _Edits:
    """What every action on one page of a partner needs: the partner, the day, the file and its words."""

    site: Site
    partner: Partner
    f: Formatter
    link: Linker

    @property
    def today(self) -> dt.date:
        return self.site.today

    @property
    def domain(self) -> str:
        return self.partner.account_email.rpartition("@")[2]

    def action(self, label: str, snippet: snippets.Snippet, offer: str = "", team: bool = False,
               form: str | None = None) -> Action:
        p, f = self.partner, self.f
        return Action(label, snippet=SnippetView(
            snippet.kind.value, snippet.mode.value, snippet.target, snippet.where(f.gettext, p.source, offer),
            snippet.text, self.site.config.edit_link(p.source),
            f.gettext("Open %(file)s in the editor") % {"file": p.source},
            f.gettext("For the rewards team") if team else "",
            Link(f.gettext("Request form"), form) if form else None))

    def howto(self, label: str, section: str) -> Action:
        return Action(label, self.link.to(urls.HOW_TO) + "#" + section)


def _page(site: Site, s: PartnerStanding, language: str) -> Page:
    f = Formatter(language)
    p = s.partner
    key = urls.partner(p.id)
    c, link = chrome(site, key, language, p.name, f.gettext("Where %(name)s stands in Marketplace Rewards")
                     % {"name": p.name}, edit_file=p.source, noindex=partners_hidden(site))
    edits = _Edits(site, p, f, link)
    if p.contacts:
        assign = edits.howto(f.gettext("Change marketing contacts"), "replace-contact")
    else:
        assign = edits.action(f.gettext("Assign a marketing contact"),
                              snippets.assign_contact(edits.domain, _contact_language(site, language), False))
    sales = tuple(_group(s, edits, group, Category.SALES_MARKETING) for group in s.offers)
    technical = tuple(_group(s, edits, group, Category.TECHNICAL) for group in s.offers)
    context = PartnerContext(
        chrome=c, id=p.id, name=p.name, mpn_id=p.mpn_id, file=p.source, index_url=link.to(urls.PARTNERS),
        edit_url=site.config.edit_link(p.source),
        json_url=link.root_file(urls.partner_json(p.id)), howto_url=link.to(urls.HOW_TO), opted_out=s.opted_out,
        tier=_tier(site, s, f, link),
        offers=tuple(OfferRow(
            o.id, o.name, o.listing_type.value, f.gettext(labels.LISTING_TYPES[o.listing_type])
            + (" (BYOL)" if o.byol else ""), o.status.value, f.gettext(labels.OFFER_STATUSES[o.status]),
            f.date(o.live_date), _owner(site, f, o),
        ) for o in p.offers),
        alerts=tuple(_alert(site, s, edits, e) for e in s.escalations),
        contacts=tuple(_contact(site, f, ct) for ct in p.contacts),
        assign_contact=assign,
        sales=tuple(g for g in sales if g.rows),
        technical=tuple(g for g in technical if g.rows),
        phases=tuple(f.gettext(label) for label in labels.PHASES.values()),
        sponsorships=_sponsorships(s, f, link),
        requests=tuple(RequestRow(
            _benefit_title(site, r.benefit, language), _offer_name(p, r.offer), f.gettext(labels.PHASES[r.phase]),
            f.date(r.date), r.status, f.gettext(labels.REQUEST_STATUSES[r.status]), r.note or "",
        ) for r in p.technical_requests),
        request_action=edits.howto(f.gettext("How to request technical help"), "request-help"),
        opt_out=None if s.opted_out else edits.action(
            f.gettext("Opt out of the program"), snippets.opt_out(site.today, bool(p.opt_outs))),
    )
    return Page(urls.output_file(key, language, site.default), "partner.html", context)


def _contact_language(site: Site, language: str) -> str:
    """The language a new contact's snippet proposes: the page's, if the program supports it."""
    return language if language in site.content.program.languages else site.default


def _owner(site: Site, f: Formatter, offer: Offer) -> str:
    """The offer's owner: the name on a private site; on a public one only whether it is recorded."""
    if site.config.public:
        if offer.owner.status is OwnerStatus.LEFT:
            return f.gettext("Has left")
        return f.gettext("Recorded") if offer.owner.name else f.gettext("Unknown")
    if offer.owner.status is OwnerStatus.LEFT:
        return f.gettext("%(name)s (has left)") % {"name": offer.owner.name or "?"}
    return offer.owner.name or f.gettext("Unknown")


def _sponsorships(s: PartnerStanding, f: Formatter, link: Linker) -> tuple[Sponsorship, ...]:
    """Technical benefits with an amount at the company's tier (the same for all its offers)."""
    found: dict[str, Sponsorship] = {}
    for group in s.offers:
        for st in group.statuses:
            b = st.benefit
            if b.category is Category.TECHNICAL and st.quantity is not None and b.id not in found:
                found[b.id] = Sponsorship(b.title_in(f.language), link.to(urls.benefit(b.id)), f.money(st.quantity))
    return tuple(found.values())


def _benefit_title(site: Site, benefit_id: str | None, language: str) -> str:
    b = site.content.benefits.get(benefit_id or "")
    return b.title_in(language) if b else (benefit_id or "")


def _benefit_titles(site: Site, e: Escalation, language: str) -> str:
    """The benefits an escalation concerns (an offer's expiring benefits are named together)."""
    return ", ".join(_benefit_title(site, benefit_id, language) for benefit_id in e.benefits)


def _offer_name(p: Partner, offer_id: str | None) -> str:
    o = p.offer(offer_id) if offer_id else None
    return o.name if o else (offer_id or "")


def _tier(site: Site, s: PartnerStanding, f: Formatter, link: Linker) -> TierView:
    """The tier and what the next one unlocks; the billed sales, the amount still needed and the progress
    (which would give the sales away) only on a private site."""
    t = s.tier
    private = not site.config.public
    percent = int(t.progress * 100)
    unlocks = tuple(Link(b.title_in(f.language), link.to(urls.benefit(b.id)))
                    for b in benefits_unlocked_at(site.content, t.next_tier.id)) if t.next_tier else ()
    if t.tier is None:
        label = f.gettext("Publish an offer to reach the %(tier)s tier.") % {"tier": next_name}
    next_name = t.next_tier.name_in(f.language) if t.next_tier else Localized()
    elif t.next_tier is None:
        label = f.gettext("Top tier reached.")
    elif not private:
        label = f.gettext("Next tier: %(tier)s.") % {"tier": next_name}
    else:
        label = f.gettext("%(needed)s more in billed sales to reach %(tier)s (%(percent)d%% of the way).") % {
            "needed": f.money(t.needed_usd), "tier": next_name, "percent": percent}
    return TierView(t.tier.name_in(f.language) if t.tier else Localized(),
                    f.money(t.billed_sales_usd) if private else "", next_name, f.money(t.needed_usd) if private else "",
                    percent if private else None, label, unlocks)


def _group(s: PartnerStanding, edits: _Edits, group: rules.OfferBenefits, category: Category) -> OfferBenefits:
    rows = tuple(_benefit_row(s, edits, st) for st in group.statuses if st.benefit.category is category)
    lt = group.offer.listing_type
    anchor = f"sales-{group.offer.id}" if category is Category.SALES_MARKETING else ""
    return OfferBenefits(anchor, group.offer.id, group.offer.name, edits.f.gettext(labels.LISTING_TYPES[lt]), rows)


# Technical benefits a partner asks for (the others are self-serve, or emailed once they unlock).
_REQUESTED = frozenset({Delivery.REQUEST_FORM, Delivery.REWARDS_TEAM})


def _row_action(s: PartnerStanding, edits: _Edits, st: BenefitStatus) -> Action | None:
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


def _benefit_row(s: PartnerStanding, edits: _Edits, st: BenefitStatus) -> BenefitRow:
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
                      f.gettext(labels.STATES[state]), detail, f.money(st.quantity), _row_action(s, edits, st))


def _alert(site: Site, s: PartnerStanding, edits: _Edits, e: Escalation) -> Alert:
    p, f = s.partner, edits.f
    words = wording.ESCALATIONS[e.kind]
    level = _level(site, e)
    values = {"offer": _offer_name(p, e.offer_id), "benefit": _benefit_title(site, e.benefit_id, f.language),
              "benefits": _benefit_titles(site, e, f.language),
              "days": e.days, "date": f.date(e.since), "due": f.date(e.due)}
    button = words.urgent_button if level >= 2 and words.urgent_button else words.button
    return Alert(e.kind.value, level, f.gettext(words.label), f.gettext(words.alert) % values,
                 _alert_actions(site, edits, e, button))


def _level(site: Site, e: Escalation) -> int:
    """The level the mail has reached too (the reminder policy is the notifier's, in site.yml)."""
    return reminder_level(e, site.today, site.config.notifier.reminders)


_BUTTONS: dict[wording.Button, str] = {
    wording.Button.ASSIGN_CONTACT: N_("Assign a marketing contact"),
    wording.Button.CHECK_CONTACT: N_("Check your marketing contact"),
    wording.Button.RECORD_OWNER: N_("Record the offer owner"),
    wording.Button.ACTIVATE: N_("Activate"),
    wording.Button.OPEN_TICKET: N_("Open a support ticket"),
}


def _alert_actions(site: Site, edits: _Edits, e: Escalation, button: wording.Button | None) -> tuple[Action, ...]:
    """The alert's buttons, pointing at the edit that ends it: a step on this page (shown there once), the
    snippet itself when no row shows it (an offer's owner, the team's message about a live offer), or support."""
    f, p = edits.f, edits.partner
    offer = p.offer(e.offer_id) if e.offer_id else None
    label = f.gettext(_BUTTONS[button]) if button else ""
    actions: list[Action] = []
    if button is wording.Button.OPEN_TICKET:
        actions.append(Action(label, site.content.program.support_ticket_url))
    elif button is wording.Button.ASSIGN_CONTACT:
        actions.append(Action(label, "#assign-contact"))
    elif button is wording.Button.CHECK_CONTACT:
        actions.append(Action(label, "#marketing-contacts"))
    elif button is wording.Button.ACTIVATE and offer is not None:
        actions.append(Action(label, f"#sales-{offer.id}"))
    if offer is not None and e.kind in (EscalationKind.FIND_OWNER, EscalationKind.OPEN_TICKET):
        index = p.offers.index(offer)
        if offer.owner.status is OwnerStatus.ACTIVE:  # find-owner: the owner may have left since
            actions.append(edits.action(f.gettext("Record that the owner left"),
                                        snippets.owner_left(index, None if site.config.public
                                                            else offer.owner.name), offer.name))
        else:  # open-ticket: an owner found brings it down to finding them
            actions.append(edits.action(f.gettext("Record the offer owner"),
                                        snippets.record_owner(index, edits.domain), offer.name))
        actions.append(edits.action(f.gettext("Record the rewards team's message"),
                                    snippets.offer_live_contact(offer.id, edits.today, bool(p.team_contacts)),
                                    team=True))
    return tuple(actions)


def _json(site: Site, s: PartnerStanding) -> dict[str, Any]:
    """The partner's JSON: on a public site, as on its pages, no billed sales (nor the amount still needed,
    which gives them away)."""
    t = s.tier
    data: dict[str, Any] = {
        "id": s.partner.id, "name": s.partner.name, "source": s.partner.source, "today": site.today.isoformat(),
        "tier": t.tier.id if t.tier else None, "billed_sales_usd": t.billed_sales_usd,
        "next_tier": t.next_tier.id if t.next_tier else None, "needed_usd": t.needed_usd,
        "opted_out": s.opted_out,
        "offers": [{
            "id": g.offer.id, "listing_type": g.offer.listing_type.value, "status": g.offer.status.value,
            "benefits": [{
                "id": st.benefit.id, "state": st.state.value, "lock_reasons": [r.value for r in st.lock_reasons],
                "activated": st.activation.date.isoformat() if st.activation else None,
                "days_waiting": st.days_waiting, "overdue": st.overdue,
                "expires_on": st.expires_on.isoformat() if st.expires_on else None,
                "deadline": st.deadline.isoformat() if st.deadline else None, "quantity": st.quantity,
            } for st in g.statuses],
        } for g in s.offers],
        "escalations": [{"kind": e.kind.value, "level": _level(site, e), "key": e.key, "due": e.due.isoformat(),
                         "days": e.days, "offer": e.offer_id, "benefit": e.benefit_id, "benefits": list(e.benefits)}
                        for e in s.escalations],
    }
    if site.config.public:
        del data["billed_sales_usd"], data["needed_usd"]
    return data
