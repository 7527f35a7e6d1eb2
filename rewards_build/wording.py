"""What each escalation says: one table, one entry per kind, for the site, the report and the mail.

The site and the report read their words here (English msgids, translated by the site's gettext
catalogs); the mail's words for a kind live in templates/email/strings/<lang>.yml under keys named
after the kind (`MAIL_KEYS`), and the composer refuses to start if English lacks one. A new kind
without an entry here stops the program at import, instead of borrowing another kind's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .rules import EscalationKind


def N_(message: str) -> str:
    """Mark a string for extraction (pybabel extract) without translating it here."""
    return message


class Button(StrEnum):
    """The one thing an alert on the site offers to do."""

    ASSIGN_CONTACT = "assign-contact"  # edit the partner file: add a marketing contact
    CHECK_CONTACT = "check-contact"  # edit the partner file: check the marketing contact
    RECORD_OWNER = "record-owner"  # edit the partner file: record the offer's owner
    ACTIVATE = "activate"  # edit the partner file: activate a benefit
    OPEN_TICKET = "open-ticket"  # publisher support's ticket form


@dataclass(frozen=True, slots=True)
class EscalationWords:
    label: str  # the alert's heading and badge
    action: str  # what the partner should do, in one sentence (the report, in English; %(window)d: days)
    alert: str  # the site's alert: %(offer)s %(benefit)s %(benefits)s %(days)d %(date)s %(due)s
    button: Button | None  # what the alert offers to do, if anything
    urgent_button: Button | None = None  # instead of `button` once the escalation reaches level 2


ESCALATIONS: Mapping[EscalationKind, EscalationWords] = {
    EscalationKind.ASSIGN_CONTACT: EscalationWords(
        N_("Assign a marketing contact"),
        "Assign a marketing contact: sales and marketing benefits cannot be activated without one.",
        N_("An offer has been live since %(date)s and no marketing contact is assigned: "
           "no sales and marketing benefit can be activated."),
        Button.ASSIGN_CONTACT),
    EscalationKind.CONTACT_OVERDUE: EscalationWords(
        N_("Activation overdue for contact"),
        ("The rewards team has not contacted your marketing contact within the %(window)d days it promised; "
         "reply to this reminder and the team will follow up."),
        N_("%(benefit)s (%(offer)s) was activated on %(date)s, %(days)d days ago, "
           "and the rewards team has not made contact yet."),
        Button.CHECK_CONTACT, urgent_button=Button.OPEN_TICKET),
    EscalationKind.FIND_OWNER: EscalationWords(
        N_("Find the offer owner"),
        ("Find out who owns the offer in your organisation: that owner holds the communication with the "
         "rewards team and the next steps."),
        N_("%(offer)s has been live for %(days)d days with no message from the rewards team. "
           "Find out who owns the offer in your organisation: they hold the next steps."),
        Button.RECORD_OWNER),
    EscalationKind.OPEN_TICKET: EscalationWords(
        N_("Open a support ticket"),
        "The offer's owner has left or is unknown: open a support ticket with marketplace publisher support.",
        N_("%(offer)s has been live for %(days)d days with no message from the rewards team, "
           "and its owner is unknown or has left the company."),
        Button.OPEN_TICKET),
    EscalationKind.BENEFIT_EXPIRING: EscalationWords(
        N_("Benefit expiring soon"),
        "Activate and use these benefits before they expire.",
        N_("Benefits of %(offer)s expire on %(date)s, in %(days)d days: %(benefits)s."),
        Button.ACTIVATE),
    EscalationKind.TRANSACT_DEADLINE: EscalationWords(
        N_("Complete before the yearly deadline"),
        "Complete this benefit before the yearly deadline.",
        N_("%(benefit)s (%(offer)s) must be completed by %(date)s, in %(days)d days."),
        None),
    EscalationKind.CONTACT_BOUNCES: EscalationWords(
        N_("Marketing contact's address bounces"),
        ("Your marketing contact's address bounces: replace it in your partner file with a personal address "
         "that receives mail."),
        N_("Mail to a marketing contact's address has bounced since %(date)s: the program cannot reach them. "
           "Replace the address with a personal one that receives mail."),
        Button.CHECK_CONTACT),
}


# The sponsorship mail's words in templates/email/strings/<lang>.yml (notifier/compose.py checks English has them).
SPONSORSHIP_MAIL_KEYS = ("subject.sponsorship", "sponsorship.title", "sponsorship.body", "sponsorship.grant",
                         "sponsorship.use", "sponsorship.action")


def mail_keys(kind: EscalationKind) -> tuple[str, ...]:
    """The keys of the mail's string tables that word one kind."""
    return (f"subject.{kind.value}", f"{kind.value}.title", f"{kind.value}.body", f"{kind.value}.action")


def _complete() -> None:
    missing = [kind.value for kind in EscalationKind if kind not in ESCALATIONS]
    if missing:
        raise RuntimeError(f"rewards_build/wording.py: no words for escalation kind(s) {', '.join(missing)}")


_complete()
