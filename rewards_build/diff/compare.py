"""Comparing two sides: pure functions from snapshots to the changes a reviewer reads.

Nothing here assesses or plans: the snapshots already hold the rules' and the planner's answers;
this module only names what differs (a benefit "unlocked", an escalation "closed", a message that
"will go").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .pages import PageChange, page_changes
from .sides import Side
from .snapshot import BenefitFact, Catalog, ContactFact, EscalationFact, ItemFact, MessageFact, PartnerSnapshot

# Benefit events, in the order a summary lists them. A state change is named after where it lands
# (activated, contacted ...), except that leaving or entering "locked" is what matters most.
BENEFIT_EVENTS = ("gained", "lost", "unlocked", "locked", "activated", "contacted", "completed", "expired",
                  "revoked", "opted-out", "reopened", "expiring", "changed")
_LANDS_ON = {"awaiting-contact": "activated", "activated": "activated", "contacted": "contacted",
             "completed": "completed", "expired": "expired", "revoked": "revoked", "opted-out": "opted-out",
             "expiring": "expiring"}


@dataclass(frozen=True, slots=True)
class TierMove:
    before: str | None  # tier name; None: no live offer
    after: str | None
    billed_before: int
    billed_after: int


@dataclass(frozen=True, slots=True)
class BenefitChange:
    event: str  # one of BENEFIT_EVENTS
    offer: str
    benefit: str
    before: str | None  # state; None: the benefit did not apply to the offer
    after: str | None
    reasons: tuple[str, ...] = ()  # lock reasons: the new ones when locked, the lifted ones when unlocked


@dataclass(frozen=True, slots=True)
class EscalationChange:
    event: str  # opened | closed | level
    kind: str
    about: str  # "offer benefit", "offer", or "" (a partner-wide escalation)
    level_before: int | None
    level_after: int | None


@dataclass(frozen=True, slots=True)
class ContactChange:
    event: str  # added | removed | changed
    after: ContactFact | None
    before: ContactFact | None


@dataclass(frozen=True, slots=True)
class MessageChange:
    event: str  # will-go | no-longer
    message: MessageFact
    items: tuple[ItemFact, ...]  # what this side sends and the other does not
    still: tuple[ItemFact, ...]  # the rest of the message, sent either way


@dataclass(frozen=True, slots=True)
class PartnerDiff:
    id: str
    name: str
    status: str  # added | removed | changed
    tier: TierMove | None
    benefits: tuple[BenefitChange, ...]
    escalations: tuple[EscalationChange, ...]
    contacts: tuple[ContactChange, ...]
    messages: tuple[MessageChange, ...]


@dataclass(frozen=True, slots=True)
class ProgramChange:
    what: str  # "tier 50k threshold", "benefit seller-webinar unlock tier", "tip x"
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Diff:
    base: Side
    head: Side
    partners: tuple[PartnerDiff, ...]
    program: tuple[ProgramChange, ...]
    pages: tuple[PageChange, ...]

    @property
    def changed(self) -> bool:
        return bool(self.partners or self.program or self.pages)

    def messages(self, event: str) -> int:
        return sum(1 for p in self.partners for m in p.messages if m.event == event)


def compare(base: Side, head: Side, ids: Iterable[str] | None = None) -> Diff:
    """`ids`: the partners to compare (None: every partner of either side)."""
    wanted = sorted(set(base.partners) | set(head.partners)) if ids is None else sorted(set(ids))
    partners = []
    for pid in wanted:
        found = partner_diff(base.partners.get(pid), head.partners.get(pid))
        if found is not None:
            partners.append(found)
    return Diff(base, head, tuple(partners), program_changes(base.catalog, head.catalog),
                page_changes(base, head, wanted))


def partner_diff(before: PartnerSnapshot | None, after: PartnerSnapshot | None) -> PartnerDiff | None:
    if before is None and after is None:
        return None
    if before is after:  # one snapshot stands for both sides (sides agreed on it): nothing differs
        return None
    either = after or before
    assert either is not None
    status = "added" if before is None else "removed" if after is None else "changed"
    tier = _tier(before, after)
    benefits = _benefits(before.benefits if before else (), after.benefits if after else ())
    escalations = _escalations(before.escalations if before else (), after.escalations if after else ())
    contacts = _contacts(before.contacts if before else (), after.contacts if after else ())
    messages = _messages(before.messages if before else (), after.messages if after else ())
    if status == "changed" and not (tier or benefits or escalations or contacts or messages):
        return None  # a note or a date no rule reads: nothing the program does differs
    return PartnerDiff(either.id, either.name, status, tier, benefits, escalations, contacts, messages)


def _tier(before: PartnerSnapshot | None, after: PartnerSnapshot | None) -> TierMove | None:
    b_tier, a_tier = (before.tier if before else None), (after.tier if after else None)
    if b_tier == a_tier:
        return None
    return TierMove(before.tier_name if before else None, after.tier_name if after else None,
                    before.billed_usd if before else 0, after.billed_usd if after else 0)


def _benefits(before: Iterable[BenefitFact], after: Iterable[BenefitFact]) -> tuple[BenefitChange, ...]:
    old = {(f.offer, f.benefit): f for f in before}
    new = {(f.offer, f.benefit): f for f in after}
    out = []
    for key in sorted(old.keys() | new.keys()):
        b, a = old.get(key), new.get(key)
        if b == a:
            continue
        event, reasons = benefit_event(b, a)
        if event is not None:
            out.append(BenefitChange(event, key[0], key[1], b.state if b else None, a.state if a else None, reasons))
    return tuple(out)


def benefit_event(b: BenefitFact | None, a: BenefitFact | None) -> tuple[str | None, tuple[str, ...]]:
    """What happened to one benefit of one offer, and the lock reasons that explain it."""
    if b is None:
        assert a is not None
        return "gained", a.locks
    if a is None:
        return "lost", b.locks
    if a.state == "locked":
        # Locked on both sides is no change of state, whichever reasons hold it now.
        return ("locked", a.locks) if b.state != "locked" else (None, ())
    if b.state == "locked":
        return "unlocked", b.locks
    if a.state == b.state:
        return None, ()
    if a.state == "available":
        return "reopened", ()  # an activation, a revocation or an opt-out was taken back
    return _LANDS_ON.get(a.state, "changed"), ()


def _escalations(before: Iterable[EscalationFact], after: Iterable[EscalationFact]) -> tuple[EscalationChange, ...]:
    old = {e.key: e for e in before}
    new = {e.key: e for e in after}
    out = []
    for key in sorted(old.keys() | new.keys()):
        b, a = old.get(key), new.get(key)
        e = a or b
        assert e is not None
        about = " ".join(x for x in (e.offer, e.benefit) if x)
        if b is None:
            out.append(EscalationChange("opened", e.kind, about, None, e.level))
        elif a is None:
            out.append(EscalationChange("closed", e.kind, about, e.level, None))
        elif a.level != b.level:
            out.append(EscalationChange("level", e.kind, about, b.level, a.level))
    return tuple(out)


def _contacts(before: Iterable[ContactFact], after: Iterable[ContactFact]) -> tuple[ContactChange, ...]:
    old = {c.key: c for c in before}
    new = {c.key: c for c in after}
    out = []
    for key in sorted(old.keys() | new.keys()):
        b, a = old.get(key), new.get(key)
        if b == a:
            continue
        out.append(ContactChange("added" if b is None else "removed" if a is None else "changed", a, b))
    return tuple(out)


def _messages(before: Iterable[MessageFact], after: Iterable[MessageFact]) -> tuple[MessageChange, ...]:
    """By item, not by Message-ID: a tip that goes either way, in a digest of another shape, is no
    change. A message "will go" when it holds an item BASE would not send, and "no longer" when BASE's
    held one HEAD does not send; `items` are those, `still` the rest of the message."""
    old, new = tuple(before), tuple(after)
    old_keys = {i.key for m in old for i in m.items}
    new_keys = {i.key for m in new for i in m.items}
    out = []
    for event, messages, other in (("will-go", new, old_keys), ("no-longer", old, new_keys)):
        for m in messages:
            differ = tuple(i for i in m.items if i.key not in other)
            if differ:
                out.append(MessageChange(event, m, differ, tuple(i for i in m.items if i.key in other)))
    return tuple(out)


def program_changes(base: Catalog | None, head: Catalog | None) -> tuple[ProgramChange, ...]:
    """What changed for everyone: tiers, timing rules, benefits' unlock tiers, tips, toolkit pages,
    the site.yml options that change answers."""
    if base is None or head is None or base == head:
        return ()
    out: list[ProgramChange] = []
    old_tiers = {t[0]: t for t in base.tiers}
    new_tiers = {t[0]: t for t in head.tiers}
    for tid in [*old_tiers, *(t for t in new_tiers if t not in old_tiers)]:
        b, a = old_tiers.get(tid), new_tiers.get(tid)
        if b is None or a is None:
            out.append(ProgramChange(f"tier {tid}", _tier_text(b), _tier_text(a)))
        elif b != a:
            if b[2] != a[2]:
                out.append(ProgramChange(f"tier {tid} threshold", f"${b[2]:,}", f"${a[2]:,}"))
            if b[1] != a[1]:
                out.append(ProgramChange(f"tier {tid} name", b[1], a[1]))
            before, after = dict(b[3]), dict(a[3])
            for lang in sorted(before.keys() | after.keys()):
                if before.get(lang) != after.get(lang):
                    out.append(ProgramChange(f"tier {tid} name ({lang})", before.get(lang, "-"), after.get(lang, "-")))
    old_timing, new_timing = dict(base.timing), dict(head.timing)
    for name in old_timing:
        if old_timing[name] != new_timing.get(name):
            out.append(ProgramChange(f"timing {name}", str(old_timing[name]), str(new_timing.get(name))))
    out += _records("benefit", base.benefits, head.benefits)
    for bid in sorted(base.unlock_tiers.keys() & head.unlock_tiers.keys()):
        if base.unlock_tiers[bid] != head.unlock_tiers[bid]:
            out.append(ProgramChange(f"benefit {bid} unlock tier", base.unlock_tiers[bid], head.unlock_tiers[bid]))
    out += _records("tip", base.tips, head.tips)
    out += _records("toolkit page", base.toolkit, head.toolkit)
    for (name, b_value), (_, a_value) in zip(base.options, head.options, strict=True):
        if b_value != a_value:
            out.append(ProgramChange(f"site.yml {name}", b_value, a_value))
    if base.languages != head.languages:
        out.append(ProgramChange("site.yml languages", ", ".join(base.languages), ", ".join(head.languages)))
    if not out and base.program != head.program:
        out.append(ProgramChange("program.yml", "...", "changed (year, support link or languages)"))
    return tuple(out)


def _tier_text(tier: tuple[str, str, int, tuple[tuple[str, str], ...]] | None) -> str | None:
    return None if tier is None else f"{tier[1]} (${tier[2]:,})"


def _records(kind: str, base: dict[str, str], head: dict[str, str]) -> list[ProgramChange]:
    out = []
    for rid in sorted(base.keys() | head.keys()):
        if rid not in head:
            out.append(ProgramChange(f"{kind} {rid}", "present", None))
        elif rid not in base:
            out.append(ProgramChange(f"{kind} {rid}", None, "added"))
        elif base[rid] != head[rid]:
            out.append(ProgramChange(f"{kind} {rid}", "before", "edited"))
    return out

