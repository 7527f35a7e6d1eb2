"""The `rewards` command: one subcommand per job. Each job's module reads top to bottom as its steps.

Only the chosen subcommand's module is imported, so `rewards validate` never pays for the site or mailer.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module, function adding its arguments, function running it, one-line help)
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "validate": ("rewards_build.validate_command", "add_arguments", "run", "check content/ and site.yml"),
    "report": ("rewards_build.report_command", "add_arguments", "run",
               "validate, then print each partner's tier, unlocked benefits and escalations due"),
    "build": ("rewards_build.site.command", "add_build_arguments", "run_build", "render the static site"),
    "serve": ("rewards_build.site.command", "add_serve_arguments", "run_serve",
              "serve the site on localhost, rebuilding on change"),
    "notify": ("notifier.command", "add_arguments", "run", "plan and send program mail (for cron)"),
}


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rewards", description="Marketplace Rewards: the program as code.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, add_name, _run, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name != chosen:
            continue
        sub_parser.add_argument("--site", default="site.yml", metavar="PATH",
                                help="site configuration (default: site.yml)")
        getattr(importlib.import_module(module_name), add_name)(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = _parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    module_name, _add, run_name, _help = COMMANDS[args.command]
    try:
        return int(getattr(importlib.import_module(module_name), run_name)(args))
    except KeyboardInterrupt:
        print("rewards: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rewards report | head`: the reader left; that is not an error of ours
        sys.stderr.close()
        return 0
