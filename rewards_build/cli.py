"""The `rewards` command: one subcommand per job, each a module of rewards_build/commands/ with
`HELP`, `add_arguments(parser)` and `run(args) -> int`. Follow a name below to its module.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import cast

from .commands import Command

# Command name -> its module in rewards_build/commands/. A command's module is imported only when it
# runs (or for `rewards --help`): some import their job's code at the top (forms: the whole loader), and
# a no-op `rewards build` should not pay for them (issue 13: imports were a third of a rebuild).
COMMANDS: dict[str, str] = {
    "validate": "validate",
    "report": "report",
    "build": "build",
    "serve": "serve",
    "notify": "notify",
    "diff": "diff",
    "unsubscribe-server": "unsubscribe",
    "forms": "forms",
    "apply-form": "apply_form",
}


def command(name: str) -> Command:
    return cast(Command, importlib.import_module(f"{__package__}.commands.{COMMANDS[name]}"))


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser, or only the one named (`only`) when that is the one to run."""
    parser = argparse.ArgumentParser(prog="rewards", description="Marketplace Rewards: the program as code.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else [only]:
        module = command(name)
        sub_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        sub_parser.add_argument("--site", default="site.yml", metavar="PATH",
                                help="site configuration (default: site.yml)")
        module.add_arguments(sub_parser)
    return parser


# The cycle collector's thresholds for a run. The model is tens of thousands of frozen records that
# live for the whole run, and the rules make hundreds of thousands more (an answer per benefit per
# offer), none of which form reference cycles. CPython's default (a collection every 700 net
# allocations) walks the young records again and again for cycles this program does not make: a
# quarter of the rules' time in a diff of 10,000 partners (3.6 s against 4.9 s), for the same peak
# memory (181 MB). Cycles are still collected, a young generation every 50,000 allocations.
GC_THRESHOLDS = (50_000, 20, 20)


def main(argv: Sequence[str] | None = None) -> int:
    gc.set_threshold(*GC_THRESHOLDS)
    given = list(sys.argv[1:] if argv is None else argv)
    args = parser(given[0] if given and given[0] in COMMANDS else None).parse_args(given)
    try:
        return command(args.command).run(args)
    except KeyboardInterrupt:
        print("rewards: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rewards report | head`: the reader left; that is not an error of ours
        sys.stderr.close()
        return 0
