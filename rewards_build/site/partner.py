"""A partner's section: its page in each language (overview, sales and marketing, technical,
alerts), its JSON, and its row in the partners index. States, tiers and escalations come from
`rules.assess`; this module only words them."""

from __future__ import annotations

from typing import Any

from .. import rules, wording
from ..model import Category, Contact, Localized, Offer, OwnerStatus, Partner
from ..privacy import mask_email, mask_phone
from ..rules import (
    Escalation,
    EscalationKind,
    PartnerStanding,
    Step,
    assess,
    reminder_level,
)
from . import labels, snippets, urls
from .feeds import feed_outputs, feed_pages
from .i18n import N_, Formatter
from .pages import Site, chrome, partners_hidden
from .partner_benefits import Edits, offer_benefits
from .urls import Linker
from .views import (
    Action,
    Alert,
    ContactRow,
    Link,
    OfferRow,
    Page,
    PartnerContext,
    PartnerRow,
    RequestRow,
    Sponsorship,
    StageView,
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


def _contact(site: Site, f: Formatter, p: Partner, c: Contact) -> ContactRow:
    """A marketing contact as the page shows it: on a public site without the name, email and phone masked;
    with a note when it has opted out of tips (the notifier asks rules.gets_tips the same question)."""
    masked = site.config.mask_contacts
    note = "" if rules.gets_tips(p, c) else f.gettext("no best-practice tips (opted out); reminders still come")
    return ContactRow("" if site.config.public else c.name, mask_email(c.email) if masked else c.email,
                      mask_phone(c.phone) if masked else c.phone, f.language_name(c.language), note)


def _page(site: Site, s: PartnerStanding, language: str) -> Page:
    f = Formatter(language)
    p = s.partner
    key = urls.partner(p.id)
    c, link = chrome(site, key, language, p.name, f.gettext("Where %(name)s stands in Marketplace Rewards")
                     % {"name": p.name}, edit_file=p.source, noindex=partners_hidden(site))
    edits = Edits(site, p, f, link)
    if p.contacts:
        assign = edits.howto(f.gettext("Change marketing contacts"), "replace-contact")
    else:
        assign = edits.action(f.gettext("Assign a marketing contact"),
                              snippets.assign_contact(edits.domain, _contact_language(site, language), False))
    flags = rules.flagged(s)
    sales = tuple(offer_benefits(s, edits, group, Category.SALES_MARKETING, flags) for group in s.offers)
    technical = tuple(offer_benefits(s, edits, group, Category.TECHNICAL, flags) for group in s.offers)
    stage = rules.growth_stage(site.content, s)
    context = PartnerContext(
        chrome=c, id=p.id, name=p.name, mpn_id=p.mpn_id, file=p.source, index_url=link.to(urls.PARTNERS),
        edit_url=site.config.edit_link(p.source),
        json_url=link.root_file(urls.partner_json(p.id)), howto_url=link.to(urls.HOW_TO), opted_out=s.opted_out,
        as_of=f.gettext("As of %(date)s") % {"date": f.date(site.today)}, as_of_iso=site.today.isoformat(),
        stages=tuple(StageView(f.gettext(labels.STAGES[code]), code == stage.value) for code in labels.STAGES),
        tier=_tier(site, s, f, link),
        offers=tuple(OfferRow(
            o.id, o.name, o.listing_type.value, f.gettext(labels.LISTING_TYPES[o.listing_type])
            + (" (BYOL)" if o.byol else ""), o.status.value, f.gettext(labels.OFFER_STATUSES[o.status]),
            f.date(o.live_date), _owner(site, f, o),
        ) for o in p.offers),
        alerts=tuple(_alert(site, s, edits, e) for e in s.escalations),
        contacts=tuple(_contact(site, f, p, ct) for ct in p.contacts),
        assign_contact=assign,
        sales=tuple(g for g in sales if g.groups),
        technical=tuple(g for g in technical if g.groups),
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
    """The company's sponsorships at its tier, once for all its offers: rules.sponsorship's answer, which
    the sponsorship mail tells too (none that is locked, revoked or opted out of)."""
    standing = rules.sponsorship(s)
    return () if standing is None else tuple(
        Sponsorship(g.benefit.title_in(f.language), link.to(urls.benefit(g.benefit.id)), f.money(g.amount))
        for g in standing.grants)


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
    """The tier and the step that moves the partner on (rules.next_step), with what it unlocks; the billed
    sales, the amount still needed and the progress (which would give the sales away) only on a private site."""
    t = s.tier
    language = f.language
    private = not site.config.public
    percent = int(t.progress * 100)
    step = rules.next_step(site.content, s)
    unlocks = tuple(Link(b.title_in(language), link.to(urls.benefit(b.id))) for b in step.unlocks)
    next_name = step.tier.name_in(language) if step.tier else Localized()
    unlocks_label = ""  # the template says "<tier> unlocks:", the tier name marked with its language
    if step.step is Step.PUBLISH:
        label = f.gettext("Publish an offer to reach the %(tier)s tier.") % {"tier": next_name}
    elif step.step is Step.TOP:
        label = f.gettext("Top tier reached.")
    elif step.step is Step.TRANSACT:
        # No billed sales without a transact offer: "$500 more to reach $500" would be a goal out of reach.
        label = f.gettext("Tiers come from billed sales, which only a transact offer has: list and trial "
                          "offers stay at the %(tier)s tier.") % {"tier": t.tier.name_in(language) if t.tier else ""}
        unlocks_label = f.gettext("A transact offer would unlock:")
    elif not private:
        label = f.gettext("Next tier: %(tier)s.") % {"tier": next_name}
    else:
        label = f.gettext("%(needed)s more in billed sales to reach %(tier)s (%(percent)d%% of the way).") % {
            "needed": f.money(t.needed_usd), "tier": next_name, "percent": percent}
    growing = private and step.step is Step.GROW
    return TierView(t.tier.name_in(language) if t.tier else Localized(),
                    f.money(t.billed_sales_usd) if private else "", next_name,
                    f.money(t.needed_usd) if private else "", percent if growing else None, label,
                    unlocks_label, unlocks)


def _alert(site: Site, s: PartnerStanding, edits: Edits, e: Escalation) -> Alert:
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


def _alert_actions(site: Site, edits: Edits, e: Escalation, button: wording.Button | None) -> tuple[Action, ...]:
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
                                                            else offer.owner.name, offer.id), offer.name))
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
        "opted_out": s.opted_out, "stage": rules.growth_stage(site.content, s).value,
        "next_step": _next_step_json(site, s),
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


def _next_step_json(site: Site, s: PartnerStanding) -> dict[str, Any]:
    step = rules.next_step(site.content, s)
    return {"step": step.step.value, "tier": step.tier.id if step.tier else None,
            "unlocks": [b.id for b in step.unlocks]}
