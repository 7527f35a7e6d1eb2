"""The GitHub Actions workflow for content repositories: the files pass GitHub's workflow schema (the
real check-jsonschema), and the scripts its steps run work on real git repositories with the real
`rewards` commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

BIN = Path(sys.executable).parent
SCRIPTS = REPO / ".github/scripts"
WORKFLOWS = [REPO / ".github/workflows/content.yml", REPO / "docs/content-repository/.github/workflows/rewards.yml"]
TODAY = "2026-11-24"
MARKER = "<!-- rewards-diff -->"
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GIT_AUTHOR_NAME": "Test",
       "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)


def git(cwd: Path, *args: str) -> str:
    done = run(cwd, "git", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_the_workflow_passes_githubs_workflow_schema(workflow: Path) -> None:
    done = run(REPO, str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_the_workflow_installs_from_the_lock_and_runs_each_step_script(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    assert 'python-version: "3.11"' in text
    assert "rewards validate --format github" in text
    assert "upload-artifact" in text and "deploy-pages" in text
    for script in set(re.findall(r"\.github/scripts/([\w-]+\.sh)", text)):
        assert (SCRIPTS / script).stat().st_mode & 0o111, f"{script} is not executable"
    install = (SCRIPTS / "install.sh").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r" in install and "--no-deps" in install.split("requirements-lock.txt")[1]


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.sh")), ids=lambda p: p.name)
def test_each_script_is_valid_posix_shell(script: Path) -> None:
    done = run(REPO, "sh", "-n", str(script))
    assert done.returncode == 0, done.stderr


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone on a feature branch, while its base branch on the origin moved on after the branch point."""
    origin = tmp_path / "origin"
    shutil.copytree(FIXTURES / "mini", origin)
    shutil.copytree(REPO / "templates", origin / "templates")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "content")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "feature")
    # main moves on: a change the pull request must not be credited with
    edit(origin / "content/partners/acme.yml", "name: Bo Contact", "name: Bo Changed On Main")
    git(origin, "commit", "-q", "-am", "main moves on")
    return clone


def pr_diff(clone: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run(clone, str(SCRIPTS / "pr-diff.sh"), "main", str(out), "--today", TODAY)


def test_pr_diff_compares_with_the_merge_base_and_tolerates_exit_3(pull_request: Path, tmp_path: Path) -> None:
    edit(pull_request / "content/partners/acme.yml", "    billed_sales_usd: 30000", "    billed_sales_usd: 90000")
    git(pull_request, "commit", "-q", "-am", "the pull request")
    git(pull_request, "fetch", "-q", "origin")  # as actions/checkout with fetch-depth: 0 leaves it
    out = tmp_path / "comment.md"
    done = pr_diff(pull_request, out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rewards diff exit 3" in done.stdout
    base = git(pull_request, "merge-base", "origin/main", "HEAD")
    assert base != git(pull_request, "rev-parse", "origin/main")  # main did move on
    assert base in done.stdout
    body = out.read_text(encoding="utf-8")
    assert body.startswith(MARKER + "\n")
    assert "Bo Changed On Main" not in body
    assert "acme" in body


def test_pr_diff_with_no_change_succeeds(pull_request: Path, tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    done = pr_diff(pull_request, out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rewards diff exit 0" in done.stdout
    assert out.read_text(encoding="utf-8").startswith(MARKER + "\n")


def test_pr_diff_of_invalid_content_writes_a_body_that_says_so_and_fails(pull_request: Path, tmp_path: Path) -> None:
    edit(pull_request / "content/partners/acme.yml", "language: en", "language: no")
    out = tmp_path / "comment.md"
    done = pr_diff(pull_request, out)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the content is not valid" in out.read_text(encoding="utf-8")


def test_pr_diff_fetches_the_base_branch_when_the_checkout_lacks_it(pull_request: Path, tmp_path: Path) -> None:
    git(pull_request, "update-ref", "-d", "refs/remotes/origin/main")
    done = pr_diff(pull_request, tmp_path / "comment.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(pull_request, "rev-parse", "--verify", "refs/remotes/origin/main")


def test_pr_diff_without_history_is_a_usage_error(pull_request: Path, tmp_path: Path) -> None:
    git(pull_request, "fetch", "-q", "origin", "main")
    orphan = git(pull_request, "commit-tree", "HEAD^{tree}", "-m", "no shared history")
    git(pull_request, "reset", "-q", "--hard", orphan)
    done = pr_diff(pull_request, tmp_path / "comment.md")
    assert done.returncode == 2
    assert "no merge base" in done.stderr


def test_upsert_comment_refuses_a_body_without_the_marker(tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("hello\n", encoding="utf-8")
    done = run(tmp_path, str(SCRIPTS / "upsert-comment.sh"), "1", str(body))
    assert done.returncode == 2
    assert "does not start with" in done.stderr


def test_build_site_leaves_plain_files_for_the_artifact(pull_request: Path) -> None:
    done = run(pull_request, str(SCRIPTS / "build-site.sh"), "_public", "--today", TODAY, "--jobs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    public = pull_request / "_public"
    assert (public / "index.html").is_file()
    assert not [p for p in public.rglob("*") if p.is_symlink()]


def test_front_matter_gets_the_same_verdict_from_check_jsonschema_as_from_rewards_validate(tmp_path: Path) -> None:
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    pages = [str(p.relative_to(root)) for p in sorted((root / "content").glob("*/*.md"))]
    check = [str(SCRIPTS / "front-matter.sh"), str(REPO / "rewards_build/schemas"), *pages]
    validate = [str(BIN / "rewards"), "validate", "--today", TODAY]
    assert run(root, *check).returncode == 0
    assert run(root, *validate).returncode == 0
    edit(root / "content/tips/offer-name.md", "order: 1\n", "order: 1\ngetting_started: yes\n")
    refused = run(root, *check)
    assert refused.returncode == 1
    assert "content/tips/offer-name.md: front matter against tip.schema.json" in refused.stdout
    assert "'yes' is not of type 'boolean'" in refused.stdout
    ours = run(root, *validate)
    assert ours.returncode == 1
    assert ours.stdout.startswith("content/tips/offer-name.md:5:18: getting_started: expected true or false, found "
                                  "yes, which YAML 1.1 reads as the boolean true"), ours.stdout
