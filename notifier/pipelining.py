"""SMTP transactions with PIPELINING (RFC 2920), on a connection that aiosmtplib opened.

aiosmtplib connects, says EHLO, negotiates TLS and authenticates. It then sends one command and
waits for its reply: four round trips, four writes and a regex pass over the body per message,
which made sending cost half as much again as composing. When the server advertises PIPELINING,
the notifier takes the connection over (asyncio's `transport.set_protocol`) and sends MAIL, every
RCPT and DATA in one write and the body in a second, reading the replies in order from one buffer.
aiosmtplib's own protocol cannot be used for this: it keeps only the reply it is waiting for and
drops data that arrives before it is asked for.

When the next message is already waiting, its MAIL, RCPT and DATA ride in the same write as this
message's body (RFC 2920 allows the content to start a command group): one write and one wake-up
per message. Its content still goes only after this message's final reply has been read and
recorded, so a run killed at any moment has at most one message per connection whose content
the server may have accepted without the ledger knowing.

Replies decide exactly as on the one-command-at-a-time path: the same aiosmtplib exceptions come
out (`SMTPResponseException`, `SMTPRecipientsRefused`, `SMTPServerDisconnected`,
`SMTPReadTimeoutError`), so the pool maps them to sent / failed / pending in one place.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import aiosmtplib
from aiosmtplib import (
    SMTPReadTimeoutError,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponse,
    SMTPResponseException,
    SMTPServerDisconnected,
)

MAX_REPLY = 64 * 1024  # bytes of a reply not yet complete: more means the peer is not an SMTP server
QUIT_TIMEOUT = 2.0


def wire_form(data: bytes) -> bytes:
    """The message as it goes after DATA: CRLF line ends, leading dots doubled, the final dot line.

    Composed messages already end their lines with CRLF; any other line end is normalised (the slow
    way, which never happens for our own messages)."""
    if not (data.count(b"\r") == data.count(b"\n") == data.count(b"\r\n")):
        data = b"\r\n".join(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..") + b".\r\n"


def held_back(t: Transaction, refused: list[SMTPRecipientRefused]) -> bool:
    """Whether the content must not go after these RCPT refusals (both sending paths ask this).

    It goes whenever a recipient was accepted, except when the main recipient was refused for now
    (4xx): then the whole message waits for its retry, the copies with it, so that no one gets it
    twice. A main recipient refused for good (5xx) does not stop the copies that were accepted: the
    rewards team still gets the escalation that its contact's address refused."""
    if not refused:
        return False
    if len(refused) == len(t.rcpts):
        return True  # no one to send it to
    return refused[0].recipient == t.rcpts[0][0] and refused[0].code < 500


@dataclass(frozen=True, slots=True)
class Transaction:
    """One message as SMTP sends it: the MAIL and RCPT arguments (ASCII) and the content."""

    message_id: str
    mail: bytes  # b"FROM:<address>"
    rcpts: tuple[tuple[str, bytes], ...]  # (address, b"TO:<address>"), the main recipient first
    data: bytes

    def commands(self) -> bytes:
        return b"".join([b"MAIL ", self.mail, b"\r\n", *(b"RCPT " + c + b"\r\n" for _, c in self.rcpts),
                         b"DATA\r\n"])


class PipelinedConnection(asyncio.Protocol):
    """One connection's transactions, pipelined. Replies are parsed as they arrive and queued, so
    none is lost whichever order the awaits and the bytes come in."""

    def __init__(self, transport: asyncio.Transport, timeout: float):
        self.loop = asyncio.get_running_loop()
        self.transport = transport
        self.timeout = timeout
        self.buffer = bytearray()
        self.replies: deque[SMTPResponse] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.lost: Exception | None = None
        self.paused: asyncio.Future[None] | None = None  # set while the transport's buffer is full
        self.clean = True  # every reply read and no message half sent: a polite QUIT is possible
        self.announced: str | None = None  # the message whose commands already went with the last body

    @classmethod
    def take_over(cls, smtp: aiosmtplib.SMTP, timeout: float) -> PipelinedConnection:
        """From here on the transport talks to us; the aiosmtplib client must not be used again."""
        transport = smtp.transport
        if not isinstance(transport, asyncio.Transport) or transport.is_closing():
            raise SMTPServerDisconnected("Connection lost before pipelining began")
        connection = cls(transport, timeout)
        transport.set_protocol(connection)
        return connection

    # --- asyncio.Protocol --------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            self._parse()
        except SMTPResponseException as exc:
            self._fail(exc)
            self.transport.close()
            return
        if self.replies and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def eof_received(self) -> bool:
        self._fail(SMTPServerDisconnected("Unexpected EOF received"))
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        lost = SMTPServerDisconnected("Connection lost")
        lost.__cause__ = exc
        self._fail(lost)

    def pause_writing(self) -> None:
        if self.paused is None:
            self.paused = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)
        self.paused = None

    # --- the transaction -----------------------------------------------------------------------

    async def transaction(self, t: Transaction,
                          upcoming: Callable[[], Transaction | None]) -> list[SMTPRecipientRefused]:
        """MAIL, RCPT..., DATA in one write (unless they went with the previous body); the body, with
        the upcoming message's commands, in a second once DATA has its 354. Returns the refused
        recipients (see `held_back`); raises when MAIL, DATA or the body is refused, or when
        `held_back` says the content must not go."""
        self.clean = False
        if self.announced != t.message_id:
            await self._write(t.commands())
        self.announced = None
        mail = await self._reply()
        if mail.code != 250:
            raise SMTPResponseException(mail.code, mail.message)
        refused = []
        for recipient, _ in t.rcpts:
            reply = await self._reply()
            if reply.code not in (250, 251):
                refused.append(SMTPRecipientRefused(reply.code, reply.message, recipient))
        data_reply = await self._reply()
        if held_back(t, refused):
            # Whatever DATA was told, no body follows: the connection is dropped, not QUIT.
            raise SMTPRecipientsRefused(refused)
        if data_reply.code != 354:
            raise SMTPResponseException(data_reply.code, data_reply.message)
        following = upcoming()
        if following is None:
            await self._write(wire_form(t.data))
        else:
            await self._write(wire_form(t.data) + following.commands())
            self.announced = following.message_id
        final = await self._reply()
        self.clean = self.announced is None
        if final.code != 250:
            raise SMTPResponseException(final.code, final.message)
        return refused

    async def close(self) -> None:
        """QUIT when the conversation is in step; otherwise just close (the server aborts any
        transaction without its final dot)."""
        try:
            if self.clean and self.lost is None:
                self.timeout = min(self.timeout, QUIT_TIMEOUT)
                await self._write(b"QUIT\r\n")
                await self._reply()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            self.transport.close()

    def abort(self) -> None:
        self.transport.abort()

    # --- plumbing --------------------------------------------------------------------------------

    async def _write(self, data: bytes) -> None:
        if self.lost is not None:
            raise self.lost
        if self.transport.is_closing():
            raise SMTPServerDisconnected("Connection lost")
        self.transport.write(data)
        if self.paused is not None:  # a slow reader: wait until the transport's buffer drains
            await self._wait(self.paused)
            if self.lost is not None:
                raise self.lost

    async def _reply(self) -> SMTPResponse:
        if not self.replies:
            if self.lost is not None:
                raise self.lost
            self.waiter = self.loop.create_future()
            try:
                await self._wait(self.waiter)
            finally:
                self.waiter = None
            if not self.replies:
                raise self.lost or SMTPServerDisconnected("Connection lost")
        return self.replies.popleft()

    async def _wait(self, future: asyncio.Future[None]) -> None:
        """Every wait for the server is bounded by the timeout; a timed-out connection is done."""
        timer = self.loop.call_later(self.timeout, self._expire, future)
        try:
            await future
        finally:
            timer.cancel()

    def _expire(self, future: asyncio.Future[None]) -> None:
        if not future.done():
            self.lost = SMTPReadTimeoutError("Timed out waiting for server response")
            future.set_exception(self.lost)
            self.transport.abort()

    def _fail(self, exc: Exception) -> None:
        """The connection is over: whoever waits (for a reply or for the buffer to drain) wakes up
        and finds `lost`."""
        if self.lost is None:
            self.lost = exc
        for future in (self.waiter, self.paused):
            if future is not None and not future.done():
                future.set_result(None)

    def _parse(self) -> None:
        """Move every complete reply (one or more lines, the last without a '-' after the code)
        from the buffer to the queue."""
        buffer, start, lines = self.buffer, 0, []
        while (end := buffer.find(b"\n", start)) != -1:
            line = bytes(buffer[start:end + 1])
            start = end + 1
            if not line[:3].isdigit():
                raise SMTPResponseException(-1, f"Malformed SMTP response line: {line[:80]!r}")
            lines.append(line)
            if line[3:4] != b"-":
                message = b"\n".join(x[4:].strip(b" \t\r\n") for x in lines)
                self.replies.append(SMTPResponse(int(line[:3]), message.decode("utf-8", "surrogateescape")))
                del buffer[:start]
                start, lines = 0, []
        if len(buffer) > MAX_REPLY:
            raise SMTPResponseException(-1, "Response too long")
