"""`rewards validate`: check site.yml and every content file; print every problem at once.

Exit 0 valid, 1 invalid content, 2 usage or configuration error (site.yml missing or invalid).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..clock import add_today_argument, today_from
from ..pipeline import load_all
from ..report import FORMATS, print_problems

HELP = "check content/ and site.yml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help="how to print problems (default: text)")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    result = load_all(Path(args.site), today_from(args))
    print_problems(result.problems, sys.stdout, args.format)
    if result.config_error:
        return 2
    if result.problems:
        if args.format == "text":
            print(f"{len(result.problems)} problem(s) found", file=sys.stderr)
        return 1
    if args.format == "text":
        content = result.content
        assert content is not None
        print(f"valid: {len(content.partners)} partners, {len(content.benefits)} benefits, "
              f"{len(content.tips)} tips, {len(content.toolkit)} toolkit pages", file=sys.stderr)
    return 0
