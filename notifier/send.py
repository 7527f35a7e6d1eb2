"""Sending: a small pool of reused aiosmtplib connections, a shared rate limit, and the server's
reply deciding each message's fate.

- 2xx: sent. A recipient refused among several does not fail the message (its reply is kept); a
  copy (the rewards team's Cc) refused for now is retried alone, and a main recipient refused for
  good does not keep the content from the copies that were accepted.
- 4xx (421 included), a disconnect, a timeout, no server: retried with backoff within the run,
  then left pending for the next run.
- 5xx: a permanent failure, with the server's words; never retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import aiosmtplib
from aiosmtplib import (
    SMTPConnectError,
    SMTPHeloError,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from rewards_build.config import SmtpConfig

from .pipelining import PipelinedConnection, Transaction, held_back

QUEUE = 64  # composed messages waiting for a connection: enough to keep every connection busy


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # permanent: 5xx
    PENDING = "pending"  # temporary and retries used up, or the server could not be reached


@dataclass(frozen=True, slots=True)
class Job:
    message_id: str
    sender: str
    recipients: tuple[str, ...]  # the main recipient first
    data: bytes
    copy: bool = False  # a copy alone (its one recipient), left pending by an earlier run


@dataclass(frozen=True, slots=True)
class Result:
    """What became of a job. `outcome` is the main recipient's; what the copies got is in the tuples.
    A result with `copy` set is the copy to that address alone (a retry, or an earlier run's copy)."""

    message_id: str
    outcome: Outcome
    reply: str  # the server's last words (or the local error)
    attempts: int
    refused: tuple[str, ...] = ()  # copies refused for good while the content went ("address: code text")
    deferred: tuple[tuple[str, str], ...] = ()  # (address, refusal): copies refused for now, each retried
    # alone after this result is recorded, and reported by a result with `copy` set
    delivered: tuple[str, ...] = ()  # copies that have the message (content accepted)
    copy: str | None = None


@dataclass(frozen=True, slots=True)
class SendSettings:
    """How to send: the server as site.yml configures it (`smtp`, declared once in
    rewards_build/config.py), the pacing from site.yml's notifier section, and what is not in
    site.yml at all: the password (from the environment), the backoff and a TLS context (tests)."""

    smtp: SmtpConfig
    rate_per_second: float
    retries: int
    password: str | None = field(default=None, repr=False)
    backoff_seconds: float = 1.0  # first retry waits this long, then doubles
    tls_context: ssl.SSLContext | None = field(default=None, repr=False)


class RateLimit:
    """Evenly spaced departures, shared by every connection of the pool.

    A departure less than `slack` ahead of now goes at once instead of sleeping: the event loop's
    timers fire in whole milliseconds, so at thousands of messages a second each sub-millisecond
    sleep cost a full millisecond and the limit became the bottleneck (1,750 msg/s at 5,000/s
    allowed). Departures keep their schedule, so no message goes more than `slack` early and the
    rate holds over any stretch longer than that."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, slack: float = 0.002):
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self.slack = slack
        self.next = 0.0

    async def wait(self) -> None:
        now = self.clock()
        start = max(now, self.next)
        self.next = start + self.interval
        if start - now > self.slack:
            await self.sleep(start - now)


class _Temporary(Exception):
    def __init__(self, reply: str, connect: bool = False, timeout: bool = False):
        super().__init__(reply)
        self.reply = reply
        self.connect = connect  # the connection itself could not be made
        self.timeout = timeout  # the server did not answer in time


class _Permanent(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


async def send_all(
    jobs: AsyncIterator[Job],
    settings: SendSettings,
    on_result: Callable[[Result], None],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Send every job the iterator yields through `settings.smtp.connections` connections; report each
    result (in completion order) through `on_result` as soon as the server has answered."""
    pool = _Pool(settings, on_result, sleep)
    queue: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=QUEUE)
    workers = [asyncio.create_task(pool.worker(queue)) for _ in range(settings.smtp.connections)]
    try:
        async for job in jobs:
            await queue.put(job)
            if all(w.done() for w in workers):
                break
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()


class _Pool:
    def __init__(self, settings: SendSettings, on_result: Callable[[Result], None],
                 sleep: Callable[[float], Awaitable[None]]):
        self.settings = settings
        self.on_result = on_result
        self.sleep = sleep
        self.rate = RateLimit(settings.rate_per_second)
        self.server_down: str | None = None  # set once connecting has failed through every retry
        self.timeouts = 0  # consecutive, over the whole pool: a server this slow is not worth waiting for

    async def worker(self, queue: asyncio.Queue[Job | None]) -> None:
        link: _Link | None = None
        peeked: list[Job | None] = []  # the next job, taken early so that its commands can go ahead

        def upcoming() -> Transaction | None:
            if not peeked:
                try:
                    peeked.append(queue.get_nowait())
                except asyncio.QueueEmpty:
                    return None
            job = peeked[0]
            if job is None or self.server_down is not None:
                return None
            try:
                return _envelope(job)
            except _Permanent:
                return None

        try:
            while (job := peeked.pop() if peeked else await queue.get()) is not None:
                try:
                    result, link = await self._deliver(job, link, upcoming)
                except Exception as exc:  # unforeseen: the message stays pending, the others go on
                    if link is not None:
                        link.abort()
                    result, link = Result(job.message_id, Outcome.PENDING, f"unexpected: {exc!r}", 1), None
                if job.copy:
                    result = dataclasses.replace(result, copy=job.recipients[0])
                # Recorded first (the contact's fate, and each deferred copy as pending with the message),
                # so that a run killed while the copies are retried sends the contact nothing again.
                self.on_result(result)
                for address, refusal in result.deferred:
                    self.on_result(await self._retry_copy(job, address, refusal))
        finally:
            if link is not None:
                await link.close()

    async def _deliver(self, job: Job, link: _Link | None,
                       upcoming: Callable[[], Transaction | None]) -> tuple[Result, _Link | None]:
        attempts = 0
        while True:
            if self.server_down is not None:
                return Result(job.message_id, Outcome.PENDING, self.server_down, attempts), link
            attempts += 1
            await self.rate.wait()
            try:
                if link is None:
                    link = await self._connect()
                refused = await _transaction(link, job, upcoming)
                self.timeouts = 0
                return _accepted(job, refused, attempts), link
            except _Permanent as exc:
                await _drop(link)
                return Result(job.message_id, Outcome.FAILED, exc.reply, attempts), None
            except _Temporary as exc:
                await _drop(link)
                link = None
                self.timeouts = self.timeouts + 1 if exc.timeout else 0
                if self.timeouts >= self.settings.smtp.timeouts_before_stopping:
                    self.server_down = (f"stopped after {self.timeouts} consecutive timeouts "
                                        f"({self.settings.smtp.timeout_seconds:g} s each): {exc.reply}")
                    return Result(job.message_id, Outcome.PENDING, exc.reply, attempts), link
                if attempts > self.settings.retries:
                    if exc.connect:
                        self.server_down = f"server unavailable: {exc.reply}"
                    return Result(job.message_id, Outcome.PENDING, exc.reply, attempts), link
                await self.sleep(self.settings.backoff_seconds * 2 ** (attempts - 1))

    async def _retry_copy(self, job: Job, address: str, refusal: str) -> Result:
        """A copy refused for now (the rewards team's Cc of an escalation: 451 greylisting, a full
        mailbox) is sent again, to it alone, on a connection of its own, `retries` times; the contact,
        who has the message (or refused it for good), gets nothing twice. Still refused: pending, and
        the next run sends it alone."""
        copy, reply, attempts = Job(job.message_id, job.sender, (address,), job.data, copy=True), refusal, 0
        while attempts < self.settings.retries and self.server_down is None:
            attempts += 1
            await self.sleep(self.settings.backoff_seconds * 2 ** (attempts - 1))
            link: _Link | None = None
            try:
                link = await self._connect()
                await _transaction(link, copy, lambda: None)
                return Result(job.message_id, Outcome.SENT, "250 accepted", attempts, copy=address)
            except _Temporary as exc:
                reply = exc.reply
            except _Permanent as exc:  # refused for good on its own: no retry will change that
                return Result(job.message_id, Outcome.FAILED, exc.reply, attempts, copy=address)
            finally:
                await _drop(link)
        return Result(job.message_id, Outcome.PENDING, reply, attempts, copy=address)

    async def _connect(self) -> _Link:
        """aiosmtplib connects, negotiates TLS and authenticates; the transactions then go
        pipelined when the server offers it (and the configuration allows), else one by one."""
        s, server = self.settings, self.settings.smtp
        smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            timeout=server.timeout_seconds,
            use_tls=server.tls == "implicit",
            start_tls=server.tls == "starttls",
            tls_context=s.tls_context,
            local_hostname=server.helo_name,
            username=server.user,
            password=s.password,
        )
        try:
            await smtp.connect()
            if smtp.is_ehlo_or_helo_needed:  # connect() says EHLO only when STARTTLS or AUTH needs it
                try:
                    await smtp.ehlo()
                except SMTPHeloError:
                    await smtp.helo()
            if server.pipelining and smtp.supports_extension("pipelining"):
                return PipelinedConnection.take_over(smtp, server.timeout_seconds)
        except SMTPResponseException as exc:  # greeting, EHLO, STARTTLS or AUTH refused: not the message's fault
            raise _Temporary(f"{exc.code} {exc.message}", connect=True) from exc
        except SMTPTimeoutError as exc:
            raise _Temporary(f"cannot connect to {server.host}:{server.port}: {exc}", connect=True,
                             timeout=True) from exc
        except (SMTPConnectError, SMTPServerDisconnected, OSError) as exc:
            raise _Temporary(f"cannot connect to {server.host}:{server.port}: {exc}", connect=True) from exc
        return OneByOne(smtp)


class _Link(Protocol):
    """An open, ready SMTP connection: `PipelinedConnection` or `OneByOne`."""

    async def transaction(self, t: Transaction,
                          upcoming: Callable[[], Transaction | None]) -> list[SMTPRecipientRefused]: ...

    async def close(self) -> None: ...

    def abort(self) -> None: ...


class OneByOne:
    """aiosmtplib's way: each command waits for its reply before the next is sent. For servers
    that do not advertise PIPELINING (or when `smtp.pipelining: false`)."""

    def __init__(self, smtp: aiosmtplib.SMTP):
        self.smtp = smtp

    async def transaction(self, t: Transaction,
                          upcoming: Callable[[], Transaction | None]) -> list[SMTPRecipientRefused]:
        reply = await self.smtp.execute_command(b"MAIL", t.mail)
        if reply.code != 250:
            raise SMTPResponseException(reply.code, reply.message)
        refused = []
        for recipient, command in t.rcpts:
            reply = await self.smtp.execute_command(b"RCPT", command)
            if reply.code not in (250, 251):
                refused.append(SMTPRecipientRefused(reply.code, reply.message, recipient))
        if held_back(t, refused):
            raise SMTPRecipientsRefused(refused)
        await self.smtp.data(t.data)
        return refused

    async def close(self) -> None:
        try:
            if self.smtp.is_connected:
                await asyncio.wait_for(self.smtp.quit(), timeout=2)
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            pass
        finally:
            self.smtp.close()

    def abort(self) -> None:
        self.smtp.close()


def _envelope(job: Job) -> Transaction:
    """MAIL and RCPT are built here rather than by aiosmtplib's `sendmail`: the addresses were checked
    when the message was composed (address objects, no control characters, ASCII), and sendmail
    parses each one twice more, a fifth of the client's CPU per message."""
    try:
        return Transaction(job.message_id, b"FROM:<" + job.sender.encode("ascii") + b">",
                           tuple((r, b"TO:<" + r.encode("ascii") + b">") for r in job.recipients), job.data)
    except UnicodeEncodeError as exc:
        raise _Permanent(f"address needs SMTPUTF8, which this notifier does not use: {exc}") from exc


@dataclass(frozen=True, slots=True)
class _Refused:
    recipient: str
    code: int
    text: str  # "address: code message", as the ledger and the report show it


async def _transaction(link: _Link, job: Job, upcoming: Callable[[], Transaction | None]) -> list[_Refused]:
    """One MAIL/RCPT/DATA transaction; the server's reply decides. Returns the refused recipients (the
    main one among them only when it was refused for good and a copy took the content)."""
    try:
        refused = await link.transaction(_envelope(job), upcoming)
    except SMTPRecipientsRefused as exc:  # no one accepted, or the main recipient refused for now: held back
        reply = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        raise (_Permanent(reply) if all(r.code >= 500 for r in exc.recipients) else _Temporary(reply)) from exc
    except SMTPResponseException as exc:
        reply_text = f"{exc.code} {exc.message}"
        if exc.code >= 500:
            raise _Permanent(reply_text) from exc
        raise _Temporary(reply_text) from exc
    except (SMTPTimeoutError, TimeoutError) as exc:
        raise _Temporary(f"{type(exc).__name__}: {exc}", timeout=True) from exc
    except (SMTPServerDisconnected, ConnectionError, OSError) as exc:
        raise _Temporary(f"{type(exc).__name__}: {exc}") from exc
    return [_Refused(r.recipient, r.code, f"{r.recipient}: {r.code} {r.message}") for r in refused]


def _accepted(job: Job, refused: list[_Refused], attempts: int) -> Result:
    """The content was accepted for the recipients not refused: the main recipient's outcome (sent,
    or failed when it was refused for good and only copies took the message), and each copy's."""
    main = next((r for r in refused if r.recipient == job.recipients[0]), None)
    copies = [r for r in refused if r is not main]
    kept_out = {r.recipient for r in refused}
    outcome, reply = (Outcome.SENT, "250 accepted") if main is None else (Outcome.FAILED, main.text)
    return Result(job.message_id, outcome, reply, attempts,
                  refused=tuple(r.text for r in copies if r.code >= 500),
                  deferred=tuple((r.recipient, r.text) for r in copies if r.code < 500),
                  delivered=tuple(a for a in job.recipients[1:] if a not in kept_out))


async def _drop(link: _Link | None) -> None:
    """After any error the connection is dropped; the next message opens a fresh one."""
    if link is not None:
        await link.close()
