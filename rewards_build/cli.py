"""The `rewards` command: one subcommand per job, each a module of rewards_build/commands/ with
`HELP`, `add_arguments(parser)` and `run(args) -> int`. Follow a name below to its module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .commands import Command, apply_form, build, diff, forms, notify, report, serve, unsubscribe, validate

COMMANDS: dict[str, Command] = {
    "validate": validate,
    "report": report,
    "build": build,
    "serve": serve,
    "notify": notify,
    "diff": diff,
    "unsubscribe-server": unsubscribe,
    "forms": forms,
    "apply-form": apply_form,
}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rewards", description="Marketplace Rewards: the program as code.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=command.HELP, description=command.HELP)
        sub_parser.add_argument("--site", default="site.yml", metavar="PATH",
                                help="site configuration (default: site.yml)")
        command.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        print("rewards: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rewards report | head`: the reader left; that is not an error of ours
        sys.stderr.close()
        return 0
