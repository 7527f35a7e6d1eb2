"""One side of a diff (BASE or HEAD) as comparable facts: what the rules and the planner say about
each partner, and fingerprints of everything a page is made from.

A snapshot holds plain strings, numbers and tuples only, so that the two sides can be computed in
two processes at once and cross back cheaply (10,000 partners pickle in a fraction of a second).
Every answer comes from `rules.assess`, `rules.reminder_level` and the notifier's planner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from notifier.plan import Envelope, History
from notifier.plan import envelopes_for as partner_envelopes  # plan_partner, from a standing already made

from .. import rules
from ..config import SiteConfig
from ..model import Content, OfferStatus, Partner
from ..privacy import mask_email, mask_phone


class BenefitFact(NamedTuple):
    # A named tuple, not a frozen dataclass: a snapshot of every partner holds one per benefit and
    # offer (60 a partner), and a tuple is built in a third of the time.
    offer: str
    benefit: str
    state: str  # a rules.BenefitState value
    locks: tuple[str, ...]  # rules.LockReason values, when locked
    unlock_tier: str | None  # the tier that would lift a tier lock


@dataclass(frozen=True, slots=True)
class EscalationFact:
    key: str  # rules.Escalation.key: the same cause keeps it on both sides
    kind: str
    level: int  # rules.reminder_level with site.yml's reminder policy: what the site and the mail show
    offer: str | None
    benefit: str | None
    benefits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContactFact:
    key: str  # the address in lower case
    name: str
    email: str  # masked as on the public site
    phone: str  # masked as on the public site
    language: str


@dataclass(frozen=True, slots=True)
class ItemFact:
    key: str  # the ledger key (notifier.plan.Key.text()): the same item on both sides has the same key
    kind: str  # "tip" or an escalation kind
    subject: str  # the tip id, or what the escalation is about ("offer benefit")
    level: int  # 0 for tips


@dataclass(frozen=True, slots=True)
class MessageFact:
    message_id: str  # derived from the ledger keys: the same message on both sides has the same id
    recipient: str  # masked
    items: tuple[ItemFact, ...]
    copy_team: bool


@dataclass(frozen=True, slots=True)
class PartnerSnapshot:
    id: str
    name: str
    tier: str | None  # tier id; None: no live offer
    tier_name: str | None
    billed_usd: int
    benefits: tuple[BenefitFact, ...]
    escalations: tuple[EscalationFact, ...]
    contacts: tuple[ContactFact, ...]
    messages: tuple[MessageFact, ...]
    record: str  # fingerprint of the partner's record: its pages change when it does
    row: str  # fingerprint of its row in the partners index


@dataclass(frozen=True, slots=True)
class Catalog:
    """Fingerprints of the inputs every page shares, and the records program-wide changes are told from."""

    config: str
    program: str
    benefits: dict[str, str]  # id -> fingerprint
    tips: dict[str, str]
    toolkit: dict[str, str]
    languages: tuple[str, ...]
    tiers: tuple[tuple[str, str, int, tuple[tuple[str, str], ...]], ...]  # (id, name, threshold, translated names)
    timing: tuple[tuple[str, int], ...]
    unlock_tiers: dict[str, str]  # benefit id -> unlock tier id
    options: tuple[tuple[str, str], ...]  # site.yml options that change answers (reminder policy ...)


def fingerprint(value: object) -> str:
    # repr of frozen dataclasses is deterministic and covers every field; 16 bytes is plenty to tell
    # two versions of one record apart.
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def catalog(config: SiteConfig, content: Content) -> Catalog:
    program = content.program
    return Catalog(
        config=fingerprint(_portable(config)),
        program=fingerprint(program),
        benefits={b.id: fingerprint(b) for b in content.benefits.values()},
        tips={t.id: fingerprint(t) for t in content.tips},
        toolkit={t.id: fingerprint(t) for t in content.toolkit},
        languages=config.languages,
        tiers=tuple((t.id, t.name, t.threshold_usd, t.names) for t in program.tiers),
        timing=tuple((f.name, getattr(program.timing, f.name)) for f in dataclasses.fields(program.timing)),
        unlock_tiers={b.id: b.unlock_tier for b in content.benefits.values()},
        options=(("notifier.reminder_interval_days", str(config.notifier.reminder_interval_days)),
                 ("notifier.reminders_before_escalation", str(config.notifier.reminders_before_escalation)),
                 ("notifier.cadence_days", str(config.notifier.cadence_days)),
                 ("privacy.mask_contacts", str(config.mask_contacts))),
    )


def _portable(config: SiteConfig) -> SiteConfig:
    """The configuration without where it was read from: BASE is read from a temporary folder."""
    def rel(path: Path) -> Path:
        return path.relative_to(config.root) if path.is_relative_to(config.root) else path
    notifier = dataclasses.replace(config.notifier, ledger=rel(config.notifier.ledger),
                                   outbox=rel(config.notifier.outbox))
    return dataclasses.replace(config, path=Path(config.path.name), root=Path("."), output_dir=rel(config.output_dir),
                               content_dir=rel(config.content_dir), templates_dir=rel(config.templates_dir),
                               notifier=notifier)


def snapshots(config: SiteConfig, content: Content, partners: Iterable[Partner], history: History,
              today: dt.date) -> dict[str, PartnerSnapshot]:
    return {p.id: snapshot(config, content, p, history, today) for p in partners}


def snapshot(config: SiteConfig, content: Content, partner: Partner, history: History,
             today: dt.date) -> PartnerSnapshot:
    standing = rules.assess(content, partner, today)
    policy = config.notifier.reminders
    tier = standing.tier.tier
    escalations = tuple(
        EscalationFact(e.key, e.kind.value, rules.reminder_level(e, today, policy), e.offer_id, e.benefit_id,
                       e.benefits)
        for e in standing.escalations)
    # This runs for every benefit of every offer on both sides (600,000 times for 10,000 partners):
    # `_value_` is the enum's plain attribute (`.value` goes through a descriptor); lock reasons are a
    # StrEnum, already strings; and the named tuple is made by tuple's own constructor.
    make = tuple.__new__
    benefits = tuple([
        make(BenefitFact, (group.offer.id, s.benefit.id, s.state._value_, s.lock_reasons,
                           s.unlock_tier.id if s.unlock_tier else None))
        for group in standing.offers for s in group.statuses])
    contacts = tuple(ContactFact(c.email.lower(), c.name, mask_email(c.email), mask_phone(c.phone), c.language)
                     for c in partner.contacts)
    # The planner's own answer (what `plan_partner` returns), from the standing assessed above: assessing
    # twice would double the cost of a diff that touches every partner.
    messages = tuple(_message(e) for e in partner_envelopes(content, config.notifier, history, standing, today))
    row = (partner.name, tier.id if tier else "", sorted(lt.value for lt in standing.listing_types),
           sum(1 for o in partner.offers if o.status is OfferStatus.LIVE), len(escalations),
           sum(1 for e in escalations if e.level >= 2))
    return PartnerSnapshot(partner.id, partner.name, tier.id if tier else None, tier.name if tier else None,
                           standing.tier.billed_sales_usd, benefits, escalations, contacts, messages,
                           fingerprint(partner), fingerprint(row))


def _message(envelope: Envelope) -> MessageFact:
    items = []
    for item in envelope.items:
        if item.tip is not None:
            items.append(ItemFact(item.key.text(), item.key.kind, item.tip.id, 0))
        elif item.escalation is not None:
            esc = item.escalation
            about = " ".join(x for x in (esc.offer_id, esc.benefit_id) if x)
            items.append(ItemFact(item.key.text(), item.key.kind, about, item.level))
        elif item.sponsorship is not None:  # once per tier reached: the tier is what it is about
            items.append(ItemFact(item.key.text(), item.key.kind, item.sponsorship.tier.id, 0))
    return MessageFact(envelope.message_id, mask_email(envelope.recipient.email), tuple(items), envelope.copy_team)
