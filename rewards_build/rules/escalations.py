"""The escalations due today: what slipped, how urgent it is, and for whom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..model import (
    Contact,
    Content,
    Offer,
    OfferStatus,
    OwnerStatus,
    Partner,
)
from .optouts import opted_out_of_all, opted_out_offers
from .states import BenefitState, BenefitStatus, Escalation, EscalationKind, OfferBenefits


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """How often an open escalation is repeated, and after how many reminders it rises a level."""

    interval_days: int
    before_escalation: int


def reminder_level(esc: Escalation, on: dt.date, policy: ReminderPolicy) -> int:
    """The level an escalation has reached on a day: its cause's level, plus one once the partner
    has had `before_escalation` reminders of it, one every `interval_days` from the day it fell due.

    A function of dates alone, so the site's badge and the notifier's mail ("[Escalated]", the team
    copied) always agree: the site knows nothing of the ledger, and need not.
    """
    waited = (on - esc.due).days
    return esc.level + (1 if waited >= policy.before_escalation * policy.interval_days else 0)


NO_SUPPRESSIONS: Mapping[str, dt.date] = {}

# Escalations that go to the Partner Center account email rather than to the marketing contacts: there is
# no contact, or the contacts' mail bounces (the one who can replace it is the account's owner).
FOR_ACCOUNT = frozenset({EscalationKind.ASSIGN_CONTACT, EscalationKind.CONTACT_BOUNCES})


def for_account(kind: EscalationKind) -> bool:
    """Whether an escalation of this kind goes to the Partner Center account email (else to the contacts)."""
    return kind in FOR_ACCOUNT


def contact_bounces(contact: Contact, suppressed: Mapping[str, dt.date] = NO_SUPPRESSIONS) -> dt.date | None:
    """The day mail to a marketing contact started bouncing, or None: `bounced_on` in the partner file, or the
    notifier's suppression list (`suppressed`: address in lower case -> the day it was suppressed) while
    that is not merged into the file yet; the earlier of the two."""
    days = [d for d in (contact.bounced_on, suppressed.get(contact.email.lower())) if d is not None]
    return min(days) if days else None


def _offer_heard_from_team(partner: Partner, offer: Offer) -> bool:
    assert offer.live_date is not None
    return any(c.offer in (None, offer.id) and c.date >= offer.live_date for c in partner.team_contacts)


def escalations(
    content: Content, partner: Partner, offers: tuple[OfferBenefits, ...], today: dt.date,
    suppressed: Mapping[str, dt.date] = NO_SUPPRESSIONS,
) -> tuple[Escalation, ...]:
    """The escalations due today, most urgent first. A fix recorded in the YAML makes its entry vanish.
    `suppressed`: the notifier's suppression list (see `contact_bounces`); the site and the report have
    only the partner file's `bounced_on`."""
    timing = content.program.timing
    if opted_out_of_all(partner):
        return ()
    left_out = opted_out_offers(partner)
    due: list[Escalation] = []
    live = [o for o in partner.offers if o.status is OfferStatus.LIVE and o.live_date and o.id not in left_out]

    if live and not partner.contacts:
        since = min(o.live_date for o in live if o.live_date is not None)
        due.append(Escalation(EscalationKind.ASSIGN_CONTACT, 1, partner.id, since, since, (today - since).days))

    # Mail to a marketing contact bounces: whoever owns the account must replace the address. One
    # escalation names every bouncing contact, from the first bounce (its key stays while any bounces).
    bouncing = [day for c in partner.contacts if (day := contact_bounces(c, suppressed)) is not None]
    if bouncing:
        since = min(bouncing)
        due.append(Escalation(EscalationKind.CONTACT_BOUNCES, 1, partner.id, since, since, (today - since).days))

    for offer in live:
        assert offer.live_date is not None
        days_live = (today - offer.live_date).days
        if days_live >= timing.offer_silence_days and not _offer_heard_from_team(partner, offer):
            missing = offer.owner.status is not OwnerStatus.ACTIVE
            due.append(
                Escalation(
                    EscalationKind.OPEN_TICKET if missing else EscalationKind.FIND_OWNER,
                    2 if missing else 1,
                    partner.id,
                    offer.live_date,
                    offer.live_date + dt.timedelta(days=timing.offer_silence_days),
                    days_live,
                    offer_id=offer.id,
                )
            )

    for group in offers:
        if group.offer.id in left_out:
            continue
        for status in group.statuses:
            if status.activation is not None:  # each of them is about an activation (most benefits have none)
                due.extend(_benefit_escalations(content, partner, status, today))
        due.extend(_expiring(content, partner, group, today))

    return tuple(sorted(due, key=lambda e: (-e.level, e.due, e.kind.value, e.offer_id or "", e.benefit_id or "")))


_OPEN_STATES = frozenset({BenefitState.AVAILABLE, BenefitState.EXPIRING, BenefitState.AWAITING_CONTACT,
                          BenefitState.ACTIVATED, BenefitState.CONTACTED})


def _expiring(content: Content, partner: Partner, group: OfferBenefits, today: dt.date) -> Iterator[Escalation]:
    """An offer's list/trial benefits all expire on the same day: one reminder names them all."""
    warning = content.program.timing.expiry_warning_days
    open_ones = [s for s in group.statuses if s.state in _OPEN_STATES and s.expires_on is not None]
    if not open_ones:
        return
    expires_on = open_ones[0].expires_on
    assert expires_on is not None
    left = (expires_on - today).days
    if 0 < left <= warning:
        yield Escalation(EscalationKind.BENEFIT_EXPIRING, 1, partner.id, expires_on,
                         expires_on - dt.timedelta(days=warning), left, offer_id=group.offer.id,
                         benefits=tuple(s.benefit.id for s in open_ones))


def _benefit_escalations(content: Content, partner: Partner, status: BenefitStatus,
                         today: dt.date) -> Iterator[Escalation]:
    timing = content.program.timing
    offer_id, benefit_id, benefits = status.offer.id, status.benefit.id, (status.benefit.id,)
    activation = status.activation  # None: nothing is due (the caller skips those)
    if status.state is BenefitState.AWAITING_CONTACT and status.overdue and activation is not None:
        # A second full window without contact calls in the rewards team itself.
        level = 2 if status.days_waiting and status.days_waiting > 2 * timing.contact_within_days else 1
        due = activation.date + dt.timedelta(days=timing.contact_within_days + 1)
        yield Escalation(
            EscalationKind.CONTACT_OVERDUE, level, partner.id, activation.date, due, status.days_waiting or 0,
            offer_id=offer_id, benefit_id=benefit_id, benefits=benefits,
        )
    if status.state not in _OPEN_STATES:
        return
    if status.deadline is not None and activation is not None:
        left = (status.deadline - today).days
        if 0 <= left <= timing.expiry_warning_days:
            warn_from = status.deadline - dt.timedelta(days=timing.expiry_warning_days)
            yield Escalation(EscalationKind.TRANSACT_DEADLINE, 1, partner.id, status.deadline, warn_from, left,
                             offer_id=offer_id, benefit_id=benefit_id, benefits=benefits)
