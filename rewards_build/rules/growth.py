"""Where a partner is on its way through the program: its growth stage, the step that moves it on, and
which of its benefits need it now (domain.md, "Growth stages and tiers").

Answers the partner page, the JSON and any later consumer share; each is a function of `assess`'s
answers (a PartnerStanding) and the content, never of a page."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..model import Benefit, Content, ListingType, OfferStatus, Tier
from .states import BenefitState, BenefitStatus, PartnerStanding, effective_listing_type
from .tiers import benefits_unlocked_at


class Stage(StrEnum):
    """The program's growth stages, in order (the benefit schema's `stage` values)."""

    AWARENESS = "awareness"  # win the first customers
    CONVERSION = "conversion"  # turn visitors into customers
    SCALE = "scale"  # close deals and grow


_STAGE_ORDER = tuple(Stage)


def growth_stage(content: Content, standing: PartnerStanding) -> Stage:
    """The furthest stage whose benefits the company's billed sales have opened.

    A tier above the first is reached by billed sales alone, and each such tier unlocks benefits meant
    for a stage: the stage is the latest one among the benefits the reached tiers unlock. So it is data,
    like the tiers: with the example catalog, Publisher is awareness, $500 to $50K conversion, $100K and
    up scale. A partner with no transact sales (none yet, or list and trial offers only) is in awareness."""
    tier = standing.tier.tier
    if tier is None:
        return Stage.AWARENESS
    program = content.program
    reached = program.tier_rank(tier.id)
    stage = Stage.AWARENESS
    for gated in program.tiers[1:reached + 1]:
        for benefit in benefits_unlocked_at(content, gated.id):
            if benefit.stage in _STAGE_ORDER and _STAGE_ORDER.index(Stage(benefit.stage)) > _STAGE_ORDER.index(stage):
                stage = Stage(benefit.stage)
    return stage


class Step(StrEnum):
    PUBLISH = "publish"  # no live offer: publishing one reaches the first tier
    TRANSACT = "transact"  # live offers, none transact: only a transact offer's billed sales earn tiers
    GROW = "grow"  # billed sales reach the next tier
    TOP = "top"  # the top tier is reached


@dataclass(frozen=True, slots=True)
class NextStep:
    """What moves the partner on, and what it brings."""

    step: Step
    tier: Tier | None  # the tier it leads to (for TRANSACT: the first one billed sales reach)
    unlocks: tuple[Benefit, ...]  # what the step unlocks (for TRANSACT: what a transact offer gets at once)


def next_step(content: Content, standing: PartnerStanding) -> NextStep:
    """The one step that moves a partner on. A partner whose live offers are all list or trial has no
    billed sales, so no amount of them reaches the next tier: its step is a transact offer, which would
    unlock, at once, the transact benefits of its tier that its listing types do not get."""
    t = standing.tier
    program = content.program
    live = [o for o in standing.partner.offers if o.status is OfferStatus.LIVE]
    if t.tier is None:
        first = program.tiers[0]
        return NextStep(Step.PUBLISH, first, benefits_unlocked_at(content, first.id))
    if not any(effective_listing_type(o) is ListingType.TRANSACT for o in live):
        types = {effective_listing_type(o) for o in live}
        rank = program.tier_rank(t.tier.id)
        gains = tuple(b for b in content.benefits.values()
                      if ListingType.TRANSACT in b.listing_types and not types & b.listing_types
                      and program.has_tier(b.unlock_tier) and program.tier_rank(b.unlock_tier) <= rank)
        return NextStep(Step.TRANSACT, t.next_tier, gains)
    if t.next_tier is None:
        return NextStep(Step.TOP, None, ())
    return NextStep(Step.GROW, t.next_tier, benefits_unlocked_at(content, t.next_tier.id))


class Attention(StrEnum):
    """What a benefit asks of the partner now, in the order a page lists them."""

    NEEDS_ACTION = "needs-action"  # an escalation names it, or it expires soon
    IN_PROGRESS = "in-progress"  # activated or requested, not completed
    AVAILABLE = "available"  # can be activated or used
    CLOSED = "closed"  # completed, expired, revoked or opted out: nothing more to do
    LOCKED = "locked"  # not yet: the lock reasons say why


ATTENTION_ORDER = tuple(Attention)

_IN_PROGRESS = frozenset({BenefitState.AWAITING_CONTACT, BenefitState.ACTIVATED, BenefitState.CONTACTED})
_CLOSED = frozenset({BenefitState.COMPLETED, BenefitState.EXPIRED, BenefitState.REVOKED, BenefitState.OPTED_OUT})


def flagged(standing: PartnerStanding) -> frozenset[tuple[str | None, str]]:
    """(offer, benefit) pairs that an escalation due today names: an overdue contact, benefits about to
    expire, a transact benefit near its deadline."""
    return frozenset((e.offer_id, b) for e in standing.escalations for b in e.benefits)


def attention(status: BenefitStatus, flags: frozenset[tuple[str | None, str]]) -> Attention:
    """Which group a benefit belongs in; `flags` is `flagged(standing)`, computed once per partner."""
    state = status.state
    if state is BenefitState.LOCKED:
        return Attention.LOCKED
    if state in _CLOSED:
        return Attention.CLOSED
    if state is BenefitState.EXPIRING or (status.offer.id, status.benefit.id) in flags:
        return Attention.NEEDS_ACTION
    if state in _IN_PROGRESS:
        return Attention.IN_PROGRESS
    return Attention.AVAILABLE
