"""Azure sponsorship: which tier's amounts a partner has reached (domain.md, "Benefits": sponsorship
credits "whose details are emailed to the partner when it unlocks", with a quantity that grows by tier).

A sponsorship is a benefit delivered by email on unlock (`delivery: emailed-on-unlock`) that carries a
quantity by tier (content/benefits/azure-sponsorship-*.yml). Its amount is company-wide, from the
tier the partner's billed sales reached (`quantity_at`), so it is answered once per partner, not per
offer. The notifier mails each tier reached once; the site can show the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Benefit, Delivery, Program, Tier
from .states import BenefitState, PartnerStanding

# A sponsorship in one of these states is not the partner's to use: the tier has not unlocked it (or a
# condition has not been met), it was revoked (misuse of credits, delisting), or the partner opted out.
_NOT_OURS = frozenset({BenefitState.LOCKED, BenefitState.REVOKED, BenefitState.OPTED_OUT})


@dataclass(frozen=True, slots=True)
class Grant:
    """One sponsorship at the partner's tier: the benefit, and its amount there."""

    benefit: Benefit
    amount: int
    unit: str  # the quantity's unit, such as USD


@dataclass(frozen=True, slots=True)
class SponsorshipStanding:
    """The sponsorships a partner has at its tier. `tier` is what the mail is sent once for."""

    tier: Tier
    grants: tuple[Grant, ...]  # in catalog order


def is_sponsorship(benefit: Benefit) -> bool:
    """Credits whose details are emailed when they unlock, in an amount that grows by tier."""
    return benefit.delivery is Delivery.EMAILED_ON_UNLOCK and benefit.quantity is not None


def sponsorship(standing: PartnerStanding) -> SponsorshipStanding | None:
    """The partner's sponsorships at the tier it has reached, with that tier's amounts; None when it has
    none (no live transact offer past an unlock tier, every one revoked or opted out, or it left the program).
    The amounts are `assess`'s own (BenefitStatus.quantity), so the site and the mail cannot disagree."""
    tier = standing.tier.tier
    if standing.opted_out or tier is None:
        return None
    found: dict[str, Grant] = {}
    for group in standing.offers:
        for status in group.statuses:
            if status.quantity is None:  # most answers have no amount: the cheapest test first
                continue
            benefit = status.benefit
            if benefit.id in found or not is_sponsorship(benefit) or status.state in _NOT_OURS:
                continue
            assert benefit.quantity is not None
            found[benefit.id] = Grant(benefit, status.quantity, benefit.quantity.unit)
    return SponsorshipStanding(tier, tuple(found.values())) if found else None


def newly_reached(program: Program, standing: SponsorshipStanding | None, mailed: frozenset[str]) -> bool:
    """Is the partner's sponsorship tier above every tier it was already told about (`mailed`: tier ids)?
    A partner that moves up is told its new amounts; one that drops (and perhaps rises again to a tier it
    was told about) is not told twice."""
    if standing is None:
        return False
    rank = program.tier_rank(standing.tier.id)
    return all(program.tier_rank(t) < rank for t in mailed if program.has_tier(t))
