"""The text part reads as plain text in any mail program: no Markdown source, lines of at most 78
columns (Korean counted as two columns a character), links as "label <url>" with the URL unbroken;
and the headers a reader's program decodes stay within RFC 2047's 75 characters an encoded word."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import random
import re
from email.message import EmailMessage
from pathlib import Path

from builders import ALL_TYPES, TODAY, contact, content, partner, site

from notifier.compose import Composer
from notifier.mime import address, address_header, text_header
from notifier.plaintext import width
from notifier.plan import History, plan
from rewards_build.model import Tip, Translation

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
LONG_URL = "https://learn.example.com/marketplace/listing-best-practices/offer-name-and-summary-keywords?src=rewards"
BODY = f"""Your offer name carries the **core value** and the *search keywords* customers type, and search engines show the first sentences of the description in their results, so state the value there.

## How to pick keywords

- Use your [top three keywords]({LONG_URL}) in the summary, the description and the keyword field.
- Pick categories that truly match: up to two.

1. Write the name.
2. Preview it.

Read the [listing guide](https://learn.example.com/guide) before you publish."""
KO_BODY = ("오퍼 이름에는 **핵심 가치**와 고객이 검색하는 키워드를 담으세요. 검색 엔진은 설명의 첫 문장을 결과에 보여 주므로 "
           "그곳에서 가치를 분명히 밝히세요.\n\n## 키워드 고르기\n\n- 요약, 설명, 키워드 필드에 "
           f"[상위 키워드 세 개]({LONG_URL})를 쓰세요.\n- 실제로 맞는 범주만 고르세요.")
TIP = Tip("offer-name", "Put your value in the offer name", BODY, ALL_TYPES, frozenset(), 0, "tips/offer-name.md",
          translations={"ko": Translation(title="오퍼 이름에 가치를 담으세요: " + "검색어와 핵심 가치를 함께 " * 5,
                                          body=KO_BODY)})


def _message(tmp_path: Path, language: str = "en") -> EmailMessage:
    name = "김민지" if language == "ko" else "Ada"
    data = content(partner(contacts=(contact(name, "c@contoso.example", language),)), tips=(TIP,))
    config = site(tmp_path)
    [envelope] = plan(data, config.notifier, History(), TODAY)
    return Composer(config, data, lambda: NOW).compose(envelope).message()


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def _long_lines(text: str) -> list[str]:
    """Lines wider than 78 columns that are more than one unbreakable word (a URL alone may be longer)."""
    return [line for line in text.splitlines() if width(line) > 78 and len(line.strip().split()) > 1
            and not re.fullmatch(r"\s*(- )?[^:]+: <\S+>", line)]  # "- label: <url>": a footer link


def test_the_text_part_is_plain_text_not_markdown(tmp_path: Path) -> None:
    text = _text(_message(tmp_path))
    for source in ("##", "**", "](", "[top three", "*search"):
        assert source not in text, f"Markdown source {source!r} in the text part:\n{text}"
    assert "\nHow to pick keywords\n" in text  # the heading, a line of its own
    assert "core value" in text and "search keywords" in text
    assert "- Use your top three keywords" in text and "\n- Pick categories that truly match: up to two." in text
    assert "\n1. Write the name.\n2. Preview it.\n" in text
    assert f"<{LONG_URL}>" in text  # the link's address, whole, after its label
    assert "listing guide <https://learn.example.com/guide>" in text


def test_the_text_part_is_wrapped_at_78_columns_and_never_breaks_a_url(tmp_path: Path) -> None:
    text = _text(_message(tmp_path))
    assert _long_lines(text) == []
    assert max(map(len, text.splitlines())) > 60  # filled, not one word a line
    assert any(line.strip() == f"<{LONG_URL}>" for line in text.splitlines())  # too long to share a line
    assert "  engines show" not in text  # list items continue under their text
    wrapped = [line for line in text.splitlines() if line.startswith("  ")]
    assert wrapped, "a long list item continues on an indented line"


def test_korean_text_is_wrapped_by_its_width_on_screen(tmp_path: Path) -> None:
    text = _text(_message(tmp_path, "ko"))
    assert "**" not in text and "##" not in text and "](" not in text
    assert "핵심 가치" in text and "\n키워드 고르기\n" in text
    assert _long_lines(text) == []
    assert any(40 < width(line) <= 78 and len(line) < 40 for line in text.splitlines())  # Hangul: two columns


def test_the_html_part_keeps_its_formatting(tmp_path: Path) -> None:
    html = _html(_message(tmp_path))
    assert "<strong>core value</strong>" in html and "<h2" in html and "<li>" in html
    assert f'href="{LONG_URL.replace("&", "&amp;")}"' in html


def test_long_korean_subjects_and_names_make_encoded_words_of_at_most_75_characters(tmp_path: Path) -> None:
    raw = _message(tmp_path, "ko").as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(message["Subject"]).startswith("Marketplace Rewards 팁: 오퍼 이름에 가치를 담으세요")
    head = raw.split(b"\n\n", 1)[0].decode("ascii")
    words = re.findall(r"=\?[^?]+\?[bqBQ]\?[^?]*\?=", head)
    assert len(words) > 3 and max(map(len, words)) <= 75
    # Any text at all: random Korean, accented, emoji, spaces and "=?" mixed, as Subject and as a name.
    rng = random.Random(2047)
    pool = "가나다라마바사아자차카타파하김민지리워드 abcdefg éüñ😀=?"
    for _ in range(500):
        value = " ".join("".join(rng.choice(pool) for _ in range(rng.randint(1, 300))).split()) or "x"
        for header in (text_header("Subject", value), address_header("To", [address(value, "a@b.example")])):
            words = re.findall(r"=\?[^?]+\?[bqBQ]\?[^?]*\?=", header)
            assert max(map(len, words), default=0) <= 75, header
            assert max(len(line) for line in header.split("\r\n")) <= 78, header
        parsed = email.message_from_string(text_header("Subject", value) + "\r\n", policy=email.policy.default)
        assert str(parsed["Subject"]) == value


def test_quoted_and_listed_lines_fit_78_columns_with_their_markers() -> None:
    """Quote marks, list markers and indents count in a line's 78 columns, on its first line and the others,
    for Latin and Hangul words alike; no word is lost or reordered."""
    from notifier.plaintext import html_to_text

    rng = random.Random(13)
    vocabulary = ["offer", "listing", "keywords", "marketplace", "co-sell", "혜택을", "파트너", "검색어와", "a", "an"]
    for _ in range(200):
        items = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 60))) for _ in range(3)]
        html = (f"<blockquote><blockquote><ul><li>{items[0]}<ol><li>{items[1]}</li></ol></li></ul></blockquote>"
                f"<p>{items[2]}</p></blockquote>")
        text = html_to_text(html)
        assert [line for line in text.splitlines() if width(line) > 78] == [], text
        marks = {">", "-", "1."}
        assert [w for w in text.split() if w not in marks] == " ".join(items).split()
