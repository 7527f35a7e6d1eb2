"""Korean that reads as Korean: every piece of the example content has Korean, the Korean pages show it,
and where Korean is missing (content, or a message of the interface catalog) the English that stands in
is marked lang="en", so screen readers and search engines read it as English."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from markupsafe import escape
from site_helpers import REPO, SiteCopy

from rewards_build.model import Content, Localized
from rewards_build.pipeline import load_all
from rewards_build.site import i18n
from rewards_build.site.build import build
from rewards_build.site.i18n import Formatter

TODAY = dt.date(2026, 11, 24)
MINI = REPO / "tests" / "fixtures" / "mini"
HANGUL = re.compile("[\uac00-\ud7a3]")
# An element that says it is English, other than the language switcher's link to the English page.
ENGLISH_ELEMENT = re.compile(r'<(?!link\b|html\b)[a-z][a-z0-9]*\b(?![^>]*\bhreflang=)[^>]*\slang="en"[^>]*>')


def _example() -> Content:
    result = load_all(REPO / "site.yml", TODAY)
    assert result.content is not None, result.problems
    return result.content


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_benefit_tip_toolkit_page_and_tier_of_the_example_has_korean() -> None:
    content = _example()
    missing = []
    for b in content.benefits.values():
        fields = [b.title_in("ko"), b.description_in("ko")] + ([b.quantity_label_in("ko")] if b.quantity
                                                               and b.quantity.label else [])
        missing += [f"benefits/{b.id}" for text in fields if text.fallback or not HANGUL.search(text)]
    for t in content.tips:
        missing += [f"tips/{t.id}" for text in (t.title_in("ko"), t.body_in("ko")) if text.fallback]
    for p in content.toolkit:
        missing += [f"toolkit/{p.id}" for text in (p.title_in("ko"), p.summary_in("ko"), p.body_in("ko"))
                    if text.fallback]
    missing += [f"tier {tier.id}" for tier in content.program.tiers if tier.name_in("ko").fallback]
    assert sorted(set(missing)) == []
    assert len(content.benefits) == 29 and len(content.tips) == 18 and len(content.toolkit) == 6


def test_korean_keeps_the_english_links_and_markdown_structure() -> None:
    """A translation says the same thing: the same links, headings, lists and code as the English."""
    def shape(markdown: str) -> tuple[object, ...]:
        return (sorted(re.findall(r"\]\(([^)]+)\)", markdown)), len(re.findall(r"(?m)^#+ ", markdown)),
                len(re.findall(r"(?m)^\s*[-*] ", markdown)), len(re.findall(r"(?m)^\s*\d+\. ", markdown)),
                sorted(re.findall(r"`([^`]+)`", markdown)))
    content = _example()
    texts = [(f"benefits/{b.id}", b.description, b.description_in("ko")) for b in content.benefits.values()]
    texts += [(f"tips/{t.id}", t.body, t.body_in("ko")) for t in content.tips]
    texts += [(f"toolkit/{p.id}", p.body, p.body_in("ko")) for p in content.toolkit]
    differ = [name for name, english, korean in texts if shape(english) != shape(korean)]
    assert differ == []


def test_korean_pages_show_korean_titles_and_nothing_falls_back(built_site: Path) -> None:
    content = _example()
    ko = built_site / "ko"
    for b in content.benefits.values():
        html = (ko / "benefits" / b.id / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{escape(b.title_in('ko'))}</h1>" in html
    tips = (ko / "tips/index.html").read_text(encoding="utf-8")
    assert all(f"<h2>{escape(t.title_in('ko'))}</h2>" in tips for t in content.tips)
    for p in content.toolkit:
        html = (ko / "toolkit" / p.id / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{escape(p.title_in('ko'))}</h1>" in html
    home = _text((ko / "index.html").read_text(encoding="utf-8"))
    assert all(tier.name_in("ko") in home for tier in content.program.tiers)
    assert "2만 5천 달러" in home and "$25K" not in home
    # The example content needs no English anywhere on the Korean site.
    fallbacks = {page.relative_to(ko).as_posix(): ENGLISH_ELEMENT.findall(page.read_text(encoding="utf-8"))
                 for page in ko.rglob("*.html")}
    assert {page: found for page, found in fallbacks.items() if found} == {}


def test_partner_pages_name_tiers_in_the_readers_language(built_site: Path) -> None:
    index = _text((built_site / "ko/partners/index.html").read_text(encoding="utf-8"))
    assert "400만 달러" in index or "100만 달러" in index or "게시자" in index
    assert not re.search(r"\$\d+[KM]?\b", index)
    english = _text((built_site / "partners/index.html").read_text(encoding="utf-8"))
    assert "달러" not in english


def test_the_korean_404_page_exists_in_korean(built_site: Path) -> None:
    html = (built_site / "ko/404.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "페이지를 찾을 수 없음" in html
    assert (built_site / "404.html").exists()


def _mini_copy(tmp_path: Path) -> SiteCopy:
    root = tmp_path / "repo"
    shutil.copytree(MINI, root)
    shutil.copytree(REPO / "templates" / "site", root / "templates" / "site")
    return SiteCopy(root)


def _build(copy: SiteCopy, out: Path) -> Path:
    stream = io.StringIO()
    result = build(copy.site_yml, TODAY, out=out, stream=stream, progress=False, jobs=1)
    assert result.exit_code == 0, stream.getvalue()
    return out


def test_english_standing_in_for_missing_korean_is_marked_english(tmp_path: Path) -> None:
    """The mini fixture has Korean for one benefit title only: everything else on its Korean pages is
    English, and says so; what is Korean carries no lang attribute."""
    out = _build(_mini_copy(tmp_path), tmp_path / "site")
    ko = out / "ko"
    benefit = (ko / "benefits/toolkit/index.html").read_text(encoding="utf-8")
    assert "<h1>마케팅 툴킷</h1>" in benefit  # translated: no attribute
    assert '<div class="prose" lang="en">' in benefit  # its description is not
    tips = (ko / "tips/index.html").read_text(encoding="utf-8")
    assert '<h2 lang="en">Put your core value in the offer name</h2>' in tips
    assert '<div class="prose" lang="en">' in tips
    toolkit = (ko / "toolkit/badges/index.html").read_text(encoding="utf-8")
    assert '<h1 lang="en">Marketplace badges</h1>' in toolkit
    assert '<p class="lead" lang="en">Link to your listing with an official badge.</p>' in toolkit
    home = (ko / "index.html").read_text(encoding="utf-8")
    assert '<th scope="row" lang="en">$25K</th>' in home  # a tier without a Korean name
    catalog = (ko / "benefits/index.html").read_text(encoding="utf-8")
    assert '<span lang="en">$500</span>' in catalog  # inside the Korean "%(tier)s 등급"
    # The English site marks nothing: English is its language.
    english = [p for p in out.rglob("*.html") if not p.is_relative_to(ko)]
    assert not any(ENGLISH_ELEMENT.search(p.read_text(encoding="utf-8")) for p in english)


def test_a_korean_tier_name_shows_on_korean_pages_only(tmp_path: Path) -> None:
    copy = _mini_copy(tmp_path)
    program = copy.content / "program.yml"
    program.write_text(program.read_text(encoding="utf-8").replace(
        'threshold_usd: 25000}', 'threshold_usd: 25000, translations: {ko: {name: "2만 5천 달러"}}}'),
        encoding="utf-8")
    out = _build(copy, tmp_path / "site")
    assert '<th scope="row">2만 5천 달러</th>' in (out / "ko/index.html").read_text(encoding="utf-8")
    assert '<th scope="row">$25K</th>' in (out / "index.html").read_text(encoding="utf-8")
    acme = _text((out / "ko/partners/acme/index.html").read_text(encoding="utf-8"))
    assert "등급: 2만 5천 달러" in acme  # acme's tier, in the Korean sentence
    index = (out / "ko/partners/index.html").read_text(encoding="utf-8")
    assert re.search(r'<td(?![^>]*lang=)[^>]*>2만 5천 달러</td>', index)


def test_an_interface_message_missing_from_the_korean_catalog_is_marked_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalog without "No live offer": the partners index shows the English, marked, and the rest of
    the row stays Korean."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    po = locale / "ko/LC_MESSAGES/messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="ko")
    del catalog["No live offer"]
    with po.open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    copy = _mini_copy(tmp_path)
    draft = copy.content / "partners/drafty.yml"
    draft.write_text("id: drafty\nname: Drafty\nmpn_id: \"7654321\"\naccount_email: pc@drafty.test\noffers:\n"
                     "  - {id: drafty-app, name: Drafty App, listing_type: list, status: draft}\n", encoding="utf-8")
    out = _build(copy, tmp_path / "site")
    index = (out / "ko/partners/index.html").read_text(encoding="utf-8")
    assert re.search(r'<td[^>]* lang="en">No live offer</td>', index)
    assert "<th scope=\"col\">등급</th>" in index  # the catalog's other messages are Korean


def test_formatter_messages_know_their_language() -> None:
    ko = Formatter("ko")
    assert ko.gettext("Tier") == "등급" and ko.gettext("Tier").lang_attr == ""
    missing = ko.gettext("A message no catalog has")
    assert isinstance(missing, Localized) and missing.lang_attr == ' lang="en"'
    formatted = ko.gettext("Tier: %(tier)s") % {"tier": "x"}
    assert formatted == "등급: x" and not formatted.fallback
    assert Formatter("en").gettext("A message no catalog has").lang_attr == ""


def test_every_korean_message_is_used_by_gettext(tmp_path: Path) -> None:
    """A fuzzy entry looks translated in the .po, but gettext ignores it: the Korean page would be English."""
    with i18n.catalog_path("ko").open("rb") as f:
        fuzzy = [m.id for m in read_po(f, locale="ko") if m.id and m.fuzzy]
    assert fuzzy == []
