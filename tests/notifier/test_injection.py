"""Whatever a name or a title says, it stays text: never a header, a recipient, a body or a remote
image. Every field of content that reaches a header is tried with every payload, on the bytes the
mailer writes (read back as a mail program reads them) and through a real SMTP server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import BENEFITS, TIPS, TODAY, contact, content, offer, partner, site
from conftest import Server, run_notify

from notifier.compose import Composer
from notifier.notify import Options
from notifier.plan import History, plan
from rewards_build.config import Mailbox, SiteConfig
from rewards_build.model import Activation, Content

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
PAYLOADS = {
    "encoded CRLF Bcc and body": "=?utf-8?q?A=2E_Datum=0D=0ABcc=3A_victim=40evil.example=0D=0AContent-Type=3A_text/html"
                                 "=0D=0A=0D=0A<h1>Pay_here</h1>?=",
    "encoded second Reply-To": "=?utf-8?q?Tip=0D=0AReply-To=3A_thief=40evil.example?=",
    "encoded comma adds a recipient": "=?utf-8?q?Ada=2C_victim=40evil.example?=",
    "encoded group": "=?utf-8?q?Team=3A_victim=40evil.example=3B?=",
    "plain comma and address": "Ada <ada@evil.example>, victim@evil.example",
    "plain group": "Team: victim@evil.example;",
    "markdown link and image": "[Pay here](https://evil.example/pay) <img src=https://evil.example/p.png>",
}


def _offer_name(value: str) -> Content:
    silent = partner(offers=(dataclasses.replace(offer(live=dt.date(2026, 10, 1)), name=value),), team_contacts=())
    return content(silent, tips=())  # find-owner: "{offer} has been live ... days"


def _benefit_title(value: str) -> Content:
    awaiting = partner(activations=(Activation("listing-optimization", "contoso-crm", dt.date(2026, 11, 21) - dt.timedelta(days=10)),))
    data = content(awaiting, tips=())
    benefit = dataclasses.replace(BENEFITS["listing-optimization"], title=value)
    return dataclasses.replace(data, benefits={**data.benefits, "listing-optimization": benefit})


# Every place content text reaches a header, and the mail that carries it there.
FIELDS: dict[str, Callable[[str], Content]] = {
    "partner name (Subject)": lambda v: content(partner(contacts=(), name=v)),  # "{partner}: assign a contact"
    "contact name (To)": lambda v: content(partner(contacts=(contact(name=v),))),
    "offer name (Subject)": _offer_name,
    "benefit title (Subject)": _benefit_title,
    "tip title (Subject)": lambda v: content(partner(), tips=(dataclasses.replace(TIPS[0], title=v),)),
}


def _sent(config: SiteConfig, data: Content) -> list[email.message.EmailMessage]:
    composer = Composer(config, data, lambda: NOW)
    messages = []
    for envelope in plan(data, config.notifier, History(), TODAY, None):
        raw = composer.compose(envelope).data
        messages.append(email.message_from_bytes(raw, policy=email.policy.default))
    assert messages, "the case must produce mail, or it tests nothing"
    return messages  # type: ignore[return-value]


EXPECTED_HEADERS = {"from", "to", "cc", "reply-to", "subject", "date", "message-id", "auto-submitted",
                    "list-unsubscribe", "list-unsubscribe-post", "content-language", "x-rewards-items",
                    "mime-version", "content-type"}


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
@pytest.mark.parametrize("field", list(FIELDS))
def test_text_in_a_header_bound_field_stays_text(tmp_path: Path, field: str, payload: str) -> None:
    for message in _sent(site(tmp_path), FIELDS[field](payload)):
        names = [k.lower() for k in message]
        assert set(names) <= EXPECTED_HEADERS and len(names) == len(set(names)), names
        recipients = [a.addr_spec for h in message.get_all("To", []) + message.get_all("Cc", []) for a in h.addresses]
        assert "victim@evil.example" not in recipients and "ada@evil.example" not in recipients
        assert len(message["To"].addresses) == 1
        assert message.get_content_type() == "multipart/alternative"
        html = str(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
        assert "<h1>Pay_here" not in html and 'href="https://evil.example' not in html
        assert "evil.example/p.png\"" not in html and "<img" not in html
        if field.startswith(("partner", "offer", "benefit", "tip")):
            # Read back, the subject holds the payload as written: nothing decoded, nothing lost.
            assert payload in str(message["Subject"]) or payload.replace("\n", " ") in str(message["Subject"])


def test_a_title_is_text_in_the_html_part(tmp_path: Path) -> None:
    payload = "[Pay here](https://evil.example/pay) *now*"
    [message] = _sent(site(tmp_path), FIELDS["tip title (Subject)"](payload))
    html = str(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    assert "[Pay here](https://evil.example/pay) *now*" in html


def test_a_remote_image_in_a_tip_body_does_not_load(tmp_path: Path) -> None:
    tip = dataclasses.replace(TIPS[0], body="Look: ![pixel](https://tracker.example/p.png?id=1)")
    [message] = _sent(site(tmp_path), content(partner(), tips=(tip,)))
    html = str(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    assert "tracker.example" not in html


@pytest.mark.parametrize("payload", [PAYLOADS["encoded CRLF Bcc and body"], PAYLOADS["encoded comma adds a recipient"]])
def test_names_from_site_yml_stay_text_too(tmp_path: Path, payload: str) -> None:
    config = site(tmp_path)
    notifier = dataclasses.replace(config.notifier, sender=Mailbox("rewards@rewards.example.com", payload),
                                   reply_to=Mailbox("rewards-team@rewards.example.com", payload))
    for message in _sent(dataclasses.replace(config, notifier=notifier), content(partner())):
        assert [a.addr_spec for a in message["From"].addresses] == ["rewards@rewards.example.com"]
        assert [a.addr_spec for a in message["Reply-To"].addresses] == ["rewards-team@rewards.example.com"]
        assert "bcc" not in [k.lower() for k in message]


async def test_injected_names_reach_the_server_as_text_on_both_paths(root: Path, smtp: Server) -> None:
    payload = PAYLOADS["encoded CRLF Bcc and body"]
    data = content(partner(name=payload, contacts=(contact(name=payload),)),
                   partner("other", contacts=(contact("Bo", "bo@other.example"),)))
    result = await run_notify(site(root, smtp.port), data, Options(TODAY))
    assert result.code == 0, result.err
    assert sorted(rcpt for _, rcpts in smtp.handler.envelopes for rcpt in rcpts) == ["ada@contoso.example",
                                                                                     "bo@other.example"]
    for message in smtp.handler.received:
        assert "bcc" not in [k.lower() for k in message]
        assert message.get_content_type() == "multipart/alternative"


async def test_an_address_the_mailer_cannot_parse_stops_only_its_own_message(root: Path, smtp: Server) -> None:
    # Built past validation (which refuses it): the mailer refuses it again, and the others still go.
    data = content(partner("bad", contacts=(contact("Adele", "adele..vance@contoso.example"),)),
                   partner("good", contacts=(contact("Bo", "bo@good.example"),)))
    result = await run_notify(site(root, smtp.port), data, Options(TODAY))
    assert [rcpts for _, rcpts in smtp.handler.envelopes] == [["bo@good.example"]]
    assert "adele..vance@contoso.example" in result.err and result.code != 0





def test_the_mailer_refuses_a_header_block_that_reads_back_differently() -> None:
    from notifier.mime import UnsafeHeader, check_structure

    data = b"From: a@x.example\r\nTo: b@y.example\r\nBcc: victim@evil.example\r\n\r\nbody"
    with pytest.raises(UnsafeHeader, match="headers read back"):
        check_structure(data, ["From", "To"], ["b@y.example"])
    data = b"From: a@x.example\r\nTo: b@y.example, victim@evil.example\r\n\r\nbody"
    with pytest.raises(UnsafeHeader, match="recipients read back"):
        check_structure(data, ["From", "To"], ["b@y.example"])
    check_structure(b"From: a@x.example\r\nTo: b@y.example\r\n\r\nbody", ["From", "To"], ["b@y.example"])


def test_the_quick_reading_of_a_plain_mailbox_agrees_with_the_email_package_on_every_value_it_takes() -> None:
    """check_structure reads `Name <a@b>` itself and leaves the rest to the email package's parser: on
    every value the quick reading takes, hostile ones included, the parser must find that one mailbox."""
    import random

    from notifier.mime import _HEADERS, _PLAIN_MAILBOX

    pieces = ["Ada", "Zoë", "a", "b.c", "x@y.example", "victim@evil.example", " ", "  ", '"', "(", ")", ",",
              ":", ";", "<", ">", "@", "\\", ".", "=?utf-8?q?Ada=2C_victim=40evil.example?=", "+", "=", "?",
              "'", "\t", "[", "]", "ada@x.example", "<ada@x.example>"]
    rng = random.Random(13)
    taken = 0
    for _ in range(20_000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        match = _PLAIN_MAILBOX.fullmatch(value)
        if match is None:
            continue
        taken += 1
        header = _HEADERS("To", value.strip())
        assert [g.display_name for g in header.groups] == [None], value  # type: ignore[attr-defined]
        assert [a.addr_spec for a in header.addresses] == [match.group(1) or match.group(2)], value  # type: ignore[attr-defined]
    assert taken > 500  # the quick reading was tried, not only the parser
