"""The README's promise: the real date is read only at the command-line edge (rewards_build/clock.py),
so every rule, page and plan can be tested on any day by passing `today`."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READS_THE_DATE = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|datetime\.today)\(")


def test_only_clock_py_reads_the_real_date() -> None:
    readers = sorted(
        str(path.relative_to(REPO))
        for package in ("rewards_build", "notifier")
        for path in (REPO / package).rglob("*.py")
        if READS_THE_DATE.search(path.read_text(encoding="utf-8"))
    )
    assert readers == ["rewards_build/clock.py"]
