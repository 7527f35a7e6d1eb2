"""Each reader gets mail that reads right for them: links to the pages in their language, and a text
part that stays readable in the raw message when only a name is accented."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

from builders import TODAY, contact, content, partner, site

from notifier.compose import Composer
from notifier.plan import History, plan

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


def _messages(tmp_path: Path, *contacts: tuple[str, str, str]) -> list[tuple[bytes, email.message.EmailMessage]]:
    config = site(tmp_path)
    data = content(*(partner(f"p{i}", contacts=(contact(*c),)) for i, c in enumerate(contacts)))
    composer = Composer(config, data, lambda: NOW)
    out = []
    for envelope in plan(data, config.notifier, History(), TODAY):
        raw = composer.compose(envelope).data
        out.append((raw, email.message_from_bytes(raw, policy=email.policy.default)))
    return out  # type: ignore[return-value]


def test_korean_mail_links_to_the_korean_pages(tmp_path: Path) -> None:
    [(_, ko), (_, en)] = _messages(tmp_path, ("김민지", "minji@p0.example", "ko"), ("Ada", "ada@p1.example", "en"))
    ko_text = str(ko.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    en_text = str(en.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "https://rewards.example.com/ko/partners/p0/" in ko_text
    assert "https://rewards.example.com/partners/p1/" in en_text and "/ko/" not in en_text


def test_an_accented_name_keeps_an_english_text_part_readable_in_the_raw_message(tmp_path: Path) -> None:
    [(raw, message)] = _messages(tmp_path, ("Zoë Ãlvarez", "zoe@p0.example", "en"))
    plain = message.get_body(("plain",))
    assert plain is not None and plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert b"Open your =\r\n" in raw or b"Open your" in raw  # the words themselves, not base64
    assert "Zoë Ãlvarez" in str(plain.get_content())


def test_korean_text_stays_compact_in_base64(tmp_path: Path) -> None:
    [(_, message)] = _messages(tmp_path, ("김민지", "minji@p0.example", "ko"))
    plain = message.get_body(("plain",))
    assert plain is not None and plain["Content-Transfer-Encoding"] == "base64"


def test_a_digest_subject_names_its_most_urgent_action(tmp_path: Path) -> None:
    from builders import offer

    config = site(tmp_path)
    silent = partner(offers=(offer(live=dt.date(2026, 10, 1)),), team_contacts=())  # find-owner, and a tip
    data = content(silent)
    [envelope] = plan(data, config.notifier, History(), TODAY)
    assert len(envelope.items) == 2 and envelope.items[0].escalation is not None
    message = email.message_from_bytes(Composer(config, data, lambda: NOW).compose(envelope).data,
                                       policy=email.policy.default)
    # Escalated: the cause fell due 26 days ago, past the reminders before escalation.
    assert str(message["Subject"]) == "[Escalated] Contoso CRM has been live 54 days: find its owner (and 1 more)"


def test_every_subject_reads_back_exactly_as_written() -> None:
    from notifier.mime import text_header

    for subject in ["[Escalated] Contoso CRM has been live 54 days: find its owner (and 1 more) and more words",
                    "[상향 조정] 코토소 CRM 게시 54일째: 오퍼 담당자를 확인하세요 외 1건",
                    "Welcome to Marketplace Rewards: Start here: your rewards page, Zoë and more words here"]:
        header = text_header("Subject", subject)
        assert all(len(line) <= 78 for line in header.split("\r\n"))
        message = email.message_from_string(header + "\r\n", policy=email.policy.default)
        assert str(message["Subject"]) == subject


def test_getting_started_tips_go_only_while_an_offer_is_just_live(tmp_path: Path) -> None:
    # program.timing.getting_started_days (60 by default): "your offer is live: start here" read as
    # news by partners live since 2023. Past the window the first regular tip comes instead.
    from builders import offer

    config = site(tmp_path)

    def first_tip(live: dt.date) -> str:
        data = content(partner(offers=(offer(live=live),)))
        [envelope] = plan(data, config.notifier, History(), TODAY)
        return next(i.tip.id for i in envelope.items if i.tip is not None)

    assert first_tip(TODAY - dt.timedelta(days=60)) == "welcome"  # the getting-started tip
    assert first_tip(TODAY - dt.timedelta(days=61)) == "offer-name"
