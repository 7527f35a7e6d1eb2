"""The issue forms: regenerated from the schemas and the program's data, never edited by hand, and valid
for GitHub (the real check-jsonschema with its built-in issue-forms schema)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from form_helpers import BIN, REPO, TODAY, example, run

from rewards_build.config import site_config_from
from rewards_build.forms import render
from rewards_build.forms.spec import LABEL, Action, forms
from rewards_build.model import Category

FOLDER = REPO / render.FOLDER
FORM_FILES = sorted(p for p in FOLDER.glob("*.yml") if p.name != render.CONFIG)


def _config():  # type: ignore[no-untyped-def]
    return site_config_from(yaml.safe_load((REPO / "site.yml").read_text(encoding="utf-8")), REPO / "site.yml")


def test_the_committed_forms_are_what_rewards_forms_writes() -> None:
    wanted = render.files(_config(), example())
    have = {p.name: p.read_text(encoding="utf-8") for p in FOLDER.glob("*.yml")}
    assert have == wanted, "the forms are stale: run `rewards forms`"


def test_rewards_forms_check_says_whether_they_are_up_to_date(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copytree(REPO / "content", root / "content")
    rewards = str(BIN / "rewards")
    assert run(root, rewards, "forms", "--check", "--today", TODAY.isoformat()).returncode == 1  # none yet
    done = run(root, rewards, "forms", "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (root / render.FOLDER).iterdir()) == sorted(p.name for p in FOLDER.iterdir())
    assert run(root, rewards, "forms", "--check", "--today", TODAY.isoformat()).returncode == 0
    # A benefit joins the catalog: the forms that list benefit ids are out of date until regenerated.
    shutil.copy2(root / "content/benefits/rewards-testimonial.yml", root / "content/benefits/rewards-podcast.yml")
    benefit = root / "content/benefits/rewards-podcast.yml"
    benefit.write_text(benefit.read_text().replace("id: rewards-testimonial", "id: rewards-podcast"))
    stale = run(root, rewards, "forms", "--check", "--today", TODAY.isoformat())
    assert stale.returncode == 1
    assert "activate.yml is out of date" in stale.stderr
    assert run(root, rewards, "forms", "--today", TODAY.isoformat()).returncode == 0
    assert "`rewards-podcast`" in (root / render.FOLDER / "activate.yml").read_text()


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_each_form_passes_githubs_issue_forms_schema(path: Path) -> None:
    done = run(REPO, str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_template_chooser_config_passes_its_schema() -> None:
    done = run(REPO, str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-issue-config",
               str(FOLDER / render.CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_form_per_action_each_with_our_label_and_its_own_headings() -> None:
    assert sorted(p.stem for p in FORM_FILES) == sorted(a.value for a in Action)
    all_forms = forms(example())
    for path in FORM_FILES:
        assert yaml.safe_load(path.read_text())["labels"] == [LABEL]
    # A submitted form is recognised by its headings alone: no two forms share the same sequence.
    assert len({f.labels for f in all_forms}) == len(all_forms)


def _field(action: Action, field_id: str) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load((FOLDER / f"{action.value}.yml").read_text())
    (field,) = [f for f in data["body"] if f.get("id") == field_id]
    return field  # type: ignore[no-any-return]


def test_choices_come_from_the_schema_and_the_program() -> None:
    schema = json.loads((REPO / "rewards_build/schemas/partner.schema.json").read_text())
    items = schema["properties"]
    phases = items["technical_requests"]["items"]["properties"]["phase"]["enum"]
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in _field(Action.REQUEST_HELP, "phase")["attributes"]["options"]] \
        == phases
    about = items["team_contacts"]["items"]["properties"]["about"]["enum"]
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in _field(Action.RECORD_CALL, "about")["attributes"]["options"]] \
        == about
    assert _field(Action.ASSIGN_CONTACT, "language")["attributes"]["options"] == ["English (en)", "Korean (ko)"]
    content = example()
    sales = _field(Action.ACTIVATE, "benefit")["attributes"]["description"]
    for benefit in content.benefits.values():
        assert (f"`{benefit.id}`" in sales) is (benefit.category is Category.SALES_MARKETING), benefit.id
    opt_out = _field(Action.OPT_OUT, "benefit")["attributes"]["options"]
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in opt_out] == list(content.benefits)


def test_every_answer_is_one_line() -> None:
    """No textarea: a one-line answer cannot carry a `### Label` line into the body GitHub renders."""
    for path in FORM_FILES:
        types = {f["type"] for f in yaml.safe_load(path.read_text())["body"]}
        assert types <= {"markdown", "input", "dropdown"}, path.name
