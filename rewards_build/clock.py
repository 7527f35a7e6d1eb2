"""The one place that reads the real date, at the command-line edge. Everything else takes `today`."""

from __future__ import annotations

import argparse
import datetime as dt


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


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
