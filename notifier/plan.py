"""Planning: what is due today, for whom. Pure: the model, the rules, the ledger's history and
"today" come in; typed envelopes come out. Nothing here reads the clock, a file or the network.

One envelope is one email to one recipient of one partner (a digest when several items fall due).
Each item carries its ledger key (kind, partner, contact, subject, period): the same cause keeps
the same key from run to run, which is what makes "each sent once" checkable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rewards_build.config import NotifierConfig
from rewards_build.model import Contact, Content, Partner, Tip
from rewards_build.rules import (
    Escalation,
    PartnerStanding,
    SponsorshipStanding,
    assess,
    contact_bounces,
    for_account,
    gets_tips,
    newly_reached,
    reminder_level,
    sponsorship,
    tips_for,
)

_json_string = json.encoder.encode_basestring_ascii  # json.dumps' own encoder of a str (ensure_ascii)

TIP = "tip"
SPONSORSHIP = "sponsorship"  # the ledger kind of the sponsorship mail; its subject is the tier id


@dataclass(frozen=True, slots=True)
class Key:
    """A ledger key. `contact` is the recipient's address in lower case."""

    kind: str  # "tip" or an EscalationKind value
    partner: str
    contact: str
    subject: str  # tip id, or the escalation's own key
    period: str  # "-" for tips (each tip once per contact); "r<N>" for the N-th reminder

    def text(self) -> str:
        # Exactly json.dumps of the five strings (the ledger's key column), without its per-call set-up:
        # a diff or a re-plan of 10,000 partners writes 90,000 of them.
        parts = (self.kind, self.partner, self.contact, self.subject, self.period)
        return "[" + ", ".join(map(_json_string, parts)) + "]"


@dataclass(frozen=True, slots=True)
class SentRecord:
    """What the ledger remembers about one key: enough to decide what falls due next."""

    key: Key
    state: str  # pending | sent | failed
    message_id: str
    on: dt.date  # the run day it was planned (pending) or settled (sent, failed)


@dataclass(frozen=True, slots=True)
class History:
    """The ledger, as planning needs it (only that: it is read once per run and held while planning).
    Build it with `History.of(records)`."""

    last_tip_on: dict[tuple[str, str], dt.date] = field(default_factory=dict)  # (partner, contact)
    tips_had: frozenset[tuple[str, str, str]] = frozenset()  # (partner, contact, tip id), settled
    last_reminder: dict[tuple[str, str, str], tuple[int, dt.date]] = field(default_factory=dict)
    pending: dict[tuple[str, str], tuple[SentRecord, ...]] = field(default_factory=dict)  # (partner, contact)
    # (partner, contact) pairs the unsubscribe receiver recorded (notifier/unsubscribe.py), not yet in the YAML
    unsubscribed: frozenset[tuple[str, str]] = frozenset()
    # partner -> the tiers whose sponsorship mail was settled (sent or refused) to any of its recipients
    sponsorship_mailed: dict[str, frozenset[str]] = field(default_factory=dict)
    # the ledger's suppression list (bounces): address in lower case -> the day it was suppressed
    suppressed: dict[str, dt.date] = field(default_factory=dict)

    @staticmethod
    def of(records: Iterable[SentRecord]) -> History:
        return History.from_rows(
            (r.key.kind, r.key.partner, r.key.contact, r.key.subject, r.key.period, r.state, r.message_id, r.on)
            for r in records
        )

    @staticmethod
    def from_rows(rows: Iterable[tuple[str, str, str, str, str, str, str, dt.date]]) -> History:
        """From (kind, partner, contact, subject, period, state, message_id, day) rows, as the ledger
        stores them; only pending rows become records (the others are folded into the indexes)."""
        last_tip: dict[tuple[str, str], dt.date] = {}
        had: set[tuple[str, str, str]] = set()
        reminders: dict[tuple[str, str, str], tuple[int, dt.date]] = {}
        pending: dict[tuple[str, str], list[SentRecord]] = {}
        sponsored: dict[str, set[str]] = {}
        for kind, partner, contact, subject, period, state, message_id, on in rows:
            who = (partner, contact)
            if state == "pending":
                record = SentRecord(Key(kind, partner, contact, subject, period), state, message_id, on)
                pending.setdefault(who, []).append(record)
            elif state not in ("sent", "failed"):
                continue
            elif kind == SPONSORSHIP:
                sponsored.setdefault(partner, set()).add(subject)
            elif kind == TIP:
                had.add((partner, contact, subject))
                if who not in last_tip or last_tip[who] < on:  # a refused tip also counts for cadence
                    last_tip[who] = on
            else:
                n = _reminder_number(period)
                current = reminders.get((partner, contact, subject))
                if current is None or n > current[0]:
                    reminders[(partner, contact, subject)] = (n, on)
        return History(last_tip, frozenset(had), reminders, {w: tuple(p) for w, p in pending.items()},
                       sponsorship_mailed={p: frozenset(t) for p, t in sponsored.items()})


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str | None
    language: str
    is_contact: bool  # False: the Partner Center account email, used when no contact exists

    @property
    def key(self) -> str:
        return self.email.lower()


@dataclass(frozen=True, slots=True)
class Item:
    key: Key
    tip: Tip | None = None
    escalation: Escalation | None = None
    sponsorship: SponsorshipStanding | None = None  # the sponsorship mail: the tier and its amounts
    reminder: int = 0  # 1-based number of this reminder (escalations only)
    level: int = 0  # escalation level after the reminder policy (escalations only)


@dataclass(frozen=True, slots=True)
class Envelope:
    partner: Partner
    recipient: Recipient
    items: tuple[Item, ...]
    message_id: str  # "<...@domain>"; reused when a pending message is sent again
    copy_team: bool  # an escalation reached level 2: the rewards team is copied

    @property
    def has_tip(self) -> bool:
        return any(i.tip is not None for i in self.items)

    @property
    def only_tips(self) -> bool:
        """Nothing but tips: the only mail a reader can unsubscribe from (reminders are obligations)."""
        return all(i.tip is not None for i in self.items)

    @property
    def keys(self) -> tuple[Key, ...]:
        return tuple(i.key for i in self.items)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    only: str | None = None  # a partner id
    limit: int | None = None  # at most this many envelopes


def message_id_for(keys: Iterable[Key], domain: str) -> str:
    """Derived from the ledger keys, so a message re-planned after a crash gets the same id."""
    digest = hashlib.sha256("\n".join(sorted(k.text() for k in keys)).encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _reminder_number(period: str) -> int:
    return int(period[1:]) if period.startswith("r") and period[1:].isdigit() else 1


def plan(
    content: Content,
    config: NotifierConfig,
    history: History,
    today: dt.date,
    options: PlanOptions | None = None,
) -> Iterator[Envelope]:
    """Every envelope due today, partner by partner, in content order. A generator: the caller
    streams it (the whole batch is never held)."""
    options = options or PlanOptions()
    partners = (p for p in content.partners.values() if options.only is None or p.id == options.only)
    envelopes = (e for p in partners for e in plan_partner(content, config, history, p, today))
    yield from itertools.islice(envelopes, options.limit)


def plan_partner(content: Content, config: NotifierConfig, history: History, partner: Partner,
                 today: dt.date) -> Iterator[Envelope]:
    """What one partner is owed today (the unit of work of parallel planning)."""
    return envelopes_for(content, config, history, assess(content, partner, today, history.suppressed), today)


def envelopes_for(
    content: Content, config: NotifierConfig, history: History, standing: PartnerStanding, today: dt.date
) -> Iterator[Envelope]:
    """What one partner is owed today, from a standing already assessed (`rewards diff` has one)."""
    partner = standing.partner
    if standing.opted_out:
        return
    default_language = content.program.languages[0] if content.program.languages else "en"
    # A contact whose mail bounces gets nothing more (the account email is asked to replace it); an
    # address on the suppression list gets nothing at all.
    recipients = [_contact_recipient(c) for c in partner.contacts
                  if contact_bounces(c, history.suppressed) is None]
    account = Recipient(partner.account_email, partner.name, default_language, is_contact=False)
    tips = tips_for(content, standing, today)
    sponsor = sponsorship(standing)  # the rules' answer; mailed once per partner and tier reached
    sponsor_due = newly_reached(content.program, sponsor, history.sponsorship_mailed.get(partner.id, frozenset()))
    tip_takers = {c.email.lower() for c in partner.contacts if gets_tips(partner, c, history.unsubscribed)}
    for recipient in [*recipients, account]:
        if recipient.key in history.suppressed:
            continue
        pending = history.pending.get((partner.id, recipient.key), ())
        pending_keys = {r.key: r for r in pending}
        items: list[Item] = []
        for esc in standing.escalations:
            if recipient.is_contact == for_account(esc.kind):
                continue  # "assign a contact" and "contact bounces" go to the account email, the rest to contacts
            item = _reminder(config, history, recipient, esc, today, pending_keys)
            if item is not None:
                items.append(item)
        if recipient.is_contact or not recipients:  # the contacts, else the account email
            item = _sponsorship(recipient, partner, sponsor, sponsor_due, pending_keys)
            if item is not None:
                items.append(item)
        if recipient.key in tip_takers:  # a contact that did not opt out of tips
            item = _tip(config, history, recipient, partner, tips, today, pending_keys)
            if item is not None:
                items.append(item)
        yield from _group(config, partner, recipient, items, pending_keys)


def _sponsorship(recipient: Recipient, partner: Partner, sponsor: SponsorshipStanding | None, due: bool,
                 pending: dict[Key, SentRecord]) -> Item | None:
    """The sponsorship mail of the partner's tier: left pending by an earlier run and still its tier, or due."""
    if sponsor is None:
        return None
    key = Key(SPONSORSHIP, partner.id, recipient.key, sponsor.tier.id, "-")
    return Item(key, sponsorship=sponsor) if due or key in pending else None


def _contact_recipient(contact: Contact) -> Recipient:
    return Recipient(contact.email, contact.name, contact.language, is_contact=True)


def _tip(
    config: NotifierConfig,
    history: History,
    recipient: Recipient,
    partner: Partner,
    tips: list[Tip],
    today: dt.date,
    pending: dict[Key, SentRecord],
) -> Item | None:
    for key in pending:
        if key.kind == TIP:  # due already: send it again, whatever the cadence
            tip = next((t for t in tips if t.id == key.subject), None)
            if tip is not None:
                return Item(key, tip=tip)
    last = history.last_tip_on.get((partner.id, recipient.key))
    if last is not None and (today - last).days < config.cadence_days:
        return None
    for tip in tips:
        if (partner.id, recipient.key, tip.id) not in history.tips_had:
            return Item(Key(TIP, partner.id, recipient.key, tip.id, "-"), tip=tip)
    return None


def _reminder(
    config: NotifierConfig,
    history: History,
    recipient: Recipient,
    esc: Escalation,
    today: dt.date,
    pending: dict[Key, SentRecord],
) -> Item | None:
    for key, record in pending.items():
        if key.kind == esc.kind.value and key.subject == esc.key:
            # Sent again as it was planned: the level of the day it was planned, not today's.
            return _reminder_item(config, key, esc, _reminder_number(key.period), record.on)
    last = history.last_reminder.get((esc.partner_id, recipient.key, esc.key))
    if last is None:
        number = 1
    elif (today - last[1]).days >= config.reminder_interval_days:
        number = last[0] + 1
    else:
        return None
    key = Key(esc.kind.value, esc.partner_id, recipient.key, esc.key, f"r{number}")
    return _reminder_item(config, key, esc, number, today)


def _reminder_item(config: NotifierConfig, key: Key, esc: Escalation, number: int, on: dt.date) -> Item:
    """The level is the rules' (`reminder_level`), which the site shows too."""
    return Item(key, escalation=esc, reminder=number, level=reminder_level(esc, on, config.reminders))


def _group(
    config: NotifierConfig,
    partner: Partner,
    recipient: Recipient,
    items: list[Item],
    pending: dict[Key, SentRecord],
) -> Iterator[Envelope]:
    """One digest per recipient. A message left pending by an earlier run goes out again as it was
    (same items, same Message-ID); anything newly due goes in a digest of its own."""
    by_message: dict[str, list[Item]] = {}
    fresh: list[Item] = []
    for item in items:
        record = pending.get(item.key)
        if record is not None:
            by_message.setdefault(record.message_id, []).append(item)
        else:
            fresh.append(item)
    groups = [(mid, group) for mid, group in by_message.items()]
    if fresh:
        groups.append((message_id_for((i.key for i in fresh), config.message_id_domain), fresh))
    for message_id, group in groups:
        ordered = tuple(sorted(group, key=lambda i: (i.tip is not None, -i.level)))
        copy_team = config.rewards_team is not None and any(i.level >= 2 for i in ordered)
        yield Envelope(partner, recipient, ordered, message_id, copy_team)
