"""The forms workflow in both layouts: this repository's own (.github/workflows/forms.yml, the tool at the
root) and a content repository's (docs/content-repository/.github/workflows/forms.yml, the tool checked out
into .rewards-tool as rewards.yml does). Both pass GitHub's workflow schema (the real check-jsonschema); the
content one is the same job with the tool's checkout added; and each workflow's own `run:` steps are run in
order, as the runner would (their `if:`, `env:` and step outputs), on a real git clone with its origin, the
real `rewards` and the real `gh` (talking to the loopback stand-in for GitHub's REST API,
tests/workflow/github_api.py). So the scripts the workflows call are the ones these tests run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from rewards_build.forms.spec import LABEL, Action
from tests.conftest import REPO
from tests.forms.form_helpers import github_body
from tests.workflow.github_api import GitHub, make_certificate, serve

BIN = Path(sys.executable).parent
OWN = REPO / ".github/workflows/forms.yml"
CONTENT = REPO / "docs/content-repository/.github/workflows/forms.yml"
CONTENT_CHECKS = REPO / "docs/content-repository/.github/workflows/rewards.yml"
WORKFLOWS = {"own": OWN, "content-repository": CONTENT}
TOOL = ".rewards-tool"  # where a content repository's workflows check the tool out
PARTNER = "adatum-awaiting-contact"
ACTIVATE = {"partner": PARTNER, "offer": "adatum-identity-guard", "benefit": "rewards-testimonial"}
MARKER = "<!-- rewards-diff -->"
GIT = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test",
       "GIT_COMMITTER_EMAIL": "test@example.com"}


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **GIT, **(env or {})})


def git(cwd: Path, *args: str) -> str:
    done = run(cwd, "git", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- The files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", WORKFLOWS.values(), ids=WORKFLOWS.keys())
def test_the_forms_workflow_passes_githubs_workflow_schema(workflow: Path) -> None:
    done = run(REPO, str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert done.returncode == 0, done.stdout + done.stderr


def _tool_checkout(steps: list[dict[str, Any]]) -> dict[str, Any]:
    (step,) = [s for s in steps if s.get("with", {}).get("path") == TOOL]
    return step


def test_the_content_repositorys_forms_workflow_is_the_tools_own_with_the_tool_checked_out() -> None:
    own, content, checks = load(OWN), load(CONTENT), load(CONTENT_CHECKS)
    for key in (True, "permissions", "concurrency"):  # True: PyYAML reads the key `on` as YAML 1.1's boolean
        assert content[key] == own[key], key
    # The tool at the same pinned release as the content workflow, checked out the same way.
    assert content["env"] == checks["env"] == {"REWARDS_TOOL_REPO": checks["env"]["REWARDS_TOOL_REPO"],
                                               "REWARDS_TOOL_REF": checks["env"]["REWARDS_TOOL_REF"]}
    checkout = _tool_checkout(content["jobs"]["apply"]["steps"])
    assert checkout["uses"] == "actions/checkout@v4"
    assert checkout["with"] == {**_tool_checkout(checks["jobs"]["check"]["steps"])["with"],
                                "persist-credentials": False}
    job, own_job = dict(content["jobs"]["apply"]), dict(own["jobs"]["apply"])
    steps, own_steps = job.pop("steps"), own_job.pop("steps")
    assert job == own_job
    steps = [s for s in steps if s is not checkout]

    def in_content_layout(step: dict[str, Any]) -> dict[str, Any]:
        if "run" not in step:
            return step
        command = step["run"].replace(".github/scripts/", f"{TOOL}/.github/scripts/")
        return {**step, "run": command.replace("install.sh .", f"install.sh {TOOL}")}

    def words(step: dict[str, Any]) -> dict[str, Any]:  # a folded `run:` is the same command
        return {**step, "run": " ".join(step["run"].split())} if "run" in step else step

    assert [words(s) for s in steps] == [words(in_content_layout(s)) for s in own_steps]
    assert not re.search(r"issue\.(body|title|user)", CONTENT.read_text(encoding="utf-8"))
    assert f"'{LABEL}'" in job["if"]


# --- The workflows' steps, run -----------------------------------------------------------------------------


@dataclass
class Run:
    """What one run of a workflow's job did."""

    ran: list[str] = field(default_factory=list)  # the names of the `run:` steps that ran
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # by step id
    logs: list[str] = field(default_factory=list)


def _value(expression: str, context: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
    if m:
        return outputs.get(m.group(1), {}).get(m.group(2), "")
    assert expression in context, f"the test does not know the expression {expression!r}"
    return context[expression]


def _condition(condition: str | None, failed: bool, context: dict[str, str],
               outputs: dict[str, dict[str, str]]) -> bool:
    """The `if:` of a step, for the expressions these workflows use."""
    if condition is None:
        return not failed  # success()
    text = condition.strip().removeprefix("${{").removesuffix("}}").strip()
    if text == "!cancelled()":
        return True
    m = re.fullmatch(r"([\w.-]+) == '([^']*)'", text)
    assert m, f"the test does not know the condition {condition!r}"
    return not failed and _value(m.group(1), context, outputs) == m.group(2)


def _substitute(text: str, context: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: _value(m.group(1), context, outputs), text)


def run_job(workflow: Path, workspace: Path, event: dict[str, Any], temp: Path, env: dict[str, str],
            fails: bool = False) -> Run:
    """The job's steps in order, as the runner runs them: `uses:` steps are the checkouts and the setup the test
    has made already, the install is the venv this test runs in (its argument checked, not run: it would
    reinstall into it); every other `run:` is run with bash -e -o pipefail (the runner's default shell) in
    the workspace, with the workflow's `env:` and the step's, and $GITHUB_OUTPUT read into the step's outputs.
    The job's own `if:` is not evaluated: the event is one it runs on (an open issue with our label)."""
    data = load(workflow)
    job = data["jobs"]["apply"]
    (temp / "event.json").write_text(json.dumps(event), encoding="utf-8")
    context = {"github.event.repository.default_branch": event["repository"]["default_branch"],
               "github.event.issue.number": str(event["issue"]["number"]), "github.token": env["GH_ENTERPRISE_TOKEN"]}
    result, failed = Run(), False
    for n, step in enumerate(job["steps"]):
        if "uses" in step:
            assert step["uses"].split("@")[0] in ("actions/checkout", "actions/setup-python"), step
            continue
        if not _condition(step.get("if"), failed, context, result.outputs):
            continue
        command = step["run"]
        if "/install.sh" in command:  # the tool installs itself: its scripts are in the folder it is given
            script, argument = command.split()
            folder = (workspace / argument).resolve()
            assert (workspace / script).resolve().parents[2] == folder, command
            assert (folder / "requirements-lock.txt").is_file() and (folder / "pyproject.toml").is_file(), command
            continue
        output = temp / f"output-{n}"
        output.touch()
        step_env = {k: _substitute(str(v), context, result.outputs)
                    for k, v in {**data.get("env", {}), **step.get("env", {})}.items()}
        done = run(workspace, "bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", command,
                   env={**env, **step_env, "GITHUB_EVENT_PATH": str(temp / "event.json"), "RUNNER_TEMP": str(temp),
                        "GITHUB_OUTPUT": str(output), "GITHUB_WORKSPACE": str(workspace)})
        result.ran.append(step["name"])
        result.logs.append(f"## {step['name']} (exit {done.returncode})\n{done.stdout}{done.stderr}")
        if "id" in step:
            result.outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines())
        failed = failed or done.returncode != 0
    assert failed is fails, "\n".join(result.logs)
    return result


def _layout(tmp_path: Path, layout: str) -> Path:
    """A clone of a repository holding the example content, as actions/checkout leaves it, with its origin:
    in the tool's own layout, the tool is that repository (its scripts, lock and pyproject at the root); in
    a content repository, the tool is checked out into .rewards-tool (a git checkout of its own, with what
    `pip install` leaves in it), not part of the repository."""
    origin = tmp_path / "origin"
    origin.mkdir()
    shutil.copy2(REPO / "site.yml", origin / "site.yml")
    shutil.copytree(REPO / "content", origin / "content")
    tool_files = ("pyproject.toml", "requirements-lock.txt")
    if layout == "own":
        shutil.copytree(REPO / ".github", origin / ".github")
        for name in tool_files:
            shutil.copy2(REPO / name, origin / name)
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "example content")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    if layout == "content-repository":
        tool = clone / TOOL
        shutil.copytree(REPO / ".github", tool / ".github")
        for name in tool_files:
            shutil.copy2(REPO / name, tool / name)
        git(tool, "init", "-q")
        (tool / "build/lib").mkdir(parents=True)
        (tool / "rewards_build.egg-info").mkdir()
        (tool / "rewards_build.egg-info/PKG-INFO").write_text("Name: marketplace-rewards\n")
    return clone


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    assert shutil.which("gh"), "the GitHub CLI (Debian package gh) is missing: `make test` installs it"
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def github(certificate: tuple[Path, Path]) -> Iterator[GitHub]:
    with serve(*certificate, repository="example/content") as state:
        yield state


def _event(body: str) -> dict[str, Any]:
    return {"action": "opened", "repository": {"default_branch": "main"},
            "issue": {"number": 7, "body": body, "user": {"login": "mina-park"}, "labels": [{"name": LABEL}],
                      "state": "open"}}


def _env(tmp_path: Path, github: GitHub, certificate: tuple[Path, Path]) -> dict[str, str]:
    return {"HOME": str(tmp_path), "PATH": f"{BIN}:/usr/bin:/bin", **github.env(certificate[0])}


def _body(answers: dict[str, str]) -> str:
    return github_body(Action.ACTIVATE, answers)  # the body GitHub renders for a submitted form


@pytest.mark.parametrize("layout", WORKFLOWS.keys())
def test_an_applied_form_becomes_a_pull_request_with_its_diff_and_an_answer(
        tmp_path: Path, github: GitHub, certificate: tuple[Path, Path], layout: str) -> None:
    clone = _layout(tmp_path, layout)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    done = run_job(WORKFLOWS[layout], clone, _event(_body(ACTIVATE)), temp, _env(tmp_path, github, certificate))
    assert done.ran == ["Apply the form on a branch", "What the change does to the program",
                        "Open or update the pull request", "Post the rewards diff comment on the pull request",
                        "Answer on the issue"], "\n".join(done.logs)
    assert done.outputs["apply"]["outcome"] == "applied"
    # The branch on the origin changes the one partner file, and nothing of the tool's checkout.
    origin = tmp_path / "origin"
    branch = done.outputs["apply"]["branch"]
    assert branch == "rewards-form/issue-7"
    assert git(origin, "diff", "--name-only", "main", branch).split() == [f"content/partners/{PARTNER}.yml"]
    (pull,) = github.pulls
    assert (pull.head, pull.base) == (branch, "main") and "Closes #7" in pull.body
    assert done.outputs["pr"] == {"pr_url": github.url(pull.number), "pr_number": str(pull.number)}
    (diff,) = github.comments[pull.number]
    assert diff.body.startswith(MARKER + "\n") and PARTNER in diff.body
    (answer,) = github.comments[7]
    assert answer.body.startswith("<!-- rewards-form -->") and f"Pull request: {github.url(pull.number)}" in answer.body
    assert git(clone, "status", "--porcelain", "--", "content", "site.yml") == ""


@pytest.mark.parametrize("layout", WORKFLOWS.keys())
def test_a_refused_form_is_answered_and_nothing_is_pushed(
        tmp_path: Path, github: GitHub, certificate: tuple[Path, Path], layout: str) -> None:
    clone = _layout(tmp_path, layout)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    done = run_job(WORKFLOWS[layout], clone, _event(_body({**ACTIVATE, "partner": "../../site"})), temp,
                   _env(tmp_path, github, certificate))
    assert done.ran == ["Apply the form on a branch", "Answer on the issue"], "\n".join(done.logs)
    assert done.outputs["apply"] == {"outcome": "refused"}
    assert git(tmp_path / "origin", "branch", "--list", "rewards-form/*") == "" and not github.pulls
    (answer,) = github.comments[7]
    assert "- **Partner ID**: no partner '../../site' in this program" in answer.body


@pytest.mark.parametrize("layout", WORKFLOWS.keys())
def test_a_change_beyond_the_partner_file_fails_the_run_and_says_nothing_on_the_issue(
        tmp_path: Path, github: GitHub, certificate: tuple[Path, Path], layout: str) -> None:
    """Something else in the work tree changed (here: a stray file): nothing is committed or pushed, and the
    reply rewards apply-form wrote ("the change is made") is not posted; the run fails, its log says why."""
    clone = _layout(tmp_path, layout)
    (clone / "stray.txt").write_text("left by an earlier step\n")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    done = run_job(WORKFLOWS[layout], clone, _event(_body(ACTIVATE)), temp, _env(tmp_path, github, certificate),
                   fails=True)
    assert done.ran == ["Apply the form on a branch", "Answer on the issue"]
    assert "expected one changed partner file, found:" in done.logs[0] and "stray.txt" in done.logs[0]
    assert "forms-reply: no reply to post" in done.logs[1]
    assert not github.comments and not github.pulls
    assert git(tmp_path / "origin", "branch", "--list", "rewards-form/*") == ""


def test_rewards_forms_writes_a_content_repositorys_forms_beside_its_site_yml(tmp_path: Path) -> None:
    """The setup step of docs/forms.md, run in a content repository: the forms land in its own
    .github/ISSUE_TEMPLATE/, pass GitHub's issue-forms schema, carry the label the workflow runs on, and
    `rewards forms --check` (a step of rewards.yml) then passes."""
    clone = _layout(tmp_path, "content-repository")
    assert not (clone / ".github").exists()
    done = run(clone, str(BIN / "rewards"), "forms")
    assert done.returncode == 0, done.stdout + done.stderr
    folder = clone / ".github/ISSUE_TEMPLATE"
    forms = sorted(p for p in folder.glob("*.yml") if p.name != "config.yml")
    assert [p.name for p in forms] == sorted(p.name for p in (REPO / ".github/ISSUE_TEMPLATE").glob("*.yml")
                                             if p.name != "config.yml")
    done = run(clone, str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms",
               *map(str, forms))
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(load(p)["labels"] == [LABEL] for p in forms)
    # rewards.yml's step, as it runs in the pull request: it passes, and fails once a form is stale.
    (step,) = [s for s in load(CONTENT_CHECKS)["jobs"]["check"]["steps"] if s.get("name") == "Issue forms up to date"]
    assert step["if"] == "hashFiles('.github/workflows/forms.yml') != ''"
    assert run(clone, "bash", "-e", "-c", step["run"]).returncode == 0
    stale = folder / "activate.yml"
    stale.write_text(stale.read_text(encoding="utf-8").replace("rewards-testimonial", "retired-benefit"))
    done = run(clone, "bash", "-e", "-c", step["run"])
    assert done.returncode == 1 and "activate.yml is out of date: run rewards forms" in done.stderr
