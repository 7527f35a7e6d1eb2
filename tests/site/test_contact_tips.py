"""A contact who opted out of tips (`tips: false`) is shown so on the partner page, in both languages:
the team and the partner see why that person gets reminders but no tips. The notifier asks the same
rule (rules.gets_tips)."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import copy_site

from notifier.plan import History, plan
from rewards_build.pipeline import load_all
from tests.conftest import TODAY

PARTNER = "adatum-awaiting-contact"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("tips")
    copy = copy_site(base / "repo")
    path = copy.content / "partners" / f"{PARTNER}.yml"
    text = path.read_text(encoding="utf-8")
    assert "    language: en\n" in text
    path.write_text(text.replace("    language: en\n", "    language: en\n    tips: false\n", 1), encoding="utf-8")
    out = base / "site"
    result, log = copy.build(out)
    assert result.exit_code == 0, log
    return copy.root, out


@pytest.mark.parametrize(("language", "note"), [("", "no best-practice tips (opted out); reminders still come"),
                                                ("ko", "모범 사례 팁 수신 거부(알림은 계속 발송)")])
def test_a_contact_without_tips_is_marked_on_the_partner_page(built: tuple[Path, Path], language: str,
                                                               note: str) -> None:
    page = (built[1] / language / "partners" / PARTNER / "index.html").read_text(encoding="utf-8")
    assert page.count(note) == 1
    other = (built[1] / language / "partners" / "fabrikam-contact-assigned" / "index.html").read_text(encoding="utf-8")
    assert note not in other


def test_the_page_and_the_mail_agree_on_who_gets_tips(built: tuple[Path, Path]) -> None:
    result = load_all(built[0] / "site.yml", TODAY)
    assert result.content is not None and result.config is not None, result.problems
    envelopes = [e for e in plan(result.content, result.config.notifier, History(), TODAY)
                 if e.partner.id == PARTNER]
    assert envelopes, "the partner still gets its reminders"
    assert not any(item.tip is not None for e in envelopes for item in e.items)
