"""A notify run in its own process, for the SIGKILL test: python notify_entry.py ROOT PORT PARTNERS."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import TODAY, content, many_partners, site

from notifier.notify import Options, notify


def main() -> int:
    root, port, n = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    config = site(root, port, smtp={"host": "127.0.0.1", "port": port, "tls": "none", "connections": 1,
                                    "timeout_seconds": 5})
    return notify(config, content(*many_partners(n)), Options(TODAY), send_overrides={"backoff_seconds": 0.01})


if __name__ == "__main__":
    sys.exit(main())
