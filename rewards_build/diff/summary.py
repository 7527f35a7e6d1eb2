"""What every format says first: the one-line summary, the counts behind it, and the changes
summarised across partners ("412 partners move from $25K to $50K"), so that a change touching
10,000 partners still reads in a few lines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .compare import BENEFIT_EVENTS, Diff
from .words import ESCALATION_VERBS, count, counted

ESCALATION_EVENTS = ("opened", "closed", "level")
CONTACT_EVENTS = ("added", "removed", "changed")


@dataclass(frozen=True, slots=True)
class Counts:
    partners: int
    added: int
    removed: int
    tier: int
    benefits: dict[str, int]  # event -> benefit changes (one per offer and benefit)
    escalations: dict[str, int]
    contacts: dict[str, int]
    will_go: int
    no_longer: int
    pages: int
    program: int


@dataclass(frozen=True, slots=True)
class Across:
    tiers: tuple[tuple[str, str, int], ...]  # (from, to, partners), most first
    benefits: tuple[tuple[str, str, int, int], ...]  # (event, benefit, offers, partners)
    escalations: tuple[tuple[str, str, int], ...]  # (event, kind, escalations)


def counts(diff: Diff) -> Counts:
    benefits = Counter(b.event for p in diff.partners for b in p.benefits)
    escalations = Counter(e.event for p in diff.partners for e in p.escalations)
    contacts = Counter(c.event for p in diff.partners for c in p.contacts)
    return Counts(
        len(diff.partners), sum(p.status == "added" for p in diff.partners),
        sum(p.status == "removed" for p in diff.partners), sum(p.tier is not None for p in diff.partners),
        {e: benefits[e] for e in BENEFIT_EVENTS if benefits[e]},
        {e: escalations[e] for e in ESCALATION_EVENTS if escalations[e]},
        {e: contacts[e] for e in CONTACT_EVENTS if contacts[e]},
        diff.messages("will-go"), diff.messages("no-longer"),
        sum(len(c.added) + len(c.removed) + len(c.changed) for c in diff.pages), len(diff.program),
    )


def across(diff: Diff) -> Across:
    tiers = Counter((tier_name(p.tier.before), tier_name(p.tier.after)) for p in diff.partners if p.tier)
    offers: Counter[tuple[str, str]] = Counter()
    partners: Counter[tuple[str, str]] = Counter()
    for p in diff.partners:
        seen = set()
        for b in p.benefits:
            offers[(b.event, b.benefit)] += 1
            seen.add((b.event, b.benefit))
        partners.update(seen)
    escalations = Counter((e.event, e.kind) for p in diff.partners for e in p.escalations)
    return Across(
        tuple((a, b, n) for (a, b), n in sorted(tiers.items(), key=lambda kv: (-kv[1], kv[0]))),
        tuple((e, b, n, partners[(e, b)]) for (e, b), n in
              sorted(offers.items(), key=lambda kv: (BENEFIT_EVENTS.index(kv[0][0]), -kv[1], kv[0][1]))),
        tuple((e, k, n) for (e, k), n in
              sorted(escalations.items(), key=lambda kv: (ESCALATION_EVENTS.index(kv[0][0]), -kv[1], kv[0][1]))),
    )


def tier_name(name: str | None) -> str:
    return name if name is not None else "no tier"


def summary_line(diff: Diff) -> str:
    """"3 partners change: 1 benefit unlocked, 2 escalations close; 4 messages will go, 1 no longer"."""
    c = counts(diff)
    if not diff.changed:
        return "no program change"
    parts = []
    if c.added:
        parts.append(f"{c.added:,} added")
    if c.removed:
        parts.append(f"{c.removed:,} removed")
    if c.tier:
        parts.append(counted(c.tier, "", "change tier"))
    parts += [f"{count(n, 'benefit')} {event}" for event, n in c.benefits.items()]
    parts += [counted(n, "escalation", ESCALATION_VERBS[e]) for e, n in c.escalations.items()]
    parts += [f"{count(n, 'contact')} {e}" for e, n in c.contacts.items()]
    head = (counted(c.partners, "partner", "change")
            + (": " + ", ".join(parts) if parts else "")) if c.partners else "no partner changes"
    tail = []
    if c.program:
        tail.append(count(c.program, "program-wide change"))
    if c.will_go or c.no_longer:
        tail.append(f"{count(c.will_go, 'message')} will go, {c.no_longer:,} no longer")
    else:
        tail.append("no change in mail")
    if c.pages:
        tail.append(counted(c.pages, "page", "change"))
    return "; ".join([head, *tail])
