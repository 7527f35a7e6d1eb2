"""site.yml `privacy`: a public site shows each partner's tier but no billed sales and no people's names
(marketing contacts, offer owners), with emails and phone numbers masked; a private site (behind the
company's sign-in) shows everything. Pages and the JSON API alike. `index_partners`: partner pages are
noindex and out of the sitemap unless site.yml allows them.

The example content is built both ways; each test reads what a reader (or a crawler) gets."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from site_helpers import copy_site

ADATUM = "partners/adatum-awaiting-contact/"
WINGTIP = "partners/wingtip-owner-left/"
SALES = ("$31,800", "31,800")  # A. Datum's billed sales, as a page would write them
CONTACT = "Nestor Wilke"
OWNER = "Isaiah Langer"
LEFT_OWNER = "Lidia Holloway"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _build(base: Path, lines: str) -> Path:
    copy = copy_site(base / "repo")
    text = copy.site_yml.read_text(encoding="utf-8")
    text = re.sub(r"^privacy:.*\n", "", text, flags=re.M)
    text = re.sub(r"^index_partners:.*\n", "", text, flags=re.M)
    copy.site_yml.write_text(text + lines, encoding="utf-8")
    out = base / "site"
    result, log = copy.build(out)
    assert result.exit_code == 0, log
    return out


@pytest.fixture(scope="module")
def public_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default: no privacy and no index_partners in site.yml."""
    return _build(tmp_path_factory.mktemp("public"), "")


@pytest.fixture(scope="module")
def private_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("private"), "privacy: private\nindex_partners: true\n")


def _page(site: Path, key: str, language: str = "") -> str:
    return (site / language / key / "index.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    """What a reader sees: the page without its tags (snippets of YAML included, they are shown)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("language", ["", "ko"])
def test_a_public_partner_page_shows_the_tier_but_no_sales_and_no_names(public_site: Path, language: str) -> None:
    html = _page(public_site, ADATUM, language)
    seen = _text(html)
    assert {"": "$25K", "ko": "2만 5천 달러"}[language] in seen  # the tier (named after its threshold)
    for secret in (*SALES, CONTACT, OWNER):
        assert secret not in html, secret
    assert "nestor.wilke@adatum.example" not in html and "n•••@adatum.example" in html
    assert "312 555 0119" not in html and "+13125550119" not in html
    assert 'role="progressbar"' not in html  # the progress would give the sales away


def test_a_public_page_says_whether_an_owner_is_recorded_but_not_who(public_site: Path) -> None:
    assert re.search(r"<td[^>]*>Recorded</td>", _page(public_site, ADATUM))
    wingtip = _page(public_site, WINGTIP)
    assert LEFT_OWNER not in wingtip  # neither in the offers table nor in the "owner left" snippet
    assert re.search(r"<td[^>]*>Has left</td>", wingtip)


def test_a_public_locked_benefit_names_the_tier_it_needs_without_an_amount(public_site: Path) -> None:
    seen = _text(_page(public_site, ADATUM))
    assert "needs the $50K tier" in seen
    assert "more in billed sales" not in seen


def test_the_public_json_has_tiers_but_no_sales(public_site: Path) -> None:
    data = json.loads((public_site / "api/partners/adatum-awaiting-contact.json").read_text(encoding="utf-8"))
    assert data["tier"] and data["next_tier"]
    assert "billed_sales_usd" not in data and "needed_usd" not in data
    raw = json.dumps(data)
    assert "31800" not in raw and CONTACT not in raw and OWNER not in raw


def test_a_private_site_shows_everything(private_site: Path) -> None:
    html = _page(private_site, ADATUM)
    assert "$31,800" in html and CONTACT in html and OWNER in html
    assert "nestor.wilke@adatum.example" in html and 'role="progressbar"' in html
    assert LEFT_OWNER in _page(private_site, WINGTIP)
    data = json.loads((private_site / "api/partners/adatum-awaiting-contact.json").read_text(encoding="utf-8"))
    assert data["billed_sales_usd"] == 31800 and data["needed_usd"] > 0


def _sitemap_locs(site: Path) -> set[str]:
    root = ET.parse(site / "sitemap.xml").getroot()
    return {e.text or "" for e in root.iter(SITEMAP_NS + "loc")}


def test_partner_pages_are_noindex_and_out_of_the_sitemap_by_default(public_site: Path) -> None:
    noindex = '<meta name="robots" content="noindex">'
    for key in (ADATUM, "partners/"):
        for language in ("", "ko"):
            assert noindex in _page(public_site, key, language), (language, key)
    assert noindex not in _page(public_site, "benefits/")
    locs = _sitemap_locs(public_site)
    assert not [loc for loc in locs if "/partners/" in loc]
    assert "https://rewards.example.com/benefits/" in locs


def test_index_partners_lets_search_engines_index_partner_pages(private_site: Path) -> None:
    assert 'name="robots"' not in _page(private_site, ADATUM)
    locs = _sitemap_locs(private_site)
    assert {"https://rewards.example.com/partners/", "https://rewards.example.com/" + ADATUM,
            "https://rewards.example.com/ko/" + ADATUM} <= locs
