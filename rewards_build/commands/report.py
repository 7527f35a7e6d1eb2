"""`rewards report`: validate, then print where each partner stands today.

The main job of the README's first command: a terminal view of the same answers the site and the
notifier use (tier, unlocked benefits, escalations due), all from `rules.assess`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

from .. import rules, wording
from ..clock import add_today_argument, today_from
from ..pipeline import load_all
from ..report import print_problems

HELP = "validate, then print each partner's tier, unlocked benefits and escalations due"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_today_argument(parser)


def _money(amount: int) -> str:
    return f"${amount:,}"


def describe(standing: rules.PartnerStanding, today: dt.date, reminders: rules.ReminderPolicy,
             window: int) -> list[str]:
    partner, tier = standing.partner, standing.tier
    if tier.tier is None:
        head = "no live offer yet"
    elif tier.next_tier is None:
        head = f"tier {tier.tier.name} (the top), {_money(tier.billed_sales_usd)} billed"
    else:
        head = (f"tier {tier.tier.name}, {_money(tier.billed_sales_usd)} billed; "
                f"{_money(tier.needed_usd or 0)} more for {tier.next_tier.name}")
    lines = [f"{partner.name} ({partner.id}): {head}" + ("  [opted out]" if standing.opted_out else "")]
    for group in standing.offers:
        offer = group.offer
        states = Counter(s.state.value for s in group.statuses)
        unlocked = [s.benefit.id for s in group.statuses
                    if s.state in (rules.BenefitState.AVAILABLE, rules.BenefitState.EXPIRING)]
        summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        lines.append(f"  {offer.id} ({rules.effective_listing_type(offer).value}, {offer.status.value}): {summary}")
        if unlocked:
            lines.append(f"    unlocked, ready to activate: {', '.join(unlocked)}")
    for esc in standing.escalations:
        about = " ".join(x for x in (esc.offer_id, esc.benefit_id) if x)
        level = rules.reminder_level(esc, today, reminders)  # the level the site and the mail show
        action = wording.ESCALATIONS[esc.kind].action % {"window": window}
        lines.append(f"  ! {esc.kind.value} (level {level}){' ' + about if about else ''}: {action}")
    return lines


def run(args: argparse.Namespace) -> int:
    today = today_from(args)
    result = load_all(Path(args.site), today)
    if result.problems:
        print_problems(result.problems, sys.stderr)
        return 2 if result.config_error else 1
    content, config = result.content, result.config
    assert content is not None and config is not None
    print(f"Marketplace Rewards {content.program.program_year}, as of {today.isoformat()}: "
          f"{len(content.partners)} partners, {len(content.benefits)} benefits\n")
    due = 0
    for partner in content.partners.values():
        standing = rules.assess(content, partner, today)
        due += len(standing.escalations)
        print("\n".join(describe(standing, today, config.notifier.reminders,
                                  content.program.timing.contact_within_days)) + "\n")
    print(f"{due} escalation(s) due")
    return 0
