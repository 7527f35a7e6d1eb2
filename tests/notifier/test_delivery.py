"""Sending through a real SMTP server (aiosmtpd on loopback): what arrives, what the ledger says,
what cron sees as the exit code; each fault a server can throw at us."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import socket
import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest
from builders import TODAY, contact, content, many_partners, offer, partner, site
from conftest import SENDING_PATHS, Handler, Server, ledger_rows, run_notify, start_server, states

from notifier.lock import RunLock, lock_path_for
from notifier.notify import Options
from rewards_build.model import OwnerStatus

OPTIONS = Options(TODAY)


def parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_a_message_arrives_with_both_parts_headers_and_links(smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    result = await run_notify(config, content(partner()), OPTIONS)

    assert result.code == 0, result.err
    assert result.out.strip() == "notify 2026-11-24: 1 due, 1 sent, 0 failed, 0 left pending"
    [msg] = smtp.handler.received
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["From"].addresses[0].addr_spec == "rewards@rewards.example.com"
    assert str(msg["To"]) == "Ada Lovelace <ada@contoso.example>"
    assert msg["Reply-To"].addresses[0].addr_spec == "rewards-team@rewards.example.com"
    assert msg["Subject"] == "Welcome to Marketplace Rewards: Start here: your rewards page"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Content-Language"] == "en"
    assert msg["Date"] is not None
    assert re.fullmatch(r"<[0-9a-f]{32}@rewards\.example\.com>", msg["Message-ID"])
    assert msg["List-Unsubscribe"].startswith("<https://rewards.example.com/unsubscribe?partner=contoso&contact=")
    assert re.search(r"&purpose=tips&token=[0-9a-f]{64}>$", msg["List-Unsubscribe"])
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(msg)
    assert "Open your rewards page and assign a contact." in text  # plain text, not Markdown
    assert "<strong>rewards page</strong>" in html
    for body in (text, html):
        assert "https://rewards.example.com/partners/contoso/" in body
        assert "https://github.com/example/rewards/edit/main/content/partners/contoso.yml" in body
    [row] = ledger_rows(config)
    assert (row["kind"], row["state"], row["message_id"]) == ("tip", "sent", msg["Message-ID"])
    assert row["sent_at"]


async def test_korean_subject_name_and_body_survive(smtp: Server, root: Path) -> None:
    korean = partner("kor", contacts=(contact("김민지", "minji@kor.example", "ko-KR"),), name="코리아 소프트")
    result = await run_notify(site(root, smtp.port), content(korean), OPTIONS)

    assert result.code == 0, result.err
    [msg] = smtp.handler.received
    assert msg["Subject"] == "Marketplace Rewards에 오신 것을 환영합니다: 여기서 시작하세요: 리워드 페이지"
    assert msg["To"].addresses[0].display_name == "김민지"
    assert msg["Content-Language"] == "ko"
    text, html = parts(msg)
    assert "김민지님, 안녕하세요." in text
    assert "<strong>리워드 페이지</strong>를 열고" in html
    assert "팁 수신 중지" in html  # the footer, from the Korean catalog


async def test_a_missing_translation_falls_back_to_english(smtp: Server, root: Path) -> None:
    french = partner(contacts=(contact(language="fr-CA"),))
    await run_notify(site(root, smtp.port), content(french), OPTIONS)
    [msg] = smtp.handler.received
    assert msg["Content-Language"] == "en"
    assert "Hello Ada Lovelace," in parts(msg)[0]


async def test_running_again_the_same_day_sends_nothing(smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    data = content(*many_partners(5))
    first = await run_notify(config, data, OPTIONS)
    second = await run_notify(config, data, OPTIONS)

    assert (first.code, second.code) == (0, 0)
    assert len(smtp.handler.received) == 5
    assert second.out.strip() == "notify 2026-11-24: 0 due, 0 sent, 0 failed, 0 left pending"


async def test_one_refused_recipient_does_not_fail_the_others(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "550 5.1.1 <c2@p0002.example>: no such user" if (
        phase == "RCPT" and address == "c2@p0002.example") else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(*many_partners(4)), OPTIONS)

    assert result.code == 1
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.handler.received) == [
        "c0@p0000.example", "c1@p0001.example", "c3@p0003.example"]
    failed = [r for r in ledger_rows(config) if r["state"] == "failed"]
    assert [(r["contact"], r["reply"]) for r in failed] == [
        ("c2@p0002.example", "c2@p0002.example: 550 5.1.1 <c2@p0002.example>: no such user")]
    assert "failed c2@p0002.example" in result.err
    assert smtp.handler.seen["RCPT"] == 4  # a permanent refusal is not retried


async def test_a_permanent_failure_is_not_tried_again_next_run(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "554 5.7.1 rejected by policy" if phase == "DATA" else None
    config = site(root, smtp.port)
    data = content(partner())
    assert (await run_notify(config, data, OPTIONS)).code == 1
    assert [(r["state"], r["reply"]) for r in ledger_rows(config)] == [("failed", "554 5.7.1 rejected by policy")]
    again = await run_notify(config, data, OPTIONS)
    assert again.code == 0
    assert smtp.handler.seen["DATA"] == 1


async def test_a_4xx_on_rcpt_is_retried_within_the_run(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 greylisted" if phase == "RCPT" and n == 1 else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(partner()), OPTIONS)

    assert result.code == 0, result.err
    assert len(smtp.handler.received) == 1
    assert states(config) == {"sent": 1}


async def test_a_4xx_on_data_that_persists_leaves_the_message_pending_for_the_next_run(
        smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "452 4.3.1 insufficient storage" if phase == "DATA" else None
    config = site(root, smtp.port)
    data = content(partner())
    first = await run_notify(config, data, OPTIONS)

    assert first.code == 1
    assert smtp.handler.seen["DATA"] == 3  # the first try and 2 retries (retries: 2)
    [row] = ledger_rows(config)
    assert (row["state"], row["reply"]) == ("pending", "452 4.3.1 insufficient storage")
    assert "pending ada@contoso.example" in first.err

    smtp.handler.rule = lambda phase, address, n: None
    second = await run_notify(config, data, Options(TODAY.replace(day=25)))
    assert second.code == 0, second.err
    [msg] = smtp.handler.received
    assert msg["Message-ID"] == row["message_id"]  # the same message, the same id
    assert states(config) == {"sent": 1}


async def test_a_421_closes_the_connection_and_the_message_is_retried(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "421 4.7.0 too busy, closing" if phase == "MAIL" and n <= 2 else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(*many_partners(3)), OPTIONS)

    assert result.code == 0, result.err
    assert len(smtp.handler.received) == 3
    assert states(config) == {"sent": 3}


async def test_a_disconnect_in_the_middle_of_data_keeps_the_message_id_for_the_next_run(
        smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "drop" if phase == "DATA" else None
    config = site(root, smtp.port)
    data = content(partner())
    assert (await run_notify(config, data, OPTIONS)).code == 1
    [row] = ledger_rows(config)
    assert row["state"] == "pending" and "Disconnected" in str(row["reply"])

    smtp.handler.rule = lambda phase, address, n: None
    assert (await run_notify(config, data, OPTIONS)).code == 0
    assert smtp.handler.message_ids() == [row["message_id"]]


async def test_a_server_slower_than_the_timeout_leaves_the_message_pending(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "slow:3" if phase == "DATA" else None
    config = site(root, smtp.port, retries=0)
    result = await run_notify(config, content(partner()), OPTIONS, timeout=0.3)

    assert result.code == 1
    assert states(config) == {"pending": 1}
    assert "Timeout" in str(ledger_rows(config)[0]["reply"])


async def test_no_server_at_all_leaves_everything_pending_quickly(root: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = site(root, port)
    result = await run_notify(config, content(*many_partners(20)), OPTIONS)

    assert result.code == 1
    assert states(config) == {"pending": 20}
    assert "cannot connect to 127.0.0.1" in str(ledger_rows(config)[0]["reply"])
    assert result.out.strip() == "notify 2026-11-24: 20 due, 0 sent, 0 failed, 20 left pending"


async def test_a_second_run_while_one_holds_the_lock_exits_3_and_sends_nothing(smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    with RunLock(lock_path_for(config.notifier.ledger)):
        result = await run_notify(config, content(partner()), OPTIONS)
    assert result.code == 3
    assert "another notify run holds" in result.err
    assert smtp.handler.received == []


async def test_two_runs_at_once_send_each_message_once(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "slow:0.05" if phase == "DATA" else None
    config = site(root, smtp.port)
    data = content(*many_partners(20))  # about half a second of sending: the runs overlap
    first, second = await asyncio.gather(run_notify(config, data, OPTIONS), run_notify(config, data, OPTIONS))

    assert sorted([first.code, second.code]) == [0, 3], (first.err, second.err)
    assert len(smtp.handler.received) == 20
    assert len(set(smtp.handler.message_ids())) == 20


async def test_a_control_character_never_reaches_a_header(smtp: Server, root: Path) -> None:
    sneaky = partner("sneaky", contacts=(contact("Eve\r\nBcc: victim@example.com", "eve@sneaky.example"),))
    config = site(root, smtp.port)
    result = await run_notify(config, content(sneaky, partner()), OPTIONS)

    assert result.code == 1
    assert [m["To"].addresses[0].addr_spec for m in smtp.handler.received] == ["ada@contoso.example"]
    assert all(rcpt == ["ada@contoso.example"] for _, rcpt in smtp.handler.envelopes)
    failed = [r for r in ledger_rows(config) if r["state"] == "failed"]
    assert len(failed) == 1 and "control character" in str(failed[0]["reply"])


async def test_escalated_reminders_copy_the_rewards_team(smtp: Server, root: Path) -> None:
    # An offer live for 54 days, no word from the team, and its owner left: the rules say level 2.
    gone = partner(offers=(offer(live=dt.date(2026, 10, 1), owner=OwnerStatus.LEFT),), team_contacts=())
    config = site(root, smtp.port)
    result = await run_notify(config, content(gone), OPTIONS)

    assert result.code == 0, result.err
    [msg] = smtp.handler.received
    assert msg["Cc"].addresses[0].addr_spec == "escalations@rewards.example.com"
    assert smtp.handler.envelopes[0][1] == ["ada@contoso.example", "escalations@rewards.example.com"]
    assert msg["Subject"].startswith("[Escalated] ")
    text, html = parts(msg)
    assert "https://support.example.com/publisher/new-ticket" in text
    assert 'href="https://support.example.com/publisher/new-ticket"' in html
    # The digest carries a tip too, but a mailbox's unsubscribe button must not read as "stop reminders":
    # no List-Unsubscribe; the footer says why reminders come, and links to stop the tips alone.
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None
    assert "cannot be unsubscribed from" in " ".join(text.split()) and "Stop receiving tips: <https://" in text


async def test_json_report_for_machines(smtp: Server, root: Path) -> None:
    result = await run_notify(site(root, smtp.port), content(partner()), Options(TODAY, json=True))
    report = json.loads(result.out)
    assert report["sent"] == 1 and report["exit_code"] == 0 and report["today"] == "2026-11-24"


async def test_status_shows_the_ledger_by_kind_and_state(smtp: Server, root: Path) -> None:
    import io

    from notifier.notify import show_status

    config = site(root, smtp.port)
    await run_notify(config, content(*many_partners(3), partner("nobody", contacts=())), OPTIONS)
    out = io.StringIO()
    assert show_status(config, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["kind", "pending", "sent", "failed", "cancelled"]
    assert lines[1].split() == ["assign-contact", "0", "1", "0", "0"]
    assert lines[2].split() == ["tip", "0", "3", "0", "0"]


def _tls(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    return server_ctx, ssl.create_default_context(cafile=str(cert))


@pytest.mark.parametrize("pipelining", [False, True], ids=SENDING_PATHS)
async def test_starttls_with_a_self_signed_certificate(
        root: Path, certificate: tuple[Path, Path], pipelining: bool) -> None:
    server_ctx, client_ctx = _tls(certificate)
    server = await start_server(Handler(pipelining=pipelining), tls_context=server_ctx, require_starttls=True)
    try:
        config = site(root, server.port, smtp={"host": "127.0.0.1", "port": server.port, "tls": "starttls",
                                               "timeout_seconds": 5})
        result = await run_notify(config, content(partner()), OPTIONS, tls_context=client_ctx)
        assert result.code == 0, result.err
        assert len(server.handler.received) == 1
    finally:
        server.server.close()


@pytest.mark.parametrize("pipelining", [False, True], ids=SENDING_PATHS)
async def test_implicit_tls(root: Path, certificate: tuple[Path, Path], pipelining: bool) -> None:
    server_ctx, client_ctx = _tls(certificate)
    server = await start_server(Handler(pipelining=pipelining), implicit_tls=server_ctx)
    try:
        config = site(root, server.port, smtp={"host": "127.0.0.1", "port": server.port, "tls": "implicit",
                                               "timeout_seconds": 5})
        result = await run_notify(config, content(partner()), OPTIONS, tls_context=client_ctx)
        assert result.code == 0, result.err
        assert len(server.handler.received) == 1
    finally:
        server.server.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("pipelining", [False, True], ids=SENDING_PATHS)
async def test_authentication_with_the_password_from_the_environment(
        root: Path, monkeypatch: pytest.MonkeyPatch, pipelining: bool) -> None:
    from aiosmtpd.smtp import AuthResult

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    server = await start_server(Handler(pipelining=pipelining), authenticator=authenticator, auth_require_tls=False, auth_required=True)
    try:
        smtp_config = {"host": "127.0.0.1", "port": server.port, "tls": "none", "user": "rewards",
                       "password_env": "TEST_REWARDS_SMTP_PASSWORD", "timeout_seconds": 5}
        config = site(root, server.port, smtp=smtp_config)
        monkeypatch.delenv("TEST_REWARDS_SMTP_PASSWORD", raising=False)
        missing = await run_notify(config, content(partner()), OPTIONS)
        assert missing.code == 2 and "$TEST_REWARDS_SMTP_PASSWORD is empty" in missing.err
        assert not config.notifier.ledger.exists()

        monkeypatch.setenv("TEST_REWARDS_SMTP_PASSWORD", "s3cret")
        result = await run_notify(config, content(partner()), OPTIONS)
        assert result.code == 0, result.err
        assert logins == [(b"rewards", b"s3cret")]
        assert len(server.handler.received) == 1
    finally:
        server.server.close()


async def test_the_rate_limit_spaces_messages(smtp: Server, root: Path) -> None:
    import time

    config = site(root, smtp.port, rate_limit_per_second=40)
    start = time.perf_counter()
    result = await run_notify(config, content(*many_partners(12)), OPTIONS)
    assert result.code == 0
    assert time.perf_counter() - start >= 11 / 40


@pytest.mark.parametrize(("phase", "reply"), [
    ("RCPT", "450 4.2.1 mailbox busy"),
    ("MAIL", "421 4.3.2 shutting down"),
    ("DATA", "451 4.3.0 local error"),
])
async def test_a_temporary_refusal_that_persists_is_pending_and_exit_1(
        smtp: Server, root: Path, phase: str, reply: str) -> None:
    smtp.handler.rule = lambda p, address, n: reply if p == phase else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(partner()), OPTIONS)

    assert result.code == 1
    assert smtp.handler.seen[phase] == 3  # the first try and `retries: 2`
    [row] = ledger_rows(config)
    assert (row["state"], row["reply"]) == ("pending", reply if phase != "RCPT" else f"ada@contoso.example: {reply}")
    assert result.out.strip() == "notify 2026-11-24: 1 due, 0 sent, 0 failed, 1 left pending"
