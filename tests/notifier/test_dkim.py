"""Every message is DKIM-signed (dkimpy), and a receiver that holds only the PUBLIC key can verify it.

A real aiosmtpd server receives the messages; each is verified with dkimpy as a receiving MTA would,
the DNS lookup of `<selector>._domainkey.<domain>` answered from the public key that the openssl
command derived from the key file (what the TXT record would hold). A message changed in transit
fails; a message sent again after a temporary failure carries a valid signature of its own; a key
that is missing, unreadable, not a key or too short stops the run before anything is sent.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import dkim
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from builders import TODAY, contact, content, many_partners, offer, partner, site
from conftest import SENDING_PATHS, Handler, Server, run_notify, start_server

from notifier.notify import Options
from notifier.signing import SIGNED_HEADERS
from rewards_build.config import SiteConfig

SELECTOR, DOMAIN = "rewards2026", "rewards.example.com"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make keys")


class RawHandler(Handler):
    """The conftest's server, keeping each message's bytes exactly as they arrived (DKIM is over bytes)."""

    raw: list[bytes]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250") and envelope.original_content is not None:
            self.raw.append(envelope.original_content)
        return reply


@pytest.fixture(params=SENDING_PATHS)
async def smtp(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    handler = RawHandler(pipelining=request.param == "pipelining")
    handler.raw = []
    server = await start_server(handler)
    yield server
    server.server.close()


def _openssl(*args: str) -> bytes:
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A 2048-bit key made as docs/notifier.md says, and the TXT record of its public half."""
    folder = tmp_path_factory.mktemp("dkim")
    key = folder / "dkim.pem"
    _openssl("genrsa", "-out", str(key), "2048")
    public = base64.b64encode(_openssl("rsa", "-in", str(key), "-pubout", "-outform", "DER"))
    return key, b"v=DKIM1; k=rsa; p=" + public


def dns_for(txt: bytes) -> Callable[..., bytes | None]:
    """The receiver's DNS, injected: only <selector>._domainkey.<domain> has a record."""
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return txt if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None
    return lookup


def signed_site(root: Path, port: int, key: Path) -> SiteConfig:
    return site(root, port, dkim={"key_file": str(key), "selector": SELECTOR, "domain": DOMAIN})


def _signed_headers(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    field = re.search(r"^DKIM-Signature:(.*?)(?=^\S)", head + "\r\nX:", re.S | re.M)
    assert field is not None, "no DKIM-Signature header"
    tags = dict(t.strip().split("=", 1) for t in re.sub(r"\s+", "", field.group(1)).split(";") if t.strip())
    assert (tags["a"], tags["c"], tags["d"], tags["s"]) == ("rsa-sha256", "relaxed/relaxed", DOMAIN, SELECTOR)
    return tags["h"].split(":")


async def test_every_message_verifies_with_the_public_key(smtp: Server, root: Path, keys: tuple[Path, bytes]) -> None:
    key, txt = keys
    # Tips only (List-Unsubscribe), Korean (encoded words, base64 body), an escalation with the team in Cc.
    silent = partner("silent", offers=(offer(live=TODAY.replace(day=1).replace(month=10)),), team_contacts=())
    data = content(*many_partners(3), partner("ko", contacts=(contact("김민지", "minji@ko.example", "ko"),)), silent)
    result = await run_notify(signed_site(root, smtp.port, key), data, Options(TODAY))

    assert result.code == 0, result.err
    raw = smtp.handler.raw  # type: ignore[attr-defined]
    assert len(raw) == 5
    for message in raw:
        assert dkim.verify(message, dnsfunc=dns_for(txt)), message[:400]
        assert _signed_headers(message) == [h.lower() for h in SIGNED_HEADERS]
    assert any(b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in m for m in raw)
    assert any(b"\r\nCc: " in m for m in raw)


async def test_a_message_changed_in_transit_fails_verification(smtp: Server, root: Path,
                                                               keys: tuple[Path, bytes]) -> None:
    key, txt = keys
    result = await run_notify(signed_site(root, smtp.port, key), content(partner()), Options(TODAY))
    assert result.code == 0, result.err
    [message] = smtp.handler.raw  # type: ignore[attr-defined]
    assert dkim.verify(message, dnsfunc=dns_for(txt))
    for changed in (
        message.replace(b"Subject: Welcome", b"Subject: Welcome!"),  # a header it covers
        message.replace(b"Open your", b"Open our"),  # the body
        message.replace(b"\r\nTo: ", b"\r\nCc: eve@evil.example\r\nTo: ", 1),  # a header it covers as absent
        message.replace(b"\r\nList-Unsubscribe: <https://rewards.example.com/",
                        b"\r\nList-Unsubscribe: <https://evil.example/", 1),
    ):
        assert changed != message
        assert not dkim.verify(changed, dnsfunc=dns_for(txt))
    # The wrong public key (another key's record at the same name) fails too.
    other = root / "other.pem"
    _openssl("genrsa", "-out", str(other), "2048")
    other_txt = b"v=DKIM1; k=rsa; p=" + base64.b64encode(_openssl("rsa", "-in", str(other), "-pubout", "-outform", "DER"))
    assert not dkim.verify(message, dnsfunc=dns_for(other_txt))


async def test_a_message_sent_again_after_a_temporary_failure_carries_a_valid_signature(
        root: Path, keys: tuple[Path, bytes]) -> None:
    key, txt = keys
    refuse = {"on": True}
    handler = RawHandler(rule=lambda phase, address, n: "451 4.3.0 try later" if refuse["on"] and phase == "RCPT"
                         else None)
    handler.raw = []
    server = await start_server(handler)
    try:
        config = signed_site(root, server.port, key)
        first = await run_notify(config, content(partner()), Options(TODAY))
        assert first.code == 1 and not handler.raw  # left pending for the next run
        refuse["on"] = False
        again = await run_notify(config, content(partner()), Options(TODAY))
    finally:
        server.server.close()
    assert again.code == 0, again.err
    [message] = handler.raw
    assert dkim.verify(message, dnsfunc=dns_for(txt))


def _bad_key_run(root: Path, port: int, key: Path) -> tuple[int, str, str]:
    import io

    from notifier.notify import notify

    out, err = io.StringIO(), io.StringIO()
    code = notify(signed_site(root, port, key), content(partner()), Options(TODAY), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("case", ["missing", "unreadable", "not a key", "too short", "empty"])
async def test_a_key_that_cannot_sign_stops_the_run_before_anything_is_sent(
        smtp: Server, root: Path, case: str) -> None:
    key = root / "dkim.pem"
    if case == "unreadable":
        if os.geteuid() == 0:
            key = root  # a folder: root reads any file, but no one reads a folder as a file
        else:
            key.write_text("x")
            key.chmod(0)
    elif case == "not a key":
        key.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n")
    elif case == "too short":
        _openssl("genrsa", "-out", str(key), "512")
    elif case == "empty":
        key.write_bytes(b"")
    code, out, err = await __import__("asyncio").to_thread(_bad_key_run, root, smtp.port, key)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert err.startswith("notify: ") and "DKIM key" in err and "nothing was sent" in err
    assert str(key) in err
    assert smtp.handler.received == []
    assert not (root / "var" / "ledger.sqlite3").exists()


def test_the_command_line_says_so_in_one_line(root: Path) -> None:
    """As cron runs it: `rewards notify` with a missing key prints one line and exits 2, no traceback."""
    import sys

    repo = Path(__file__).resolve().parents[2]
    text = (repo / "site.yml").read_text(encoding="utf-8")
    (root / "site.yml").write_text(text.replace("notifier:\n", "notifier:\n  dkim: {key_file: /nonexistent/dkim.pem, "
                                                f"selector: {SELECTOR}, domain: {DOMAIN}}}\n", 1), encoding="utf-8")
    shutil.copytree(repo / "content", root / "content")
    done = subprocess.run([sys.executable, "-m", "rewards_build", "notify", "--site", str(root / "site.yml"),
                           "--today", "2026-11-24"], capture_output=True, text=True, cwd=root, timeout=120)
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert "cannot read the DKIM key /nonexistent/dkim.pem" in done.stderr
