"""A real bounce, end to end: the notifier sends through Debian's Postfix (started by the test, its own
configuration and queue in a temporary folder, on loopback ports), which relays to an aiosmtpd that
answers `550 5.1.1` for one recipient. Postfix then writes its own delivery status notification to the
message's VERP envelope sender and relays it back, into the Maildir the notifier reads. The next run
marks the message bounced, suppresses the address and asks the Partner Center account to replace it;
the run after that plans nothing for that address."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import mailbox
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from builders import TODAY, contact, content, partner, site
from conftest import Handler, ledger_rows, run_notify, start_server

from notifier.notify import Options

POSTFIX = Path("/usr/sbin/postfix")
DAEMONS = Path("/usr/lib/postfix/sbin")
GONE = "gone@contoso.example"
REFUSAL = f"550 5.1.1 <{GONE}>: Recipient address rejected: User unknown in virtual mailbox table"
BOUNCES = "bounces+{key}@rewards.example.com"

MASTER_CF = """\
{smtpd} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base}/queue
data_directory = {base}/data
command_directory = /usr/sbin
daemon_directory = {daemons}
meta_directory = /etc/postfix
shlib_directory = no
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.test.invalid
mydomain = test.invalid
myorigin = test.invalid
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{relay}
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
maillog_file = {base}/maillog
maillog_file_prefixes = {base}
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""


@dataclasses.dataclass
class Postfix:
    port: int  # its smtpd, on 127.0.0.1
    base: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postfix(conf: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(POSTFIX), "-c", str(conf), command], capture_output=True, text=True, timeout=60)


@pytest.fixture
def relay_port() -> int:
    return _free_port()


@pytest.fixture
def postfix(relay_port: int) -> Iterator[Postfix]:
    """Debian's Postfix as an instance of its own: config and queue in a folder under /tmp (its daemons run
    as the postfix user, which cannot enter pytest's 0700 temporary folders), smtpd on a free loopback port,
    relaying everything to `relay_port`."""
    if not POSTFIX.exists() or not (DAEMONS / "master").exists():
        pytest.skip("needs Debian's postfix (DEBIAN_FRONTEND=noninteractive apt-get install postfix; "
                    "`make chromium` installs it for CI)")
    if os.geteuid() != 0:
        pytest.skip("starting a Postfix instance needs root (its daemons switch to the postfix user)")
    base = Path(tempfile.mkdtemp(prefix="rewards-postfix-", dir="/tmp"))
    base.chmod(0o755)
    conf = base / "conf"
    for folder in (conf, base / "queue", base / "data"):
        folder.mkdir()
    shutil.chown(base / "data", "postfix")
    port = _free_port()
    (conf / "main.cf").write_text(MAIN_CF.format(base=base, daemons=DAEMONS, relay=relay_port))
    (conf / "master.cf").write_text(MASTER_CF.format(smtpd=f"127.0.0.1:{port}"))
    started = _postfix(conf, "start")
    log = base / "maillog"
    if started.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"postfix did not start: {started.stdout}{started.stderr}")
    try:
        _wait_for_port(port, deadline=time.monotonic() + 20)
        yield Postfix(port, base, log)
    finally:
        pid = _master_pid(base)
        _postfix(conf, "stop")
        deadline = time.monotonic() + 20
        while pid is not None and _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.rmtree(base, ignore_errors=True)


def _master_pid(base: Path) -> int | None:
    try:
        return int((base / "queue/pid/master.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may not reap the daemonized master at once)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _wait_for_port(port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclasses.dataclass
class MailHost(Handler):
    """The relay Postfix hands everything to: refuses GONE for good, and delivers mail for the bounce
    address into a Maildir, as a local delivery agent would (with Delivered-To)."""

    maildir: Path | None = None
    delivered: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        bounce_rcpts = [r for r in envelope.rcpt_tos if r.lower().startswith("bounces+")]
        if bounce_rcpts and self.maildir is not None:
            box = mailbox.Maildir(self.maildir, create=True)
            box.add(f"Delivered-To: {bounce_rcpts[0]}\r\n".encode() + envelope.original_content)
            box.close()
            self.delivered += 1
            return "250 2.0.0 delivered to the bounce mailbox"
        return await super().handle_DATA(server, session, envelope)


async def _until(check: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(0.05)


async def test_a_real_bounce_suppresses_the_address_and_tells_the_account(
        postfix: Postfix, relay_port: int, root: Path) -> None:
    maildir = root / "var/bounces"
    host = MailHost(rule=lambda phase, address, n: REFUSAL if phase == "RCPT" and address == GONE else None,
                    pipelining=True, maildir=maildir)
    relay = await start_server(host, port=relay_port)
    try:
        config = site(root, postfix.port, bounces={"address": BOUNCES, "maildir": "var/bounces"})
        maildir.parent.mkdir(parents=True)
        mailbox.Maildir(maildir, create=True).close()  # what the MTA's delivery agent would have made
        data = content(partner(contacts=(contact(), contact("Gone Person", GONE))))

        # Run 1: Postfix accepts both messages (it queues them), relays them, and GONE is refused.
        first = await run_notify(config, data, Options(TODAY))
        assert first.code == 0, first.err
        await _until(lambda: host.delivered >= 1, "Postfix's non-delivery report in the Maildir")
        [(sender, rcpts)] = host.envelopes  # the one message the relay accepted: Ada's
        assert rcpts == ["ada@contoso.example"]
        ada_id = next(str(r["message_id"]) for r in ledger_rows(config) if r["contact"] == "ada@contoso.example")
        assert sender == f"bounces+{ada_id[1:33]}@rewards.example.com"  # VERP: the envelope sender names it
        assert all(r["state"] == "sent" for r in ledger_rows(config))  # the relay said 250: sent, as far as SMTP knows

        # Run 2, the same day: the report is read, GONE's message marked bounced, the address suppressed,
        # and the Partner Center account email is asked to replace it.
        second = await run_notify(config, data, Options(TODAY))
        assert second.code == 0, second.err
        assert "hard bounce" in second.err and GONE in second.err
        rows = {(r["contact"], r["kind"]): r for r in ledger_rows(config)}
        assert rows[(GONE, "tip")]["bounced_on"] == TODAY.isoformat()
        assert "5.1.1" in str(rows[(GONE, "tip")]["bounce"])
        assert rows[("ada@contoso.example", "tip")]["bounced_on"] is None  # never the wrong item
        assert _suppressed(config) == [GONE]
        assert rows[("partnercenter@contoso.example", "contact-bounces")]["state"] == "sent"
        assert list(mailbox.Maildir(maildir, create=False).keys()) == []  # moved: read once
        assert len(mailbox.Maildir(maildir, create=False).get_folder("Processed")) == 1

        # Run 3, a cadence later: Ada gets her next tip; GONE gets nothing, ever.
        before = len(host.envelopes)
        third = await run_notify(config, data, Options(TODAY + dt.timedelta(days=14)))
        assert third.code == 0, third.err
        await _until(lambda: any("ada@contoso.example" in rcpts for _, rcpts in host.envelopes[before:]),
                     "Ada's next tip at the relay")
        await _until(lambda: any("partnercenter@contoso.example" in rcpts for _, rcpts in host.envelopes[before:]),
                     "the account's second reminder at the relay")
        assert all(GONE not in rcpts for _, rcpts in host.envelopes)
        assert [r for r in ledger_rows(config) if r["contact"] == GONE and r["planned_on"] != TODAY.isoformat()] == []
        assert host.delivered == 1  # no second bounce: nothing more went to GONE
    finally:
        relay.server.close()


def _suppressed(config: object) -> list[str]:
    db = sqlite3.connect(config.notifier.ledger)  # type: ignore[attr-defined]
    try:
        return [r[0] for r in db.execute("SELECT address FROM suppressions ORDER BY address")]
    finally:
        db.close()
