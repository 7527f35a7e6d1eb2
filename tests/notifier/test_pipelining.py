"""PIPELINING (RFC 2920): MAIL, RCPT and DATA go in one write when the server offers it.

The fault cases of test_delivery.py already run on both sending paths (the `smtp` fixture). Here:
proof that the pipelined path is the one taken, replies that arrive together or a byte at a time,
a server that answers garbage, and the body's dot lines, which both paths must escape."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from builders import TIPS, TODAY, content, many_partners, partner, site
from conftest import Server, ledger_rows, run_notify, states

from notifier.notify import Options
from notifier.pipelining import wire_form

OPTIONS = Options(TODAY)


class HoldingServer:
    """A bare SMTP server that, as RFC 2920 lets a server do, holds its replies to MAIL and RCPT
    until DATA arrives. A client that waits for each reply before the next command never gets one.
    `dribble` sends those held replies a byte at a time; `answer` replaces the reply to DATA."""

    def __init__(self, dribble: bool = False, answer: bytes = b"354 go\r\n"):
        self.dribble, self.answer = dribble, answer
        self.messages: list[bytes] = []
        self.port = 0
        self.server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> HoldingServer:
        self.server = await asyncio.start_server(self.session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 holding.test ESMTP\r\n")
        held: list[bytes] = []
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-holding.test\r\n250-8BITMIME\r\n250 PIPELINING\r\n")
                elif verb in (b"MAIL", b"RCPT"):
                    held.append(b"250 2.1.0 Ok\r\n")
                elif verb == b"DATA":
                    await self.reply(writer, b"".join(held) + self.answer)
                    held = []
                    body = bytearray()
                    while (chunk := await reader.readline()) != b".\r\n":
                        if not chunk:  # the client hung up mid-message: nothing was delivered
                            return
                        body += chunk
                    self.messages.append(bytes(body))
                    writer.write(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:
                    writer.write(b"502 5.5.2 unknown command\r\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def reply(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if not self.dribble:
            writer.write(data)
            return
        for i in range(len(data)):
            writer.write(data[i:i + 1])
            await writer.drain()
            await asyncio.sleep(0)


@pytest.fixture
async def holding() -> AsyncIterator[HoldingServer]:
    async with HoldingServer() as server:
        yield server


async def test_the_pipelined_path_gets_the_replies_a_server_holds_until_data(
        holding: HoldingServer, root: Path) -> None:
    config = site(root, holding.port)
    result = await run_notify(config, content(partner()), OPTIONS)

    assert result.code == 0, result.err
    [message] = holding.messages
    assert b"To: Ada Lovelace <ada@contoso.example>" in message
    assert states(config) == {"sent": 1}


async def test_with_pipelining_switched_off_the_same_server_times_out_and_the_message_waits(
        holding: HoldingServer, root: Path) -> None:
    # The counterpart of the test above: it shows that the switch works, and that the test above
    # would fail if the notifier waited for each reply.
    config = site(root, holding.port, retries=0,
                  smtp={"host": "127.0.0.1", "port": holding.port, "tls": "none", "pipelining": False})
    result = await run_notify(config, content(partner()), OPTIONS, timeout=0.3)

    assert result.code == 1
    assert holding.messages == []
    [row] = ledger_rows(config)
    assert row["state"] == "pending" and "Timed out" in str(row["reply"])


async def test_replies_that_arrive_a_byte_at_a_time_are_put_back_together(root: Path) -> None:
    async with HoldingServer(dribble=True) as server:
        config = site(root, server.port)
        result = await run_notify(config, content(partner(), partner("fabrikam")), OPTIONS)

        assert result.code == 0, result.err
        assert len(server.messages) == 2


@pytest.mark.parametrize(("answer", "reply"), [
    (b"*** what?\r\n", "Malformed SMTP response line: b'*** what?"),
    (b"250-" + b"x" * 200_000, "Response too long"),  # a reply that never ends is not buffered forever
])
async def test_a_server_that_answers_garbage_leaves_the_message_pending_with_its_words(
        root: Path, answer: bytes, reply: str) -> None:
    async with HoldingServer(answer=answer) as server:
        config = site(root, server.port, retries=0)
        result = await run_notify(config, content(partner()), OPTIONS)

        assert result.code == 1
        assert server.messages == []
        [row] = ledger_rows(config)
        assert row["state"] == "pending"
        assert reply in str(row["reply"])


async def test_lines_that_start_with_a_dot_arrive_intact(smtp: Server, root: Path) -> None:
    # A line holding a single dot ends DATA: unescaped, the rest of the message would be lost or,
    # worse, read by the server as commands.
    body = ".NET developers: read this first.\n\n.\n\n..and this line starts with two dots."
    tips = (dataclasses.replace(TIPS[0], body=body), *TIPS[1:])
    result = await run_notify(site(root, smtp.port), content(partner(), tips=tips), OPTIONS)

    assert result.code == 0, result.err
    [msg] = smtp.handler.received
    text = msg.get_body(("plain",))
    assert text is not None
    lines = text.get_content().splitlines()
    assert ".NET developers: read this first." in lines
    assert "." in lines
    assert "..and this line starts with two dots." in lines


@pytest.mark.parametrize(("data", "wire"), [
    (b"a\r\nb\r\n", b"a\r\nb\r\n.\r\n"),
    (b".a\r\n.\r\n..b\r\n", b"..a\r\n..\r\n...b\r\n.\r\n"),  # dots at the start of the data too
    (b"no final line end", b"no final line end\r\n.\r\n"),
    (b"bare\nline\rends\r\n.x", b"bare\r\nline\r\nends\r\n..x\r\n.\r\n"),  # normalised before escaping
])
def test_the_wire_form_ends_lines_with_crlf_and_escapes_dots(data: bytes, wire: bytes) -> None:
    assert wire_form(data) == wire


async def test_a_refused_message_does_not_take_the_next_one_down_with_it(smtp: Server, root: Path) -> None:
    # On the pipelined path the next message's MAIL, RCPT and DATA have already gone with this
    # message's content when its refusal comes back; the next message must still go, once.
    smtp.handler.rule = lambda phase, address, n: {1: "451 4.3.0 try again", 3: "554 5.7.1 rejected"}.get(
        n) if phase == "DATA" else None
    config = site(root, smtp.port, smtp={"host": "127.0.0.1", "port": smtp.port, "tls": "none", "connections": 1})
    result = await run_notify(config, content(*many_partners(6)), OPTIONS)

    assert result.code == 1
    ids = smtp.handler.message_ids()
    assert len(ids) == len(set(ids)) == 5
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.handler.received) == [
        f"c{i}@p000{i}.example" for i in (0, 2, 3, 4, 5)]
    assert [(r["contact"], r["state"]) for r in ledger_rows(config) if r["state"] != "sent"] == [
        ("c1@p0001.example", "failed")]
