"""`rewards diff [BASE] [--head REF]`: what a content change does to the program, before it merges.

Exit 0 no program change, 3 changes found, 1 invalid content at HEAD (its problems printed as
`rewards validate` prints them), 2 usage, site.yml or git error (not a repository, an unknown ref).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import add_today_argument, today_from
from ..report import print_problems

HELP = "compare the program at BASE with HEAD: partners, benefits, escalations, mail and pages that change"

if TYPE_CHECKING:
    from notifier.plan import History

CHANGES_FOUND = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", nargs="?", default=None, metavar="BASE",
                        help="a git ref (default: the merge base with the upstream of the current branch, else HEAD)")
    parser.add_argument("--head", default=None, metavar="REF", help="a git ref (default: the working tree)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="text for a terminal, markdown for a pull-request comment, json for tools")
    parser.add_argument("--ledger", type=Path, default=None, metavar="PATH",
                        help="plan mail against this notify ledger's history (read only); default: an empty history")
    parser.add_argument("--limit", type=int, default=25, metavar="N",
                        help="partners detailed in text and markdown; the rest are counted (default: 25)")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ..diff import render
    from ..diff.compare import Diff
    from ..diff.git import GitError
    from ..diff.run import Request, diff

    today = today_from(args)
    if args.limit < 0:
        print("diff: --limit must be 0 or more", file=sys.stderr)
        return 2
    try:
        history = _history(args.ledger)
        result = diff(Request(Path(args.site), today, args.base, args.head, history))
    except (GitError, _LedgerProblem) as exc:
        print(f"diff: {exc}", file=sys.stderr)
        return 2
    if not isinstance(result, Diff):  # HEAD is invalid: say why, as validate does
        fmt = "json" if args.format == "json" else "text"
        print_problems(result.problems, sys.stdout, fmt)
        if result.config_error:
            return 2
        print(f"{len(result.problems)} problem(s) found in {result.label}", file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(render.as_json(result, today))
    elif args.format == "markdown":
        sys.stdout.write(render.markdown(result, today, args.limit))
    else:
        sys.stdout.write(render.text(result, today, args.limit))
    return CHANGES_FOUND if result.changed else 0


class _LedgerProblem(Exception):
    pass


def _history(path: Path | None) -> History:
    """The ledger's history, read only (with an unapplied recovery journal taken into account), or an
    empty history: mail is then what a first run would send."""
    from notifier.journal import journal_overrides
    from notifier.ledger import Ledger, LedgerError
    from notifier.plan import History

    if path is None:
        return History()
    try:
        ledger = Ledger.open_read_only(path)
    except LedgerError as exc:
        raise _LedgerProblem(str(exc)) from None
    if ledger is None:
        raise _LedgerProblem(f"no ledger at {path}")
    try:
        return ledger.history(journal_overrides(path))
    except LedgerError as exc:
        raise _LedgerProblem(str(exc)) from None
    finally:
        ledger.close()
