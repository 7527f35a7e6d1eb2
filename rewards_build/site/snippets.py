"""The YAML a person adds to a partner file to act: one builder per kind of edit, declared once.

The partner pages (each row's action, with this partner's ids and the build's date) and the How-to
page and `docs/editing.md` (every common edit, with example ids) all take their snippets from here,
so the site never shows an edit the files would refuse. A snippet is text to paste, kept in the
partner files' own style (two-space indents, dates as written, phone numbers quoted), and says where
it goes: appended to a list, replacing one value, or a new file.

    python -m rewards_build.site.snippets > docs/editing.md     # regenerate the guide (a test compares)
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from babel.units import format_unit

from ..model import Activation, TechnicalRequest
from .i18n import N_


class Kind(StrEnum):
    ADD_PARTNER = "add-partner"
    ASSIGN_CONTACT = "assign-contact"
    REPLACE_CONTACT = "replace-contact"
    ACTIVATE = "activate"
    TEAM_CONTACT = "team-contact"  # the rewards team called about an activation
    OFFER_LIVE_CONTACT = "offer-live-contact"  # the rewards team's message once an offer is live
    COMPLETE = "complete"  # the rewards team: an activated benefit was delivered in full
    REQUEST_HELP = "request-help"
    REQUEST_DONE = "request-done"  # the rewards team: a technical request's status
    RECORD_OWNER = "record-owner"
    OWNER_LEFT = "owner-left"
    OPT_OUT = "opt-out"


class Mode(StrEnum):
    APPEND = "append"  # one entry at the end of a list (the list's key too when the file has none)
    REPLACE = "replace"  # the value at `path` now reads as the snippet
    NEW_FILE = "new-file"  # a whole file: `path` is its content-relative name


# Where a snippet goes, said to a person; %(file)s, %(key)s and %(offer)s are filled in by `where`.
_WHERE = {
    (Mode.APPEND, True): N_("Add these lines at the end of the %(key)s list in %(file)s:"),
    (Mode.APPEND, False): N_("Add these lines at the end of %(file)s (if it has the line %(empty)s, "
                             "replace that line with them):"),
    (Mode.REPLACE, True): N_("In %(file)s, change this entry of the %(key)s list to read:"),
    (Mode.REPLACE, False): N_("In %(file)s, change the owner of the offer %(offer)s to read:"),
    (Mode.NEW_FILE, True): N_("Create %(file)s with:"),
    (Mode.NEW_FILE, False): N_("Create %(file)s with:"),
}

PHASES = ("presales", "design", "deployment", "app-development")  # the schema's technical request phases


@dataclass(frozen=True, slots=True)
class Snippet:
    kind: Kind
    mode: Mode
    path: tuple[str | int, ...]  # the list appended to, the value replaced, or the new file's name
    text: str  # the YAML to paste, ending with a newline
    has_list: bool = True  # APPEND: the partner file already has entries in the list
    # The ids this edit is about, by the issue form's field ids ("offer", "benefit"): the form that makes
    # the same edit opens with them filled in (rewards_build/forms/links.py).
    prefill: tuple[tuple[str, str], ...] = ()

    @property
    def target(self) -> str:
        """`activations`, `activations.3`, `offers.0.owner`: the path, for machines (a data attribute)."""
        return ".".join(str(part) for part in self.path)

    def where(self, gettext: Callable[[str], str], file: str, offer: str = "",
              code: Callable[[str], str] = str) -> str:
        """Where to paste it, in a sentence; `code` marks names up (backticks in Markdown)."""
        owner = self.mode is Mode.REPLACE and self.path[-1] == "owner"
        message = _WHERE[(self.mode, self.has_list and not owner)]
        return gettext(message) % {"file": code(file), "key": code(str(self.path[0])), "offer": code(offer),
                                   "empty": code(f"{self.path[0]}: []")}


# --- Writing YAML in the partner files' style ------------------------------------------------

Value = str | int | bool | dt.date
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ._@'-]*\Z")
_YAML_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "none"}


def scalar(value: Value) -> str:
    """A value as YAML: ids, dates and plain words as they are; anything else double-quoted (JSON's
    quoting is valid YAML and escapes every control character, so content text cannot break out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | int):
        return str(value) if isinstance(value, int) else value.isoformat()
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS and not value.endswith((" ", ":")) \
            and ": " not in value and " #" not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


Fields = Sequence[tuple[str, Value | None]]


def _entry(fields: Fields, indent: int) -> list[str]:
    """A list entry: `- key: value`, then the other keys aligned under the first."""
    pad = " " * indent
    present = [(k, v) for k, v in fields if v is not None]
    return [f"{pad}{'- ' if i == 0 else '  '}{key}: {scalar(value)}" for i, (key, value) in enumerate(present)]


_PREFILLED = ("offer", "benefit")


def _ids(fields: Fields) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in fields if k in _PREFILLED and isinstance(v, str))


def _append(kind: Kind, key: str, fields: Fields, has_list: bool, comment: dict[str, str] | None = None) -> Snippet:
    lines = ([] if has_list else [f"{key}:"]) + _entry(fields, 2)
    if comment:
        lines = [line + _comment(line, comment) for line in lines]
    return Snippet(kind, Mode.APPEND, (key,), "\n".join(lines) + "\n", has_list, _ids(fields))


def _comment(line: str, comments: dict[str, str]) -> str:
    key = line.strip().removeprefix("- ").split(":", 1)[0]
    return f"  # {comments[key]}" if key in comments else ""


def _replace(kind: Kind, path: tuple[str | int, ...], lines: list[str], ids: Fields = ()) -> Snippet:
    return Snippet(kind, Mode.REPLACE, path, "\n".join(lines) + "\n", prefill=_ids(ids))


# --- The edits -----------------------------------------------------------------------------------


def assign_contact(domain: str, language: str, has_list: bool) -> Snippet:
    """A marketing contact to fill in: a person's address at the partner's own domain."""
    return _append(Kind.ASSIGN_CONTACT, "marketing_contacts", [
        ("name", "Firstname Lastname"), ("email", f"firstname.lastname@{domain}"),
        ("phone", "+1 425 555 0100"), ("language", language),
    ], has_list)


def replace_contact(index: int, domain: str, language: str) -> Snippet:
    return _replace(Kind.REPLACE_CONTACT, ("marketing_contacts", index), _entry([
        ("name", "Firstname Lastname"), ("email", f"firstname.lastname@{domain}"),
        ("phone", "+1 425 555 0100"), ("language", language)], 2))


@functools.lru_cache(maxsize=4096)  # the page in each language shows the same edit
def activate(offer: str, benefit: str, today: dt.date, has_list: bool) -> Snippet:
    return _append(Kind.ACTIVATE, "activations", [("benefit", benefit), ("offer", offer), ("date", today)], has_list)


@functools.lru_cache(maxsize=4096)  # the page in each language shows the same edit
def team_contact(offer: str, benefit: str, today: dt.date, has_list: bool) -> Snippet:
    return _append(Kind.TEAM_CONTACT, "team_contacts", [
        ("date", today), ("about", "activation"), ("offer", offer), ("benefit", benefit),
        ("note", "Called the marketing contact")], has_list)


def offer_live_contact(offer: str, today: dt.date, has_list: bool) -> Snippet:
    return _append(Kind.OFFER_LIVE_CONTACT, "team_contacts", [
        ("date", today), ("about", "offer-live"), ("offer", offer), ("note", "Welcome message to the offer owner")],
        has_list)


def complete(index: int, activation: Activation, today: dt.date) -> Snippet:
    fields: Fields = [("benefit", activation.benefit), ("offer", activation.offer), ("date", activation.date),
                      ("completed", today)]
    return _replace(Kind.COMPLETE, ("activations", index), _entry(fields, 2), fields)


@functools.lru_cache(maxsize=4096)  # the page in each language shows the same edit
def request_help(offer: str, benefit: str, today: dt.date, has_list: bool) -> Snippet:
    return _append(Kind.REQUEST_HELP, "technical_requests", [
        ("benefit", benefit), ("offer", offer), ("phase", PHASES[0]), ("date", today), ("status", "submitted"),
    ], has_list, {"phase": " | ".join(PHASES)})


def request_done(index: int, request: TechnicalRequest) -> Snippet:
    fields: Fields = [("benefit", request.benefit), ("offer", request.offer), ("phase", request.phase),
                      ("date", request.date), ("status", "completed"), ("note", request.note)]
    return _replace(Kind.REQUEST_DONE, ("technical_requests", index), _entry(fields, 2), fields)


def record_owner(offer_index: int, domain: str) -> Snippet:
    return _replace(Kind.RECORD_OWNER, ("offers", offer_index, "owner"), [
        "    owner:", "      name: Firstname Lastname", f"      email: firstname.lastname@{domain}",
        "      status: active"])


def owner_left(offer_index: int, name: str | None, offer: str | None = None) -> Snippet:
    lines = ["    owner:"] + ([f"      name: {scalar(name)}"] if name else []) + ["      status: left"]
    return _replace(Kind.OWNER_LEFT, ("offers", offer_index, "owner"), lines, [("offer", offer)])


def opt_out(today: dt.date, has_list: bool, offer: str | None = None, benefit: str | None = None) -> Snippet:
    return _append(Kind.OPT_OUT, "opt_outs", [("date", today), ("offer", offer), ("benefit", benefit)], has_list)


def add_partner(partner: str, today: dt.date) -> Snippet:
    domain = f"{partner}.example"
    text = f"""\
# yaml-language-server: $schema=../../rewards_build/schemas/partner.schema.json
id: {partner}
name: Contoso Analytics
mpn_id: "1234567"
account_email: partner-center@{domain}
offers:
  - id: {partner}-insights
    name: Contoso Insights
    marketplace: azure-marketplace
    listing_type: transact
    status: live
    live_date: {today.isoformat()}
    owner:
      name: Firstname Lastname
      email: firstname.lastname@{domain}
      status: active
    billed_sales_usd: 0
"""
    return Snippet(Kind.ADD_PARTNER, Mode.NEW_FILE, (f"partners/{partner}.yml",), text)


# --- The How-to page and docs/editing.md ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipe:
    """One common edit: what to do, its snippet (example ids), and what happens once it merges."""

    id: str  # the anchor on the How-to page
    title: str  # msgid
    who: str  # msgid: who makes this edit
    effect: str  # msgid: what the site and the mail do once it merges; %(window)s %(silence)s
    snippet: Snippet


EXAMPLE_PARTNER = "contoso-analytics"
EXAMPLE_OFFER = "contoso-analytics-insights"
EXAMPLE_FILE = f"partners/{EXAMPLE_PARTNER}.yml"
TEAM_KEYS = ("team_contacts", "completed", "technical_requests[].status")  # what only the rewards team writes
WHO_PARTNER = N_("The partner, by pull request.")
WHO_TEAM = N_("The rewards team (these keys are theirs).")


def recipes(today: dt.date) -> tuple[Recipe, ...]:
    offer, benefit = EXAMPLE_OFFER, "marketplace-blog-feature"
    domain = f"{EXAMPLE_PARTNER}.example"
    done = Activation(benefit, offer, today - dt.timedelta(days=20))
    request = TechnicalRequest("technical-design-help", "design", today - dt.timedelta(days=10), "in-progress", offer)
    return (
        Recipe("add-partner", N_("Add a partner"), WHO_PARTNER, N_(
            "The partner gets its page (English and Korean) and a row in the partners index. With no marketing "
            "contact, its page and a reminder to the account email ask for one once an offer is live."),
            add_partner(EXAMPLE_PARTNER, today)),
        Recipe("assign-contact", N_("Assign a marketing contact"), WHO_PARTNER, N_(
            "Sales and marketing benefits locked only for want of a contact become available, the "
            "\"assign a contact\" alert and its reminders stop, and program mail (tips, reminders) goes to the "
            "contact in their language. One to three contacts."),
            assign_contact(domain, "en", has_list=False)),
        Recipe("replace-contact", N_("Replace a marketing contact"), WHO_PARTNER, N_(
            "Change the entry in place (or remove it and add another): the next mail goes to the new address."),
            replace_contact(0, domain, "ko")),
        Recipe("activate", N_("Activate a benefit"), WHO_PARTNER, N_(
            "The benefit shows as activated. For a benefit the rewards team delivers, the team owes the marketing "
            "contact a call within %(window)s: from the day after, the page shows an overdue alert and the "
            "contact gets reminders, which escalate to the rewards team."),
            activate(offer, benefit, today, has_list=True)),
        Recipe("team-contact", N_("Record that the rewards team made contact"), WHO_TEAM, N_(
            "Under team_contacts, about: activation (naming the benefit) marks an activated benefit contacted and "
            "ends its overdue alert and reminders; about: offer-live (naming the offer) is the message an offer is "
            "owed once live, and ends the \"find the offer owner\" alert; a contact naming no offer counts for "
            "every offer."),
            team_contact(offer, benefit, today, has_list=True)),
        Recipe("complete", N_("Mark a benefit completed"), WHO_TEAM, N_(
            "Add completed to the activation: the benefit shows as completed, and no deadline reminder is sent "
            "for it."),
            complete(0, done, today)),
        Recipe("request-help", N_("Request technical help"), WHO_PARTNER, N_(
            "The request is listed on the partner's Technical benefits tab as submitted, and the benefit shows as "
            "activated. The rewards team moves status through in-progress to completed (or declined, which makes "
            "the benefit available again)."),
            request_help(offer, "technical-design-help", today, has_list=True)),
        Recipe("request-status", N_("Update a technical request's status"), WHO_TEAM, N_(
            "status is the rewards team's: completed shows the benefit as completed on the partner's page."),
            request_done(0, request)),
        Recipe("record-owner", N_("Record the offer owner"), WHO_PARTNER, N_(
            "An offer live %(silence)s with no message from the rewards team asks for its owner. With an active "
            "owner recorded, an unknown or departed owner's support-ticket alert (urgent) becomes the "
            "\"find the offer owner\" alert, which the team's offer-live message ends."),
            record_owner(0, domain)),
        Recipe("owner-left", N_("Record that an offer owner left"), WHO_PARTNER, N_(
            "Once the offer has gone %(silence)s without a message from the rewards team, the page and the "
            "reminders ask for a support ticket (urgent) instead of asking the partner to find the owner."),
            owner_left(0, "Firstname Lastname")),
        Recipe("opt-out", N_("Opt out"), WHO_PARTNER, N_(
            "With no offer and no benefit: the whole program. The page says so, every benefit shows as opted out, "
            "and no alert or mail goes to the partner. Name an offer (or an offer and a benefit) to opt out of "
            "only that."),
            opt_out(today, has_list=False)),
    )


def editing_markdown(today: dt.date, window: str, silence: str) -> str:
    """docs/editing.md: the English How-to, from the same recipes (tests/site/test_snippets.py compares)."""
    out = [
        "# Editing the program: the common edits",
        "",
        "<!-- Generated by `python -m rewards_build.site.snippets > docs/editing.md`"
        " from rewards_build/site/snippets.py; edit there. -->",
        "",
        "Everything a partner or the rewards team does is an edit to a partner file, "
        "`content/partners/<id>.yml`, merged by pull request. Each partner page shows these snippets with "
        "that partner's ids and the build's date, only on the rows they change, with a copy button and a "
        "link to the file in the repository editor; the site's How-to page (`/how-to/`, in every language) "
        "shows this guide. Dates below are the example content's day; ids are examples.",
        "",
        "The rewards team's own keys: `team_contacts` (each contact the team made: `about: offer-live`, "
        "`activation` or `general`), `completed` on an activation, and the `status` of a technical request "
        "(`submitted`, `in-progress`, `completed`, `declined`). Partners do not edit them.",
        "",
        f"After a merge, the site rebuilds and `rewards notify` plans the day's mail from the new content; "
        f"`rewards validate` (run on every pull request) refuses an edit the rules do not allow, with the "
        f"file, line and column. The numbers here ({window}, {silence}) come from `content/program.yml`.",
        "",
        "Without writing YAML: each partner page's action also links to an issue form, filled in with that "
        "partner's ids; the submitted form becomes a pull request with the same change, for a reviewer to "
        "merge ([docs/forms.md](forms.md)).",
        "",
        "![An action on a partner page: the YAML to paste, the file in the editor, and the form]"
        "(images/forms-partner-actions.png)",
        "",
    ]
    from ..forms.links import FORM_OF  # the forms know the snippets' kinds, not the other way round

    for r in recipes(today):
        file = f"content/{r.snippet.path[0]}" if r.snippet.mode is Mode.NEW_FILE else f"content/{EXAMPLE_FILE}"
        where = r.snippet.where(str, file, EXAMPLE_OFFER, code=lambda name: f"`{name}`")
        out += [f"## {r.title}", "", f"*{r.who}*", "", where, "",
                "```yaml", r.snippet.text.rstrip("\n"), "```", "",
                r.effect % {"window": window, "silence": silence}, ""]
        form = FORM_OF.get(r.snippet.kind)
        if form is not None:
            out += [f"Without YAML: the form `.github/ISSUE_TEMPLATE/{form.value}.yml`.", ""]
    return "\n".join(out)


REFERENCE_DAY = dt.date(2026, 11, 24)  # the example content's day: the guide's dates


def guide(window_days: int, silence_days: int) -> str:
    """docs/editing.md for the program's timing (content/program.yml)."""
    return editing_markdown(REFERENCE_DAY, str(format_unit(window_days, "duration-day", locale="en")),
                            str(format_unit(silence_days, "duration-day", locale="en")))


def main() -> None:
    from ..pipeline import load_all

    loaded = load_all(Path(__file__).resolve().parents[2] / "site.yml", REFERENCE_DAY)
    if loaded.content is None:
        raise SystemExit("the example content does not validate: run rewards validate")
    timing = loaded.content.program.timing
    sys.stdout.write(guide(timing.contact_within_days, timing.offer_silence_days))


if __name__ == "__main__":
    main()
