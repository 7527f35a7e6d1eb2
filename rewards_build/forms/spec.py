"""The issue forms, declared once: which fields each action asks for, in what words, with which choices.

`rewards forms` writes these as GitHub issue forms (render.py), `rewards apply-form` reads a submitted
form back by the same labels (body.py), and the site's links prefill them by the same field ids
(links.py). The choices come from the schemas (phases, what a team contact is about, how many contacts)
and from the program's data (benefit ids, languages), so a form cannot offer what validation refuses.

Fields the site prefills (partner, offer, benefit) are `input`s: GitHub prefills an issue form's inputs
and textareas from query parameters named after their ids, while a prefilled dropdown makes it fall back
to a blank issue. So where a page fills the benefit in, its ids are listed in the field's description
(and `apply-form` refuses any other); where none does (opting out of one benefit), it is a dropdown.
No field is a textarea: every value lands in a one-line YAML value, and a one-line input cannot smuggle
a `### Label` heading into the body GitHub renders.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from babel import Locale

from ..model import Category, Content, Delivery
from ..schema_check import SCHEMA_DIR

LABEL = "rewards-form"  # the label every form puts on its issue; the workflow runs on issues that carry it


class Action(StrEnum):
    """One per form: what the submitted form asks to change in the partner's file."""

    ASSIGN_CONTACT = "assign-contact"
    ACTIVATE = "activate"
    REQUEST_HELP = "request-help"
    OWNER_LEFT = "owner-left"
    OPT_OUT = "opt-out"
    RECORD_CALL = "record-call"
    COMPLETE = "mark-completed"


@dataclass(frozen=True, slots=True)
class Option:
    label: str  # what the dropdown shows, and what GitHub writes into the issue body
    value: str  # what goes into the partner file


@dataclass(frozen=True, slots=True)
class Field:
    id: str  # the issue form's field id: the query parameter that prefills it
    label: str  # the heading GitHub renders in the body (`### label`), and the name a reply uses
    description: str
    required: bool = True
    options: tuple[Option, ...] = ()  # a dropdown's choices; empty for an input
    placeholder: str = ""

    @property
    def dropdown(self) -> bool:
        return bool(self.options)

    def value_of(self, label: str) -> str | None:
        return next((o.value for o in self.options if o.label == label), None)


@dataclass(frozen=True, slots=True)
class Form:
    action: Action
    name: str  # what the chooser shows
    about: str  # the chooser's one-line description
    intro: str  # Markdown shown at the top of the form
    fields: tuple[Field, ...]
    team: bool = False  # the rewards team's own keys

    @property
    def file(self) -> str:
        return f"{self.action.value}.yml"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.fields)

    def field(self, field_id: str) -> Field:
        return next(f for f in self.fields if f.id == field_id)

    def has(self, field_id: str) -> bool:
        return any(f.id == field_id for f in self.fields)


# --- What the schemas allow ----------------------------------------------------------------------


@functools.cache
def _partner_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / "partner.schema.json").read_text(encoding="utf-8"))
    return schema


def _item(key: str) -> dict[str, Any]:
    item: dict[str, Any] = _partner_schema()["properties"][key]["items"]["properties"]
    return item


def phases() -> tuple[str, ...]:
    return tuple(_item("technical_requests")["phase"]["enum"])


def team_contact_subjects() -> tuple[str, ...]:
    return tuple(_item("team_contacts")["about"]["enum"])


def max_contacts() -> int:
    return int(_partner_schema()["properties"]["marketing_contacts"]["maxItems"])


# --- Words ---------------------------------------------------------------------------------------

_PHASE_WORDS = {"presales": "Presales", "design": "Design", "deployment": "Deployment",
                "app-development": "App development"}
_ABOUT_WORDS = {"activation": "An activated benefit", "offer-live": "An offer that went live",
                "general": "Something else"}
SCOPES = (Option("All program mail and engagements", "all"), Option("One offer", "offer"),
          Option("One benefit of one offer", "benefit"),
          Option("Best-practice tips to one marketing contact", "tips"))
_WHERE_IDS = "as on the partner page"
_REVIEW = ("Submitting this form asks for a change: a pull request is opened from it, and the change is "
           "made only when a reviewer merges it.")


def _choice(words: str, code: str) -> Option:
    """A choice shows its words and the code the file gets, so a reviewer can match the two."""
    return Option(f"{words} ({code})", code)


def _language(tag: str) -> Option:
    locale = Locale.parse(tag.replace("-", "_"))
    return _choice(str(locale.get_display_name("en") or tag), tag)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


# --- Fields --------------------------------------------------------------------------------------

PARTNER = Field("partner", "Partner ID", f"The partner's id, {_WHERE_IDS} (the last part of its address).",
                placeholder="contoso-analytics")


def _offer(required: bool = True, description: str = f"The offer's id, {_WHERE_IDS}.") -> Field:
    return Field("offer", "Offer ID", description, required, placeholder="contoso-analytics-insights")


def _benefit(label: str, ids: Iterable[str], required: bool = True, lead: str = "") -> Field:
    return Field("benefit", label, f"{lead}One of: {_ids(ids)}.", required)


def _note(label: str, description: str, required: bool = False) -> Field:
    return Field("note", label, description + " One line, at most 200 characters.", required)


def forms(content: Content) -> tuple[Form, ...]:
    """Every form, for this program's catalog and languages."""
    benefits = content.benefits.values()
    sales = [b.id for b in benefits if b.category is Category.SALES_MARKETING]
    requested = [b.id for b in benefits if b.category is Category.TECHNICAL
                 and b.delivery in (Delivery.REQUEST_FORM, Delivery.REWARDS_TEAM)]
    every = [b.id for b in benefits]
    languages = tuple(_language(tag) for tag in content.program.languages)
    return (
        Form(Action.ASSIGN_CONTACT, "Assign or replace a marketing contact",
             "The person who receives the program's mail for a partner.",
             f"The marketing contact receives the program's mail and is who the rewards team calls. Sales and "
             f"marketing benefits can be activated once a partner has one; a partner has one to "
             f"{max_contacts()}. {_REVIEW}",
             (PARTNER,
              Field("replace", "Email of the contact to replace",
                    "Leave empty to add a contact; give the current contact's email to replace that contact.",
                    required=False),
              Field("name", "Name", "The contact's name, as it goes on mail to them.",
                    placeholder="Firstname Lastname"),
              Field("email", "Email", "A person's own address: not the Partner Center account email, and not a shared "
                    "mailbox such as info@, support@ or marketing@ (mail to those is lost).",
                    placeholder="firstname.lastname@contoso.example"),
              Field("phone", "Phone", "In international form, starting with + and the country code.",
                    placeholder="+1 425 555 0100"),
              Field("language", "Preferred language", "The program's mail follows it where a translation exists.",
                    options=languages))),
        Form(Action.ACTIVATE, "Activate a benefit", "Start using a sales and marketing benefit of one offer.",
             f"Once activated, the rewards team contacts the partner's marketing contact within "
             f"{content.program.timing.contact_within_days} days. {_REVIEW}",
             (PARTNER, _offer(), _benefit("Benefit to activate", sales,
                                          lead="A sales and marketing benefit available to this offer. "))),
        Form(Action.REQUEST_HELP, "Request technical help",
             "Help in the presales, design, deployment or app-development phase of a solution.",
             f"The request is recorded in the partner's file as submitted; the rewards team moves it on. {_REVIEW}",
             (PARTNER, _offer(), _benefit("Technical benefit", requested),
              Field("phase", "Phase", "Where the solution stands.",
                    options=tuple(_choice(_PHASE_WORDS.get(p, p), p) for p in phases())),
              _note("What you need", "What the consultant should know: the scenario, the question.", required=True))),
        Form(Action.OWNER_LEFT, "Record that an offer's owner left",
             "The person who owned an offer has left the company.",
             f"Once the offer has gone {content.program.timing.offer_silence_days} days without a message from the "
             f"rewards team, the partner page asks for a support ticket instead of asking to find the owner. "
             f"{_REVIEW}",
             (PARTNER, _offer(description=f"The id of the offer whose owner left, {_WHERE_IDS}."))),
        Form(Action.OPT_OUT, "Opt out", "Stop the program's mail for a partner, an offer, a benefit, or one "
             "contact's tips.",
             f"Opting out of everything stops every alert and mail to the partner; one offer or one benefit "
             f"stops only that; tips to one contact stop the best-practice tips to that person (reminders still "
             f"come). {_REVIEW}",
             (PARTNER, Field("scope", "Opt out of", "What stops.", options=SCOPES),
              _offer(False, "For one offer or one benefit: the offer's id."),
              # No page fills this one in (the opt-out button is for the whole program), so it can be a
              # dropdown: the catalog's benefits, by title and id.
              Field("benefit", "Benefit", "For one benefit: which.", required=False,
                    options=tuple(_choice(b.title, b.id) for b in benefits)),
              Field("contact", "Contact's email", "For tips to one contact: that contact's email.", required=False),
              _note("Reason", "Why, if you wish to say."))),
        Form(Action.RECORD_CALL, "Record the rewards team's contact (team)",
             "The rewards team called or wrote to a partner.",
             f"For the rewards team. About an activated benefit, it marks the benefit contacted and ends its "
             f"overdue alert and reminders; about an offer that went live, it ends the \"find the offer owner\" "
             f"alert. {_REVIEW}",
             (PARTNER, Field("about", "About", "What the contact was about.",
                             options=tuple(_choice(_ABOUT_WORDS.get(a, a), a) for a in team_contact_subjects())),
              _offer(False, "The offer it was about (empty: every offer)."),
              _benefit("Benefit ID", every, required=False, lead="For an activated benefit: the benefit's id. "),
              _note("Note", "What was said or agreed.")),
             team=True),
        Form(Action.COMPLETE, "Mark a benefit completed (team)",
             "An activated benefit or a technical request was delivered in full.",
             f"For the rewards team. The benefit shows as completed, and no deadline reminder is sent for it. "
             f"{_REVIEW}",
             (PARTNER, _offer(), _benefit("Benefit delivered in full", every)),
             team=True),
    )


def form_for(content: Content, action: Action) -> Form:
    return next(f for f in forms(content) if f.action is action)
