"""Helpers for the issue-form tests: a real git repository holding a copy of the example content (as the
workflow's checkout does), bodies written the way GitHub renders a submitted form, and the real
`rewards` command run on them. (A module of its own name: every test folder's conftest.py is "conftest".)"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from rewards_build.forms.spec import Action, Form, forms
from rewards_build.model import Content
from rewards_build.pipeline import load_all

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TODAY = dt.date(2026, 11, 24)  # the example content's day
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GIT_AUTHOR_NAME": "Test",
       "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def run(cwd: Path, *args: str, stdin: str | None = None,
        env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env={**ENV, **(env or {})}, capture_output=True, text=True,
                          timeout=300, input=stdin)


def git(cwd: Path, *args: str) -> str:
    done = run(cwd, "git", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@functools.cache
def example() -> Content:
    loaded = load_all(REPO / "site.yml", TODAY)
    assert loaded.content is not None
    return loaded.content


def form(action: Action) -> Form:
    return next(f for f in forms(example()) if f.action is action)


def github_body(action: Action, answers: Mapping[str, str]) -> str:
    """The body GitHub writes for a submitted form: each field's label as a heading, then its answer (a
    dropdown's chosen option as shown), `_No response_` for an empty one."""
    f = form(action)
    unknown = set(answers) - {field.id for field in f.fields}
    assert not unknown, unknown
    return "\n\n".join(f"### {field.label}\n\n{answers.get(field.id) or '_No response_'}" for field in f.fields)


def make_repo(tmp_path: Path) -> Path:
    """A git repository with the example site.yml and content, committed on main."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copytree(REPO / "content", root / "content")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "example content")
    return root


def apply_form(root: Path, body: str, *extra: str, author: str = "octocat") -> subprocess.CompletedProcess[str]:
    (root.parent / "body.md").write_text(body, encoding="utf-8", newline="")
    return run(root, str(BIN / "rewards"), "apply-form", str(root.parent / "body.md"), "--author", author,
               "--today", TODAY.isoformat(), *extra)
