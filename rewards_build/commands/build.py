"""`rewards build`: render the static site, atomically and incrementally (rewards_build/site/build.py).

Exit 0 built, 1 content or build error (the old site is kept), 2 unusable site.yml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..clock import add_today_argument, today_from

HELP = "render the static site"


def add_site_arguments(parser: argparse.ArgumentParser) -> None:
    """What `rewards build` and `rewards serve` both take."""
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output_dir in site.yml)")
    add_today_argument(parser)
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: every core)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_site_arguments(parser)
    parser.add_argument("--clean", action="store_true", help="ignore the previous build and render everything")


def run(args: argparse.Namespace) -> int:
    from ..site.build import build  # Jinja2, Markdown and Babel: only for the commands that render

    result = build(Path(args.site), today_from(args), out=args.out, clean=args.clean, jobs=args.jobs,
                   stream=sys.stderr)
    if result.exit_code == 0 and result.out is not None:
        print(f"Browse it with `rewards serve` (http://127.0.0.1:8000/), or any static server on {result.out}",
              file=sys.stderr)
    return result.exit_code
