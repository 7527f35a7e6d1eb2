"""The three reporters: text for a terminal, Markdown for a pull-request comment, JSON for tools.

Text and Markdown say the same things in the same order (the summary line first, then what changed
for everyone, then each partner); only the first `limit` partners are detailed and the rest are
counted. JSON lists every partner: it is for tools, which can page. Its shape is versioned
(`VERSION`) and documented in docs/diff.md.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from .compare import BenefitChange, ContactChange, Diff, EscalationChange, MessageChange, PartnerDiff
from .snapshot import ItemFact
from .summary import across, counts, summary_line, tier_name
from .words import ESCALATION_VERBS, count, counted, noun, verb

VERSION = 1
FORMATS = ("text", "markdown", "json")


def _money(amount: int) -> str:
    return f"${amount:,}"


def header(diff: Diff, today: dt.date) -> str:
    return f"{diff.base.label} -> {diff.head.label}, as of {today.isoformat()}"


def base_note(diff: Diff) -> str | None:
    """An invalid or absent BASE is compared as an empty program: every partner of HEAD is added."""
    if diff.base.catalog is not None:
        return None
    if diff.base.problems:
        return (f"{diff.base.label} is invalid ({count(len(diff.base.problems), 'problem')}, first: "
                f"{diff.base.problems[0]}); compared against nothing")
    return f"{diff.base.label} has no usable site.yml; compared against nothing"


def program_lines(diff: Diff) -> list[str]:
    lines = [f"{c.what}: {c.before or '(none)'} -> {c.after or '(removed)'}" for c in diff.program]
    if len(diff.partners) > 1:
        a = across(diff)
        lines += [f"{counted(n, 'partner', 'move')} from {b} to {t}" for b, t, n in a.tiers]
        lines += [f"{benefit} {event}: {count(offers, 'offer')}, {count(partners, 'partner')}"
                  for event, benefit, offers, partners in a.benefits]
        lines += [f"{n:,} {kind} {noun(n, 'escalation')} {verb(n, ESCALATION_VERBS[event])}"
                  for event, kind, n in a.escalations]
    return lines


def page_lines(diff: Diff) -> list[str]:
    out = []
    for c in diff.pages:
        parts = [f"{len(paths):,} {word}" for paths, word in
                 ((c.added, "added"), (c.removed, "removed"), (c.changed, "changed")) if paths]
        sample = (c.added + c.removed + c.changed)[:3]
        more = len(c.added) + len(c.removed) + len(c.changed) - len(sample)
        out.append(f"{c.kind}: {', '.join(parts)} ({', '.join(sample)}{f' and {more:,} more' if more else ''})")
    return out


def partner_title(p: PartnerDiff) -> str:
    bits = [] if p.status == "changed" else [p.status]
    if p.tier:
        bits.append(f"tier {tier_name(p.tier.before)} -> {tier_name(p.tier.after)}")
    bits += [count(len(changes), f"{what} change") for what, changes in
             (("benefit", p.benefits), ("escalation", p.escalations), ("contact", p.contacts)) if changes]
    go = sum(m.event == "will-go" for m in p.messages)
    gone = len(p.messages) - go
    bits += [f"mail +{go} -{gone}"] if p.messages else []
    return f"{p.name} ({p.id}): {', '.join(bits)}"


def partner_lines(p: PartnerDiff) -> list[str]:
    lines = []
    if p.tier:
        t = p.tier
        lines.append(f"tier: {tier_name(t.before)} -> {tier_name(t.after)} "
                     f"(billed sales {_money(t.billed_before)} -> {_money(t.billed_after)})")
    lines += [_benefit(b) for b in p.benefits]
    lines += [_escalation(e) for e in p.escalations]
    lines += [_contact(c) for c in p.contacts]
    lines += [_message(m) for m in p.messages]
    return lines


def _benefit(b: BenefitChange) -> str:
    states = f"{b.before or 'not offered'} -> {b.after or 'not offered'}"
    why = ""
    if b.reasons:
        why = ("; was locked: " if b.event == "unlocked" else "; locked: ") + ", ".join(b.reasons)
    return f"benefit {b.benefit} on {b.offer}: {b.event} ({states}{why})"


def _escalation(e: EscalationChange) -> str:
    what = f"{e.kind} {e.about}" if e.about else e.kind
    if e.event == "opened":
        return f"escalation {what}: opens at level {e.level_after}"
    if e.event == "closed":
        return f"escalation {what}: closes (was level {e.level_before})"
    return f"escalation {what}: level {e.level_before} -> {e.level_after}"


def _contact(c: ContactChange) -> str:
    shown = c.after or c.before
    assert shown is not None
    text = f"{shown.name} {shown.email} {shown.phone} ({shown.language})"
    if c.event == "changed" and c.before is not None:
        return f"contact changed: {text}, was {c.before.name} {c.before.phone} ({c.before.language})"
    return f"contact {c.event}: {text}"


def _items(items: tuple[ItemFact, ...]) -> str:
    return "; ".join(_item(i) for i in items)


def _item(i: ItemFact) -> str:
    if i.kind in ("tip", "sponsorship"):  # mail that goes once: no level
        return f"{i.kind} {i.subject}"
    return f"{i.kind}{' ' + i.subject if i.subject else ''} (level {i.level})"


def _message(m: MessageChange) -> str:
    copy = " (rewards team copied)" if m.message.copy_team else ""
    verb = "will go" if m.event == "will-go" else "no longer goes"
    still = f" (sent either way: {_items(m.still)})" if m.still else ""
    return f"mail {verb} to {m.message.recipient}{copy}: {_items(m.items)}{still}"


def text(diff: Diff, today: dt.date, limit: int) -> str:
    out = [summary_line(diff), header(diff, today)]
    note = base_note(diff)
    if note:
        out.append(f"note: {note}")
    for title, lines in (("Program-wide", program_lines(diff)), ("Pages", page_lines(diff))):
        if lines:
            out += ["", f"{title}:", *(f"  {line}" for line in lines)]
    if diff.partners:
        out += ["", "Partners:"]
        for p in diff.partners[:limit]:
            out.append(f"  {partner_title(p)}")
            out += [f"    {line}" for line in partner_lines(p)]
        if len(diff.partners) > limit:
            out.append(f"  ... and {_more(diff, limit)} (--limit, or --format json for all)")
    return "\n".join(out) + "\n"


def _more(diff: Diff, limit: int) -> str:
    return count(len(diff.partners) - limit, "more partner")


# Content is untrusted: a partner name must not become a link, a mention, a table or HTML in a comment.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~@#])")


def md(value: str) -> str:
    """Plain text into Markdown: no markup survives, and arrows read as arrows."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", value.replace(" -> ", " → ")), quote=False)


def markdown(diff: Diff, today: dt.date, limit: int) -> str:
    out = [md(summary_line(diff)), "", f"<sub>rewards diff: {md(header(diff, today))}</sub>"]
    note = base_note(diff)
    if note:
        out += ["", f"> **Note:** {md(note)}"]
    for title, lines in (("Program-wide changes", program_lines(diff)), ("Pages", page_lines(diff))):
        if lines:
            out += ["", f"<details><summary>{title} ({len(lines):,})</summary>", "",
                    *(f"- {md(line)}" for line in lines), "", "</details>"]
    for p in diff.partners[:limit]:
        out += ["", f"<details><summary>{html.escape(partner_title(p))}</summary>", "",
                *(f"- {md(line)}" for line in partner_lines(p)), "", "</details>"]
    if len(diff.partners) > limit:
        out += ["", f"... and {_more(diff, limit)} (`rewards diff --format json` lists all)"]
    return "\n".join(out) + "\n"


def as_json(diff: Diff, today: dt.date) -> str:
    c = counts(diff)
    a = across(diff)
    document: dict[str, Any] = {
        "version": VERSION,
        "today": today.isoformat(),
        "base": {"label": diff.base.label, "valid": diff.base.catalog is not None,
                 "problems": [str(p) for p in diff.base.problems]},
        "head": {"label": diff.head.label},
        "changed": diff.changed,
        "summary": summary_line(diff),
        "counts": {"partners": c.partners, "added": c.added, "removed": c.removed, "tier": c.tier,
                   "benefits": c.benefits, "escalations": c.escalations, "contacts": c.contacts,
                   "messages": {"will_go": c.will_go, "no_longer": c.no_longer}, "pages": c.pages,
                   "program": c.program},
        "program": [{"what": p.what, "before": p.before, "after": p.after} for p in diff.program],
        "across": {
            "tiers": [{"from": f, "to": t, "partners": n} for f, t, n in a.tiers],
            "benefits": [{"event": e, "benefit": b, "offers": o, "partners": n} for e, b, o, n in a.benefits],
            "escalations": [{"event": e, "kind": k, "count": n} for e, k, n in a.escalations],
        },
        "pages": [{"kind": p.kind, "added": list(p.added), "removed": list(p.removed), "changed": list(p.changed)}
                  for p in diff.pages],
        "partners": [_partner_json(p) for p in diff.partners],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _partner_json(p: PartnerDiff) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "status": p.status,
        "tier": None if p.tier is None else {
            "before": p.tier.before, "after": p.tier.after,
            "billed_before": p.tier.billed_before, "billed_after": p.tier.billed_after},
        "benefits": [{"event": b.event, "offer": b.offer, "benefit": b.benefit, "before": b.before, "after": b.after,
                      "reasons": list(b.reasons)} for b in p.benefits],
        "escalations": [{"event": e.event, "kind": e.kind, "about": e.about, "level_before": e.level_before,
                         "level_after": e.level_after} for e in p.escalations],
        "contacts": [{"event": c.event, "after": _contact_json(c.after), "before": _contact_json(c.before)}
                     for c in p.contacts],
        "messages": [{"event": m.event, "message_id": m.message.message_id, "recipient": m.message.recipient,
                      "copy_team": m.message.copy_team, "items": [_item_json(i) for i in m.items],
                      "still": [_item_json(i) for i in m.still]}
                     for m in p.messages],
    }


def _item_json(i: ItemFact) -> dict[str, Any]:
    return {"kind": i.kind, "subject": i.subject, "level": i.level}


def _contact_json(c: Any) -> dict[str, str] | None:
    return None if c is None else {"name": c.name, "email": c.email, "phone": c.phone, "language": c.language}
