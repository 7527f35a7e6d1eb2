"""Each benefit's state on each offer: locked and why, available, activated, contacted, expired ..."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

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
    OptOut,
    Partner,
    Program,
    Revocation,
    TechnicalRequest,
    Tier,
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


_Scoped = TypeVar("_Scoped", OptOut, Revocation)


def _scoped(entries: Iterable[_Scoped], offer: Offer, benefit: Benefit) -> _Scoped | None:
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


@dataclass(frozen=True, slots=True)
class Locks:
    """Why a benefit cannot be used on an offer yet (empty `reasons`: nothing stands in the way)."""

    reasons: tuple[LockReason, ...]
    unlock_tier: Tier | None = None  # set when TIER is a reason
    needed_usd: int | None = None  # billed sales still needed for unlock_tier


def tier_reached(program: Program, tier: TierStanding, unlock_tier_id: str) -> bool:
    """Has the company reached the tier a transact benefit unlocks at?"""
    return tier.tier is not None and program.tier_rank(tier.tier.id) >= program.tier_rank(unlock_tier_id)


def needs_contact(benefit: Benefit, partner: Partner) -> bool:
    """Sales and marketing benefits wait for a marketing contact (domain.md, "Benefits")."""
    return benefit.category is Category.SALES_MARKETING and not partner.contacts


def locks(program: Program, partner: Partner, offer: Offer, benefit: Benefit, tier: TierStanding) -> Locks:
    """Everything that keeps a benefit locked on an offer: the offer, the tier, conditions, a contact.

    Validation asks the same question of each activation (an activation of a locked benefit is an
    error there), so this is the one place that answers it."""
    reasons: list[LockReason] = []
    unlock_tier = needed = None
    if offer.status is not OfferStatus.LIVE:
        reasons.append(LockReason.OFFER_NOT_LIVE)
    known_tier = program.has_tier(benefit.unlock_tier)  # else validation reports the reference
    if effective_listing_type(offer) is ListingType.TRANSACT and known_tier \
            and not tier_reached(program, tier, benefit.unlock_tier):
        reasons.append(LockReason.TIER)
        unlock_tier = program.tier(benefit.unlock_tier)
        needed = max(0, unlock_tier.threshold_usd - tier.billed_sales_usd)
    reasons += condition_locks(benefit, offer)
    if needs_contact(benefit, partner):
        reasons.append(LockReason.NO_CONTACT)
    return Locks(tuple(reasons), unlock_tier, needed)


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
    # One constructor call per answer (dataclasses.replace on a base record cost a third of assess).
    def status(state: BenefitState, *, activation: Activation | None = None, contacted_on: dt.date | None = None,
               days_waiting: int | None = None, overdue: bool = False, lock_reasons: tuple[LockReason, ...] = (),
               unlock_tier: Tier | None = None, needed_usd: int | None = None, revocation: Revocation | None = None,
               request: TechnicalRequest | None = None) -> BenefitStatus:
        return BenefitStatus(benefit=benefit, offer=offer, state=state, lock_reasons=lock_reasons,
                             unlock_tier=unlock_tier, needed_usd=needed_usd, activation=activation,
                             contacted_on=contacted_on, days_waiting=days_waiting, overdue=overdue,
                             expires_on=expires_on, deadline=deadline, quantity=quantity, revocation=revocation,
                             request=request)

    revocation = _scoped(partner.revocations, offer, benefit)
    if revocation is None and offer.status is OfferStatus.DELISTED:
        revocation = Revocation(date=today, reason="delisting", offer=offer.id)
    if revocation is not None:
        return status(BenefitState.REVOKED, revocation=revocation)
    if _scoped(partner.opt_outs, offer, benefit) is not None:
        return status(BenefitState.OPTED_OUT)

    activation = _latest_activation(partner, offer, benefit)
    if activation is not None:
        if activation.completed is not None:
            return status(BenefitState.COMPLETED, activation=activation)
        if expires_on is not None and today >= expires_on:
            return status(BenefitState.EXPIRED, activation=activation)
        if not owes_contact(benefit):
            return status(BenefitState.ACTIVATED, activation=activation)
        contacted_on = _team_contact_for(partner, activation)
        if contacted_on is not None:
            return status(BenefitState.CONTACTED, activation=activation, contacted_on=contacted_on)
        waiting = (today - activation.date).days
        return status(BenefitState.AWAITING_CONTACT, activation=activation, days_waiting=waiting,
                      overdue=waiting > timing.contact_within_days)

    request = _latest_request(partner, offer, benefit)
    if request is not None and request.status != "declined":
        done = request.status == "completed"
        return status(BenefitState.COMPLETED if done else BenefitState.ACTIVATED, request=request)

    locked = locks(program, partner, offer, benefit, tier)
    if locked.reasons:
        return status(BenefitState.LOCKED, lock_reasons=locked.reasons, unlock_tier=locked.unlock_tier,
                      needed_usd=locked.needed_usd)
    if expires_on is not None:
        if today >= expires_on:
            return status(BenefitState.EXPIRED)
        if (expires_on - today).days <= timing.expiry_warning_days:
            return status(BenefitState.EXPIRING)
    return status(BenefitState.AVAILABLE)


def offer_benefits(content: Content, partner: Partner, tier: TierStanding, today: dt.date) -> tuple[OfferBenefits, ...]:
    groups: list[OfferBenefits] = []
    for offer in partner.offers:
        dates = _offer_dates(content.program, offer, today)
        statuses = tuple(
            benefit_status(content, partner, offer, benefit, tier, today, dates)
            for benefit in content.benefits.values()
            if applies_to(benefit, offer)
        )
        groups.append(OfferBenefits(offer, statuses))
    return tuple(groups)
