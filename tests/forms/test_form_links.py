"""The form links on the partner pages: each opens a form of this repository whose prefilled fields are
inputs of that form (GitHub fills those from the address) and name the row's partner, offer and benefit;
and a form opened from a page, submitted as filled in, applies."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import html5lib
import pytest
import yaml
from form_helpers import REPO, TODAY, apply_form, git, github_body

from rewards_build.forms import links
from rewards_build.forms.spec import Action
from rewards_build.site.build import build

FORMS = REPO / ".github/ISSUE_TEMPLATE"
REPOSITORY = "https://github.com/example/marketplace-rewards"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("forms-site")
    shutil.copy2(REPO / "site.yml", base / "site.yml")
    shutil.copytree(REPO / "content", base / "content")
    shutil.copytree(REPO / "templates", base / "templates")
    result = build(base / "site.yml", out=base / "out", stream=io.StringIO(), progress=False, today=TODAY)
    assert result.exit_code == 0
    return base / "out"


def _form_links(site: Path) -> list[tuple[str, str, dict[str, Any], str]]:
    """(partner page, snippet kind, the snippet's YAML, form link) for every form link on the English pages."""
    found = []
    for page in sorted((site / "partners").glob("*/index.html")):
        doc = html5lib.HTMLParser(namespaceHTMLElements=False).parse(page.read_bytes())
        for div in doc.iter("div"):
            if "snippet" not in (div.get("class") or "").split():
                continue
            for a in div.iter("a"):
                if "form-link" in (a.get("class") or "").split():
                    found.append((page.parent.name, div.get("data-kind"), yaml.safe_load(div.find("pre/code").text),
                                  a.get("href")))
    return found


def _fields(form_file: str) -> dict[str, str]:
    data = yaml.safe_load((FORMS / form_file).read_text())
    return {f["id"]: f["type"] for f in data["body"] if "id" in f}


def test_every_form_link_opens_a_form_whose_prefilled_fields_are_its_inputs_and_match_the_row(site: Path) -> None:
    found = _form_links(site)
    assert len(found) > 100
    assert {kind for _, kind, _, _ in found} >= {"activate", "request-help", "team-contact", "complete", "opt-out",
                                                 "owner-left", "assign-contact", "offer-live-contact"}
    for partner, kind, snippet, url in found:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{REPOSITORY}/issues/new"
        query = dict(parse_qsl(parts.query))
        fields = _fields(query.pop("template"))
        query.pop("title")
        assert query["partner"] == partner
        for field_id in query:
            assert fields.get(field_id) == "input", (kind, field_id)
        entry = snippet[0] if isinstance(snippet, list) else next(iter(snippet.values()))
        entry = entry[0] if isinstance(entry, list) else entry
        for key in ("offer", "benefit"):
            if isinstance(entry, dict) and key in entry:
                assert query[key] == entry[key], (partner, kind, key)


def test_a_form_opened_from_a_page_and_submitted_as_filled_in_applies(site: Path, repo: Path) -> None:
    (url,) = [u for p, kind, s, u in _form_links(site) if p == "adatum-awaiting-contact" and kind == "activate"
              and "benefit=rewards-testimonial" in u]
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["template"] == "activate.yml"
    done = apply_form(repo, github_body(Action.ACTIVATE, {k: query[k] for k in ("partner", "offer", "benefit")}))
    assert done.returncode == 0, done.stdout
    assert git(repo, "status", "--porcelain") == " M content/partners/adatum-awaiting-contact.yml\n"


def test_a_link_fills_only_inputs_of_its_form() -> None:
    for action, ids in links.PREFILLED.items():
        fields = _fields(f"{action.value}.yml")
        assert all(fields.get(i) == "input" for i in ids), action
    with pytest.raises(ValueError, match="no input 'language'"):
        links.form_url(REPOSITORY, Action.ASSIGN_CONTACT, [("language", "ko")])


def test_the_repository_comes_from_the_edit_links_and_other_layouts_get_no_form() -> None:
    assert links.repository_url("https://github.com/example/marketplace-rewards/edit/main/") == REPOSITORY
    assert links.repository_url("https://github.example.com/o/r/edit/release/2026/") == "https://github.example.com/o/r"
    assert links.repository_url("https://gitlab.com/o/r/-/edit/main/") is None
    assert links.form_url(REPOSITORY, Action.OWNER_LEFT, [("partner", "a&b=c"), ("offer", "x y")]) == (
        f"{REPOSITORY}/issues/new?template=owner-left.yml&partner=a%26b%3Dc&offer=x%20y")
