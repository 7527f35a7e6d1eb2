"""`rewards serve`: the built site on localhost, rebuilt on change (rewards_build/site/serve.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .build import add_site_arguments

HELP = "serve the site on localhost, rebuilding on change"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_site_arguments(parser)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")


def run(args: argparse.Namespace) -> int:
    from ..site.serve import serve  # the site, and watchfiles: only for this command

    # Without --today, each rebuild reads the real date (a server left running overnight moves on).
    return serve(Path(args.site), today=args.today, out=args.out, host=args.host, port=args.port, jobs=args.jobs)
