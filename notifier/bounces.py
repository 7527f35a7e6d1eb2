"""Mail that comes back: the VERP envelope sender each message goes out with, and what a message read
from the bounce inbox says (a non-delivery report for one of our messages, hard or soft, or not one).

VERP (variable envelope return path): every message's MAIL FROM is `notifier.bounces.address` with
`{key}` replaced by the message's ledger key, the 32 hex digits of its Message-ID. That Message-ID is
a hash of the ledger keys of the items the message carries (notifier/plan.py), so the key names
exactly one message and its items in the ledger, and whatever the content says (partner and offer ids
are untrusted) nothing but `[0-9a-f]` reaches the local part. A report addressed to that address
names its message without any parsing of the report's body.

What failed, and how (5.x.x: permanent, "hard"; 4.x.x: temporary, "soft"), is read with flufl.bounce
(Mailman's library: RFC 3464 delivery status notifications and the many formats found in the wild)
rather than with our own regular expressions; the RFC 3464 `Status:` field, where there is one, says
the class. A report without the VERP address (a relay that rewrote the envelope, a forwarded report)
is matched by the failed address and, where it quotes one, by our Message-ID.

Reading is pure: bytes in, a `Reading` out; the inbox (notifier/inbox.py) records it. The suppression
list reaches the content as a patch (`export_suppressions`), as recorded opt-outs do.
"""

from __future__ import annotations

import datetime as dt
import email
import email.message
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from flufl.bounce import all_failures

from rewards_build.config import SiteConfig
from rewards_build.model import Content

from .contact_patch import set_on_contacts

# flufl.bounce logs a detector's exception with its traceback before re-raising it; the exception is
# ours to report (one line), and the traceback must not reach cron's mail.
logging.getLogger("flufl.bounce").addHandler(logging.NullHandler())
logging.getLogger("flufl.bounce").propagate = False

KEY = re.compile(r"[0-9a-f]{32}")
MESSAGE_ID = re.compile(r"<([0-9a-f]{32})@([A-Za-z0-9.-]+)>")
# Where a delivery agent writes the envelope recipient (the report's To is usually it as well).
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
MAX_FIELD = 300  # characters of a report's status and diagnostic kept in the ledger (its text is untrusted)


def message_key(message_id: str) -> str:
    """The ledger key of a message for its bounce address: the 32 hex digits of its Message-ID."""
    match = MESSAGE_ID.fullmatch(message_id)
    if match is None:
        raise ValueError(f"not a Message-ID this notifier makes: {message_id!r}")
    return match.group(1)


def verp_address(template: str, message_id: str) -> str:
    """The envelope sender of one message: `bounces+{key}@domain` with the message's key."""
    return template.replace("{key}", message_key(message_id), 1)


def key_pattern(template: str) -> re.Pattern[str]:
    """Finds a bounce address of ours in a header, whatever the case (mail systems lower-case freely)."""
    before, _, after = template.partition("{key}")
    return re.compile(re.escape(before) + r"([0-9a-f]{32})" + re.escape(after), re.IGNORECASE)


class Bounce(StrEnum):
    HARD = "hard"  # 5.x.x: the address does not exist or refuses for good
    SOFT = "soft"  # 4.x.x: a full mailbox, a server down for longer than the sender retried


@dataclass(frozen=True, slots=True)
class Reading:
    """What one inbox message says about our mail."""

    key: str | None  # the message key from our bounce address (VERP), if the report was sent to one
    bounce: Bounce | None  # None: not a non-delivery report (an auto-reply, a person, garbage)
    failed: tuple[str, ...] = ()  # the addresses reported, lower case
    status: str = ""  # "5.1.1 <diagnostic>", as the ledger keeps it (shortened, one line)
    quoted: tuple[str, ...] = ()  # our Message-IDs (their keys) quoted in the report's returned headers
    problem: str | None = None  # why the report could not be read, when it could not
    delayed: bool = False  # only a delay warning (RFC 3464 Action: delayed): the relay still tries


def parse(data: bytes) -> email.message.Message:
    """The message as flufl.bounce reads it (compat32: the policy its detectors are written for)."""
    return email.message_from_bytes(data)


def read(data: bytes, template: str | None, message_id_domain: str) -> Reading:
    """What one message read from the bounce inbox says. Never raises: a message that cannot be read is
    a Reading with `problem` set (content is untrusted; so is anything that claims to be a report)."""
    try:
        msg = parse(data)
    except Exception as exc:  # the email package on hostile bytes: say so, never a traceback
        return Reading(None, None, problem=f"cannot be parsed as a message: {type(exc).__name__}")
    key = _verp_key(msg, template) if template else None
    try:
        temporary, permanent = all_failures(msg)
    except Exception as exc:  # a flufl.bounce detector failing on a malformed report
        return Reading(key, None, problem=_one_line(f"flufl.bounce could not read it ({type(exc).__name__}: {exc})"))
    status = _status(msg)
    failed = _addresses(permanent or temporary)
    if not failed and not status:
        return Reading(key, None, quoted=_quoted(data, message_id_domain))
    if temporary and not permanent and _delayed_only(msg):
        # A warning that the message is still queued is not a failure: it may yet arrive.
        return Reading(key, None, failed, status, _quoted(data, message_id_domain), delayed=True)
    if status.startswith("5"):
        bounce = Bounce.HARD
    elif status.startswith("4"):
        bounce = Bounce.SOFT
    else:
        bounce = Bounce.HARD if permanent else Bounce.SOFT
    return Reading(key, bounce, failed, status, _quoted(data, message_id_domain))


def _verp_key(msg: email.message.Message, template: str) -> str | None:
    """The key of our bounce address among the envelope-recipient headers, if exactly one is named (a
    report naming two of our messages at once is not one we can attribute)."""
    pattern = key_pattern(template)
    keys: set[str] = set()
    for name in RECIPIENT_HEADERS:
        for value in msg.get_all(name, []):
            keys.update(k.lower() for k in pattern.findall(str(value)))
    return keys.pop() if len(keys) == 1 else None


def _addresses(found: Iterable[bytes]) -> tuple[str, ...]:
    out = set()
    for raw in found:
        text = raw.decode("ascii", "replace").strip().strip("<>").lower()
        if "@" in text and len(text) <= 254 and not any(ch.isspace() or ord(ch) < 32 for ch in text):
            out.add(text)
    return tuple(sorted(out))


def _status(msg: email.message.Message) -> str:
    """The first recipient's RFC 3464 Status (and Diagnostic-Code), if the report has a delivery-status part."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status" or not part.is_multipart():
            continue
        for block in part.get_payload():
            if not isinstance(block, email.message.Message):
                continue
            status = str(block.get("Status", "")).strip()
            if re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status):
                diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
                return _one_line(f"{status} {diagnostic}".strip())
    return ""


def _delayed_only(msg: email.message.Message) -> bool:
    """Every recipient block of the report's delivery-status part says `Action: delayed`."""
    actions = [str(block.get("Action", "")).strip().lower()
               for part in msg.walk()
               if part.get_content_type() == "message/delivery-status" and part.is_multipart()
               for block in part.get_payload() if isinstance(block, email.message.Message) and block.get("Action")]
    return bool(actions) and all(a.startswith("delayed") for a in actions)


def _quoted(data: bytes, domain: str) -> tuple[str, ...]:
    """The keys of our Message-IDs that the report quotes (a report returns the original's headers)."""
    text = data.decode("ascii", "replace")
    return tuple(sorted({m.group(1) for m in MESSAGE_ID.finditer(text) if m.group(2).lower() == domain.lower()}))


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)[:MAX_FIELD]


# --- the YAML change (rewards notify --export-suppressions) ----------------------------------------


def export_suppressions(site: SiteConfig, content: Content,
                        suppressed: Mapping[str, dt.date]) -> tuple[str, list[str]]:
    """A unified diff (for `git apply`, paths relative to site.yml's folder) that writes `bounced_on: <day>`
    on each marketing contact whose address the ledger suppressed and the partner file does not mark yet,
    and notes about what it could not place. Once merged, the site, `rewards report` and every later
    run show the escalation "your marketing contact's address bounces" (rules.contact_bounces)."""
    patches, notes = [], []
    placed: set[str] = set()
    for partner in content.partners.values():
        marks = {c.email.lower(): suppressed[c.email.lower()] for c in partner.contacts
                 if c.email.lower() in suppressed and c.bounced_on is None}
        placed |= {c.email.lower() for c in partner.contacts if c.email.lower() in suppressed}
        if marks:
            patch, unplaced = set_on_contacts(site, partner, "bounced_on",
                                              {a: day.isoformat() for a, day in marks.items()})
            patches.append(patch)
            notes += [f"{partner.source}: add `bounced_on: {marks[a].isoformat()}` to {a} by hand (not written as "
                      "a block mapping)" for a in unplaced]
    accounts = {p.account_email.lower(): p for p in content.partners.values()}
    for address in sorted(set(suppressed) - placed):
        if address in accounts:
            notes.append(f"{accounts[address].source}: the Partner Center account email {address} bounces; the "
                         "partner must be told another way")
        else:
            notes.append(f"{address}: suppressed, and no longer a marketing contact in the content")
    return "".join(patches), notes
