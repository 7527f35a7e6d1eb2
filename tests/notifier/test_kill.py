"""A run killed with SIGKILL in the middle of a batch, then run again: no message lost, none sent twice
except at most the one whose SMTP transaction was in flight, and that one with the same Message-ID."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from builders import TODAY, content, many_partners, site
from conftest import Server, states

from notifier.plan import History, plan

ENTRY = Path(__file__).resolve().parent / "notify_entry.py"
N = 40


async def run_entry(root: Path, port: int) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    return await asyncio.create_subprocess_exec(sys.executable, str(ENTRY), str(root), str(port), str(N), env=env)


async def test_a_run_killed_mid_batch_and_run_again_loses_nothing_and_repeats_at_most_one(
        smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    expected = {e.message_id for e in plan(content(*many_partners(N)), config.notifier, History(), TODAY)}
    smtp.handler.rule = lambda phase, address, n: "slow:0.03" if phase == "DATA" else None

    first = await run_entry(root, smtp.port)
    for _ in range(1000):  # wait until the batch is well under way
        if len(smtp.handler.received) >= 12:
            break
        await asyncio.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    got_before = len(smtp.handler.received)
    assert 12 <= got_before < N

    smtp.handler.rule = lambda phase, address, n: None
    second = await run_entry(root, smtp.port)
    assert await asyncio.wait_for(second.wait(), 60) == 0

    ids = Counter(smtp.handler.message_ids())
    assert set(ids) == expected  # nothing lost
    duplicates = {mid: n for mid, n in ids.items() if n > 1}
    assert len(duplicates) <= 1 and all(n == 2 for n in duplicates.values())
    assert states(config) == {"sent": N}
