"""The bounce inbox (a real Maildir, read by `rewards notify` before planning; mail sent to a real
aiosmtpd): hard and soft bounces, each message read exactly once even when a run is killed between
recording it and moving it, mailed unsubscribes, and hostile mail that must change nothing."""

from __future__ import annotations

import datetime as dt
import mailbox
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from builders import TODAY, contact, content, partner, site
from conftest import Handler, Server, ledger_rows, run_notify, start_server

from notifier import unsubscribe
from notifier.ledger import Ledger
from notifier.ledger_schema import SCHEMA
from notifier.notify import Options, show_status
from rewards_build.config import SiteConfig
from rewards_build.model import Content

ADA, BOB = "ada@contoso.example", "bob@contoso.example"
BOUNCES = "bounces+{key}@rewards.example.com"
DATA = content(partner(contacts=(contact(), contact("Bob Builder", BOB))))


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    s = await start_server(Handler(pipelining=True))
    yield s
    s.server.close()


def bounce_site(root: Path, port: int, **bounces: object) -> SiteConfig:
    return site(root, port, bounces={"address": BOUNCES, "maildir": "var/bounces", **bounces})


def maildir(config: SiteConfig) -> mailbox.Maildir:
    assert config.notifier.bounces is not None and config.notifier.bounces.maildir is not None
    config.notifier.bounces.maildir.parent.mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(config.notifier.bounces.maildir, create=True)


def message_id_of(config: SiteConfig, address: str) -> str:
    return next(str(r["message_id"]) for r in ledger_rows(config) if r["contact"] == address)


def verp(message_id: str) -> str:
    return BOUNCES.replace("{key}", message_id[1:33])


def dsn(to: str, failed: str, status: str = "5.1.1", action: str = "failed", quoted_id: str = "") -> bytes:
    """A non-delivery report as RFC 3464 writes it (the shape Postfix, Exim and Exchange send)."""
    code = "550" if status.startswith("5") else "452"
    text = f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: {to}
Delivered-To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {failed}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {code} {status} mailbox unavailable

--BOUNDARY
Content-Type: text/rfc822-headers

Message-ID: {quoted_id or "<unrelated@elsewhere.example>"}
To: {failed}

--BOUNDARY--
"""
    return text.replace("\n", "\r\n").encode()


def suppressed(config: SiteConfig) -> list[str]:
    db = sqlite3.connect(config.notifier.ledger)
    try:
        return [r[0] for r in db.execute("SELECT address FROM suppressions ORDER BY address")]
    finally:
        db.close()


def processed(config: SiteConfig) -> int:
    return len(maildir(config).get_folder("Processed"))


async def first_run(config: SiteConfig, data: Content = DATA) -> None:
    maildir(config)  # made by the MTA's delivery agent before any report comes back
    result = await run_notify(config, data, Options(TODAY))
    assert result.code == 0, result.err


async def test_every_message_goes_out_with_its_own_bounce_address(server: Server, root: Path) -> None:
    config = bounce_site(root, server.port)
    await first_run(config)
    senders = {rcpts[0]: sender for sender, rcpts in server.handler.envelopes}
    assert senders == {ADA: verp(message_id_of(config, ADA)), BOB: verp(message_id_of(config, BOB))}
    # The From the reader sees is unchanged.
    assert {str(m["From"]) for m in server.handler.received} == {"Marketplace Rewards <rewards@rewards.example.com>"}


async def test_a_hard_bounce_marks_that_message_and_suppresses_that_address_only(server: Server, root: Path) -> None:
    config = bounce_site(root, server.port)
    await first_run(config)
    maildir(config).add(dsn(verp(message_id_of(config, BOB)), BOB))
    later = TODAY + dt.timedelta(days=14)  # a cadence later: both would get their next tip

    result = await run_notify(config, DATA, Options(later))

    assert result.code == 0, result.err
    assert f"hard bounce of {message_id_of(config, BOB)} to {BOB}: 5.1.1" in result.err
    marked = {r["contact"]: r["bounced_on"] for r in ledger_rows(config) if r["planned_on"] == TODAY.isoformat()}
    assert marked == {ADA: None, BOB: later.isoformat()}
    assert suppressed(config) == [BOB]
    planned_later = {r["contact"] for r in ledger_rows(config) if r["planned_on"] == later.isoformat()}
    assert planned_later == {ADA, "partnercenter@contoso.example"}  # Bob: nothing; the account: replace Bob
    assert list(maildir(config).keys()) == [] and processed(config) == 1
    assert "inbox: 1 read, 1 bounce(s), 1 address(es) suppressed" in result.out


async def test_soft_bounces_count_and_a_message_reread_after_a_kill_counts_once(server: Server, root: Path) -> None:
    config = bounce_site(root, server.port, soft_bounces=2)
    await first_run(config)
    box = maildir(config)
    report = dsn(verp(message_id_of(config, BOB)), BOB, status="4.2.2", action="failed")
    box.add(report)

    first = await run_notify(config, DATA, Options(TODAY))
    assert "soft bounce" in first.err and suppressed(config) == []

    # A run killed after recording the message and before moving it leaves it in the inbox: the next run
    # sees from the ledger that it was read, moves it, and does not count it again.
    box.add(report)
    second = await run_notify(config, DATA, Options(TODAY))
    assert second.code == 0 and "soft bounce" not in second.err and suppressed(config) == []
    assert list(box.keys()) == [] and processed(config) == 2

    box.add(dsn(verp(message_id_of(config, BOB)), BOB, status="4.2.2", action="failed").replace(
        b"mailbox unavailable", b"mailbox full"))  # a second, distinct report
    third = await run_notify(config, DATA, Options(TODAY))
    assert suppressed(config) == [BOB], third.err
    assert [r["bounced_on"] for r in ledger_rows(config) if r["contact"] == BOB] == [None]  # soft: not marked


@pytest.mark.parametrize(("name", "message", "says"), [
    ("garbage", os.urandom(4000), "changes nothing"),
    ("empty", b"", "changes nothing"),
    ("unknown key", None, "the ledger does not know"),
    ("auto-reply to the bounce address", None, "not a non-delivery report"),
    ("a report naming an address never mailed", None, "to which the ledger records nothing sent"),
    ("huge", b"Subject: big\r\n\r\n" + b"x" * 30_000, "larger than notifier.bounces.max_message_bytes"),
    ("the team's copy bounced", None, "the rewards team's copy"),
    ("a delay warning", None, "a delay warning (4.4.1"),
    ("headers that are not headers", b"\x00\xff:\r\n::\r\n\r\n--\r\n" * 50, "changes nothing"),
])
async def test_hostile_or_unrelated_mail_changes_nothing_and_says_so(
        server: Server, root: Path, name: str, message: bytes | None, says: str) -> None:
    config = bounce_site(root, server.port, max_message_bytes=20_000)
    await first_run(config)
    bob_verp = verp(message_id_of(config, BOB))
    message = message if message is not None else {
        "unknown key": dsn(BOUNCES.replace("{key}", "0" * 32), BOB),
        "auto-reply to the bounce address": (f"From: {BOB}\r\nTo: {bob_verp}\r\nSubject: Out of office\r\nAuto-Submitted: "
                                             "auto-replied\r\n\r\nI am away until Monday.\r\n").encode(),
        "a report naming an address never mailed": dsn("postmaster@rewards.example.com", "stranger@else.example"),
        "the team's copy bounced": dsn(bob_verp, "escalations@rewards.example.com"),
        "a delay warning": dsn(bob_verp, BOB, status="4.4.1", action="delayed"),
    }[name]
    maildir(config).add(message)
    before = ledger_rows(config)

    result = await run_notify(config, DATA, Options(TODAY))

    assert result.code == 0, result.err
    assert says in result.err and "Traceback" not in result.err
    assert ledger_rows(config) == before  # nothing marked, nothing planned
    assert suppressed(config) == []
    assert list(maildir(config).keys()) == [] and processed(config) == 1  # moved, so read once


async def test_a_report_without_the_bounce_address_is_matched_by_the_message_id_it_quotes(
        server: Server, root: Path) -> None:
    config = bounce_site(root, server.port)
    await first_run(config)
    bob_id = message_id_of(config, BOB)
    maildir(config).add(dsn("postmaster@rewards.example.com", BOB, quoted_id=bob_id))
    result = await run_notify(config, DATA, Options(TODAY))
    assert f"hard bounce of {bob_id} to {BOB}" in result.err
    assert suppressed(config) == [BOB]
    # The same report quoting Bob's Message-ID but naming Ada's address marks nothing of Bob's.
    assert [r["contact"] for r in ledger_rows(config) if r["bounced_on"]] == [BOB]


async def test_mail_to_the_unsubscribe_address_with_a_signed_link_records_the_opt_out(
        server: Server, root: Path) -> None:
    config = bounce_site(root, server.port, unsubscribe_address="unsubscribe@rewards.example.com")
    assert config.notifier.unsubscribe is not None
    signer = unsubscribe.Signer.from_env(config.notifier.unsubscribe)
    query = signer.link("contoso", BOB).split("?", 1)[1]
    box = maildir(config)
    box.add(f"To: unsubscribe@rewards.example.com\r\nFrom: {BOB}\r\nSubject: {query}\r\n\r\n".encode())
    forged = query[:-4] + "0000"
    box.add(f"To: unsubscribe@rewards.example.com\r\nFrom: {ADA}\r\nSubject: {forged}\r\n\r\n".encode())

    result = await run_notify(config, DATA, Options(TODAY))

    assert result.code == 0, result.err
    assert "unsubscribe from tips recorded for partner contoso" in result.err
    assert "without a valid signed link" in result.err
    assert [o.contact for o in unsubscribe.read(config.notifier.unsubscribe_record)] == [unsubscribe.contact_ref(BOB)]
    tipped = {rcpts[0] for _, rcpts in server.handler.envelopes}
    assert tipped == {ADA}  # Bob's opt-out counted in this very run


async def test_a_missing_inbox_is_named_and_the_run_still_sends(server: Server, root: Path) -> None:
    config = bounce_site(root, server.port)  # var/bounces was never made
    result = await run_notify(config, DATA, Options(TODAY))
    assert result.code == 1
    assert "cannot read the bounce Maildir" in result.err and "Traceback" not in result.err
    assert len(server.handler.received) == 2


async def test_a_ledger_from_before_bounces_is_migrated_and_keeps_its_history(server: Server, root: Path) -> None:
    config = bounce_site(root, server.port)
    path = config.notifier.ledger
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("INSERT INTO items (kind, partner, contact, subject, period, message_id, state, planned_on,"
               " settled_on) VALUES ('tip', 'contoso', ?, 'welcome', '-', '<old@x>', 'sent', ?, ?)",
               (ADA, TODAY.isoformat(), TODAY.isoformat()))
    db.commit()
    db.close()
    import io

    out = io.StringIO()
    assert show_status(config, out) == 0  # read only: an old ledger shows, unchanged
    assert "bounced" not in out.getvalue()

    maildir(config)
    result = await run_notify(config, DATA, Options(TODAY))
    assert result.code == 0, result.err
    assert {rcpts[0] for _, rcpts in server.handler.envelopes} == {BOB}  # Ada had hers
    ledger = Ledger.open(path)
    try:
        assert ledger.knows_bounces and ledger.suppressions() == []
    finally:
        ledger.close()
    assert [r["message_id"] for r in ledger_rows(config) if r["contact"] == ADA] == ["<old@x>"]
