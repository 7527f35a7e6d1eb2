"""A real SMTP server (aiosmtpd) on a free loopback port, created in the test's own event loop, with
a handler that can be told to misbehave. Notify runs in a worker thread (it has its own loop)."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import io
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifier.notify import Options, notify
from rewards_build.config import SiteConfig
from rewards_build.model import Content

# A rule sees (phase, address or None, how many times this phase has been seen) and returns a reply
# such as "451 4.3.0 try later", "drop" (close the connection without a reply), "slow:SECONDS",
# or None to behave.
Rule = Callable[[str, str | None, int], str | None]


@dataclass
class Handler:
    rule: Rule = lambda phase, address, n: None
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    pipelining: bool = False  # advertise PIPELINING (aiosmtpd reads pipelined commands in order anyway)
    ehlo_names: list[str] = field(default_factory=list)

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        self.ehlo_names.append(hostname)
        return [responses[0], "250-PIPELINING", *responses[1:]] if self.pipelining else responses

    async def _apply(self, server: SMTP, phase: str, address: str | None) -> str | None:
        self.seen[phase] = self.seen.get(phase, 0) + 1
        reply = self.rule(phase, address, self.seen[phase])
        if reply is None:
            return None
        if reply == "drop":
            server.transport.close()
            return "drop"
        if reply.startswith("slow:"):
            await asyncio.sleep(float(reply[5:]))
            return None
        return reply

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        reply = await self._apply(server, "MAIL", address)
        if reply:
            return reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        reply = await self._apply(server, "RCPT", address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await self._apply(server, "DATA", None)
        if reply:
            return reply
        self.received.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 queued"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.received]


@dataclass
class Server:
    handler: Handler
    port: int
    server: asyncio.AbstractServer


async def start_server(handler: Handler, tls_context: object = None, require_starttls: bool = False,
                       implicit_tls: object = None, port: int = 0, **smtp_options: object) -> Server:
    """aiosmtpd on 127.0.0.1, port 0 (or `port`), in the running loop (the Controller cannot bind port 0)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="test.local", tls_context=tls_context, require_starttls=require_starttls,
                     **smtp_options),
        "127.0.0.1",
        port,
        ssl=implicit_tls,
    )
    return Server(handler, server.sockets[0].getsockname()[1], server)


# Every test that takes `smtp` runs twice: against a server that offers PIPELINING (the notifier
# sends MAIL, RCPT and DATA together) and one that does not (aiosmtplib, one command at a time).
SENDING_PATHS = ["one-by-one", "pipelining"]


@pytest.fixture(params=SENDING_PATHS)
async def smtp(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    server = await start_server(Handler(pipelining=request.param == "pipelining"))
    yield server
    server.server.close()


@dataclass
class RunResult:
    code: int
    out: str
    err: str


async def run_notify(site: SiteConfig, content: Content, options: Options, timeout: float | None = None,
                     **send_overrides: object) -> RunResult:
    """One notify run, as cron would start it, in a worker thread so the test loop keeps serving.
    `timeout` is site.yml's smtp.timeout_seconds; the other overrides are SendSettings' own knobs."""
    if timeout is not None:
        smtp = dataclasses.replace(site.notifier.smtp, timeout_seconds=timeout)
        site = dataclasses.replace(site, notifier=dataclasses.replace(site.notifier, smtp=smtp))
    out, err = io.StringIO(), io.StringIO()
    overrides = {"backoff_seconds": 0.01, **send_overrides}
    code = await asyncio.to_thread(notify, site, content, options, send_overrides=overrides, stdout=out, stderr=err)
    return RunResult(code, out.getvalue(), err.getvalue())


def ledger_rows(site: SiteConfig) -> list[dict[str, object]]:
    db = sqlite3.connect(site.notifier.ledger)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM items ORDER BY partner, contact, kind")]
    finally:
        db.close()


def states(site: SiteConfig) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in ledger_rows(site):
        counts[str(row["state"])] = counts.get(str(row["state"]), 0) + 1
    return counts


@pytest.fixture(autouse=True)
def unsubscribe_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """The secret that signs unsubscribe links, in the environment as site.yml names it (builders.site)."""
    from builders import UNSUBSCRIBE_SECRET, UNSUBSCRIBE_SECRET_ENV

    monkeypatch.setenv(UNSUBSCRIBE_SECRET_ENV, UNSUBSCRIBE_SECRET)
    return UNSUBSCRIBE_SECRET


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command (cryptography is not
    installed in this environment)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a self-signed certificate (cryptography is not installed)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert, key


REPO_ROOT = Path(__file__).resolve().parents[2]  # the repository (its site.yml and content/)
