"""What search engines and audits (Lighthouse's SEO checks) read: absolute hreflang alternates with
x-default, robots.txt, a sitemap with lastmod and language alternates; and the catalog summaries,
the Korean 404 page and the support link, as a reader meets them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from site_helpers import TODAY

from rewards_build.site.pages import first_sentence

BASE = "https://rewards.example.com/"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


@pytest.mark.parametrize("file", ["benefits/co-sell-guidance/index.html", "ko/benefits/co-sell-guidance/index.html",
                                  "index.html", "ko/index.html"])
def test_hreflang_alternates_are_absolute_and_include_x_default(built_site: Path, file: str) -> None:
    html = (built_site / file).read_text(encoding="utf-8")
    key = file.removeprefix("ko/").removesuffix("index.html")
    assert _alternates(html) == {"en": BASE + key, "ko": BASE + "ko/" + key, "x-default": BASE + key}


def test_robots_txt_points_at_the_sitemap_and_disallows_nothing(built_site: Path) -> None:
    robots = (built_site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots and f"Sitemap: {BASE}sitemap.xml" in robots
    assert [line for line in robots.splitlines() if line.startswith("Disallow:")] == ["Disallow:"]


def test_the_sitemap_has_lastmod_and_language_alternates(built_site: Path) -> None:
    root = ET.parse(built_site / "sitemap.xml").getroot()
    urls = root.findall("s:url", NS)
    assert urls
    for url in urls:
        assert url.findtext("s:lastmod", namespaces=NS) == TODAY.isoformat()
    [ko_catalog] = [u for u in urls if u.findtext("s:loc", namespaces=NS) == BASE + "ko/benefits/"]
    links = {link.get("hreflang"): link.get("href") for link in ko_catalog.findall("xhtml:link", NS)}
    assert links == {"en": BASE + "benefits/", "ko": BASE + "ko/benefits/", "x-default": BASE + "benefits/"}


def test_catalog_summaries_are_whole_first_sentences(built_site: Path) -> None:
    catalog = (built_site / "benefits/index.html").read_text(encoding="utf-8")
    assert ("A walkthrough of what it takes to become co-sell ready and to appear in the partner solution finder: "
            "the one-page solution profile, the reference architecture and the customer evidence Microsoft sellers "
            "look for.") in catalog
    ko = (built_site / "ko/benefits/index.html").read_text(encoding="utf-8")
    assert ("고객 배포와 개념 증명(PoC)에 쓸 수 있는 Azure 크레딧으로, 잠재 고객이 비용 부담 없이 실제 인프라에서 오퍼를 "
            "사용해 볼 수 있습니다.") in ko


def test_first_sentence_joins_lines_and_stops_at_the_first_full_stop() -> None:
    assert first_sentence("A walkthrough of\nwhat it takes. Ends with a list.") == "A walkthrough of what it takes."
    assert first_sentence("Credits (e.g. for a\ntrial) and more. Then") == "Credits (e.g. for a trial) and more."
    assert first_sentence("See [the **guide**](https://x.test) now! Then") == "See the guide now!"
    assert first_sentence("No full stop\nat all") == "No full stop at all"
    assert first_sentence("First paragraph\n\nSecond one. More.") == "First paragraph"


def test_every_language_has_its_404_page(built_site: Path) -> None:
    html = (built_site / "ko/404.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "페이지" in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/ko/index.html"' in html  # absolute paths: it is served at any depth
    assert 'href="/assets/site.css"' in html


def test_the_support_ticket_link_is_marketplace_publisher_support(built_site: Path) -> None:
    html = (built_site / "partners/wingtip-owner-left/index.html").read_text(encoding="utf-8")
    assert 'href="https://aka.ms/marketplacepublishersupport"' in html
