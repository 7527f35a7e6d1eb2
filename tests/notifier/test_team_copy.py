"""The rewards team's copy (Cc) of an escalation is never lost, and the contact never gets it twice:
a copy refused for now is retried on its own; one still refused is left pending, a record of its own,
and the next run sends it to the team alone, the same message; when the contact's address is refused
for good, the team still gets the escalation. Every test runs on both sending paths."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import TODAY, content, offer, partner, site
from conftest import Server, ledger_rows, run_notify, states

from notifier.journal import Journal
from notifier.notify import Options, notify, show_status
from rewards_build.config import SiteConfig
from rewards_build.model import OwnerStatus

TEAM = "escalations@rewards.example.com"
ADA = "ada@contoso.example"
GONE = partner(offers=(offer(live=dt.date(2026, 10, 1), owner=OwnerStatus.LEFT),), team_contacts=())  # level 2
ENTRY = Path(__file__).resolve().parent / "notify_entry.py"


def copies(config: SiteConfig) -> list[tuple[str, str, str | None, bool]]:
    """(address, state, reply, bytes kept) of each copy with a record of its own."""
    db = sqlite3.connect(config.notifier.ledger)
    try:
        return [(a, s, r, d is not None) for a, s, r, d in
                db.execute("SELECT address, state, reply, data FROM copies ORDER BY message_id, address")]
    finally:
        db.close()


def rcpts(server: Server) -> list[list[str]]:
    return [r for _, r in server.handler.envelopes]


async def test_a_team_copy_refused_once_is_delivered_on_retry(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "451 4.7.1 greylisted" if (phase, address, n) == ("RCPT", TEAM, 2) \
        else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))
    assert result.code == 0, result.err
    assert rcpts(smtp) == [[ADA], [TEAM]]  # the contact once, then the copy alone
    assert len({str(m["Message-ID"]) for m in smtp.handler.received}) == 1  # the same message
    assert states(config) == {"sent": 2}  # the escalation and the tip in one digest
    assert copies(config) == [(TEAM, "sent", "250 accepted", False)]


async def test_a_team_copy_refused_through_every_retry_is_pending_and_the_next_run_sends_it_alone(
        smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 try later" if (phase, address) == ("RCPT", TEAM) \
        else None
    config = site(root, smtp.port)
    first = await run_notify(config, content(GONE), Options(TODAY))
    assert first.code == 1
    assert rcpts(smtp) == [[ADA]]  # never twice to her
    assert f"copy not delivered {TEAM}" in first.err and f"the next run sends it to {TEAM} alone" in first.err
    assert states(config) == {"sent": 2}  # the contact has it
    assert copies(config) == [(TEAM, "pending", f"{TEAM}: 451 4.3.0 try later", True)]
    status = io.StringIO()
    show_status(config, status)
    assert "team copies with a record of their own: 1 pending, 0 sent, 0 failed" in status.getvalue()

    smtp.handler.rule = lambda phase, address, n: None
    second = await run_notify(config, content(GONE), Options(TODAY + dt.timedelta(days=1)))
    assert second.code == 0, second.err
    assert rcpts(smtp) == [[ADA], [TEAM]]  # the team alone; nothing new was due for Ada
    ada, team = smtp.handler.received
    assert team.as_bytes() == ada.as_bytes()  # the very message she got: Message-ID, Date, Cc, signature
    assert copies(config) == [(TEAM, "sent", "250 accepted", False)]  # bytes dropped once delivered

    third = await run_notify(config, content(GONE), Options(TODAY + dt.timedelta(days=1)))
    assert third.code == 0 and len(smtp.handler.received) == 2


async def test_when_the_contacts_address_is_refused_for_good_the_team_still_gets_the_escalation(
        smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "550 5.1.1 no such user" if (phase, address) == ("RCPT", ADA) \
        else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))

    assert result.code == 1  # a recipient failed permanently
    assert rcpts(smtp) == [[TEAM]]
    [msg] = smtp.handler.received
    assert msg["To"].addresses[0].addr_spec == ADA and msg["Cc"].addresses[0].addr_spec == TEAM
    assert msg["Subject"].startswith("[Escalated] ")
    assert {(r["state"], r["reply"]) for r in ledger_rows(config)} == {("failed", f"{ADA}: 550 5.1.1 no such user")}
    assert copies(config) == [(TEAM, "sent", "250 accepted", False)]
    assert f"failed {ADA}" in result.err and f"the copy to {TEAM} was delivered" in result.err
    assert smtp.handler.seen["RCPT"] == 2  # not retried

    again = await run_notify(config, content(GONE), Options(TODAY))
    assert again.code == 0 and len(smtp.handler.received) == 1


async def test_a_contact_refused_for_now_holds_the_copy_back_until_both_go_together(
        smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 try later" if (phase, address, n) == ("RCPT", ADA, 1) \
        else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))
    assert result.code == 0, result.err
    assert rcpts(smtp) == [[ADA, TEAM]]  # once, together: the team did not get it on the first try
    assert copies(config) == []


async def test_the_contact_refused_for_good_and_the_team_for_now_the_team_gets_it_on_retry(
        smtp: Server, root: Path) -> None:
    def rule(phase: str, address: str | None, n: int) -> str | None:
        if phase == "RCPT" and address == ADA:
            return "550 5.1.1 no such user"
        return "451 4.3.0 try later" if phase == "RCPT" and n == 2 else None

    smtp.handler.rule = rule
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))
    assert result.code == 1
    assert rcpts(smtp) == [[TEAM]]
    assert states(config) == {"failed": 2} and copies(config) == [(TEAM, "sent", "250 accepted", False)]


async def test_a_team_copy_refused_for_good_is_recorded_failed_and_the_run_exits_1(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "550 5.1.1 unknown" if (phase, address) == ("RCPT", TEAM) else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))
    assert result.code == 1
    assert rcpts(smtp) == [[ADA]] and states(config) == {"sent": 2}
    assert copies(config) == [(TEAM, "failed", f"{TEAM}: 550 5.1.1 unknown", False)]
    assert "copy refused" in result.err


@pytest.fixture
def locker() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for p in started:
        p.kill()
        p.wait()


async def test_a_copy_left_pending_while_the_ledger_fails_is_kept_in_the_journal(
        smtp: Server, root: Path, locker: list[subprocess.Popen[str]]) -> None:
    config = site(root, smtp.port)
    code = ("import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
            "db.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(600)\n")

    def rule(phase: str, address: str | None, n: int) -> str | None:
        if phase == "RCPT" and address == TEAM:
            return "451 4.3.0 try later"
        if phase == "DATA":  # accepted for Ada, but neither that nor the pending copy can be recorded
            p = subprocess.Popen([sys.executable, "-c", code, str(config.notifier.ledger)], stdout=subprocess.PIPE,
                                 text=True)
            locker.append(p)
            assert p.stdout is not None and p.stdout.readline().strip() == "locked"
        return None

    smtp.handler.rule = rule
    out, err = io.StringIO(), io.StringIO()
    first = await asyncio.to_thread(notify, config, content(GONE), Options(TODAY), send_overrides={
        "backoff_seconds": 0.01}, stdout=out, stderr=err, ledger_busy_seconds=0.2)
    assert first == 2, err.getvalue()
    assert Journal.path_for(config.notifier.ledger).exists()
    for p in locker:
        p.kill()
        p.wait()

    smtp.handler.rule = lambda phase, address, n: None
    second = await run_notify(config, content(GONE), Options(TODAY))
    assert second.code == 0, second.err
    assert rcpts(smtp) == [[ADA], [TEAM]]  # the contact once; the copy alone, from the journal's bytes
    assert smtp.handler.received[0].as_bytes() == smtp.handler.received[1].as_bytes()
    assert states(config) == {"sent": 2} and copies(config) == [(TEAM, "sent", "250 accepted", False)]
    assert not Journal.path_for(config.notifier.ledger).exists()


async def test_a_run_killed_while_it_retries_the_copy_sends_the_contact_nothing_again(
        smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 try later" if (phase, address) == ("RCPT", TEAM) \
        else None
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    # The copy's retries wait 60 s: the run is killed while it waits, after Ada's message was accepted.
    first = await asyncio.create_subprocess_exec(sys.executable, str(ENTRY), str(root), str(smtp.port), "team-copy",
                                                 env=env)
    for _ in range(1000):  # until Ada's message is recorded sent and the copy pending
        if config.notifier.ledger.exists():
            with contextlib.suppress(sqlite3.Error):
                if copies(config) and states(config) == {"sent": 2}:
                    break
        await asyncio.sleep(0.01)
    assert copies(config) == [(TEAM, "pending", f"{TEAM}: 451 4.3.0 try later", True)]
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    assert rcpts(smtp) == [[ADA]]

    smtp.handler.rule = lambda phase, address, n: None
    second = await asyncio.create_subprocess_exec(sys.executable, str(ENTRY), str(root), str(smtp.port),
                                                  "team-copy", env=env)
    assert await asyncio.wait_for(second.wait(), 60) == 0
    assert rcpts(smtp) == [[ADA], [TEAM]]  # nothing lost, nothing twice
    assert copies(config) == [(TEAM, "sent", "250 accepted", False)]
