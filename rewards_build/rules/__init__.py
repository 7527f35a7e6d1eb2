"""The program rules (../shared/domain.md), as pure functions of the model and "today".

This is the one place that answers program questions: a partner's tier, each benefit's state, the
escalations due. The site and the notifier both call `assess`; neither re-derives these answers.
Nothing here reads the clock, a file or the network.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

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
from .escalations import NO_SUPPRESSIONS, ReminderPolicy, contact_bounces, escalations, for_account, reminder_level
from .growth import ATTENTION_ORDER, Attention, NextStep, Stage, Step, attention, flagged, growth_stage, next_step
from .optouts import gets_tips, opted_out_of_all, opted_out_offers
from .sponsorship import Grant, SponsorshipStanding, is_sponsorship, newly_reached, sponsorship
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
    "ATTENTION_ORDER",
    "Attention",
    "BenefitState",
    "BenefitStatus",
    "Escalation",
    "EscalationKind",
    "Grant",
    "LockReason",
    "Locks",
    "NextStep",
    "OfferBenefits",
    "PartnerStanding",
    "ReminderPolicy",
    "SponsorshipStanding",
    "Stage",
    "Step",
    "TierStanding",
    "add_months",
    "applies_to",
    "assess",
    "attention",
    "benefit_status",
    "benefits_unlocked_at",
    "billed_sales",
    "condition_locks",
    "contact_bounces",
    "effective_listing_type",
    "escalations",
    "flagged",
    "for_account",
    "gets_tips",
    "growth_stage",
    "is_sponsorship",
    "just_live",
    "locks",
    "needs_contact",
    "newly_reached",
    "next_deadline",
    "next_step",
    "offer_benefits",
    "opted_out_of_all",
    "opted_out_offers",
    "owes_contact",
    "quantity_at",
    "reminder_level",
    "sponsorship",
    "tier_reached",
    "tier_standing",
    "tips_for",
]


def assess(content: Content, partner: Partner, today: dt.date,
           suppressed: Mapping[str, dt.date] = NO_SUPPRESSIONS) -> PartnerStanding:
    """Where a partner stands in the program today: tier, every benefit's state, escalations due.
    `suppressed`: addresses the notifier's ledger suppressed (bounces), not yet `bounced_on` in the YAML."""
    tier = tier_standing(content.program, partner)
    offers = offer_benefits(content, partner, tier, today)
    return PartnerStanding(partner, tier, offers, escalations(content, partner, offers, today, suppressed),
                           opted_out_of_all(partner))
