"""The HTML part of a mail carries what a tip's Markdown says, and nothing a hostile author slips in.

Tips come from pull requests: the mail's HTML goes through the same sanitizer, with the same policy,
as the site's pages (rewards_build/sanitize.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import ALL_TYPES, TODAY, content, partner, site

from notifier.compose import Composer
from notifier.plan import History, plan
from rewards_build.model import Tip
from rewards_build.sanitize import markdown_to_html

HOSTILE = [
    ("script tag", "<script>alert('x')</script>Hello", "<script"),
    ("event handler", '<img src="https://img.example/a.png" onerror="alert(1)">', "onerror"),
    ("javascript link", "[click](javascript:alert(1))", "javascript:"),
    ("data URL", "[click](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ("iframe", '<iframe src="https://evil.example/"></iframe>', "<iframe"),
    ("style", "<style>body{display:none}</style>", "display:none"),
    ("style attribute", '<p style="position:fixed;top:0">cover</p>', "position:fixed"),
    ("form", '<form action="https://evil.example/"><input name="pw"></form>', "<form"),
]


def _html_part(tmp_path: Path, body: str) -> str:
    tip = Tip("hostile", "A tip", body, ALL_TYPES, frozenset(), 0, "tips/hostile.md", getting_started=True)
    data = content(partner(), tips=(tip,))
    composer = Composer(site(tmp_path), data, lambda: dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC))
    [envelope] = plan(data, site(tmp_path).notifier, History(), TODAY)
    message = composer.compose(envelope).message()
    html = message.get_body(("html",))
    assert html is not None
    return str(html.get_content())


@pytest.mark.parametrize(("body", "forbidden"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_a_hostile_tip_body_reaches_the_mail_html_harmless(tmp_path: Path, body: str, forbidden: str) -> None:
    html = _html_part(tmp_path, body)
    assert forbidden not in html.lower()


def test_a_tip_keeps_its_formatting_in_the_mail(tmp_path: Path) -> None:
    html = _html_part(tmp_path, "Use **bold** and a [link](https://learn.example/x).\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://learn.example/x" rel="noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html


def test_site_and_mail_share_one_sanitizer() -> None:
    # The site renders content Markdown with the same function, so one policy governs both.
    from rewards_build.site import render

    assert render.markdown_html("<script>x</script>**a**") == markdown_to_html("<script>x</script>**a**")


def test_one_text_never_leaks_its_abbreviations_or_footnotes_into_the_next() -> None:
    """One Markdown converter serves every text (sanitize._converter); what one tip defines must not
    show in the next page or mail it converts."""
    first = markdown_to_html("*[SLA]: Service level agreement\n\nOur SLA is short.[^1]\n\n[^1]: A footnote.")
    assert "<abbr" in first and "A footnote." in first
    second = markdown_to_html("The SLA text, no definitions here.")
    assert "<abbr" not in second and "footnote" not in second
