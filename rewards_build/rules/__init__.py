"""The program rules (../shared/domain.md), as pure functions of the model and "today".

This is the one place that answers program questions: a partner's tier, each benefit's state, the
escalations due. The site and the notifier both call `assess`; neither re-derives these answers.
Nothing here reads the clock, a file or the network.
"""

from __future__ import annotations

import datetime as dt

from ..model import Content, Partner
from .benefits import applies_to, benefit_status, condition_locks, offer_benefits, owes_contact
from .escalations import escalations
from .states import (
    ACTIONS,
    BenefitState,
    BenefitStatus,
    Escalation,
    EscalationKind,
    LockReason,
    OfferBenefits,
    PartnerStanding,
    TierStanding,
    effective_listing_type,
)
from .tiers import add_months, benefits_unlocked_at, billed_sales, next_deadline, quantity_at, tier_standing

__all__ = [
    "ACTIONS", "BenefitState", "BenefitStatus", "Escalation", "EscalationKind", "LockReason", "OfferBenefits",
    "PartnerStanding", "TierStanding", "add_months", "applies_to", "assess", "benefit_status",
    "benefits_unlocked_at", "billed_sales", "condition_locks", "effective_listing_type", "escalations",
    "next_deadline", "offer_benefits", "owes_contact", "quantity_at", "tier_standing",
]


def assess(content: Content, partner: Partner, today: dt.date) -> PartnerStanding:
    """Where a partner stands in the program today: tier, every benefit's state, escalations due."""
    tier = tier_standing(content.program, partner)
    offers = offer_benefits(content, partner, tier, today)
    opted_out = any(o.offer is None and o.benefit is None for o in partner.opt_outs)
    return PartnerStanding(partner, tier, offers, escalations(content, partner, offers, today), opted_out)
