"""Content that reaches a mail header is refused at validation, field by field, with the same parser
and the same rules the mailer applies again before the wire (rewards_build/mailsafe.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rewards_build.pipeline import load_all
from tests.conftest import TODAY

ACME = "content/partners/acme.yml"
INJECTION = "=?utf-8?q?A=2E_Datum=0D=0ABcc=3A_victim=40evil.example?="
ENCODED = ("contains '=?', which mail programs read as the start of an encoded word (RFC 2047) and could decode "
           "into new header lines; write the text without '=?'")
DOTS = ("is not an address mail programs accept: a dot cannot start or end the part before @, or follow a dot")


def replace(old: str, new: str, path: str = ACME) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"fixture has no {old!r}"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


QUOTED = f'"{INJECTION}"'
# Every field whose text reaches a header: the partner's and offers' names (subjects), contacts' names (To),
# benefit and tip titles in every language (subjects). (what, file, text in the fixture, its change with
# {value} for the hostile text, where the problem is reported, the field's path).
FIELDS = [
    ("partner name", ACME, "name: Acme Software", "name: {value}", "2:7", "name"),
    ("offer name", ACME, "name: Acme App", "name: {value}", "7:11", "offers[0].name"),
    ("contact name", ACME, "name: Bo Contact", "name: {value}", "20:11", "marketing_contacts[0].name"),
    ("benefit title", "content/benefits/blog-feature.yml", "title: Marketplace blog feature", "title: {value}",
     "2:8", "title"),
    ("benefit title in Korean", "content/benefits/toolkit.yml", "ko: {title: 마케팅 툴킷}", "ko: {{title: {value}}}",
     "8:15", "translations.ko.title"),
    ("tip title", "content/tips/offer-name.md", "title: Put your core value in the offer name", "title: {value}",
     "2:8", "title"),
    ("tip title in Korean", "content/tips/offer-name.md", "order: 1\n",
     "order: 1\ntranslations:\n  ko: {{title: {value}, body: 본문}}\n", "6:15", "translations.ko.title"),
]
HEADER_BOUND = [(what, replace(old, new.format(value=QUOTED), path), f"{path}:{at}: {field}: {ENCODED}")
                for what, path, old, new, at, field in FIELDS]

ADDRESSES = [
    ("leading dot", replace("email: bo@acme.test", "email: .bo@acme.test"),
     f"{ACME}:21:12: marketing_contacts[0].email: .bo@acme.test {DOTS}"),
    ("trailing dot", replace("email: bo@acme.test", "email: bo.@acme.test"),
     f"{ACME}:21:12: marketing_contacts[0].email: bo.@acme.test {DOTS}"),
    ("two dots", replace("email: bo@acme.test", "email: bo..contact@acme.test"),
     f"{ACME}:21:12: marketing_contacts[0].email: bo..contact@acme.test {DOTS}"),
    ("account email", replace("account_email: pc-admin@acme.test", "account_email: pc..admin@acme.test"),
     f"{ACME}:4:16: account_email: pc..admin@acme.test {DOTS}"),
    ("alias with underscore", replace("email: bo@acme.test", "email: no_reply@acme.test"),
     f"{ACME}:21:12: marketing_contacts[0].email: no_reply@acme.test is a shared alias (noreply@); mail to shared "
     "mailboxes is lost: give a person's address"),
    ("mailer daemon", replace("email: bo@acme.test", "email: Mailer-Daemon@acme.test"),
     f"{ACME}:21:12: marketing_contacts[0].email: Mailer-Daemon@acme.test is a shared alias (mailerdaemon@); mail to "
     "shared mailboxes is lost: give a person's address"),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in HEADER_BOUND + ADDRESSES],
                         ids=[c[0] for c in HEADER_BOUND + ADDRESSES])
def test_what_would_reach_a_header_is_refused_where_it_is_written(
        mini: Path, change: Callable[[Path], None], expected: str) -> None:
    change(mini)
    result = load_all(Path("site.yml"), TODAY)
    assert [str(p) for p in result.problems] == [expected]


def test_the_fast_path_accepts_nothing_the_mailers_parser_refuses() -> None:
    # mailsafe skips the email package for plain addresses; each one it skips must parse there too.
    from email.headerregistry import Address

    from rewards_build import mailsafe

    samples = ["a@b.example", "a.b@c.example", "a+tag@c.example", "o'neil@c.example", "x{y}@c.example",
               "a.-b@c.example", "-@c.example", "a@b-c.example", "a_b.c-d@e.example", "~@c.example"]
    for sample in samples:
        assert mailsafe.address_problem(sample) is None
        assert Address(addr_spec=sample).addr_spec == sample
    for refused in [".a@b.example", "a.@b.example", "a..b@c.example", "a b@c.example", "a\"b@c.example"]:
        assert mailsafe.address_problem(refused) is not None


def test_a_display_name_in_site_yml_is_refused_too(mini: Path) -> None:
    replace("sender: {name: Rewards,", f"sender: {{name: {QUOTED},", "site.yml")(mini)
    result = load_all(Path("site.yml"), TODAY)
    assert result.config_error
    assert [str(p) for p in result.problems] == [
        f"site.yml:7:18: notifier.sender.name: found the text '{INJECTION}'; expected one line of text without "
        "control characters or '=?' (it goes into an email header, where '=?' starts an encoded word)"]


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Acme[RLO]exe.ppa" shows as "Acmeapp.exe"
BIDI = ("contains U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible control that changes the order in which the text "
        "around it is shown, so a name can read differently from what it is (in a subject line, on the site); "
        "remove it")


@pytest.mark.parametrize(("path", "old", "new", "at", "field"), [f[1:] for f in FIELDS] + [
    ("content/program.yml", "name: Publisher", "name: {value}", "3:27", "tiers[0].name")],
    ids=[f[0] for f in FIELDS] + ["tier name"])
def test_text_that_would_show_reordered_is_refused_in_every_field_of_its_kind(
        mini: Path, path: str, old: str, new: str, at: str, field: str) -> None:
    replace(old, new.format(value=f'"Acme{RLO}exe.ppa"'), path)(mini)
    result = load_all(Path("site.yml"), TODAY)
    assert [str(p) for p in result.problems] == [f"{path}:{at}: {field}: {BIDI}"]
