"""`rewards unsubscribe-server`: the receiver of the tips' unsubscribe links (notifier/unsubscribe.py).

Put it behind the web server that answers `notifier.unsubscribe.url` (it listens on 127.0.0.1 by
default); it reads the signing secret from the environment variable `notifier.unsubscribe.secret_env`
names, answers the one-click POST (RFC 8058) and a GET confirmation page, and appends each opt-out to
the file beside the ledger (`var/unsubscribed.jsonl`). Exit 2 when site.yml or the environment does not
allow it to start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..pipeline import load_config
from ..report import print_problems

HELP = "answer the tips' unsubscribe links (one-click POST, confirmation page) and record each opt-out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8025, help="port to listen on (default: 8025)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")


def run(args: argparse.Namespace) -> int:
    from notifier import unsubscribe  # the receiver: only for this command

    # 1. site.yml says where the receiver is, which secret signs, and where opt-outs are recorded.
    config, problems = load_config(Path(args.site))
    if config is None:
        print_problems(problems, sys.stderr)
        return 2
    settings = config.notifier.unsubscribe
    if settings is None:
        print("unsubscribe-server: notifier.unsubscribe is not configured in site.yml (url, secret_env)",
              file=sys.stderr)
        return 2
    try:
        signer = unsubscribe.Signer.from_env(settings)
    except unsubscribe.SecretMissing as exc:
        print(f"unsubscribe-server: {exc}; set it to the secret the notifier signs with", file=sys.stderr)
        return 2
    # 2. Listen, and answer until interrupted.
    record = config.notifier.unsubscribe_record
    try:
        receiver = unsubscribe.Receiver(signer, record)
        server = unsubscribe.serve(args.host, args.port, receiver, sys.stderr)
    except OSError as exc:
        print(f"unsubscribe-server: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"unsubscribe-server: answering {signer.url} on http://{host!s}:{port}/, recording to {record}",
          file=sys.stderr, flush=True)
    with server:
        server.serve_forever()
    return 0
