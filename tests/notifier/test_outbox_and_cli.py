"""Dry run (the outbox a new user opens), the wire format, stale pending messages, and the command
line on the example content."""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import io
import subprocess
import sys
from pathlib import Path

from builders import TODAY, contact, content, many_partners, partner, site
from conftest import Server, ledger_rows, run_notify

from notifier.compose import Composer
from notifier.notify import Options, notify
from notifier.plan import History, plan
from rewards_build.model import Activation, TeamContact

REPO = Path(__file__).resolve().parents[2]


def test_dry_run_writes_eml_files_and_an_index_and_touches_no_ledger(root: Path) -> None:
    config = site(root, port=1)  # nothing listens on port 1: a dry run must not even try
    korean = partner("kor", contacts=(contact("김민지", "minji@kor.example", "ko"),), name="코리아 소프트")
    out, err = io.StringIO(), io.StringIO()
    code = notify(config, content(partner(), korean), Options(TODAY, dry_run=True), stdout=out, stderr=err)

    assert code == 0, err.getvalue()
    outbox = root / "_outbox"
    emls = sorted(outbox.glob("*.eml"))
    assert [p.name for p in emls] == ["00001-contoso-ada_contoso.example.eml", "00002-kor-minji_kor.example.eml"]
    msg = email.message_from_bytes(emls[1].read_bytes(), policy=email.policy.default)
    assert msg["Subject"].startswith("Marketplace Rewards에 오신 것을 환영합니다")
    index = (outbox / "index.html").read_text(encoding="utf-8")
    assert "2 message(s) planned for 2026-11-24" in index
    assert "00002-kor-minji_kor.example.eml" in index and "김민지님, 안녕하세요." in index  # the text part
    assert "&lt;strong&gt;리워드 페이지&lt;/strong&gt;" in index  # the HTML part, in its sandboxed frame
    assert not config.notifier.ledger.exists()
    assert out.getvalue().strip() == f"notify 2026-11-24: dry run, 2 message(s) written to {outbox / 'index.html'}"


def test_every_message_parses_without_defects_and_lines_stay_short(root: Path) -> None:
    config = site(root)
    long_name = "Contoso " + "Très Long Nom " * 8
    data = content(partner(name=long_name), partner("kor", contacts=(contact("김" * 40, "k@kor.example", "ko"),)))
    composer = Composer(config, data, lambda: dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC))
    for envelope in plan(data, config.notifier, History(), TODAY):
        raw = composer.compose(envelope).data
        assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert not msg.defects and all(not p.defects for p in msg.walk())
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        header_block = raw.split(b"\r\n\r\n", 1)[0]
        assert all(len(line) <= 78 for line in header_block.split(b"\r\n") if not line.startswith(b"List-Unsub"))
    # A long Korean name becomes several adjacent encoded words; RFC 2047 decoders join them (the
    # email package's newer address parser leaves a space between them, a known quirk of its own).
    to = raw.split(b"\r\nTo: ", 1)[1].split(b"\r\nReply-To", 1)[0].decode()
    decoded = str(email.header.make_header(email.header.decode_header(to.replace("\r\n", ""))))
    assert decoded == "김" * 40 + " <k@kor.example>"


async def test_a_pending_message_whose_cause_was_fixed_is_cancelled_not_sent(smtp: Server, root: Path) -> None:
    activated = dt.date(2026, 11, 10)
    waiting = partner(activations=(Activation("listing-optimization", "contoso-crm", activated),))
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 try later" if phase == "RCPT" else None
    config = site(root, smtp.port)
    assert (await run_notify(config, content(waiting), Options(TODAY))).code == 1

    fixed = partner(activations=waiting.activations, team_contacts=(
        *waiting.team_contacts, TeamContact(TODAY, "activation", offer="contoso-crm", benefit="listing-optimization")))
    smtp.handler.rule = lambda phase, address, n: None
    result = await run_notify(config, content(fixed), Options(TODAY + dt.timedelta(days=1)))

    assert result.code == 0, result.err
    assert "1 cancelled" in result.out
    by_kind = {r["kind"]: r["state"] for r in ledger_rows(config)}
    assert by_kind == {"contact-overdue": "cancelled", "tip": "sent"}
    [msg] = smtp.handler.received
    assert msg["X-Rewards-Items"] == "tip"


async def test_limit_sends_at_most_n_and_the_rest_next_run(smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    data = content(*many_partners(5))
    first = await run_notify(config, data, Options(TODAY, limit=2))
    second = await run_notify(config, data, Options(TODAY))
    assert (first.code, second.code) == (0, 0)
    assert "2 due, 2 sent" in first.out and "3 due, 3 sent" in second.out
    assert len(set(smtp.handler.message_ids())) == 5


def test_the_command_line_dry_run_on_the_example_content(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rewards_build", "notify", "--dry-run", "--today", "2026-11-24",
         "--outbox", str(tmp_path / "outbox")],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "dry run" in result.stdout
    assert (tmp_path / "outbox" / "index.html").exists()
    assert len(list((tmp_path / "outbox").glob("*.eml"))) >= 5
    # The trial about to expire: one reminder naming all its open benefits, not one per benefit.
    (eml,) = (tmp_path / "outbox").glob("*-woodgrove-trial-expiring-*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert text.count("These benefits of Woodgrove Audit Trail (free trial) expire on") == 1
    assert "Marketplace marketing toolkit" in text and "Community forums" in text


def test_status_with_no_ledger_says_so(tmp_path: Path) -> None:
    from notifier.notify import show_status

    out = io.StringIO()
    assert show_status(site(tmp_path), out) == 0
    assert out.getvalue().startswith("no ledger yet at ")


def test_a_configuration_error_exits_2_and_sends_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "site.yml"
    text = (REPO / "site.yml").read_text(encoding="utf-8").replace("port: 25", "port: lots")
    bad.write_text(text.replace("content_dir: content", f"content_dir: {REPO / 'content'}"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "rewards_build", "notify", "--site", str(bad)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "site.yml:" in result.stderr and "port" in result.stderr
    assert not (tmp_path / "var").exists()
