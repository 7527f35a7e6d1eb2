"""The one place that reads the real date, at the command-line edge. Everything else takes `today`."""

from __future__ import annotations

import argparse
import datetime as dt
import re

# The days --today may name. The rules add months and years to dates (benefit expiry, the next
# transact deadline, escalation windows), and Python's dates end at 9999-12-31, so a day near either
# end of the calendar would fail deep inside a rule; a program year far outside this century is a
# typo anyway. The range is documented in docs/notifier.md and pinned by tests/validate/test_cli.py.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


# Only the form the help names: date.fromisoformat also takes "20261124" and ISO weeks ("2026-W48-2"),
# which a typo can produce and nobody reading the cron line would recognise as the day it means.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> dt.date:
    """`--today`: a date YYYY-MM-DD between FIRST_DAY and LAST_DAY, or argparse's usage error (exit 2)."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(
            f"{day.isoformat()} is outside the dates this program handles ({FIRST_DAY} to {LAST_DAY})")
    return day


def add_today_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", type=parse_day, default=None, metavar="YYYY-MM-DD",
                        help="the date to judge the program by (default: today)")


def today() -> dt.date:
    return dt.date.today()


def now() -> dt.datetime:
    """The wall clock in UTC (a message's Date header)."""
    return dt.datetime.now(dt.UTC)


def today_from(args: argparse.Namespace) -> dt.date:
    return args.today or today()
