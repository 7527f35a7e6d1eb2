"""Tiers from billed sales, quantities by tier, and the program's calendar (expiry months, yearly deadline)."""

from __future__ import annotations

import calendar
import datetime as dt

from ..model import (
    Benefit,
    Content,
    ListingType,
    OfferStatus,
    Partner,
    Program,
    Tier,
)
from .states import TierStanding


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
