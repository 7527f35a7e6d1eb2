"""The getting-started tip (content/tips/offer-is-live.md) reads right for the person it goes to.

Tips go only to a partner's marketing contacts (notifier/plan.py: tip takers are contacts), so the
"your offer is live" mail must not tell its reader to assign a marketing contact: they are one
(issue 11, section 5). It says what they can do now instead: activate, hear from the rewards team
within a week. Composed from the example content's own tip, in English and in Korean."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import pytest
from builders import TODAY, contact, content, partner, site

from notifier.compose import Composer
from notifier.plan import History, plan
from rewards_build.model import Tip
from rewards_build.pipeline import load_all

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
TIP_ID = "offer-is-live"

# Asking the reader to assign (add, name, choose) a marketing contact, or to fill in the contacts list.
ASKS_FOR_A_CONTACT = {
    "en": re.compile(r"\b(assign|add|appoint|choose|name|nominate)\b[^.\n]{0,40}\bmarketing contacts?\b"
                     r"|marketing_contacts", re.IGNORECASE),
    "ko": re.compile(r"(마케팅\s*)?담당자(를|을)\s*(지정|추가|등록|선택)|marketing_contacts"),
}
# What a marketing contact can do now, in the reader's words: the benefits are theirs to activate, and
# the rewards team calls them within a week.
SAYS_WHAT_NOW = {
    "en": ("that is you", "activations", "Within one week", "rewards team contacts you"),
    "ko": ("귀하가 바로 그 담당자", "activations", "일주일 안에", "리워드 팀이 귀하에게 연락"),
}


def _example_tip() -> Tip:
    result = load_all(REPO / "site.yml", TODAY)
    assert result.content is not None, result.problems
    [tip] = [t for t in result.content.tips if t.id == TIP_ID]
    assert tip.getting_started
    return tip


def _composed(tmp_path: Path, language: str) -> tuple[str, str]:
    """The plain and HTML text of the first mail a marketing contact gets once an offer is just live."""
    config = site(tmp_path)
    reader = contact("김민지" if language == "ko" else "Ada Lovelace", "reader@contoso.example", language)
    data = content(partner(contacts=(reader,)), tips=(_example_tip(),))
    [envelope] = plan(data, config.notifier, History(), TODAY)
    assert envelope.recipient.is_contact and envelope.recipient.email == "reader@contoso.example"
    assert [i.tip.id for i in envelope.items if i.tip is not None] == [TIP_ID]
    message = email.message_from_bytes(Composer(config, data, lambda: NOW).compose(envelope).data,
                                       policy=email.policy.default)
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), re.sub(r"<[^>]+>", " ", str(html.get_content()))


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_getting_started_tip_does_not_ask_a_marketing_contact_to_assign_one(tmp_path: Path,
                                                                                 language: str) -> None:
    tip = _example_tip()
    assert not tip.title_in(language).fallback and not tip.body_in(language).fallback
    for text in _composed(tmp_path, language):
        text = re.sub(r"\s+", " ", text)
        assert [m.group(0) for m in ASKS_FOR_A_CONTACT[language].finditer(text)] == []
        missing = [words for words in SAYS_WHAT_NOW[language] if words not in text]
        assert missing == [], text
