"""The program rules (../shared/domain.md), as pure functions of the model and "today".

This is the one place that answers program questions: a partner's tier, each benefit's state, the
escalations due. The site and the notifier both call `assess`; neither re-derives these answers.
Nothing here reads the clock, a file or the network.
"""

from __future__ import annotations

import datetime as dt

from ..model import Content, Partner
from .benefits import (
    Locks,
    applies_to,
    benefit_status,
    condition_locks,
    locks,
    needs_contact,
    offer_benefits,
    owes_contact,
    tier_reached,
)
from .escalations import ReminderPolicy, escalations, reminder_level
from .optouts import gets_tips, opted_out_of_all, opted_out_offers
from .states import (
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
from .tips import just_live, tips_for

__all__ = [
    "BenefitState",
    "BenefitStatus",
    "Escalation",
    "EscalationKind",
    "LockReason",
    "Locks",
    "OfferBenefits",
    "PartnerStanding",
    "ReminderPolicy",
    "TierStanding",
    "add_months",
    "applies_to",
    "assess",
    "benefit_status",
    "benefits_unlocked_at",
    "billed_sales",
    "condition_locks",
    "effective_listing_type",
    "escalations",
    "gets_tips",
    "just_live",
    "locks",
    "needs_contact",
    "next_deadline",
    "offer_benefits",
    "opted_out_of_all",
    "opted_out_offers",
    "owes_contact",
    "quantity_at",
    "reminder_level",
    "tier_reached",
    "tier_standing",
    "tips_for",
]


def assess(content: Content, partner: Partner, today: dt.date) -> PartnerStanding:
    """Where a partner stands in the program today: tier, every benefit's state, escalations due."""
    tier = tier_standing(content.program, partner)
    offers = offer_benefits(content, partner, tier, today)
    return PartnerStanding(partner, tier, offers, escalations(content, partner, offers, today),
                           opted_out_of_all(partner))
