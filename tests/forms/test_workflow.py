"""The forms workflow (.github/workflows/forms.yml): valid for GitHub, and the scripts its steps run work on
real git repositories with the real `rewards` commands and the real `gh` CLI. GitHub itself cannot be
reached from here, so `gh` talks to a loopback stand-in for GitHub's REST API over TLS
(tests/workflow/github_api.py, the one part not run for real); git, the push and `rewards diff` are real."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from form_helpers import BIN, REPO, TODAY, git, github_body, run

from rewards_build.forms.spec import LABEL, Action
from tests.workflow.github_api import GitHub, make_certificate, serve

WORKFLOW = REPO / ".github/workflows/forms.yml"
SCRIPTS = REPO / ".github/scripts"
ACTIVATE = {"partner": "adatum-awaiting-contact", "offer": "adatum-identity-guard", "benefit": "rewards-testimonial"}
def test_the_workflow_passes_githubs_workflow_schema() -> None:
    done = run(REPO, str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_runs_on_our_label_and_never_pastes_the_issue_into_a_command() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert f"contains(github.event.issue.labels.*.name, '{LABEL}')" in text
    assert "types: [opened, edited, labeled]" in text
    # The body and title are untrusted: an expression in a `run:` line would be pasted into the shell.
    assert not re.search(r"issue\.(body|title|user)", text)
    for script in set(re.findall(r"\.github/scripts/([\w-]+\.sh)", text)):
        assert (SCRIPTS / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert {"pr-diff.sh", "upsert-comment.sh", "install.sh"} <= set(re.findall(r"\.github/scripts/([\w-]+\.sh)", text))


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A checkout of a content repository (as actions/checkout leaves it), with its origin."""
    origin = tmp_path / "origin"
    origin.mkdir()
    shutil.copy2(REPO / "site.yml", origin / "site.yml")
    shutil.copytree(REPO / "content", origin / "content")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "example content")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    assert shutil.which("gh"), "the GitHub CLI (Debian package gh) is missing: `make test` installs it"
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def github(certificate: tuple[Path, Path]) -> Iterator[GitHub]:
    with serve(*certificate, repository="example/marketplace-rewards") as state:
        yield state


def _event(tmp_path: Path, body: str, number: int = 7, login: str = "mina-park") -> Path:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"number": number, "body": body, "user": {"login": login},
                                           "labels": [{"name": LABEL}], "state": "open"}}))
    return event


def _env(tmp_path: Path, github: GitHub, certificate: tuple[Path, Path]) -> dict[str, str]:
    return {"GITHUB_OUTPUT": str(tmp_path / "output"), "HOME": str(tmp_path), "PATH": f"{BIN}:/usr/bin:/bin",
            **github.env(certificate[0])}


def _outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_an_applied_form_becomes_a_commit_a_pull_request_with_its_diff_and_an_answer(
        clone: Path, tmp_path: Path, github: GitHub, certificate: tuple[Path, Path]) -> None:
    env, reply = _env(tmp_path, github, certificate), tmp_path / "reply.md"
    event = _event(tmp_path, github_body(Action.ACTIVATE, ACTIVATE))
    done = run(clone, str(SCRIPTS / "forms-apply.sh"), str(event), str(reply), "--today", TODAY.isoformat(), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = _outputs(tmp_path)
    assert out == {"outcome": "applied", "branch": "rewards-form/issue-7",
                   "title": "Activate rewards-testimonial on adatum-identity-guard (adatum-awaiting-contact)"}
    assert git(clone, "branch", "--show-current").strip() == "rewards-form/issue-7"
    assert git(clone, "diff", "--name-only", "main", "HEAD").split() == ["content/partners/adatum-awaiting-contact.yml"]
    message = git(clone, "log", "-1", "--format=%B")
    assert "Requested by @mina-park in #7" in message
    assert git(clone, "status", "--porcelain") == ""
    # The rewards diff comment, by the content workflow's own script.
    diff = tmp_path / "rewards-diff.md"
    done = run(clone, str(SCRIPTS / "pr-diff.sh"), "main", str(diff), "--today", TODAY.isoformat(), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "adatum-awaiting-contact" in diff.read_text() and "rewards exit" not in done.stdout
    # The pull request: the branch pushed for real, gh asked to open it.
    done = run(clone, str(SCRIPTS / "forms-pr.sh"), "7", out["branch"], "main", out["title"], str(reply), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    origin = tmp_path / "origin"
    assert git(origin, "rev-parse", "rewards-form/issue-7") == git(clone, "rev-parse", "HEAD")
    (pull,) = github.pulls
    assert (pull.head, pull.base, pull.title) == ("rewards-form/issue-7", "main", out["title"])
    assert "Closes #7" in pull.body and "+  - benefit: rewards-testimonial" in pull.body
    assert _outputs(tmp_path)["pr_number"] == str(pull.number)
    assert _outputs(tmp_path)["pr_url"] == github.url(pull.number)
    # The issue edited: the branch is made again and the same pull request updated, not a second one.
    done = run(clone, str(SCRIPTS / "forms-pr.sh"), "7", out["branch"], "main", out["title"], str(reply), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "forms-pr: updated" in done.stdout and len(github.pulls) == 1
    done = run(clone, str(SCRIPTS / "forms-reply.sh"), "7", str(reply), github.url(pull.number), env=env)
    assert done.returncode == 0, done.stderr
    (answer,) = github.comments[7]
    assert answer.body.startswith("<!-- rewards-form -->")
    assert f"Pull request: {github.url(pull.number)}" in answer.body


def test_a_refused_form_commits_nothing_and_the_answer_says_what_to_fix(
        clone: Path, tmp_path: Path, github: GitHub, certificate: tuple[Path, Path]) -> None:
    env, reply = _env(tmp_path, github, certificate), tmp_path / "reply.md"
    head = git(clone, "rev-parse", "HEAD")
    event = _event(tmp_path, github_body(Action.ACTIVATE, {**ACTIVATE, "partner": "../../site"}))
    done = run(clone, str(SCRIPTS / "forms-apply.sh"), str(event), str(reply), "--today", TODAY.isoformat(), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _outputs(tmp_path) == {"outcome": "refused"}
    assert git(clone, "rev-parse", "HEAD") == head and git(clone, "status", "--porcelain") == ""
    done = run(clone, str(SCRIPTS / "forms-reply.sh"), "7", str(reply), "", env=env)
    assert done.returncode == 0, done.stderr
    (answer,) = github.comments[7]
    assert "- **Partner ID**: no partner '../../site' in this program" in answer.body
    assert "Pull request" not in answer.body and not github.pulls


def test_a_hostile_author_or_number_in_the_event_stops_the_script(
        clone: Path, tmp_path: Path, github: GitHub, certificate: tuple[Path, Path]) -> None:
    env, reply = _env(tmp_path, github, certificate), tmp_path / "reply.md"
    event = _event(tmp_path, github_body(Action.ACTIVATE, ACTIVATE), login="x$(touch pwned)")
    done = run(clone, str(SCRIPTS / "forms-apply.sh"), str(event), str(reply), "--today", TODAY.isoformat(), env=env)
    assert done.returncode == 2 and "is not a GitHub login" in done.stderr
    assert not (clone / "pwned").exists() and git(clone, "status", "--porcelain") == ""
    event.write_text(json.dumps({"issue": {"number": "7; rm -rf /", "body": "", "user": {"login": "a"}}}))
    done = run(clone, str(SCRIPTS / "forms-apply.sh"), str(event), str(reply), env=env)
    assert done.returncode == 2 and "no issue number" in done.stderr


def test_a_reply_that_is_not_ours_is_not_posted(tmp_path: Path, github: GitHub,
                                                certificate: tuple[Path, Path]) -> None:
    reply = tmp_path / "reply.md"
    reply.write_text("hello\n")
    done = run(tmp_path, str(SCRIPTS / "forms-reply.sh"), "7", str(reply), env=_env(tmp_path, github, certificate))
    assert done.returncode == 2 and "does not start with" in done.stderr
    assert not github.requests
