"""Opt-outs: a partner may leave the program's engagement altogether, or for one offer (domain.md,
"Opting out"). Whether a benefit is opted out is in benefits.py (an opt-out may name one benefit)."""

from __future__ import annotations

from collections.abc import Collection

from ..model import Contact, Partner


def opted_out_of_all(partner: Partner) -> bool:
    """An opt-out naming neither an offer nor a benefit covers everything: no mail, no escalations."""
    return any(o.offer is None and o.benefit is None for o in partner.opt_outs)


def opted_out_offers(partner: Partner) -> frozenset[str]:
    """Offers the partner opted out of as a whole (not just one of their benefits)."""
    return frozenset(o.offer for o in partner.opt_outs if o.offer is not None and o.benefit is None)


def gets_tips(partner: Partner, contact: Contact, unsubscribed: Collection[tuple[str, str]] = ()) -> bool:
    """Whether a marketing contact is sent best-practice tips: not when its entry says `tips: false`, nor
    when it unsubscribed and the team has not merged that yet (`unsubscribed`: (partner id, address in
    lower case) pairs the unsubscribe receiver recorded). Reminders are not tips: they always go."""
    return contact.tips and (partner.id, contact.email.lower()) not in unsubscribed
