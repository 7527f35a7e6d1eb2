"""`rewards notify`: plan and send program mail, for cron (the run itself: notifier/notify.py).

Exit 0 everything due was sent; 1 something failed or is left pending; 2 usage, configuration,
content, ledger or outbox error (the run refused, or stopped: the message says which and what to do);
3 another run holds the lock. The ledger is created only by `--init-ledger`, the first run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..clock import add_today_argument, today_from
from ..config import SiteConfig
from ..loadcache import load_all
from ..model import Content
from ..report import print_problems

HELP = "plan and send program mail (for cron)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_today_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="write .eml files and index.html to the outbox; send nothing, leave the ledger alone")
    parser.add_argument("--outbox", type=Path, metavar="DIR", help="dry-run folder (default: notifier.outbox)")
    parser.add_argument("--only", metavar="PARTNER", help="only this partner id")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N messages this run")
    parser.add_argument("--status", action="store_true", help="show the ledger by kind and state, then exit")
    parser.add_argument("--init-ledger", action="store_true",
                        help="the first run: create the ledger (refused if one exists), then plan and send; "
                             "every other run refuses to start without a ledger")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    parser.add_argument("--export-optouts", action="store_true",
                        help="print, as a patch for `git apply`, the `tips: false` each partner file needs for the "
                             "opt-outs the unsubscribe receiver recorded; send nothing")
    parser.add_argument("--export-suppressions", action="store_true",
                        help="print, as a patch for `git apply`, the `bounced_on` each partner file needs for the "
                             "addresses the ledger suppressed after bounces; send nothing")


def run(args: argparse.Namespace) -> int:
    from notifier.notify import NewLedger, Options, notify, show_status  # the mailer: only here
    from notifier.report import CONFIG_ERROR

    exports = [name for name, on in (("--export-optouts", args.export_optouts),
                                     ("--export-suppressions", args.export_suppressions)) if on]
    if exports and (args.dry_run or args.status or args.init_ledger or len(exports) > 1):
        print(f"rewards notify: error: {exports[0]} sends nothing; leave out --dry-run, --status, --init-ledger "
              "and the other export", file=sys.stderr)
        return CONFIG_ERROR

    # 0. --init-ledger is for a first real run only.
    if args.init_ledger and (args.dry_run or args.status):
        other = "--dry-run" if args.dry_run else "--status"
        print(f"rewards notify: error: --init-ledger creates the ledger for a first real run; {other} never writes "
              f"the ledger, so leave out one of them", file=sys.stderr)
        return CONFIG_ERROR
    # 1. Load and validate the content (or read back the model of the last valid load of the very same
    #    files: rewards_build/loadcache.py); any problem means nothing is sent.
    today = today_from(args)
    result = load_all(Path(args.site), today)
    if result.problems:
        print_problems(result.problems, sys.stderr)
        print(f"notify: {len(result.problems)} problem(s) in content or configuration; nothing sent", file=sys.stderr)
    # 2. --status needs only site.yml; a run needs valid content too.
    if result.config is not None and args.status:
        return show_status(result.config, sys.stdout, sys.stderr)
    if result.config is None or result.content is None:
        return CONFIG_ERROR
    # 3. --export-optouts turns the receiver's record into a change to the content, and sends nothing.
    if args.export_optouts:
        return export_optouts(result.config, result.content)
    if args.export_suppressions:
        return export_suppressions(result.config, result.content)
    new_ledger = NewLedger.CREATE if args.init_ledger else NewLedger.REFUSE
    options = Options(today, args.dry_run, args.outbox, args.only, args.limit, args.json, new_ledger)
    return notify(result.config, result.content, options)


def export_optouts(config: SiteConfig, content: Content) -> int:
    """The receiver's record as a patch on stdout; notes (records it could not place) on stderr."""
    from notifier import unsubscribe

    if config.notifier.unsubscribe is None:
        print("notify: notifier.unsubscribe is not configured in site.yml: there is no record to export",
              file=sys.stderr)
        return 2
    record = config.notifier.unsubscribe_record
    try:
        patch, notes = unsubscribe.export_optouts(config, content, unsubscribe.read(record))
    except OSError as exc:
        print(f"notify: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    sys.stdout.write(patch)
    for note in notes:
        print(f"notify: {note}", file=sys.stderr)
    if not patch:
        print(f"notify: every opt-out in {record} is in the content already", file=sys.stderr)
    return 0


def export_suppressions(config: SiteConfig, content: Content) -> int:
    """The ledger's suppression list as a patch on stdout; notes (what it could not place) on stderr."""
    from notifier import bounces
    from notifier.ledger import Ledger, LedgerError

    try:
        ledger = Ledger.open_read_only(config.notifier.ledger)
        if ledger is None:
            print(f"notify: no ledger at {config.notifier.ledger}: there is no suppression list to export",
                  file=sys.stderr)
            return 2
        try:
            suppressed = {s.address: s.since for s in ledger.suppressions()}
        finally:
            ledger.close()
        patch, notes = bounces.export_suppressions(config, content, suppressed)
    except LedgerError as exc:
        print(f"notify: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"notify: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    sys.stdout.write(patch)
    for note in notes:
        print(f"notify: {note}", file=sys.stderr)
    if not patch:
        print(f"notify: every suppressed contact in {config.notifier.ledger} is marked in the content already",
              file=sys.stderr)
    return 0
