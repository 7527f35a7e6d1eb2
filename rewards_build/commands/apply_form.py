"""`rewards apply-form BODY --author LOGIN`: a submitted issue form to the change in one partner's file.

Prints the reply for the issue (Markdown) on stdout. Exit 0 the change is written (and, with
--title-file, the pull request's title there), 1 the request is refused (the reply says what to fix,
field by field; nothing written), 2 usage or site.yml error, or content that does not validate before
the change (its problems on stderr, as `rewards validate` prints them). See docs/forms.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..clock import add_today_argument, today_from
from ..report import print_problems

HELP = "apply a submitted issue form (its body, as GitHub renders it) to the partner's file"

# GitHub's rule for a login, plus the "[bot]" suffix of apps: the author is quoted in the reply.
_LOGIN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:\[bot\])?")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("body", metavar="BODY", help="a file holding the issue's body ('-': standard input)")
    parser.add_argument("--author", required=True, metavar="LOGIN", help="the GitHub login who opened the issue")
    parser.add_argument("--title-file", type=Path, default=None, metavar="PATH",
                        help="when the change is written, write the pull request's title (one line) here")
    parser.add_argument("--dry-run", action="store_true", help="check and print the reply; write nothing")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ..forms.apply import APPLIED, ERROR, apply_form
    from ..forms.body import MAX_BODY_CHARS

    if not _LOGIN.fullmatch(args.author):
        print(f"apply-form: --author {args.author[:60]!r} is not a GitHub login", file=sys.stderr)
        return ERROR
    text = _read(args.body, MAX_BODY_CHARS * 4 + 1)  # UTF-8: at most 4 bytes a character
    if text is None:
        return ERROR
    outcome = apply_form(text, args.author, Path(args.site), today_from(args), write=not args.dry_run)
    if outcome.problems:
        print_problems(outcome.problems, sys.stderr)
    sys.stdout.write(outcome.reply)
    if outcome.code == APPLIED and args.title_file is not None:
        args.title_file.write_text(outcome.title + "\n", encoding="utf-8")
    if outcome.file is not None:
        print(f"apply-form: wrote {outcome.file}", file=sys.stderr)
    return outcome.code


def _read(name: str, limit: int) -> str | None:
    """The body, bounded (the body is untrusted: a huge one is refused by the form reader, not read whole)."""
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(limit)
        else:
            with open(name, "rb") as stream:
                raw = stream.read(limit)
    except OSError as exc:
        print(f"apply-form: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
        return None
    # Undecodable bytes become U+FFFD, which no answer of ours accepts: the form reader refuses them.
    return raw.decode("utf-8", errors="replace")
