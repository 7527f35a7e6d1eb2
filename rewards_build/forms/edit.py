"""A submitted form as the change it asks for: the partner's file, edited in place.

The file is read with ruamel.yaml's round-trip loader and written back with the partner files' own
layout (two-space mappings, list entries indented by two), so comments, key order, quoting and blank
lines stay as they were and the pull request shows only the lines the request adds or changes
(a dump with PyYAML would rewrite the whole file). New values are quoted exactly when the snippets on
the site would quote them (`site.snippets.scalar`, the one home of that style), phone numbers always.

Which file is edited comes from the model (`Partner.source`), never from the request's text: an id that
is not a partner of this program (`../x`, another partner's file name with a suffix ...) finds nothing.
Whether the request changes anything comes from the rules (`rules.assess`), and whether the result is
allowed from validation (check.py), never from checks of this module's own.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .. import rules, schema_check
from ..config import SiteConfig
from ..model import Content, Partner
from ..pipeline import shown_path
from ..positions import PathPart
from ..problems import clip
from ..site import labels, snippets
from ..textfile import read_text
from .body import Refusal, Submission
from .spec import Action

Path_ = tuple[PathPart, ...]


@dataclass(frozen=True, slots=True)
class Change:
    partner: Partner
    file: Path  # the partner's file on disk
    old: str
    new: str
    fields: dict[str, Path_]  # field id -> where its answer went in the file (to name it in problems)
    title: str  # one line for the pull request


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # never fold a long value onto a second line
    return y


def _scalar(value: str) -> str:
    return DoubleQuotedScalarString(value) if snippets.scalar(value).startswith('"') else value


def _entry(*pairs: tuple[str, Any]) -> CommentedMap:
    entry = CommentedMap()
    for key, value in pairs:
        if value is not None:
            entry[key] = _scalar(value) if isinstance(value, str) else value
    return entry


def _append(data: CommentedMap, key: str, entry: CommentedMap) -> Path_:
    seq = data.get(key)
    if not isinstance(seq, CommentedSeq) or not seq:
        seq = CommentedSeq()  # also replaces `key: []`, which would stay in flow style
        data[key] = seq
    seq.fa.set_block_style()
    seq.append(entry)
    return (key, len(seq) - 1)


def _find(data: CommentedMap, key: str, match: Callable[[Any], bool]) -> int | None:
    """The last entry of a list that matches (the newest, as entries are appended)."""
    seq = data.get(key)
    found = [i for i, item in enumerate(seq) if isinstance(item, dict) and match(item)] if isinstance(seq, list) else []
    return found[-1] if found else None


def _same_email(email: str) -> Callable[[Any], bool]:
    return lambda item: str(item.get("email", "")).lower() == email.lower()


def plan(sub: Submission, content: Content, config: SiteConfig, today: dt.date) -> Change | list[Refusal]:
    form = sub.form
    partner_id = sub.values["partner"]
    partner = content.partners.get(partner_id)
    if partner is None:
        return [Refusal(form.field("partner").label,
                        f"no partner {clip(partner_id)!r} in this program; copy the id from the partner page "
                        "(the last part of its address)")]
    path = config.content_dir / partner.source
    old, problems = read_text(path, shown_path(path), config.root)
    if old is None:
        return [Refusal(None, f"the partner's file cannot be read ({problems[0].message}); tell the rewards team")]
    y = _yaml()
    try:
        data = y.load(old)
    except YAMLError:
        return [Refusal(None, "the partner's file cannot be read; tell the rewards team")]
    edit = _EDITS[form.action]
    done = edit(sub, data, content, partner, today)
    if isinstance(done, list):
        return done
    out = io.StringIO()
    y.dump(data, out)
    fields, title = done
    return Change(partner, path, old, out.getvalue(), fields, title)


Edited = tuple[dict[str, Path_], str] | list[Refusal]


def _assign_contact(sub: Submission, data: CommentedMap, content: Content, partner: Partner,
                    today: dt.date) -> Edited:
    entry = _entry(("name", sub.values["name"]), ("email", sub.values["email"]),
                   ("phone", DoubleQuotedScalarString(sub.values["phone"])), ("language", sub.values["language"]))
    replace = sub.get("replace")
    most = schema_check.most_entries("partner", "marketing_contacts")
    if replace is None and most is not None and len(partner.contacts) >= most:
        return [Refusal(sub.form.field("replace").label,
                        f"{partner.id} has {len(partner.contacts)} marketing contacts, the most a partner can have: "
                        "give the email of the one this person replaces")]
    if replace is None:
        at = _append(data, "marketing_contacts", entry)
        title = f"Add a marketing contact for {partner.id}"
    else:
        index = _find(data, "marketing_contacts", _same_email(replace))
        if index is None:
            return [Refusal(sub.form.field("replace").label,
                            f"no marketing contact of {partner.id} has the email {clip(replace)!r}; leave it empty "
                            "to add a contact")]
        data["marketing_contacts"][index] = entry  # a new person: their tips choice is theirs to make
        at = ("marketing_contacts", index)
        title = f"Replace a marketing contact of {partner.id}"
    return {key: (*at, key) for key in ("name", "email", "phone", "language")}, title


# Nothing to ask for: the rules' own grouping (what the page lists as in progress, or closed).
_TAKEN = {rules.Attention.IN_PROGRESS, rules.Attention.CLOSED}


def _state_refusal(sub: Submission, content: Content, partner: Partner, today: dt.date) -> list[Refusal]:
    """A benefit the rules say is not there to take (already activated, expired ...). A locked one, or one
    the offer does not have, is left to validation, which says why."""
    offer, benefit = sub.values["offer"], sub.values["benefit"]
    standing = rules.assess(content, partner, today)
    for group in standing.offers:
        for status in group.statuses:
            # No escalation flags: an overdue contact still counts as in progress here, not as "needs action".
            if group.offer.id == offer and status.benefit.id == benefit \
                    and rules.attention(status, frozenset()) in _TAKEN:
                return [Refusal(sub.form.field("benefit").label,
                                f"{benefit} on {offer} is {labels.STATES[status.state].lower()} already; nothing "
                                "to ask for")]
    return []


def _activate(sub: Submission, data: CommentedMap, content: Content, partner: Partner, today: dt.date) -> Edited:
    refused = _state_refusal(sub, content, partner, today)
    if refused:
        return refused
    at = _append(data, "activations", _entry(("benefit", sub.values["benefit"]), ("offer", sub.values["offer"]),
                                             ("date", today)))
    return {"benefit": (*at, "benefit"), "offer": (*at, "offer")}, \
        f"Activate {sub.values['benefit']} on {sub.values['offer']} ({partner.id})"


def _request_help(sub: Submission, data: CommentedMap, content: Content, partner: Partner,
                  today: dt.date) -> Edited:
    refused = _state_refusal(sub, content, partner, today)
    if refused:
        return refused
    at = _append(data, "technical_requests", _entry(
        ("benefit", sub.values["benefit"]), ("offer", sub.values["offer"]), ("phase", sub.values["phase"]),
        ("date", today), ("status", "submitted"), ("note", sub.values["note"])))
    return {key: (*at, key) for key in ("benefit", "offer", "phase", "note")}, \
        f"Request {sub.values['benefit']} for {sub.values['offer']} ({partner.id})"


def _owner_left(sub: Submission, data: CommentedMap, content: Content, partner: Partner, today: dt.date) -> Edited:
    offer_id = sub.values["offer"]
    index = _find(data, "offers", lambda item: item.get("id") == offer_id)
    label = sub.form.field("offer").label
    if index is None:
        return [Refusal(label, f"no offer {clip(offer_id)!r} in {partner.id}; offers: "
                               f"{', '.join(o.id for o in partner.offers) or 'none'}")]
    offer = data["offers"][index]
    owner = offer.get("owner")
    if isinstance(owner, CommentedMap):
        if owner.get("status") == "left":
            return [Refusal(label, f"the owner of {offer_id} is recorded as left already")]
        owner["status"] = "left"
    else:
        offer["owner"] = _entry(("status", "left"))
    return {"offer": ("offers", index, "owner", "status")}, f"The owner of {offer_id} left ({partner.id})"


def _opt_out(sub: Submission, data: CommentedMap, content: Content, partner: Partner, today: dt.date) -> Edited:
    form, scope = sub.form, sub.values["scope"]
    wanted = {"all": (), "offer": ("offer",), "benefit": ("offer", "benefit"), "tips": ("contact",)}[scope]
    scope_words = form.field("scope").options
    chosen = next(o.label for o in scope_words if o.value == scope)
    refusals = [Refusal(form.field(f).label, f"needed to opt out of {chosen.lower()}") for f in wanted
                if sub.get(f) is None]
    refusals += [Refusal(form.field(f).label, f"leave it empty to opt out of {chosen.lower()}")
                 for f in ("offer", "benefit", "contact") if f not in wanted and sub.get(f) is not None]
    if refusals:
        return refusals
    if rules.opted_out_of_all(partner):
        return [Refusal(form.field("scope").label, f"{partner.id} has opted out of everything already")]
    if scope == "tips":
        email = sub.values["contact"]
        index = _find(data, "marketing_contacts", _same_email(email))
        if index is None:
            return [Refusal(form.field("contact").label, f"no marketing contact of {partner.id} has the email "
                                                         f"{clip(email)!r}")]
        contact = data["marketing_contacts"][index]
        if contact.get("tips") is False:
            return [Refusal(form.field("contact").label, "this contact gets no tips already")]
        contact["tips"] = False
        return {"contact": ("marketing_contacts", index, "tips")}, f"No tips to one contact of {partner.id}"
    at = _append(data, "opt_outs", _entry(("date", today), ("offer", sub.get("offer")),
                                          ("benefit", sub.get("benefit")), ("note", sub.get("note"))))
    what = {"all": "the program", "offer": sub.get("offer"), "benefit": f"{sub.get('benefit')} on {sub.get('offer')}"}
    return {key: (*at, key) for key in ("offer", "benefit", "note")}, f"{partner.id} opts out of {what[scope]}"


def _record_call(sub: Submission, data: CommentedMap, content: Content, partner: Partner, today: dt.date) -> Edited:
    if sub.values["about"] == "activation" and sub.get("benefit") is None:
        return [Refusal(sub.form.field("benefit").label, "needed when the contact was about an activated benefit")]
    at = _append(data, "team_contacts", _entry(
        ("date", today), ("about", sub.values["about"]), ("offer", sub.get("offer")),
        ("benefit", sub.get("benefit")), ("note", sub.get("note"))))
    return {key: (*at, key) for key in ("about", "offer", "benefit", "note")}, \
        f"The rewards team contacted {partner.id} ({sub.values['about']})"


def _complete(sub: Submission, data: CommentedMap, content: Content, partner: Partner, today: dt.date) -> Edited:
    offer, benefit = sub.values["offer"], sub.values["benefit"]
    title = f"{benefit} on {offer} completed ({partner.id})"
    index = _find(data, "activations", lambda a: a.get("offer") == offer and a.get("benefit") == benefit
                  and "completed" not in a)
    if index is not None:
        data["activations"][index]["completed"] = today
        return {"benefit": ("activations", index, "completed")}, title
    index = _find(data, "technical_requests", lambda r: r.get("offer") == offer and r.get("benefit") == benefit
                  and r.get("status") in ("submitted", "in-progress"))
    if index is not None:
        data["technical_requests"][index]["status"] = "completed"
        return {"benefit": ("technical_requests", index, "status")}, title
    return [Refusal(sub.form.field("benefit").label,
                    f"{partner.id} has no open activation or technical request of {clip(benefit)!r} on "
                    f"{clip(offer)!r}")]


_EDITS: dict[Action, Callable[[Submission, CommentedMap, Content, Partner, dt.date], Edited]] = {
    Action.ASSIGN_CONTACT: _assign_contact,
    Action.ACTIVATE: _activate,
    Action.REQUEST_HELP: _request_help,
    Action.OWNER_LEFT: _owner_left,
    Action.OPT_OUT: _opt_out,
    Action.RECORD_CALL: _record_call,
    Action.COMPLETE: _complete,
}
