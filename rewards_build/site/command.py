"""The CLI edge of the site: arguments in, exit code out. The real date is read here and only here."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date written YYYY-MM-DD, got {text!r}") from exc


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output_dir in site.yml)")
    parser.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                        help="the date benefit states are computed for (default: today)")
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: every core)")


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--clean", action="store_true", help="ignore the previous build and render everything")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")


def run_build(args: argparse.Namespace) -> int:
    from .build import build

    result = build(Path(args.site), args.today or dt.date.today(), out=args.out, clean=args.clean,
                   jobs=args.jobs, stream=sys.stderr)
    if result.exit_code == 0 and result.out is not None:
        print(f"Browse it with `rewards serve` (http://127.0.0.1:8000/), or any static server on {result.out}",
              file=sys.stderr)
    return result.exit_code


def run_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(Path(args.site), today=args.today, out=args.out, host=args.host, port=args.port, jobs=args.jobs)
