"""A partner's Atom feed (partners/<id>/feed.xml, and under /ko/): linked from the partner page's head,
valid Atom (RFC 4287's rules, checked element by element), the partner's alerts and state changes as the
page shows them, dated by the content (a rebuild gives the same bytes; entry ids survive a new day), and
no personal data or sales figure on a public site."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from site_helpers import TODAY, SiteCopy, copy_site

from rewards_build.pipeline import load_content
from rewards_build.rules import billed_sales

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BASE = "https://rewards.example.com/"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ADATUM = "partners/adatum-awaiting-contact/"


class _Head(HTMLParser):
    """The feed links of a page's head, and the text of its alerts."""

    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[str] = []
        self.alerts: list[str] = []
        self._in_alert = 0
        self._in_p = self._first = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/atom+xml":
            self.feeds.append(a.get("href") or "")
        if tag == "li" and "alert" in (a.get("class") or "").split():
            self._in_alert += 1
            self._first = True
        if tag == "p" and self._in_alert and self._first:  # the alert's message (snippets follow it)
            self._in_p, self._first = True, False
            self.alerts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_p = False
        if tag == "li" and self._in_alert:
            self._in_alert -= 1

    def handle_data(self, data: str) -> None:
        if self._in_p:
            self.alerts[-1] += data


def head(page: Path) -> _Head:
    parser = _Head()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def check_atom(root: ET.Element, self_url: str, language: str) -> list[str]:
    """RFC 4287's requirements on a feed and its entries (sections 4.1.1, 4.1.2, 4.2.7, 3.3, 4.2.6)."""
    problems = []

    def one(parent: ET.Element, name: str, where: str) -> ET.Element | None:
        found = parent.findall(ATOM + name)
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} atom:{name} (exactly one required)")
        return found[0] if found else None

    def absolute_iri(value: str | None, where: str) -> None:
        if not value or not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", value):
            problems.append(f"{where}: {value!r} is not an absolute IRI")

    def date(element: ET.Element | None, where: str) -> str:
        text = (element.text or "") if element is not None else ""
        if not RFC3339.match(text):
            problems.append(f"{where}: updated {text!r} is not an RFC 3339 date-time")
        return text

    def links(parent: ET.Element, where: str) -> list[ET.Element]:
        found = parent.findall(ATOM + "link")
        alternates = [(link.get("type"), link.get("hreflang")) for link in found
                      if link.get("rel", "alternate") == "alternate"]
        if len(alternates) != len(set(alternates)):
            problems.append(f"{where}: two alternate links with the same type and hreflang")
        for link in found:
            if not link.get("href"):
                problems.append(f"{where}: a link without href")
        return found

    if root.tag != ATOM + "feed":
        return [f"root element {root.tag}, not atom:feed"]
    if root.get(XML_LANG) != language:
        problems.append(f"xml:lang {root.get(XML_LANG)!r}, not {language!r}")
    absolute_iri(getattr(one(root, "id", "feed"), "text", None), "feed id")
    title = one(root, "title", "feed")
    if title is not None and not (title.text or "").strip():
        problems.append("feed: empty title")
    feed_updated = date(one(root, "updated", "feed"), "feed")
    selfs = [link for link in links(root, "feed") if link.get("rel") == "self"]
    if [link.get("href") for link in selfs] != [self_url]:
        problems.append(f"feed: self links {[link.get('href') for link in selfs]}, not [{self_url}]")
    entries = root.findall(ATOM + "entry")
    if not root.findall(ATOM + "author") and any(not e.findall(ATOM + "author") for e in entries):
        problems.append("feed: no atom:author, and an entry without one")
    for author in root.findall(ATOM + "author"):
        one(author, "name", "feed author")
    ids = []
    for n, entry in enumerate(entries):
        where = f"entry {n}"
        entry_id = getattr(one(entry, "id", where), "text", None)
        absolute_iri(entry_id, f"{where} id")
        ids.append(entry_id)
        one(entry, "title", where)
        updated = date(one(entry, "updated", where), where)
        if updated > feed_updated:
            problems.append(f"{where}: updated {updated} after the feed's {feed_updated}")
        alternates = [link for link in links(entry, where) if link.get("rel", "alternate") == "alternate"]
        if not entry.findall(ATOM + "content") and not alternates:
            problems.append(f"{where}: no atom:content and no alternate link")
        if not entry.findall(ATOM + "summary") and not entry.findall(ATOM + "content"):
            problems.append(f"{where}: neither summary nor content")
        for link in alternates:
            if not (link.get("href") or "").startswith(BASE):
                problems.append(f"{where}: link {link.get('href')} is not absolute")
    if len(ids) != len(set(ids)):
        problems.append("two entries share an id")
    return problems


def feeds(site: Path) -> dict[str, ET.Element]:
    return {p.relative_to(site).as_posix(): ET.parse(p).getroot() for p in sorted(site.rglob("feed.xml"))}


def entries(root: ET.Element) -> dict[str, dict[str, str]]:
    return {e.findtext(ATOM + "id", ""): {
        "title": e.findtext(ATOM + "title", ""), "updated": e.findtext(ATOM + "updated", ""),
        "summary": e.findtext(ATOM + "summary", ""),
        "terms": " ".join(c.get("term", "") for c in e.findall(ATOM + "category"))} for e in root.findall(ATOM + "entry")}


@pytest.mark.parametrize("language", ["", "ko"])
def test_each_partner_page_links_its_own_valid_atom_feed(built_site: Path, language: str) -> None:
    lang = language or "en"
    pages = sorted((built_site / language / "partners").glob("*/index.html"))
    assert len(pages) > 10
    for page in pages:
        links = head(page).feeds
        assert len(links) == 1, f"{page}: feed links {links}"
        feed = (page.parent / links[0]).resolve()
        assert feed == (page.parent / "feed.xml").resolve() and feed.is_file(), links
        assert feed.read_bytes().startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        rel = feed.relative_to(built_site.resolve()).as_posix()
        problems = check_atom(ET.parse(feed).getroot(), BASE + rel, lang)
        assert problems == [], f"{rel}: {problems}"
    assert head(built_site / language / "benefits" / "index.html").feeds == [], "only partner pages have a feed"


def test_the_structural_check_catches_a_broken_feed(built_site: Path) -> None:
    """The check above means something: each rule it knows, broken once."""
    text = (built_site / ADATUM / "feed.xml").read_text(encoding="utf-8")
    url = BASE + ADATUM + "feed.xml"
    assert check_atom(ET.fromstring(text.encode()), url, "en") == []
    broken = {
        "self link": re.sub(r'<link rel="self"[^>]*/>', "", text),
        "feed id": re.sub(r"<id>[^<]*</id>", "<id>not an iri</id>", text, count=1),
        "entry updated": re.sub(r"(<entry>.*?<updated>)[^<]*", r"\g<1>2026-11-24", text, count=1, flags=re.S),
        "author": re.sub(r"<author>.*?</author>", "", text, flags=re.S),
        "duplicate id": re.sub(r"(<entry>\s*<id>)[^<]*", r"\1https://rewards.example.com/same", text, flags=re.S),
        "future entry": re.sub(r"(<entry>.*?<updated>)[^<]*", r"\g<1>2099-01-01T00:00:00Z", text, count=1,
                               flags=re.S),
    }
    for what, bad in broken.items():
        assert check_atom(ET.fromstring(bad.encode()), url, "en"), f"{what}: not caught"


@pytest.mark.parametrize("language", ["", "ko"])
def test_the_feed_says_what_the_partner_page_says(built_site: Path, language: str) -> None:
    """One entry per alert, worded as on the page, and the dated state changes of its benefits."""
    for page in sorted((built_site / language / "partners").glob("*/index.html")):
        alerts = [" ".join(a.split()) for a in head(page).alerts]
        found = entries(ET.parse(page.parent / "feed.xml").getroot())
        from_alerts = [e for e in found.values() if "level-" in e["terms"]]
        assert sorted(" ".join(e["summary"].split()) for e in from_alerts) == sorted(alerts), page
    adatum = entries(ET.parse(built_site / language / ADATUM / "feed.xml").getroot())
    by_terms = {e["terms"]: e for e in adatum.values()}
    assert by_terms["contact-overdue level-1"]["updated"] == "2026-11-22T00:00:00Z"  # fell due (day 8)
    assert by_terms["awaiting-contact sales-marketing"]["updated"] == "2026-11-14T00:00:00Z"  # activated
    assert by_terms["completed sales-marketing"]["updated"] == "2026-01-15T00:00:00Z"  # the day it completed


def _build(copy: SiteCopy, out: Path, today: dt.date = TODAY) -> Path:
    result, log = copy.build(out, today=today, clean=True)
    assert result.exit_code == 0, log
    return out


def test_rebuilds_give_the_same_feeds_and_ids_survive_a_new_day(tmp_path: Path) -> None:
    copy = copy_site(tmp_path / "repo")
    first = feeds(_build(copy, tmp_path / "a"))
    again = feeds(_build(copy, tmp_path / "b"))
    assert {k: ET.tostring(v) for k, v in first.items()} == {k: ET.tostring(v) for k, v in again.items()}
    later = feeds(_build(copy, tmp_path / "c", TODAY + dt.timedelta(days=1)))
    assert first.keys() == later.keys()
    kept = 0
    for name, root in first.items():
        assert root.findtext(ATOM + "id") == later[name].findtext(ATOM + "id")
        before, after = entries(root), entries(later[name])
        for entry_id, entry in before.items():
            if entry_id in after:  # the same cause: the same id and, but for its wording of days, the same date
                kept += 1
                assert after[entry_id]["updated"] == entry["updated"], (name, entry["title"])
            else:  # gone only when its cause moved on: an escalation that rose a level or closed
                assert "level-" in entry["terms"], (name, entry)
    assert kept > 20


def test_a_public_feed_names_no_person_and_no_sales_figure(built_site: Path) -> None:
    content, problems = load_content(Path(__file__).resolve().parents[2] / "content", TODAY)
    assert content is not None, problems
    secrets = set()
    for p in content.partners.values():
        for c in p.contacts:
            secrets |= {c.name, c.email, c.phone}
        for o in p.offers:
            secrets |= {o.owner.name or "", o.owner.email or ""}
        sales = billed_sales(p)
        if sales:
            secrets |= {f"{sales:,}", f"${sales:,}"}
    secrets.discard("")
    assert len(secrets) > 20
    for name, root in feeds(built_site).items():
        text = ET.tostring(root, encoding="unicode")
        leaked = sorted(s for s in secrets if s in text)
        assert leaked == [], f"{name}: {leaked}"
        assert "@" not in text, name
        assert urljoin(BASE, name) == root.find(ATOM + "link[@rel='self']").get("href")


def test_a_hostile_partner_name_leaves_the_feed_well_formed(tmp_path: Path) -> None:
    """Markup is escaped; what XML cannot hold at all (U+FFFE passes validation) becomes U+FFFD."""
    copy = copy_site(tmp_path / "repo")
    path = copy.content / (ADATUM.rstrip("/") + ".yml")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "name: A. Datum Identity\n", 'name: "A. Datum ]]> <b>&amp; \\uFFFE"\n', 1), encoding="utf-8")
    site = _build(copy, tmp_path / "site")
    for language in ("", "ko"):
        root = ET.parse(site / language / ADATUM / "feed.xml").getroot()
        assert root.findtext(ATOM + "title", "").startswith("A. Datum ]]> <b>&amp; \ufffd · ")
        assert check_atom(root, BASE + (language + "/" if language else "") + ADATUM + "feed.xml",
                          language or "en") == []


def _entries(feed: Path) -> list[tuple[str, str, str]]:
    root = ET.parse(feed).getroot()
    return [(e.findtext(ATOM + "title") or "", e.findtext(ATOM + "updated") or "", e.findtext(ATOM + "summary") or "")
            for e in root.findall(ATOM + "entry")]


@pytest.mark.parametrize(("language", "live", "opted_out"), [
    ("en", "Fabrikam Backup Vault (30-day trial) is live", "This partner opted out of program engagements."),
    ("ko", "Fabrikam Backup Vault (30-day trial) 게시됨", "이 파트너는 프로그램 참여를 중단했습니다."),
])
def test_an_offer_going_live_and_an_opt_out_are_entries_dated_by_the_file(built_site: Path, language: str,
                                                                          live: str, opted_out: str) -> None:
    prefix = "" if language == "en" else "ko/"
    fabrikam = _entries(built_site / prefix / "partners/fabrikam-contact-assigned/feed.xml")
    assert (live, "2026-09-08T00:00:00Z") in [(t, u) for t, u, _ in fabrikam]
    alpine = _entries(built_site / prefix / "partners/alpine-opted-out/feed.xml")
    assert [(u, s) for t, u, s in alpine if s == opted_out] == [("2026-08-03T00:00:00Z", opted_out)]


def test_exactly_what_xml_cannot_hold_is_replaced_across_all_of_unicode() -> None:
    """Every code point, against XML 1.0's Char production as the specification writes it: one that a
    feed may hold passes as it is, any other becomes U+FFFD (a list of what is not a Char that missed one
    would leave a feed no reader can parse)."""
    from rewards_build.site.feeds import _xml

    def is_char(c: int) -> bool:
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF

    every = "".join(map(chr, range(0x110000)))
    expected = "".join(ch if is_char(ord(ch)) else "\ufffd" for ch in every)
    assert _xml(every) == expected
