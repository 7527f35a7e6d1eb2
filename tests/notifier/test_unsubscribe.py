"""Unsubscribing from tips, with the real receiver (`rewards unsubscribe-server`'s server) on a free
loopback port: the link a tip carries, the confirmation page a GET shows, the one-click POST that
records the opt-out, a forged link refused, and the next run planning no tip for that contact."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from builders import TODAY, UNSUBSCRIBE_SECRET, UNSUBSCRIBE_SECRET_ENV, contact, content, partner, site

from notifier import unsubscribe
from notifier.compose import Composer
from notifier.notify import recorded_optouts
from notifier.plan import History, plan
from rewards_build.config import SiteConfig
from rewards_build.model import Activation, Content

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
ONE_CLICK = b"List-Unsubscribe=One-Click"


@dataclasses.dataclass
class Receiver:
    base: str  # http://127.0.0.1:<port>
    record: Path
    log: io.StringIO


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    notifier = site(tmp_path).notifier
    assert notifier.unsubscribe is not None
    signer = unsubscribe.Signer.from_env(notifier.unsubscribe)
    log = io.StringIO()
    record = notifier.unsubscribe_record
    assert record == tmp_path / "var/unsubscribed.jsonl"  # beside the ledger
    server = unsubscribe.serve("127.0.0.1", 0, unsubscribe.Receiver(signer, record), log)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", record, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def tip_message(config: SiteConfig, data: Content | None = None) -> EmailMessage:
    """The message planned for the partner's first contact (Ada), as composed with the signer."""
    data = data or content(partner())
    envelope = next(iter(plan(data, config.notifier, History(), TODAY)))
    assert envelope.recipient.email == "ada@contoso.example"
    composer = Composer(config, data, lambda: NOW, unsubscribe=unsubscribe.signer_from(config.notifier.unsubscribe))
    return composer.compose(envelope).message()


def local(link: str, rx: Receiver) -> str:
    """The link as the web server in front of the receiver would pass it on."""
    url = urlsplit(link)
    return f"{rx.base}{url.path}?{url.query}"


def call(url: str, body: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_tip_is_signed_for_its_partner_contact_and_purpose(root: Path) -> None:
    msg = tip_message(site(root))
    link = msg["List-Unsubscribe"].strip("<>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    query = parse_qs(urlsplit(link).query)
    assert query["partner"] == ["contoso"] and query["purpose"] == ["tips"]
    assert query["contact"] == [unsubscribe.contact_ref("ada@contoso.example")]  # not the address itself
    assert "ada@" not in link
    bare_hash = unsubscribe.Signer("https://x", b"a guess").link("contoso", "ada@contoso.example")
    assert parse_qs(urlsplit(bare_hash).query)["token"] != query["token"]  # the secret, not the address, makes it


def test_get_shows_a_form_and_one_click_post_records_the_opt_out(root: Path, receiver: Receiver) -> None:
    link = local(tip_message(site(root))["List-Unsubscribe"].strip("<>"), receiver)

    # A GET (a person, or a mail scanner following the link) only shows a form that posts.
    status, page = call(link)
    assert status == 200 and '<form method="post"' in page and 'value="One-Click"' in page
    assert not receiver.record.exists()

    # RFC 8058: the mailbox's one-click POST records it; a second click changes nothing.
    assert call(link, ONE_CLICK)[0] == 200
    assert call(link, ONE_CLICK)[0] == 200
    [optout] = unsubscribe.read(receiver.record)
    assert (optout.partner, optout.contact, optout.purpose) == (
        "contoso", unsubscribe.contact_ref("ada@contoso.example"), "tips")
    assert "token=" not in receiver.log.getvalue()  # tokens stay out of the log


def test_a_forged_or_altered_link_is_refused_and_records_nothing(root: Path, receiver: Receiver) -> None:
    link = local(tip_message(site(root))["List-Unsubscribe"].strip("<>"), receiver)
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    path = urlsplit(link).path
    forged = unsubscribe.Signer("https://x", b"not the secret").link("contoso", "ada@contoso.example")
    variants = {
        "forged with another secret": f"{receiver.base}{path}?{urlsplit(forged).query}",
        "bare hash of the address": f"{receiver.base}{path}?" + urlencode({**query, "token": query["contact"]}),
        "another partner": f"{receiver.base}{path}?" + urlencode({**query, "partner": "fabrikam"}),
        "another contact": f"{receiver.base}{path}?" + urlencode(
            {**query, "contact": unsubscribe.contact_ref("bob@contoso.example")}),
        "another purpose": f"{receiver.base}{path}?" + urlencode({**query, "purpose": "reminders"}),
        "no token": f"{receiver.base}{path}?" + urlencode({k: v for k, v in query.items() if k != "token"}),
    }
    for name, url in variants.items():
        assert call(url, ONE_CLICK)[0] == 400, name
        assert call(url)[0] == 400, name
    assert call(link, b"unsubscribe=yes")[0] == 400  # not the one-click body
    assert call(f"{receiver.base}/elsewhere?{urlsplit(link).query}", ONE_CLICK)[0] == 404
    assert not receiver.record.exists()


def test_after_unsubscribing_the_next_run_plans_no_tips_for_that_contact(root: Path, receiver: Receiver) -> None:
    config = site(root)
    bob = contact("Bob", "bob@contoso.example")
    data = content(partner(contacts=(contact(), bob)))
    msg = tip_message(config, data)
    assert call(local(msg["List-Unsubscribe"].strip("<>"), receiver), ONE_CLICK)[0] == 200

    history = dataclasses.replace(History(), unsubscribed=recorded_optouts(config.notifier, data))
    envelopes = list(plan(data, config.notifier, history, TODAY))
    assert [e.recipient.email for e in envelopes] == ["bob@contoso.example"]  # Ada gets no tip; Bob still does


def test_tips_false_in_the_partner_file_stops_tips_but_not_reminders(root: Path) -> None:
    config = site(root)
    quiet = dataclasses.replace(contact(), tips=False)
    assert list(plan(content(partner(contacts=(quiet,))), config.notifier, History(), TODAY)) == []
    overdue = partner(contacts=(quiet,), activations=(Activation("listing-optimization", "contoso-crm",
                                                                 TODAY - dt.timedelta(days=8)),))
    [envelope] = plan(content(overdue), config.notifier, History(), TODAY)
    assert [i.key.kind for i in envelope.items] == ["contact-overdue"]


def test_a_digest_with_a_reminder_carries_no_list_unsubscribe(root: Path) -> None:
    config = site(root)
    overdue = partner(activations=(Activation("listing-optimization", "contoso-crm", TODAY - dt.timedelta(days=8)),))
    msg = tip_message(config, content(overdue))
    assert msg["X-Rewards-Items"] == "contact-overdue, tip"
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    words = " ".join(text.split())  # the text part is wrapped at 78 columns
    assert "they cannot be unsubscribed from" in words and "change the marketing contact" in words
    assert "Stop receiving tips: <https://rewards.example.com/unsubscribe?" in text  # the tips alone, by link


def test_a_reminder_in_korean_says_why_in_korean(root: Path) -> None:
    overdue = partner(contacts=(contact(language="ko"),),
                      activations=(Activation("listing-optimization", "contoso-crm", TODAY - dt.timedelta(days=8)),))
    text = tip_message(site(root), content(overdue)).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "수신 거부할 수 없습니다" in text


def test_without_the_secret_no_unsubscribe_header_is_sent(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSUBSCRIBE_SECRET_ENV)
    with pytest.raises(unsubscribe.SecretMissing):
        unsubscribe.signer_from(site(root).notifier.unsubscribe)
    data = content(partner())
    [envelope] = plan(data, site(root).notifier, History(), TODAY)
    msg = Composer(site(root), data, lambda: NOW).compose(envelope).message()
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None
    assert "unsubscribe" not in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


PARTNER_FILE = """\
id: contoso
name: Contoso
marketing_contacts:
  - name: Ada Lovelace
    email: Ada@contoso.example
    phone: "+1 425 555 0100"
    language: en
  # a comment kept as it is
  - name: Bob
    email: bob@contoso.example
    phone: "+1 425 555 0101"
    language: en
offers: []
"""


def test_export_optouts_is_a_patch_that_writes_tips_false(root: Path) -> None:
    config = site(root)
    (root / "content/partners").mkdir(parents=True)
    path = root / "content/partners/contoso.yml"
    path.write_text(PARTNER_FILE)
    data = content(partner(contacts=(contact(), contact("Bob", "bob@contoso.example"))))
    records = [unsubscribe.OptOut("2026-11-25T10:00:00+00:00", "contoso", unsubscribe.contact_ref(a), "tips")
               for a in ("ada@contoso.example", "gone@contoso.example")]
    patch, notes = unsubscribe.export_optouts(config, data, records)
    assert "+++ b/content/partners/contoso.yml" in patch
    assert notes == ["partners/contoso.yml: 1 opt-out(s) name a contact no longer in the file"]
    subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=root, check=True)
    assert path.read_text() == PARTNER_FILE.replace('    language: en\n  # a comment',
                                                    '    language: en\n    tips: false\n  # a comment')
    # Once merged, the content says it: nothing left to export.
    quiet = dataclasses.replace(contact(), tips=False)
    merged = content(partner(contacts=(quiet, contact("Bob", "bob@contoso.example"))))
    assert unsubscribe.export_optouts(config, merged, records)[0] == ""


def test_the_secret_is_read_from_the_environment_variable_site_yml_names(root: Path) -> None:
    config = site(root).notifier.unsubscribe
    assert config is not None and config.secret_env == UNSUBSCRIBE_SECRET_ENV
    signer = unsubscribe.Signer.from_env(config, {UNSUBSCRIBE_SECRET_ENV: UNSUBSCRIBE_SECRET})
    link = signer.link("contoso", "ada@contoso.example")
    assert signer.verify(urlsplit(link).query) == unsubscribe.Request(
        "contoso", unsubscribe.contact_ref("ada@contoso.example"), "tips")


def call_as(url: str, accept_language: str, body: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"Accept-Language": accept_language})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_korean_contacts_link_opens_korean_pages(root: Path, receiver: Receiver) -> None:
    signer = unsubscribe.Signer.from_env(site(root).notifier.unsubscribe)  # type: ignore[arg-type]
    link = local(signer.link("contoso", "ada@contoso.example", language="ko"), receiver)
    assert "lang=ko" in link
    status, page = call(link)
    assert status == 200 and '<html lang="ko">' in page
    assert "팁 메일 수신을 중단할까요?" in page and "팁 메일 수신 중단</button>" in page
    status, page = call(link, ONE_CLICK)
    assert status == 200 and "더 이상 팁 메일을 받지 않습니다" in page
    assert len(unsubscribe.read(receiver.record)) == 1  # the language is outside the token: it still verifies


@pytest.mark.parametrize(("header", "lang"), [("ko-KR,ko;q=0.9,en;q=0.8", "ko"), ("en-US,en;q=0.9,ko;q=0.8", "en"),
                                              ("fr-FR, ko;q=0.5", "ko"), ("ko;q=0, en", "en"), ("", "en"),
                                              ("ko;q=oops", "en")])
def test_without_a_language_in_the_link_the_browsers_choice_decides(
        root: Path, receiver: Receiver, header: str, lang: str) -> None:
    link = local(tip_message(site(root))["List-Unsubscribe"].strip("<>"), receiver)
    status, page = call_as(link, header)
    assert status == 200 and f'<html lang="{lang}">' in page
    status, page = call_as(link.replace("token=", "token=0"), header)
    assert status == 400 and f'<html lang="{lang}">' in page
    assert ("유효하지 않은 링크입니다" in page) == (lang == "ko")
