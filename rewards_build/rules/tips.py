"""Which best-practice tips fit a partner today (domain.md, "Baseline for everyone")."""

from __future__ import annotations

import datetime as dt

from ..model import Content, OfferStatus, Tip
from .states import PartnerStanding


def just_live(content: Content, standing: PartnerStanding, today: dt.date) -> bool:
    """An offer went live recently enough for the getting-started tips ("your offer is live: ...").
    A partner live since 2023 is past them: they read as if it had just started."""
    window = content.program.timing.getting_started_days
    return any(o.status is OfferStatus.LIVE and o.live_date is not None and (today - o.live_date).days <= window
               for o in standing.partner.offers)


def tips_for(content: Content, standing: PartnerStanding, today: dt.date) -> list[Tip]:
    """The tips that fit the partner's listing types and tier, getting-started ones first (and only
    while an offer is just live)."""
    if standing.tier.tier is None:
        return []  # no live offer: no listing is owed tips yet
    types = standing.listing_types
    tier_id = standing.tier.tier.id
    starting = just_live(content, standing, today)
    fitting = [t for t in content.tips
               if t.listing_types & types and (not t.tiers or tier_id in t.tiers)
               and (starting or not t.getting_started)]
    return sorted(fitting, key=lambda t: (not t.getting_started, t.order, t.id))
