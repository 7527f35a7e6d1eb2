"""Each benefit's state on each offer: locked and why, available, activated, contacted, expired ...

`assess` asks this of every benefit on every offer of every partner (60 answers a partner, 600,000 for
a diff of 10,000 partners), so what does not change from one answer to the next is worked out once:
per catalog what each benefit needs (`_BenefitFacts`), per offer its listing type, dates and failing
conditions (`_OfferFacts`), per partner its tier rank and an index of its activations and requests
(`_PartnerFacts`). `_answer` is the one place that decides a state from them; `benefit_status`,
`locks` and `condition_locks` ask one question through the same facts.
"""

from __future__ import annotations

import datetime as dt
import operator
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

# The conditions a benefit may ask for, the reason each gives when the offer fails it, in the order
# the reasons are listed.
_CONDITIONS = (
    (Condition.LISTING_OPTIMIZATION_DONE, LockReason.LISTING_OPTIMIZATION),
    (Condition.NOT_BYOL, LockReason.BYOL),
    (Condition.NOT_PRIVATE, LockReason.PRIVATE),
    (Condition.CO_SELL_READY, LockReason.CO_SELL),
)


def _failing(offer: Offer) -> frozenset[Condition]:
    """The conditions this offer does not meet."""
    failing = (
        (Condition.LISTING_OPTIMIZATION_DONE, not offer.listing_optimization_done),
        (Condition.NOT_BYOL, offer.byol),
        (Condition.NOT_PRIVATE, offer.private),
        (Condition.CO_SELL_READY, not offer.co_sell_ready),
    )
    return frozenset(condition for condition, fails in failing if fails)


def _offered_on(benefit: Benefit, listing_type: ListingType) -> bool:
    return listing_type in benefit.listing_types


def applies_to(benefit: Benefit, offer: Offer) -> bool:
    return _offered_on(benefit, effective_listing_type(offer))


def owes_contact(benefit: Benefit) -> bool:
    """Activating it starts the rewards team's one-week promise to call the marketing contact."""
    return benefit.category is Category.SALES_MARKETING and benefit.delivery is Delivery.REWARDS_TEAM


def _waits_for_contact(benefit: Benefit) -> bool:
    """Sales and marketing benefits wait for a marketing contact (domain.md, "Benefits")."""
    return benefit.category is Category.SALES_MARKETING


def needs_contact(benefit: Benefit, partner: Partner) -> bool:
    return _waits_for_contact(benefit) and not partner.contacts


@dataclass(frozen=True, slots=True)
class _BenefitFacts:
    benefit: Benefit
    unlock_rank: int | None  # None: the unlock tier is unknown (validation reports the reference)
    unlock_tier: Tier | None
    conditions: tuple[tuple[Condition, LockReason], ...]  # those it asks for
    waits_for_contact: bool
    owes_contact: bool
    quantities: tuple[int | None, ...]  # its quantity at each tier, by rank


def _benefit_facts(program: Program, benefit: Benefit, *, quantities: bool = True) -> _BenefitFacts:
    """`quantities`: False for a question about locks alone (validation asks one per activation)."""
    known = program.has_tier(benefit.unlock_tier)
    return _BenefitFacts(
        benefit=benefit,
        unlock_rank=program.tier_rank(benefit.unlock_tier) if known else None,
        unlock_tier=program.tier(benefit.unlock_tier) if known else None,
        conditions=tuple(pair for pair in _CONDITIONS if pair[0] in benefit.conditions),
        waits_for_contact=_waits_for_contact(benefit),
        owes_contact=owes_contact(benefit),
        quantities=tuple(quantity_at(program, benefit, tier) for tier in program.tiers) if quantities else (),
    )


@dataclass(frozen=True, slots=True)
class _Catalog:
    program: Program
    benefits: tuple[Benefit, ...]  # content.benefits, in its order: what the facts were made from
    by_type: dict[ListingType, tuple[_BenefitFacts, ...]]  # the benefits offered on each listing type


_catalogs: list[_Catalog] = []  # the last one made: a run assesses every partner against one catalog


def _catalog(content: Content) -> _Catalog:
    benefits = tuple(content.benefits.values())
    if _catalogs:
        last = _catalogs[0]
        # The very same objects (not equal ones): the facts hold them and answers carry them.
        if last.program is content.program and len(last.benefits) == len(benefits) \
                and all(map(operator.is_, last.benefits, benefits)):
            return last
    facts = [_benefit_facts(content.program, b) for b in benefits]
    catalog = _Catalog(content.program, benefits,
                       {lt: tuple(f for f in facts if _offered_on(f.benefit, lt)) for lt in ListingType})
    _catalogs[:] = [catalog]
    return catalog


@dataclass(frozen=True, slots=True)
class _OfferFacts:
    offer: Offer
    live: bool
    transact: bool
    delisting: Revocation | None  # a delisted offer's benefits are revoked from today
    failing: frozenset[Condition]
    expires_on: dt.date | None  # list/trial: benefits expire
    deadline: dt.date | None  # transact: the yearly completion deadline


def _offer_dates(program: Program, offer: Offer, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(expires_on, deadline): list/trial benefits expire; transact benefits have the yearly deadline."""
    if effective_listing_type(offer) is ListingType.TRANSACT:
        return None, next_deadline(program, today)
    if offer.live_date is None:
        return None, None
    return add_months(offer.live_date, program.timing.list_trial_expiry_months), None


def _offer_facts(program: Program, offer: Offer, today: dt.date | None) -> _OfferFacts:
    """`today` None: no dates (a question about locks alone)."""
    expires_on, deadline = _offer_dates(program, offer, today) if today is not None else (None, None)
    delisting = Revocation(date=today, reason="delisting", offer=offer.id) \
        if offer.status is OfferStatus.DELISTED and today is not None else None
    return _OfferFacts(offer, offer.status is OfferStatus.LIVE, effective_listing_type(offer) is ListingType.TRANSACT,
                       delisting, _failing(offer), expires_on, deadline)


@dataclass(frozen=True, slots=True)
class _PartnerFacts:
    partner: Partner
    tier: TierStanding
    rank: int  # the tier's rank; -1 with no live offer (no tier)
    no_contact: bool
    activations: dict[tuple[str, str], Activation]  # (offer, benefit) -> the latest
    requests: dict[str, tuple[TechnicalRequest, ...]]  # benefit -> its technical requests


def _partner_facts(program: Program, partner: Partner, tier: TierStanding, *, index: bool = True) -> _PartnerFacts:
    """`index` False: no index of activations and requests (a question about locks alone)."""
    activations: dict[tuple[str, str], Activation] = {}
    for a in partner.activations if index else ():
        seen = activations.get((a.offer, a.benefit))
        if seen is None or a.date > seen.date:  # the first of equally late ones, as max() gives
            activations[(a.offer, a.benefit)] = a
    requests: dict[str, list[TechnicalRequest]] = {}
    for r in partner.technical_requests if index else ():
        requests.setdefault(r.benefit, []).append(r)
    return _PartnerFacts(partner, tier, -1 if tier.tier is None else program.tier_rank(tier.tier.id),
                         not partner.contacts, activations, {b: tuple(rs) for b, rs in requests.items()})


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


def _latest_request(p: _PartnerFacts, offer: Offer, benefit: Benefit) -> TechnicalRequest | None:
    matches = [r for r in p.requests.get(benefit.id, ()) if r.offer in (None, offer.id)]
    return max(matches, key=lambda r: r.date) if matches else None


def _team_contact_for(partner: Partner, activation: Activation) -> dt.date | None:
    dates = [
        c.date
        for c in partner.team_contacts
        if c.benefit == activation.benefit and c.offer in (None, activation.offer) and c.date >= activation.date
    ]
    return min(dates) if dates else None


@dataclass(frozen=True, slots=True)
class Locks:
    """Why a benefit cannot be used on an offer yet (empty `reasons`: nothing stands in the way)."""

    reasons: tuple[LockReason, ...]
    unlock_tier: Tier | None = None  # set when TIER is a reason
    needed_usd: int | None = None  # billed sales still needed for unlock_tier


_UNLOCKED = Locks(())


def _locks(b: _BenefitFacts, o: _OfferFacts, p: _PartnerFacts) -> Locks:
    reasons: list[LockReason] = []
    unlock_tier = needed = None
    if not o.live:
        reasons.append(LockReason.OFFER_NOT_LIVE)
    if o.transact and b.unlock_tier is not None and not _reached(p.rank, b.unlock_rank):
        reasons.append(LockReason.TIER)
        unlock_tier = b.unlock_tier
        needed = max(0, unlock_tier.threshold_usd - p.tier.billed_sales_usd)
    if b.conditions:
        reasons += [reason for condition, reason in b.conditions if condition in o.failing]
    if b.waits_for_contact and p.no_contact:
        reasons.append(LockReason.NO_CONTACT)
    return Locks(tuple(reasons), unlock_tier, needed) if reasons else _UNLOCKED


def _reached(rank: int, unlock_rank: int | None) -> bool:
    """A tier of `rank` (-1: none yet) has reached a benefit's unlock tier."""
    return unlock_rank is not None and rank >= unlock_rank


def tier_reached(program: Program, tier: TierStanding, unlock_tier_id: str) -> bool:
    """Has the company reached the tier a transact benefit unlocks at?"""
    return _reached(-1 if tier.tier is None else program.tier_rank(tier.tier.id), program.tier_rank(unlock_tier_id))


def condition_locks(benefit: Benefit, offer: Offer) -> list[LockReason]:
    failing = _failing(offer)
    return [reason for condition, reason in _CONDITIONS if condition in benefit.conditions and condition in failing]


def locks(program: Program, partner: Partner, offer: Offer, benefit: Benefit, tier: TierStanding) -> Locks:
    """Everything that keeps a benefit locked on an offer: the offer, the tier, conditions, a contact.

    Validation asks the same question of each activation (an activation of a locked benefit is an
    error there), so this is the one place that answers it."""
    # Only what locks read: no dates, quantities or activation index (this runs once per activation
    # when a file is validated, and for every borrowed partner of a diff).
    return _locks(_benefit_facts(program, benefit, quantities=False), _offer_facts(program, offer, None),
                  _partner_facts(program, partner, tier, index=False))


def _answer(b: _BenefitFacts, o: _OfferFacts, p: _PartnerFacts, today: dt.date, program: Program) -> BenefitStatus:
    """The one place a benefit's state on an offer is decided, in the order of domain.md: revoked,
    opted out, what an activation or a technical request says, locked, expired or expiring, available."""
    benefit, offer, partner = b.benefit, o.offer, p.partner
    expires_on, deadline = o.expires_on, o.deadline
    quantity = b.quantities[p.rank] if o.transact and p.rank >= 0 else None

    revocation = _scoped(partner.revocations, offer, benefit) if partner.revocations else None
    if revocation is None:
        revocation = o.delisting
    if revocation is not None:
        return BenefitStatus(benefit, offer, BenefitState.REVOKED, expires_on=expires_on, deadline=deadline,
                             quantity=quantity, revocation=revocation)
    if partner.opt_outs and _scoped(partner.opt_outs, offer, benefit) is not None:
        return BenefitStatus(benefit, offer, BenefitState.OPTED_OUT, expires_on=expires_on, deadline=deadline,
                             quantity=quantity)

    activation = p.activations.get((offer.id, benefit.id)) if p.activations else None
    if activation is not None:
        if activation.completed is not None:
            state = BenefitState.COMPLETED
        elif expires_on is not None and today >= expires_on:
            state = BenefitState.EXPIRED
        elif not b.owes_contact:
            state = BenefitState.ACTIVATED
        else:
            contacted_on = _team_contact_for(partner, activation)
            if contacted_on is not None:
                return BenefitStatus(benefit, offer, BenefitState.CONTACTED, activation=activation,
                                     contacted_on=contacted_on, expires_on=expires_on, deadline=deadline,
                                     quantity=quantity)
            waiting = (today - activation.date).days
            return BenefitStatus(benefit, offer, BenefitState.AWAITING_CONTACT, activation=activation,
                                 days_waiting=waiting, overdue=waiting > program.timing.contact_within_days,
                                 expires_on=expires_on, deadline=deadline, quantity=quantity)
        return BenefitStatus(benefit, offer, state, activation=activation, expires_on=expires_on, deadline=deadline,
                             quantity=quantity)

    request = _latest_request(p, offer, benefit) if p.requests else None
    if request is not None and request.status != "declined":
        state = BenefitState.COMPLETED if request.status == "completed" else BenefitState.ACTIVATED
        return BenefitStatus(benefit, offer, state, expires_on=expires_on, deadline=deadline, quantity=quantity,
                             request=request)

    locked = _locks(b, o, p)
    if locked.reasons:
        return BenefitStatus(benefit, offer, BenefitState.LOCKED, lock_reasons=locked.reasons,
                             unlock_tier=locked.unlock_tier, needed_usd=locked.needed_usd, expires_on=expires_on,
                             deadline=deadline, quantity=quantity)
    state = BenefitState.AVAILABLE
    if expires_on is not None:
        if today >= expires_on:
            state = BenefitState.EXPIRED
        elif (expires_on - today).days <= program.timing.expiry_warning_days:
            state = BenefitState.EXPIRING
    return BenefitStatus(benefit, offer, state, expires_on=expires_on, deadline=deadline, quantity=quantity)


def benefit_status(content: Content, partner: Partner, offer: Offer, benefit: Benefit, tier: TierStanding,
                   today: dt.date) -> BenefitStatus:
    """One benefit on one offer (`offer_benefits` answers them all at once)."""
    program = content.program
    return _answer(_benefit_facts(program, benefit), _offer_facts(program, offer, today),
                   _partner_facts(program, partner, tier), today, program)


def offer_benefits(content: Content, partner: Partner, tier: TierStanding, today: dt.date) -> tuple[OfferBenefits, ...]:
    """Every benefit offered on each of the partner's offers, in catalog order."""
    program = content.program
    catalog = _catalog(content)
    p = _partner_facts(program, partner, tier)
    groups: list[OfferBenefits] = []
    for offer in partner.offers:
        o = _offer_facts(program, offer, today)
        groups.append(OfferBenefits(offer, tuple([_answer(b, o, p, today, program)
                                                  for b in catalog.by_type[effective_listing_type(offer)]])))
    return tuple(groups)
