"""Human labels for the model's and the rules' codes, marked for translation.

Every label a page shows for a code comes from here, so a new state is one line in one file.
"""

from __future__ import annotations

from ..model import Category, Condition, Delivery, ListingType, OfferStatus
from ..rules import BenefitState, LockReason
from .i18n import N_

LISTING_TYPES: dict[str, str] = {
    ListingType.LIST: N_("List (contact me)"),
    ListingType.TRIAL: N_("Trial"),
    ListingType.TRANSACT: N_("Transact"),
}

# What each listing type gets. %(period)s: how long list and trial benefits last (program.yml).
LISTING_TYPE_GETS: dict[str, str] = {
    ListingType.LIST: N_("One-time benefits that expire %(period)s after they unlock."),
    ListingType.TRIAL: N_("One-time benefits, with more guidance and press release support, "
                          "that expire %(period)s after they unlock."),
    ListingType.TRANSACT: N_("Evergreen benefits that grow with your billed sales, "
                             "to complete by the yearly deadline."),
}

CATEGORIES: dict[str, str] = {
    Category.SALES_MARKETING: N_("Sales and marketing"),
    Category.TECHNICAL: N_("Technical"),
}

DELIVERIES: dict[str, str] = {
    Delivery.REWARDS_TEAM: N_("The rewards team contacts your marketing contact"),
    Delivery.REQUEST_FORM: N_("You ask for it with a request form"),
    Delivery.EMAILED_ON_UNLOCK: N_("Details are emailed to you when it unlocks"),
    Delivery.SELF_SERVE: N_("Self-serve: use it whenever you like"),
}

CONDITIONS: dict[str, str] = {
    Condition.LISTING_OPTIMIZATION_DONE: N_("Needs a completed listing optimization"),
    Condition.NOT_BYOL: N_("Not for BYOL offers"),
    Condition.NOT_PRIVATE: N_("Not for private offers"),
    Condition.CO_SELL_READY: N_("Needs co-sell readiness"),
}

OFFER_STATUSES: dict[str, str] = {
    OfferStatus.DRAFT: N_("Draft"),
    OfferStatus.LIVE: N_("Live"),
    OfferStatus.DELISTED: N_("Delisted"),
}

STATES: dict[str, str] = {
    BenefitState.LOCKED: N_("Locked"),
    BenefitState.AVAILABLE: N_("Available"),
    BenefitState.EXPIRING: N_("Expiring"),
    BenefitState.AWAITING_CONTACT: N_("Activated, awaiting contact"),
    BenefitState.ACTIVATED: N_("Activated"),
    BenefitState.CONTACTED: N_("Contacted"),
    BenefitState.COMPLETED: N_("Completed"),
    BenefitState.EXPIRED: N_("Expired"),
    BenefitState.REVOKED: N_("Revoked"),
    BenefitState.OPTED_OUT: N_("Opted out"),
}

LOCK_REASONS: dict[str, str] = {
    LockReason.OFFER_NOT_LIVE: N_("the offer is not live"),
    LockReason.TIER: N_("needs a higher tier"),
    LockReason.LISTING_OPTIMIZATION: N_("needs a completed listing optimization"),
    LockReason.BYOL: N_("not for BYOL offers"),
    LockReason.PRIVATE: N_("not for private offers"),
    LockReason.CO_SELL: N_("needs co-sell readiness"),
    LockReason.NO_CONTACT: N_("assign a marketing contact first"),
}

PHASES: dict[str, str] = {
    "presales": N_("Presales"),
    "design": N_("Design"),
    "deployment": N_("Deployment"),
    "app-development": N_("App development"),
}

REQUEST_STATUSES: dict[str, str] = {
    "submitted": N_("Submitted"),
    "in-progress": N_("In progress"),
    "completed": N_("Completed"),
    "declined": N_("Declined"),
}

STAGES: dict[str, str] = {
    "awareness": N_("Awareness: win your first customers"),
    "conversion": N_("Conversion: turn visitors into customers"),
    "scale": N_("Scale: close deals and grow"),
}

REVOCATION_REASONS: dict[str, str] = {
    "illegal-activity": N_("illegal activity"),
    "fraudulent-purchases": N_("fraudulent purchases"),
    "delisting": N_("the offer was delisted"),
    "trademark-violation": N_("trademark violation"),
    "copyright-violation": N_("copyright violation"),
    "sponsorship-misuse": N_("misuse of sponsorship credits"),
}

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "ko": "한국어"}  # each in its own language
