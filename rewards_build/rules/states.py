"""What the rules answer: benefit states, lock reasons, escalation kinds, and the records that carry them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from ..model import (
    Activation,
    Benefit,
    ListingType,
    Offer,
    OfferStatus,
    Partner,
    Revocation,
    TechnicalRequest,
    Tier,
)
from .optouts import opted_out_offers


class BenefitState(StrEnum):
    LOCKED = "locked"
    AVAILABLE = "available"
    EXPIRING = "expiring"  # available, and expiring within the warning window
    AWAITING_CONTACT = "awaiting-contact"  # activated; the rewards team owes a call and has not made it yet
    ACTIVATED = "activated"  # activated or requested; no call from the team is owed (self-serve, technical)
    CONTACTED = "contacted"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REVOKED = "revoked"
    OPTED_OUT = "opted-out"


class LockReason(StrEnum):
    OFFER_NOT_LIVE = "offer-not-live"
    TIER = "tier"
    LISTING_OPTIMIZATION = "listing-optimization"
    BYOL = "byol"
    PRIVATE = "private"
    CO_SELL = "co-sell"
    NO_CONTACT = "no-contact"


class EscalationKind(StrEnum):
    ASSIGN_CONTACT = "assign-contact"  # a live offer and no marketing contact
    CONTACT_OVERDUE = "contact-overdue"  # activated, and the team has not called within the window
    FIND_OWNER = "find-owner"  # offer live past the silence window with no message
    OPEN_TICKET = "open-ticket"  # the same, and the offer's owner has left or is unknown
    BENEFIT_EXPIRING = "benefit-expiring"  # list/trial benefit expires within the warning window
    TRANSACT_DEADLINE = "transact-deadline"  # activated transact benefit not completed by the deadline
    CONTACT_BOUNCES = "contact-bounces"  # mail to a marketing contact bounces: the account email is asked to replace it


@dataclass(frozen=True, slots=True)
class TierStanding:
    tier: Tier | None  # None: no live offer yet
    billed_sales_usd: int
    next_tier: Tier | None  # None: at the top
    needed_usd: int | None  # billed sales still needed for next_tier
    progress: float  # 0..1 of the way from tier to next_tier


class BenefitStatus(NamedTuple):
    # A named tuple, not a frozen dataclass: `assess` makes one per benefit of every offer (60 a
    # partner, 600,000 for 10,000 partners, twice in a program-wide diff), and a frozen dataclass's
    # __init__ sets each of the 15 fields through object.__setattr__: 1.7 us against 0.5 us here.
    # Just as immutable; read it by name only (its order is not part of what it means).
    benefit: Benefit
    offer: Offer
    state: BenefitState
    lock_reasons: tuple[LockReason, ...] = ()
    unlock_tier: Tier | None = None  # set when TIER is a lock reason
    needed_usd: int | None = None  # billed sales still needed for unlock_tier
    activation: Activation | None = None
    contacted_on: dt.date | None = None
    days_waiting: int | None = None  # days since activation, while awaiting contact
    overdue: bool = False
    expires_on: dt.date | None = None  # list/trial: unlock date plus the expiry period
    deadline: dt.date | None = None  # transact: the next yearly completion deadline
    quantity: int | None = None
    revocation: Revocation | None = None
    request: TechnicalRequest | None = None  # the latest technical request for it, if any


@dataclass(frozen=True, slots=True)
class OfferBenefits:
    offer: Offer
    statuses: tuple[BenefitStatus, ...]


@dataclass(frozen=True, slots=True)
class Escalation:
    kind: EscalationKind
    level: int  # 1: the partner acts; 2: support or the rewards team must act too
    partner_id: str
    since: dt.date  # when the cause began (live date, activation date ...)
    due: dt.date  # the day it fell due
    days: int  # days since `since` (or, for expiries and deadlines, days left)
    offer_id: str | None = None
    benefit_id: str | None = None  # set when the escalation is about one benefit
    benefits: tuple[str, ...] = ()  # every benefit concerned (several for an offer's expiring benefits)

    @property
    def key(self) -> str:
        """Stable identity of the cause: the same cause keeps the same key from run to run."""
        return ":".join(
            [self.kind.value, self.partner_id, self.offer_id or "-", self.benefit_id or "-", self.since.isoformat()]
        )


@dataclass(frozen=True, slots=True)
class PartnerStanding:
    partner: Partner
    tier: TierStanding
    offers: tuple[OfferBenefits, ...]
    escalations: tuple[Escalation, ...]
    opted_out: bool  # opted out of all program engagement

    @property
    def listing_types(self) -> frozenset[ListingType]:
        """The listing types the partner takes part with: its live offers, less those it opted out of.
        The partners index shows them and tips are chosen by them."""
        left_out = opted_out_offers(self.partner)
        return frozenset(effective_listing_type(o) for o in self.partner.offers
                         if o.status is OfferStatus.LIVE and o.id not in left_out)


def effective_listing_type(offer: Offer) -> ListingType:
    """BYOL ("get it now" with a licence bought elsewhere) counts as list."""
    return ListingType.LIST if offer.byol else offer.listing_type
