"""Each benefit's state on each offer: locked and why, available, activated, contacted, expired ..."""

from __future__ import annotations

import datetime as dt

from ..model import (
    Activation,
    Benefit,
    Category,
    Condition,
    Content,
    Delivery,
    ListingType,
    Offer,
    OfferStatus,
    Partner,
    Program,
    Revocation,
    TechnicalRequest,
)
from .states import BenefitState, BenefitStatus, LockReason, OfferBenefits, TierStanding, effective_listing_type
from .tiers import add_months, next_deadline, quantity_at


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
