"""A notify run in its own process, for the SIGKILL tests: python notify_entry.py ROOT PORT PARTNERS, or
python notify_entry.py ROOT PORT team-copy (one escalation that copies the team, retries 60 s apart)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datetime as dt

from builders import TODAY, content, many_partners, offer, partner, site

from notifier.notify import Options, notify
from rewards_build.model import OwnerStatus


def main() -> int:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    config = site(root, port, smtp={"host": "127.0.0.1", "port": port, "tls": "none", "connections": 1,
                                    "timeout_seconds": 5})
    if sys.argv[3] == "team-copy":
        gone = partner(offers=(offer(live=dt.date(2026, 10, 1), owner=OwnerStatus.LEFT),), team_contacts=())
        return notify(config, content(gone), Options(TODAY), send_overrides={"backoff_seconds": 60})
    data = content(*many_partners(int(sys.argv[3])))
    return notify(config, data, Options(TODAY), send_overrides={"backoff_seconds": 0.01})


if __name__ == "__main__":
    sys.exit(main())
