"""Every page parses as HTML5, and every internal link, anchor and asset resolves."""

from __future__ import annotations

import json
import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _parse(path: Path):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(path.read_bytes())


def test_every_page_parses_as_html5_without_errors(built_site: Path) -> None:
    pages = _pages(built_site)
    assert len(pages) > 50
    for page in pages:
        try:
            _parse(page)
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"{page.relative_to(built_site)}: {error}")


def _target(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("mailto:"):
        return None
    page_url = "/" + page.relative_to(site).as_posix()
    if parts.path.startswith("/"):
        path = parts.path
    elif parts.path:
        path = posixpath.join(posixpath.dirname(page_url), parts.path)
    else:
        path = page_url
    resolved = posixpath.normpath(unquote(path)) + ("/" if path.endswith("/") else "")
    file = site / resolved.lstrip("/")
    if resolved.endswith("/") or file.is_dir():
        file = file / "index.html"
    return file, parts.fragment


def test_every_internal_link_anchor_and_asset_resolves(built_site: Path) -> None:
    ids: dict[Path, set[str]] = {}
    broken: list[str] = []
    checked = 0
    for page in _pages(built_site):
        doc = _parse(page)
        for element in doc.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None or (element.tag == "link" and element.get("rel") in ("canonical", "alternate")):
                    continue
                found = _target(built_site, page, value)
                if found is None:
                    continue
                file, fragment = found
                checked += 1
                where = f"{page.relative_to(built_site)}: {value}"
                if not file.is_file():
                    broken.append(f"{where} (no {file.relative_to(built_site)})")
                    continue
                if fragment and file.suffix == ".html":
                    if file not in ids:
                        ids[file] = {e.get("id") for e in _parse(file).iter() if e.get("id")}
                    if fragment not in ids[file]:
                        broken.append(f"{where} (no #{fragment})")
    assert checked > 500
    assert not broken, "\n".join(broken)


def test_machine_readable_files_parse_and_list_every_partner(built_site: Path) -> None:
    catalog = json.loads((built_site / "api/catalog.json").read_text())
    assert {b["id"] for b in catalog["benefits"]} >= {"marketplace-blog-feature"}
    partners = sorted(p.stem for p in (built_site / "api/partners").glob("*.json"))
    assert "adatum-awaiting-contact" in partners
    adatum = json.loads((built_site / "api/partners/adatum-awaiting-contact.json").read_text())
    assert "contact-overdue" in {e["kind"] for e in adatum["escalations"]}
    sitemap = ET.parse(built_site / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://rewards.example.com/benefits/marketplace-blog-feature/" in locs
    assert "https://rewards.example.com/ko/benefits/marketplace-blog-feature/" in locs  # partners: test_privacy.py


def test_contact_emails_and_phones_are_masked(built_site: Path) -> None:
    html = (built_site / "partners/adatum-awaiting-contact/index.html").read_text()
    assert "nestor.wilke@adatum.example" not in html
    assert "n•••@adatum.example" in html
    assert "312 555 0119" not in html and "+13125550119" not in html
