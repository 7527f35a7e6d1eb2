"""The program rules (../shared/domain.md), as pure functions of the model and "today".

This is the one place that answers program questions: a partner's tier, each benefit's state, the
escalations due. The site and the notifier both call `assess`; neither re-derives these answers.
Nothing here reads the clock, a file or the network.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .model import (
    Activation,
    Benefit,
    Category,
    Condition,
    Content,
    Delivery,
    ListingType,
    Offer,
    OfferStatus,
    OwnerStatus,
    Partner,
    Program,
    Revocation,
    TechnicalRequest,
    Tier,
)


class BenefitState(StrEnum):
    LOCKED = "locked"
    AVAILABLE = "available"
    EXPIRING = "expiring"  # available, and expiring within the warning window
    AWAITING_CONTACT = "awaiting-contact"  # activated; the rewards team owes a call and has not made it yet
    ACTIVATED = "activated"  # activated or requested; no call from the team is owed (self-serve, technical)
    CONTACTED = "contacted"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REVOKED = "revoked"
    OPTED_OUT = "opted-out"


class LockReason(StrEnum):
    OFFER_NOT_LIVE = "offer-not-live"
    TIER = "tier"
    LISTING_OPTIMIZATION = "listing-optimization"
    BYOL = "byol"
    PRIVATE = "private"
    CO_SELL = "co-sell"
    NO_CONTACT = "no-contact"


class EscalationKind(StrEnum):
    ASSIGN_CONTACT = "assign-contact"  # a live offer and no marketing contact
    CONTACT_OVERDUE = "contact-overdue"  # activated, and the team has not called within the window
    FIND_OWNER = "find-owner"  # offer live past the silence window with no message
    OPEN_TICKET = "open-ticket"  # the same, and the offer's owner has left or is unknown
    BENEFIT_EXPIRING = "benefit-expiring"  # list/trial benefit expires within the warning window
    TRANSACT_DEADLINE = "transact-deadline"  # activated transact benefit not completed by the deadline


# What the partner should do about each escalation (English; the site and the mail translate by kind).
ACTIONS: dict[EscalationKind, str] = {
    EscalationKind.ASSIGN_CONTACT: "Assign a marketing contact: sales and marketing benefits cannot be activated "
                                   "without one.",
    EscalationKind.CONTACT_OVERDUE: "The rewards team has not contacted your marketing contact within the week "
                                    "it promised; reply to this reminder and the team will follow up.",
    EscalationKind.FIND_OWNER: "Find out who owns the offer in your organisation: that owner holds the "
                               "communication with the rewards team and the next steps.",
    EscalationKind.OPEN_TICKET: "The offer's owner has left or is unknown: open a support ticket with "
                                "marketplace publisher support.",
    EscalationKind.BENEFIT_EXPIRING: "Activate and use these benefits before they expire.",
    EscalationKind.TRANSACT_DEADLINE: "Complete this benefit before the yearly deadline.",
}


@dataclass(frozen=True, slots=True)
class TierStanding:
    tier: Tier | None  # None: no live offer yet
    billed_sales_usd: int
    next_tier: Tier | None  # None: at the top
    needed_usd: int | None  # billed sales still needed for next_tier
    progress: float  # 0..1 of the way from tier to next_tier


@dataclass(frozen=True, slots=True)
class BenefitStatus:
    benefit: Benefit
    offer: Offer
    state: BenefitState
    lock_reasons: tuple[LockReason, ...] = ()
    unlock_tier: Tier | None = None  # set when TIER is a lock reason
    needed_usd: int | None = None  # billed sales still needed for unlock_tier
    activation: Activation | None = None
    contacted_on: dt.date | None = None
    days_waiting: int | None = None  # days since activation, while awaiting contact
    overdue: bool = False
    expires_on: dt.date | None = None  # list/trial: unlock date plus the expiry period
    deadline: dt.date | None = None  # transact: the next yearly completion deadline
    quantity: int | None = None
    revocation: Revocation | None = None
    request: TechnicalRequest | None = None  # the latest technical request for it, if any


@dataclass(frozen=True, slots=True)
class OfferBenefits:
    offer: Offer
    statuses: tuple[BenefitStatus, ...]


@dataclass(frozen=True, slots=True)
class Escalation:
    kind: EscalationKind
    level: int  # 1: the partner acts; 2: support or the rewards team must act too
    partner_id: str
    since: dt.date  # when the cause began (live date, activation date ...)
    due: dt.date  # the day it fell due
    days: int  # days since `since` (or, for expiries and deadlines, days left)
    offer_id: str | None = None
    benefit_id: str | None = None  # set when the escalation is about one benefit
    benefits: tuple[str, ...] = ()  # every benefit concerned (several for an offer's expiring benefits)

    @property
    def action(self) -> str:
        return ACTIONS[self.kind]

    @property
    def key(self) -> str:
        """Stable identity of the cause: the same cause keeps the same key from run to run."""
        return ":".join(
            [self.kind.value, self.partner_id, self.offer_id or "-", self.benefit_id or "-", self.since.isoformat()]
        )


@dataclass(frozen=True, slots=True)
class PartnerStanding:
    partner: Partner
    tier: TierStanding
    offers: tuple[OfferBenefits, ...]
    escalations: tuple[Escalation, ...]
    opted_out: bool  # opted out of all program engagement

    @property
    def listing_types(self) -> frozenset[ListingType]:
        return frozenset(effective_listing_type(o) for o in self.partner.offers if o.status is OfferStatus.LIVE)


# --- Tiers -------------------------------------------------------------------------------------


def billed_sales(partner: Partner) -> int:
    """Company-level trailing-12-month billed sales: every transact offer that has been live."""
    return sum(
        o.billed_sales_usd
        for o in partner.offers
        if o.listing_type is ListingType.TRANSACT and o.status is not OfferStatus.DRAFT
    )


def tier_standing(program: Program, partner: Partner) -> TierStanding:
    sales = billed_sales(partner)
    if not any(o.status is OfferStatus.LIVE for o in partner.offers):
        first = program.tiers[0]
        return TierStanding(None, sales, first, None, 0.0)
    reached = [t for t in program.tiers if t.threshold_usd <= sales]
    tier = reached[-1] if reached else program.tiers[0]
    rank = program.tier_rank(tier.id)
    if rank + 1 >= len(program.tiers):
        return TierStanding(tier, sales, None, None, 1.0)
    nxt = program.tiers[rank + 1]
    span = nxt.threshold_usd - tier.threshold_usd
    progress = (sales - tier.threshold_usd) / span if span > 0 else 0.0
    return TierStanding(tier, sales, nxt, nxt.threshold_usd - sales, max(0.0, min(1.0, progress)))


def benefits_unlocked_at(content: Content, tier_id: str) -> tuple[Benefit, ...]:
    """The transact benefits that a tier unlocks (what reaching it brings)."""
    return tuple(
        b for b in content.benefits.values() if ListingType.TRANSACT in b.listing_types and b.unlock_tier == tier_id
    )


def quantity_at(program: Program, benefit: Benefit, tier: Tier | None) -> int | None:
    """The benefit's quantity at a tier: the entry of the highest tier at or below it."""
    if benefit.quantity is None or tier is None:
        return None
    rank = program.tier_rank(tier.id)
    amount = None
    for tier_id, value in benefit.quantity.by_tier:
        if program.tier_rank(tier_id) <= rank:
            amount = value
    return amount


# --- Dates -------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (31 August + 6 months = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_deadline(program: Program, today: dt.date) -> dt.date:
    """The yearly transact completion deadline on or after today."""
    month, day = program.timing.transact_deadline_month, program.timing.transact_deadline_day
    this_year = dt.date(today.year, month, min(day, calendar.monthrange(today.year, month)[1]))
    if this_year >= today:
        return this_year
    return dt.date(today.year + 1, month, min(day, calendar.monthrange(today.year + 1, month)[1]))


def effective_listing_type(offer: Offer) -> ListingType:
    """BYOL ("get it now" with a licence bought elsewhere) counts as list."""
    return ListingType.LIST if offer.byol else offer.listing_type


# --- Benefit states ----------------------------------------------------------------------------


def applies_to(benefit: Benefit, offer: Offer) -> bool:
    return effective_listing_type(offer) in benefit.listing_types


def condition_locks(benefit: Benefit, offer: Offer) -> list[LockReason]:
    if not benefit.conditions:
        return []
    checks = (
        (Condition.LISTING_OPTIMIZATION_DONE, not offer.listing_optimization_done, LockReason.LISTING_OPTIMIZATION),
        (Condition.NOT_BYOL, offer.byol, LockReason.BYOL),
        (Condition.NOT_PRIVATE, offer.private, LockReason.PRIVATE),
        (Condition.CO_SELL_READY, not offer.co_sell_ready, LockReason.CO_SELL),
    )
    return [reason for condition, failing, reason in checks if condition in benefit.conditions and failing]


def _scoped(entries, offer: Offer, benefit: Benefit):
    """The first opt-out or revocation whose scope (partner, offer or benefit) covers this benefit."""
    for entry in entries:
        if entry.offer not in (None, offer.id):
            continue
        if entry.benefit not in (None, benefit.id):
            continue
        return entry
    return None


def _latest_activation(partner: Partner, offer: Offer, benefit: Benefit) -> Activation | None:
    matches = [a for a in partner.activations if a.offer == offer.id and a.benefit == benefit.id]
    return max(matches, key=lambda a: a.date) if matches else None


def _latest_request(partner: Partner, offer: Offer, benefit: Benefit) -> TechnicalRequest | None:
    matches = [r for r in partner.technical_requests if r.benefit == benefit.id and r.offer in (None, offer.id)]
    return max(matches, key=lambda r: r.date) if matches else None


def owes_contact(benefit: Benefit) -> bool:
    """Activating it starts the rewards team's one-week promise to call the marketing contact."""
    return benefit.category is Category.SALES_MARKETING and benefit.delivery is Delivery.REWARDS_TEAM


def _team_contact_for(partner: Partner, activation: Activation) -> dt.date | None:
    dates = [
        c.date
        for c in partner.team_contacts
        if c.benefit == activation.benefit and c.offer in (None, activation.offer) and c.date >= activation.date
    ]
    return min(dates) if dates else None


def _offer_dates(program: Program, offer: Offer, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(expires_on, deadline): list/trial benefits expire; transact benefits have the yearly deadline."""
    if effective_listing_type(offer) is ListingType.TRANSACT:
        return None, next_deadline(program, today)
    if offer.live_date is None:
        return None, None
    return add_months(offer.live_date, program.timing.list_trial_expiry_months), None


def benefit_status(
    content: Content, partner: Partner, offer: Offer, benefit: Benefit, tier: TierStanding, today: dt.date,
    dates: tuple[dt.date | None, dt.date | None] | None = None,
) -> BenefitStatus:
    """One benefit on one offer. `dates` is `_offer_dates(...)`, passed in when the caller has it already."""
    program = content.program
    timing = program.timing
    transact = effective_listing_type(offer) is ListingType.TRANSACT
    expires_on, deadline = dates if dates is not None else _offer_dates(program, offer, today)
    quantity = quantity_at(program, benefit, tier.tier) if transact else None
    base = {"benefit": benefit, "offer": offer, "expires_on": expires_on, "deadline": deadline, "quantity": quantity}

    revocation = _scoped(partner.revocations, offer, benefit)
    if revocation is None and offer.status is OfferStatus.DELISTED:
        revocation = Revocation(date=today, reason="delisting", offer=offer.id)
    if revocation is not None:
        return BenefitStatus(state=BenefitState.REVOKED, revocation=revocation, **base)
    if _scoped(partner.opt_outs, offer, benefit) is not None:
        return BenefitStatus(state=BenefitState.OPTED_OUT, **base)

    activation = _latest_activation(partner, offer, benefit)
    if activation is not None:
        base["activation"] = activation
        if activation.completed is not None:
            return BenefitStatus(state=BenefitState.COMPLETED, **base)
        if expires_on is not None and today >= expires_on:
            return BenefitStatus(state=BenefitState.EXPIRED, **base)
        if not owes_contact(benefit):
            return BenefitStatus(state=BenefitState.ACTIVATED, **base)
        contacted_on = _team_contact_for(partner, activation)
        if contacted_on is not None:
            return BenefitStatus(state=BenefitState.CONTACTED, contacted_on=contacted_on, **base)
        waiting = (today - activation.date).days
        return BenefitStatus(
            state=BenefitState.AWAITING_CONTACT,
            days_waiting=waiting,
            overdue=waiting > timing.contact_within_days,
            **base,
        )

    request = _latest_request(partner, offer, benefit)
    if request is not None and request.status != "declined":
        base["request"] = request
        done = request.status == "completed"
        return BenefitStatus(state=BenefitState.COMPLETED if done else BenefitState.ACTIVATED, **base)

    reasons: list[LockReason] = []
    unlock_tier = needed = None
    if offer.status is not OfferStatus.LIVE:
        reasons.append(LockReason.OFFER_NOT_LIVE)
    if transact:
        unlock = program.tier(benefit.unlock_tier)
        reached = tier.tier is not None and program.tier_rank(tier.tier.id) >= program.tier_rank(unlock.id)
        if not reached:
            reasons.append(LockReason.TIER)
            unlock_tier, needed = unlock, max(0, unlock.threshold_usd - tier.billed_sales_usd)
    reasons += condition_locks(benefit, offer)
    if benefit.category is Category.SALES_MARKETING and not partner.contacts:
        reasons.append(LockReason.NO_CONTACT)
    if reasons:
        return BenefitStatus(
            state=BenefitState.LOCKED, lock_reasons=tuple(reasons), unlock_tier=unlock_tier, needed_usd=needed, **base
        )
    if expires_on is not None:
        if today >= expires_on:
            return BenefitStatus(state=BenefitState.EXPIRED, **base)
        if (expires_on - today).days <= timing.expiry_warning_days:
            return BenefitStatus(state=BenefitState.EXPIRING, **base)
    return BenefitStatus(state=BenefitState.AVAILABLE, **base)


def offer_benefits(content: Content, partner: Partner, tier: TierStanding, today: dt.date) -> tuple[OfferBenefits, ...]:
    groups = []
    for offer in partner.offers:
        dates = _offer_dates(content.program, offer, today)
        statuses = tuple(
            benefit_status(content, partner, offer, benefit, tier, today, dates)
            for benefit in content.benefits.values()
            if applies_to(benefit, offer)
        )
        groups.append(OfferBenefits(offer, statuses))
    return tuple(groups)


# --- Escalations -------------------------------------------------------------------------------


def _offer_heard_from_team(partner: Partner, offer: Offer) -> bool:
    assert offer.live_date is not None
    return any(c.offer in (None, offer.id) and c.date >= offer.live_date for c in partner.team_contacts)


def escalations(
    content: Content, partner: Partner, offers: tuple[OfferBenefits, ...], today: dt.date
) -> tuple[Escalation, ...]:
    """The escalations due today, most urgent first. A fix recorded in the YAML makes its entry vanish."""
    timing = content.program.timing
    if any(o.offer is None and o.benefit is None for o in partner.opt_outs):
        return ()
    opted_out_offers = {o.offer for o in partner.opt_outs if o.offer is not None and o.benefit is None}
    due: list[Escalation] = []
    live = [o for o in partner.offers if o.status is OfferStatus.LIVE and o.live_date and o.id not in opted_out_offers]

    if live and not partner.contacts:
        since = min(o.live_date for o in live)  # type: ignore[type-var]
        due.append(Escalation(EscalationKind.ASSIGN_CONTACT, 1, partner.id, since, since, (today - since).days))

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
        if group.offer.id in opted_out_offers:
            continue
        for status in group.statuses:
            due.extend(_benefit_escalations(content, partner, status, today))
        due.extend(_expiring(content, partner, group, today))

    return tuple(sorted(due, key=lambda e: (-e.level, e.due, e.kind.value, e.offer_id or "", e.benefit_id or "")))


_OPEN_STATES = frozenset({BenefitState.AVAILABLE, BenefitState.EXPIRING, BenefitState.AWAITING_CONTACT,
                          BenefitState.ACTIVATED, BenefitState.CONTACTED})


def _expiring(content: Content, partner: Partner, group: OfferBenefits, today: dt.date):
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


def _benefit_escalations(content: Content, partner: Partner, status: BenefitStatus, today: dt.date):
    timing = content.program.timing
    ids = {"offer_id": status.offer.id, "benefit_id": status.benefit.id, "benefits": (status.benefit.id,)}
    activation = status.activation
    if status.state is BenefitState.AWAITING_CONTACT and status.overdue and activation is not None:
        # A second full window without contact calls in the rewards team itself.
        level = 2 if status.days_waiting and status.days_waiting > 2 * timing.contact_within_days else 1
        due = activation.date + dt.timedelta(days=timing.contact_within_days + 1)
        yield Escalation(
            EscalationKind.CONTACT_OVERDUE, level, partner.id, activation.date, due, status.days_waiting or 0, **ids
        )
    if status.state not in _OPEN_STATES:
        return
    if status.deadline is not None and activation is not None:
        left = (status.deadline - today).days
        if 0 <= left <= timing.expiry_warning_days:
            warn_from = status.deadline - dt.timedelta(days=timing.expiry_warning_days)
            yield Escalation(EscalationKind.TRANSACT_DEADLINE, 1, partner.id, status.deadline, warn_from, left, **ids)


# --- The one entry point -----------------------------------------------------------------------


def assess(content: Content, partner: Partner, today: dt.date) -> PartnerStanding:
    """Where a partner stands in the program today: tier, every benefit's state, escalations due."""
    tier = tier_standing(content.program, partner)
    offers = offer_benefits(content, partner, tier, today)
    opted_out = any(o.offer is None and o.benefit is None for o in partner.opt_outs)
    return PartnerStanding(partner, tier, offers, escalations(content, partner, offers, today), opted_out)
