"""The edits the site shows: each snippet on a partner page parses as YAML and, pasted where it says,
gives a file that validates and moves its row (or alert) on, as `rules.assess` sees it; actions appear
only where they change something; docs/editing.md is the How-to page's guide, generated from the same
builders."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import html5lib
import pytest
import yaml
from site_helpers import REPO, TODAY, copy_site

from rewards_build import rules
from rewards_build.pipeline import load_all
from rewards_build.rules import BenefitState, EscalationKind, LockReason
from rewards_build.site import snippets

EDITOR = "https://github.com/example/marketplace-rewards/edit/main/content/partners/"


@dataclass(frozen=True)
class Shown:
    partner: str
    kind: str
    mode: str
    target: str
    text: str


def _doc(path: Path) -> Any:
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(path.read_bytes())


def _partner_pages(site: Path, language_prefix: str = "") -> list[Path]:
    return sorted((site / language_prefix / "partners").glob("*/index.html"))


def _shown(site: Path) -> list[Shown]:
    found = []
    for page in _partner_pages(site):
        for div in _doc(page).iter("div"):
            if "snippet" in (div.get("class") or "").split():
                code = div.find("pre/code")
                found.append(Shown(page.parent.name, div.get("data-kind"), div.get("data-mode"), div.get("data-target"),
                                   "".join(code.itertext())))
    return found


def _apply(partner_file: Path, s: Shown) -> None:
    """Paste a snippet where it says it goes (on the data: append to its list, or replace the value)."""
    data = yaml.safe_load(partner_file.read_text())
    pasted = yaml.safe_load(s.text)
    path: list[str | int] = [int(p) if p.isdigit() else p for p in s.target.split(".")]
    if s.mode == "append":
        key = path[0]
        assert isinstance(key, str)
        if isinstance(pasted, dict):  # the list's key came with it: the file had no entries
            assert not data.get(key), f"{s.kind}: the file has {key} entries already"
            data[key] = pasted[key]
        else:
            data[key].extend(pasted)
    else:
        assert s.mode == "replace"
        *parents, last = path
        holder = data
        for part in parents:
            holder = holder[part]
        holder[last] = pasted[0] if isinstance(pasted, list) else pasted[last]
    header = partner_file.read_text().splitlines()[0]
    partner_file.write_text(header + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _assess(root: Path, partner_id: str) -> rules.PartnerStanding:
    loaded = load_all(root / "site.yml", TODAY)
    assert loaded.content is not None, "\n".join(str(p) for p in loaded.problems)
    assert not loaded.problems
    return rules.assess(loaded.content, loaded.content.partners[partner_id], TODAY)


def _state(standing: rules.PartnerStanding, offer: str, benefit: str) -> BenefitState:
    (state,) = [st.state for g in standing.offers for st in g.statuses
                if g.offer.id == offer and st.benefit.id == benefit]
    return state


def _kinds(standing: rules.PartnerStanding, offer: str) -> set[EscalationKind]:
    return {e.kind for e in standing.escalations if e.offer_id == offer}


def test_every_snippet_on_the_partner_pages_parses_as_yaml(built_site: Path) -> None:
    shown = _shown(built_site)
    assert len(shown) > 100
    for s in shown:
        parsed = yaml.safe_load(s.text)
        assert isinstance(parsed, list | dict), s
        assert s.mode in ("append", "replace"), s


def _first_of_each_kind(site: Path) -> dict[str, Shown]:
    first: dict[str, Shown] = {}
    for s in _shown(site):
        first.setdefault(s.kind, s)
    return first


# Every kind of edit a partner page offers, in the example content.
PAGE_KINDS = {k.value for k in snippets.Kind} - {"add-partner", "replace-contact"}


def test_the_example_pages_offer_every_kind_of_edit(built_site: Path) -> None:
    assert set(_first_of_each_kind(built_site)) == PAGE_KINDS


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_a_snippet_pasted_into_its_file_validates_and_moves_its_row_on(built_site: Path, tmp_path: Path,
                                                                        kind: str) -> None:
    s = _first_of_each_kind(built_site)[kind]
    copy = copy_site(tmp_path / "repo")
    before = _assess(copy.root, s.partner)
    _apply(copy.content / "partners" / f"{s.partner}.yml", s)
    after = _assess(copy.root, s.partner)
    entry = yaml.safe_load(s.text)
    entry = entry[0] if isinstance(entry, list) else entry
    if kind == "activate":
        assert _state(before, entry["offer"], entry["benefit"]) in (BenefitState.AVAILABLE, BenefitState.EXPIRING)
        assert _state(after, entry["offer"], entry["benefit"]) in (BenefitState.AWAITING_CONTACT,
                                                                   BenefitState.ACTIVATED)
    elif kind == "request-help":
        entry = entry.get("technical_requests", [entry])[0]
        assert _state(before, entry["offer"], entry["benefit"]) in (BenefitState.AVAILABLE, BenefitState.EXPIRING)
        assert _state(after, entry["offer"], entry["benefit"]) is BenefitState.ACTIVATED
    elif kind == "team-contact":
        entry = entry.get("team_contacts", [entry])[0]
        assert _state(before, entry["offer"], entry["benefit"]) is BenefitState.AWAITING_CONTACT
        assert _state(after, entry["offer"], entry["benefit"]) is BenefitState.CONTACTED
    elif kind in ("complete", "request-done"):
        assert _state(before, entry["offer"], entry["benefit"]) in (BenefitState.CONTACTED, BenefitState.ACTIVATED)
        assert _state(after, entry["offer"], entry["benefit"]) is BenefitState.COMPLETED
    elif kind == "assign-contact":
        only_contact = [(g.offer.id, st.benefit.id) for g in before.offers for st in g.statuses
                        if st.lock_reasons == (LockReason.NO_CONTACT,)]
        assert only_contact
        assert all(_state(after, o, b) is BenefitState.AVAILABLE for o, b in only_contact)
        assert EscalationKind.ASSIGN_CONTACT not in {e.kind for e in after.escalations}
    elif kind == "opt-out":
        assert not before.opted_out and after.opted_out
        assert after.escalations == ()
    else:
        offer = before.partner.offers[int(s.target.split(".")[1])].id if s.target.startswith("offers.") \
            else entry["team_contacts"][0]["offer"] if "team_contacts" in entry else entry["offer"]
        if kind == "record-owner":
            assert (_kinds(before, offer), _kinds(after, offer)) == ({EscalationKind.OPEN_TICKET},
                                                                     {EscalationKind.FIND_OWNER})
        elif kind == "owner-left":
            assert (_kinds(before, offer), _kinds(after, offer)) == ({EscalationKind.FIND_OWNER},
                                                                     {EscalationKind.OPEN_TICKET})
        else:
            assert kind == "offer-live-contact"
            assert _kinds(before, offer) & {EscalationKind.FIND_OWNER, EscalationKind.OPEN_TICKET}
            assert not _kinds(after, offer) & {EscalationKind.FIND_OWNER, EscalationKind.OPEN_TICKET}


def test_every_snippet_on_one_page_applies_to_its_file(built_site: Path, tmp_path: Path) -> None:
    """All of a busy partner's activate snippets at once: dates, ids and indentation hold up together."""
    copy = copy_site(tmp_path / "repo")
    shown = [s for s in _shown(built_site) if s.partner == "contoso-activated-contacted" and s.kind == "activate"]
    assert len(shown) > 10
    for s in shown:
        _apply(copy.content / "partners/contoso-activated-contacted.yml", s)
    after = _assess(copy.root, "contoso-activated-contacted")
    assert not any(st.state is BenefitState.AVAILABLE and st.benefit.category.value == "sales-marketing"
                   for g in after.offers for st in g.statuses)


def test_the_new_partner_snippet_validates(tmp_path: Path) -> None:
    copy = copy_site(tmp_path / "repo")
    s = snippets.add_partner("contoso-analytics", TODAY)
    (copy.content / s.path[0]).write_text(s.text)
    standing = _assess(copy.root, "contoso-analytics")
    assert {e.kind for e in standing.escalations} == {EscalationKind.ASSIGN_CONTACT}


def _editor_links(page: Path) -> tuple[int, int]:
    """(links to the partner file in the editor, those of them beside a snippet)."""
    doc = _doc(page)
    beside = sum(1 for div in doc.iter("div") if "snippet" in (div.get("class") or "").split()
                 for a in div.iter("a") if (a.get("href") or "").startswith(EDITOR))
    return sum(1 for a in doc.iter("a") if (a.get("href") or "").startswith(EDITOR)), beside


def test_no_link_to_the_editor_comes_without_the_yaml_to_write(built_site: Path) -> None:
    pages = _partner_pages(built_site) + _partner_pages(built_site, "ko")
    counts = [_editor_links(p) for p in pages]
    # Before snippets: 572 links to partner files in the editor on these 28 pages, none saying what to write.
    # Now each page keeps two bare links (the file, at the top; "edit the file behind this page", in the footer).
    assert sum(total - beside for total, beside in counts) == 2 * len(pages) == 56


def _actions(page: Path) -> int:
    """Buttons a partner page offers: links styled as buttons and the summaries that open an edit."""
    doc = _doc(page)
    return sum(1 for e in doc.iter() if e.tag in ("a", "summary") and "button" in (e.get("class") or "").split())


def test_actions_appear_only_where_they_change_something(built_site: Path) -> None:
    pages = _partner_pages(built_site) + _partner_pages(built_site, "ko")
    # 634 before: "Assign a marketing contact" on rows a contact would not unlock, a request button per tab,
    # a request link on self-serve and emailed benefits. Now (both languages): activate, request, record the
    # call, mark completed on the rows they move on; the alerts' own steps; one opt-out per page.
    assert sum(_actions(p) for p in pages) == 564


def test_assign_a_contact_appears_only_on_rows_a_contact_would_unlock(built_site: Path) -> None:
    page = built_site / "partners/northwind-no-contact/index.html"
    html = page.read_text()
    rows = re.findall(r'<tr>.*?</tr>', html[html.index('id="sales-marketing"'):html.index('id="technical"')], re.S)
    with_link = [r for r in rows if 'href="#assign-contact"' in r]
    loaded = load_all(REPO / "site.yml", TODAY)
    assert loaded.content is not None
    standing = rules.assess(loaded.content, loaded.content.partners["northwind-no-contact"], TODAY)
    only_contact = [st for g in standing.offers for st in g.statuses if st.lock_reasons == (LockReason.NO_CONTACT,)]
    assert 0 < len(with_link) == len(only_contact) < 22  # 22 rows had the button before
    assert html.count('data-kind="assign-contact"') == 1  # the snippet itself: once, at the top of the tab


def test_docs_editing_md_is_the_how_to_guide(built_site: Path) -> None:
    loaded = load_all(REPO / "site.yml", snippets.REFERENCE_DAY)
    assert loaded.content is not None
    timing = loaded.content.program.timing
    expected = snippets.guide(timing.contact_within_days, timing.offer_silence_days)
    assert (REPO / "docs/editing.md").read_text() == expected, \
        "docs/editing.md is stale: python -m rewards_build.site.snippets > docs/editing.md"
    howto = (built_site / "how-to/index.html").read_text()
    for recipe in snippets.recipes(TODAY):
        assert f'id="{recipe.id}"' in howto
    for key in snippets.TEAM_KEYS:
        assert f"<code>{key}</code>" in howto
    assert (built_site / "ko/how-to/index.html").exists()


def test_snippet_values_from_content_cannot_break_out_of_their_line() -> None:
    assert snippets.scalar("Lidia Holloway") == "Lidia Holloway"
    assert snippets.scalar("no") == '"no"'
    assert snippets.scalar("x: y\nevil: 1") == '"x: y\\nevil: 1"'
    assert snippets.scalar(dt.date(2026, 1, 2)) == "2026-01-02"
    assert yaml.safe_load(snippets.owner_left(0, "O'Brien: #1").text) == {"owner": {"name": "O'Brien: #1",
                                                                                  "status": "left"}}
