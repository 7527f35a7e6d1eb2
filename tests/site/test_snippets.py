"""The edits the site shows: each snippet on a partner page (and on the How-to page) is pasted as text,
as a person would, where the sentence above it says (at the end of a list, at the end of the file, in
place of one entry or one offer's owner, a new file); the real loader then reads the edited file without
a problem, `rewards validate` passes, and the row (or alert) moves on as `rules.assess` sees it. Actions
appear only where they change something; docs/editing.md is the How-to page's guide, generated from the
same builders."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import html5lib
import pytest
import yaml
from site_helpers import REPO, TODAY

from rewards_build import rules
from rewards_build.pipeline import load_all
from rewards_build.rules import BenefitState, EscalationKind, LockReason
from rewards_build.site import snippets

EDITOR = "https://github.com/example/marketplace-rewards/edit/main/content/partners/"
HOW_TO = "how-to"
REWARDS = Path(sys.executable).parent / "rewards"


@dataclass(frozen=True)
class Shown:
    """A snippet as a page shows it: where it goes, in words and for machines, and the text to paste."""

    page: str  # the partner's id, or HOW_TO
    kind: str
    mode: str
    target: str
    where: str  # the sentence above the snippet
    text: str
    section: str = ""  # on the How-to page: the section's id (its anchor)


def _doc(path: Path) -> Any:
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(path.read_bytes())


def _partner_pages(site: Path, language_prefix: str = "") -> list[Path]:
    return sorted((site / language_prefix / "partners").glob("*/index.html"))


def _snippets_in(element: Any, page: str, section: str = "") -> list[Shown]:
    found = []
    for div in element.iter("div"):
        if "snippet" in (div.get("class") or "").split():
            (where,) = ["".join(p.itertext()) for p in div.findall("p") if not p.get("class")]
            code = div.find("pre/code")
            found.append(Shown(page, div.get("data-kind"), div.get("data-mode"), div.get("data-target"),
                               " ".join(where.split()), "".join(code.itertext()), section))
    return found


def _shown(site: Path) -> list[Shown]:
    """Every snippet on the English partner pages, in page order."""
    return [s for page in _partner_pages(site) for s in _snippets_in(_doc(page), page.parent.name)]


def _how_to(site: Path) -> dict[str, Shown]:
    """The How-to page's snippets, by section id."""
    doc = _doc(site / HOW_TO / "index.html")
    return {section.get("id"): s for section in doc.iter("section") if "howto" in (section.get("class") or "")
            for s in _snippets_in(section, HOW_TO, section.get("id"))}


# --- Pasting a snippet as a person would --------------------------------------------------------------
# How the pages say where a snippet goes (rewards_build/site/snippets.py, `_WHERE`, in English), each with
# what a person does to the file: these sentences are the instructions the test follows, word for word.
_FILE = r"(?P<file>partners/[\w.-]+\.yml)"
INSTRUCTIONS = {
    "end-of-list": (snippets.Mode.APPEND,
                    re.compile(rf"Add these lines at the end of the (?P<key>\w+) list in {_FILE}:")),
    "end-of-file": (snippets.Mode.APPEND,
                    re.compile(rf"Add these lines at the end of {_FILE} \(if it has the line (?P<key>\w+): \[\], "
                               r"replace that line with them\):")),
    "entry": (snippets.Mode.REPLACE,
              re.compile(rf"In {_FILE}, change this entry of the (?P<key>\w+) list to read:")),
    "owner": (snippets.Mode.REPLACE, re.compile(rf"In {_FILE}, change the owner of the offer (?P<offer>.+) to read:")),
    "new-file": (snippets.Mode.NEW_FILE, re.compile(rf"Create {_FILE} with:")),
}


def _instruction(s: Shown) -> tuple[str, dict[str, str]]:
    """Which instruction the sentence above the snippet is, and its names; it agrees with the data attributes."""
    matches = [(name, m.groupdict()) for name, (mode, pattern) in INSTRUCTIONS.items()
               if (m := pattern.fullmatch(s.where))]
    assert len(matches) == 1, f"{s.page} {s.kind}: no instruction reads {s.where!r}"
    name, names = matches[0]
    assert INSTRUCTIONS[name][0].value == s.mode, (s, name)
    if "key" in names:
        assert s.target.split(".")[0] == names["key"], (s, names)
    return name, names


def _blank_or_comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lines: list[str], key: str) -> tuple[int, int]:
    """A top-level key's lines: its `key:` line, and the end of its value (after the last line that is not
    blank or a comment)."""
    starts = [i for i, line in enumerate(lines) if re.match(rf"{re.escape(key)}:(\s|$)", line)]
    assert len(starts) == 1, f"the file has {len(starts)} '{key}:' lines"
    start = end = starts[0]
    for i in range(start + 1, len(lines)):
        if _blank_or_comment(lines[i]):
            continue
        if not lines[i].startswith((" ", "-")):
            break
        end = i
    return start, end + 1


def _entries(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """The entries of the list in lines[start:end] (a block from `_block`), as (first line, end)."""
    heads = [i for i in range(start, end) if lines[i].lstrip().startswith("- ")]
    assert heads, f"no list entries under {lines[start - 1]!r}"
    indent = min(_indent(lines[i]) for i in heads)
    heads = [i for i in heads if _indent(lines[i]) == indent]
    spans = []
    for n, head in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else end
        while _blank_or_comment(lines[stop - 1]):
            stop -= 1
        spans.append((head, stop))
    return spans


def _value(line: str, key: str) -> str | None:
    """`key`'s value on a line of a mapping (`  - key: v` or `    key: v`), as YAML reads the scalar."""
    m = re.fullmatch(rf"\s*(?:- )?{re.escape(key)}:\s*(.*?)\s*", line)
    return None if m is None else str(yaml.safe_load(m.group(1)))


def _same_entry(old: list[str], new: list[str], keys: Iterable[str]) -> bool:
    """A person recognises "this entry" by its ids: the snippet says the same benefit, offer and date."""
    def ids(lines: list[str]) -> dict[str, str]:
        return {k: v for line in lines for k in keys if (v := _value(line, k)) is not None}
    return ids(old) == ids(new)


def paste(content: Path, s: Shown, file: str | None = None, entry: int | None = None) -> Path:
    """Paste the snippet's text into the file its sentence names (or `file`: the How-to page's snippets name an
    example partner, and a person uses their own) at the place the sentence says; returns the file.
    `entry`: on the How-to page, the entry a person chooses to change (the page's own is its data-target)."""
    instruction, names = _instruction(s)
    path = content / (file or names["file"])
    pasted = s.text.splitlines()
    assert s.text.endswith("\n") and pasted, s
    if instruction == "new-file":
        assert not path.exists(), path
        path.write_text(s.text, encoding="utf-8")
        return path
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if instruction == "end-of-list":
        _, end = _block(lines, names["key"])
        lines[end:end] = pasted
    elif instruction == "end-of-file":
        empty = [i for i, line in enumerate(lines) if line.rstrip() == f"{names['key']}: []"]
        if empty:
            (i,) = empty
            lines[i:i + 1] = pasted
        else:
            lines += pasted
    elif instruction == "entry":
        start, end = _block(lines, names["key"])
        index = int(s.target.split(".")[1]) if entry is None else entry
        head, stop = _entries(lines, start + 1, end)[index]
        if s.page != HOW_TO:
            assert _same_entry(lines[head:stop], pasted, ("benefit", "offer", "date", "phase")), \
                f"{s.page}: entry {index} of {names['key']} is not the one the snippet changes"
        lines[head:stop] = pasted
    else:
        assert instruction == "owner"
        start, end = _block(lines, "offers")
        offers = _entries(lines, start + 1, end)
        named = [n for n, (head, stop) in enumerate(offers)
                 if any(_value(line, key) == names["offer"] for line in lines[head:stop] for key in ("id", "name"))]
        assert named == [int(s.target.split(".")[1])], f"{s.page}: the offer {names['offer']!r} is not {s.target}"
        head, stop = offers[named[0]]
        (owner,) = [i for i in range(head, stop) if re.fullmatch(r"\s+owner:\s*", lines[i])]
        last = owner
        for i in range(owner + 1, stop):
            if not _blank_or_comment(lines[i]) and _indent(lines[i]) <= _indent(lines[owner]):
                break
            last = i
        lines[owner:last + 1] = pasted
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- What the rules see -----------------------------------------------------------------------------------


def _copy(dest: Path) -> Path:
    """site.yml and content/, to edit (the pages are read from the session's build)."""
    dest.mkdir(parents=True)
    shutil.copy2(REPO / "site.yml", dest / "site.yml")
    shutil.copytree(REPO / "content", dest / "content")
    return dest


def _load(root: Path) -> Any:
    loaded = load_all(root / "site.yml", TODAY)
    assert loaded.content is not None, "\n".join(str(p) for p in loaded.problems)
    assert not loaded.problems, "\n".join(str(p) for p in loaded.problems)
    return loaded.content


def _assess(root: Path, partner_id: str) -> rules.PartnerStanding:
    content = _load(root)
    return rules.assess(content, content.partners[partner_id], TODAY)


def _validate(root: Path) -> None:
    """The command a pull request runs."""
    done = subprocess.run([str(REWARDS), "validate", "--today", TODAY.isoformat()], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _state(standing: rules.PartnerStanding, offer: str, benefit: str) -> BenefitState:
    (state,) = [st.state for g in standing.offers for st in g.statuses
                if g.offer.id == offer and st.benefit.id == benefit]
    return state


def _states(standing: rules.PartnerStanding) -> dict[tuple[str, str], BenefitState]:
    return {(g.offer.id, st.benefit.id): st.state for g in standing.offers for st in g.statuses}


def _kinds(standing: rules.PartnerStanding, offer: str) -> set[EscalationKind]:
    return {e.kind for e in standing.escalations if e.offer_id == offer}


def _entry(s: Shown) -> dict[str, Any]:
    """The entry the snippet writes (to know its row: the test pastes the text, it does not load it)."""
    entry = yaml.safe_load(s.text)
    entry = entry[0] if isinstance(entry, list) else entry
    key = s.target.split(".")[0]
    if isinstance(entry, dict) and isinstance(entry.get(key), list):  # the list's key came with it
        entry = entry[key][0]
    assert isinstance(entry, dict), s
    return entry


def _moves_on(s: Shown, before: rules.PartnerStanding, after: rules.PartnerStanding) -> None:
    """The row or alert the snippet is shown on moves on as the page says."""
    kind = s.kind
    entry = _entry(s) if kind not in ("record-owner", "owner-left") else {}
    if kind == "activate":
        assert _state(before, entry["offer"], entry["benefit"]) in (BenefitState.AVAILABLE, BenefitState.EXPIRING)
        assert _state(after, entry["offer"], entry["benefit"]) in (BenefitState.AWAITING_CONTACT,
                                                                   BenefitState.ACTIVATED)
    elif kind == "request-help":
        assert _state(before, entry["offer"], entry["benefit"]) in (BenefitState.AVAILABLE, BenefitState.EXPIRING)
        assert _state(after, entry["offer"], entry["benefit"]) is BenefitState.ACTIVATED
    elif kind == "team-contact":
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
        assert EscalationKind.ASSIGN_CONTACT in {e.kind for e in before.escalations}
        assert EscalationKind.ASSIGN_CONTACT not in {e.kind for e in after.escalations}
    elif kind == "opt-out":
        assert not before.opted_out and after.opted_out
        assert after.escalations == ()
    elif kind in ("record-owner", "owner-left"):
        offer = before.partner.offers[int(s.target.split(".")[1])].id
        if kind == "record-owner":
            assert (_kinds(before, offer), _kinds(after, offer)) == ({EscalationKind.OPEN_TICKET},
                                                                     {EscalationKind.FIND_OWNER})
        else:
            assert (_kinds(before, offer), _kinds(after, offer)) == ({EscalationKind.FIND_OWNER},
                                                                     {EscalationKind.OPEN_TICKET})
    else:
        assert kind == "offer-live-contact", kind
        offer = entry["offer"]
        assert _kinds(before, offer) & {EscalationKind.FIND_OWNER, EscalationKind.OPEN_TICKET}
        assert not _kinds(after, offer) & {EscalationKind.FIND_OWNER, EscalationKind.OPEN_TICKET}


# --- The tests -----------------------------------------------------------------------------------------------


def test_every_snippet_on_the_partner_pages_parses_as_yaml(built_site: Path) -> None:
    shown = _shown(built_site)
    assert len(shown) > 100
    for s in shown:
        parsed = yaml.safe_load(s.text)
        assert isinstance(parsed, list | dict), s
        assert s.mode in ("append", "replace"), s
        _instruction(s)


def _by_kind(site: Path) -> dict[str, list[Shown]]:
    found: dict[str, list[Shown]] = defaultdict(list)
    for s in _shown(site):
        found[s.kind].append(s)
    return found


def _sample(shown: list[Shown]) -> list[Shown]:
    """Rows of one kind across partners: each partner's first and last (each instruction, so a file with
    the list and one without are both pasted into), not only the site's first."""
    picked: dict[tuple[str, str], list[Shown]] = defaultdict(list)
    for s in shown:
        picked[(s.page, _instruction(s)[0])].append(s)
    return list(dict.fromkeys(s for rows in picked.values() for s in (rows[0], rows[-1])))


# Every kind of edit a partner page offers, in the example content; the How-to page has the others.
PAGE_KINDS = {k.value for k in snippets.Kind} - {"add-partner", "replace-contact"}


def test_the_example_site_offers_every_kind_of_edit(built_site: Path) -> None:
    assert set(_by_kind(built_site)) == PAGE_KINDS
    how_to = {s.kind for s in _how_to(built_site).values()}
    assert PAGE_KINDS | how_to == {k.value for k in snippets.Kind}
    assert {"add-partner", "replace-contact"} <= how_to
    # Both instructions for appending are exercised: a file with the list, and one without.
    kinds = {(s.kind, _instruction(s)[0]) for s in _shown(built_site)}
    assert {("activate", "end-of-list"), ("activate", "end-of-file"), ("team-contact", "end-of-list"),
            ("offer-live-contact", "end-of-file"), ("request-help", "end-of-file"), ("opt-out", "end-of-file"),
            ("assign-contact", "end-of-file"), ("record-owner", "owner"), ("owner-left", "owner")} <= kinds


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_snippets_pasted_into_their_files_validate_and_move_their_rows_on(built_site: Path, tmp_path: Path,
                                                                           kind: str) -> None:
    sample = _sample(_by_kind(built_site)[kind])
    partners = {s.page for s in sample}
    assert len(partners) == len({s.page for s in _by_kind(built_site)[kind]})
    for n, s in enumerate(sample):
        root = _copy(tmp_path / f"{n}")
        before = _assess(root, s.page)
        original = (root / "content/partners" / f"{s.page}.yml").read_text(encoding="utf-8")
        path = paste(root / "content", s)
        assert path == root / "content/partners" / f"{s.page}.yml"
        assert path.read_text(encoding="utf-8") != original
        after = _assess(root, s.page)
        _moves_on(s, before, after)
        if n == 0:
            _validate(root)


def test_every_snippet_of_every_page_pasted_at_once_validates(built_site: Path, tmp_path: Path) -> None:
    """All of each partner's row snippets in one copy: dates, ids and indentation hold up together (an
    append's sentence to add the list's key is followed once; the page, rebuilt, would then say "the end of
    the list")."""
    root = _copy(tmp_path / "repo")
    pasted: list[Shown] = []
    for s in _shown(built_site):
        instruction, _ = _instruction(s)
        if s.kind == "opt-out" or (instruction == "end-of-file"
                                   and any(p.page == s.page and p.target == s.target for p in pasted)):
            continue
        paste(root / "content", s)
        pasted.append(s)
    assert len(pasted) > 150
    _validate(root)
    content = _load(root)
    for s in pasted:
        if s.kind in ("activate", "request-help", "team-contact", "complete", "request-done"):
            entry = _entry(s)
            after = rules.assess(content, content.partners[s.page], TODAY)
            assert _state(after, entry["offer"], entry["benefit"]) is not BenefitState.AVAILABLE, s
    busy = rules.assess(content, content.partners["contoso-activated-contacted"], TODAY)
    assert not any(st.state is BenefitState.AVAILABLE and st.benefit.category.value == "sales-marketing"
                   for g in busy.offers for st in g.statuses)


def test_the_how_to_pages_contact_snippet_replaces_a_contact_on_the_pages_that_link_to_it(
        built_site: Path, tmp_path: Path) -> None:
    """A partner page with contacts links to the How-to page's "Replace a marketing contact" (its snippet has
    example ids): pasted over one of that partner's contacts, the file validates, the contact is the new one,
    and nothing else moves."""
    how_to = _how_to(built_site)
    s = how_to["replace-contact"]
    assert s.kind == "replace-contact"
    linking = [page.parent.name for page in _partner_pages(built_site)
               if '"../../how-to/index.html#replace-contact"' in page.read_text(encoding="utf-8")]
    assert len(linking) >= 10
    new = _entry(s)
    n = 0
    for partner in linking:
        count = len(_assess(REPO, partner).partner.contacts)
        for index in sorted({0, count - 1}):
            n += 1
            root = _copy(tmp_path / f"{n}")
            before = _assess(root, partner)
            paste(root / "content", s, file=f"partners/{partner}.yml", entry=index)
            after = _assess(root, partner)
            contacts = after.partner.contacts
            assert len(contacts) == count
            assert (contacts[index].name, contacts[index].email, contacts[index].language) == \
                (new["name"], new["email"], new["language"])
            assert [c for i, c in enumerate(contacts) if i != index] == \
                [c for i, c in enumerate(before.partner.contacts) if i != index]
            assert _states(after) == _states(before)
            assert {e.kind for e in after.escalations} <= {e.kind for e in before.escalations}
            if n == 1:
                _validate(root)
    assert n > len(linking)


def test_the_how_to_pages_new_partner_validates_and_its_contact_snippet_applies(built_site: Path,
                                                                               tmp_path: Path) -> None:
    how_to = _how_to(built_site)
    root = _copy(tmp_path / "repo")
    path = paste(root / "content", how_to["add-partner"])
    assert path == root / "content" / snippets.EXAMPLE_FILE
    standing = _assess(root, snippets.EXAMPLE_PARTNER)
    assert {e.kind for e in standing.escalations} == {EscalationKind.ASSIGN_CONTACT}
    paste(root / "content", how_to["assign-contact"])
    _validate(root)
    _moves_on(how_to["assign-contact"], standing, _assess(root, snippets.EXAMPLE_PARTNER))


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
