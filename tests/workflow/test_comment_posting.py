"""Posting the pull request's one impact comment (`.github/scripts/upsert-comment.sh`): the real script
and the real `gh` CLI against a loopback stand-in for GitHub's API (tests/workflow/github_api.py).

What a reviewer would notice if it broke: a second comment on every push instead of one kept up to
date, the comment not found once the conversation runs past one page, another comment overwritten, a
body changed on the way (gh's `-F` reads `@file` but converts values and fills `{owner}` placeholders
in some forms), or a failed post that leaves the CI step green.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workflow.github_api import GitHub, make_certificate, serve

SCRIPT = REPO / ".github/scripts/upsert-comment.sh"
MARKER = "<!-- rewards-diff -->"
PR = 7


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    assert shutil.which("gh"), "the GitHub CLI (Debian package gh) is missing: `make test` installs it"
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def github(certificate: tuple[Path, Path]) -> Iterator[GitHub]:
    with serve(*certificate) as state:
        yield state


def upsert(github: GitHub, cert: Path, body: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(body.parent), **github.env(cert)}
    return subprocess.run([str(SCRIPT), str(PR), str(body)], env=env, capture_output=True, text=True, timeout=120)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_first_push_posts_one_comment_and_later_pushes_update_it(
        github: GitHub, certificate: tuple[Path, Path], tmp_path: Path) -> None:
    github.add(PR, "Looks good to me")
    first = upsert(github, certificate[0], write(tmp_path / "a.md", f"{MARKER}\n**2 partners** change\n"))
    assert first.returncode == 0, first.stderr
    assert "posted a new comment" in first.stdout
    second = upsert(github, certificate[0], write(tmp_path / "b.md", f"{MARKER}\n**3 partners** change\n"))
    assert second.returncode == 0, second.stderr
    assert "updated comment" in second.stdout
    bodies = [c.body for c in github.comments[PR]]
    assert bodies == ["Looks good to me", f"{MARKER}\n**3 partners** change\n"]


def test_the_comment_is_found_past_the_first_page(github: GitHub, certificate: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    for i in range(5):
        github.add(PR, f"review remark {i}")
    ours = github.add(PR, f"{MARKER}\nold impact\n")
    github.add(PR, "a later remark")
    done = upsert(github, certificate[0], write(tmp_path / "c.md", f"{MARKER}\nnew impact\n"))
    assert done.returncode == 0, done.stderr
    assert f"updated comment {ours.id}" in done.stdout
    assert len(github.comments[PR]) == 7
    assert ours.body == f"{MARKER}\nnew impact\n"
    assert [c.body for c in github.comments[PR] if c is not ours][:5] == [f"review remark {i}" for i in range(5)]
    pages = [path for method, path in github.requests if method == "GET"]
    assert len(pages) >= 3  # it really followed the Link header


def test_a_comment_that_quotes_the_marker_later_is_not_taken_for_ours(
        github: GitHub, certificate: tuple[Path, Path], tmp_path: Path) -> None:
    quoted = github.add(PR, f"Why does the bot write {MARKER}?")
    done = upsert(github, certificate[0], write(tmp_path / "d.md", f"{MARKER}\nimpact\n"))
    assert done.returncode == 0, done.stderr
    assert quoted.body == f"Why does the bot write {MARKER}?"
    assert len(github.comments[PR]) == 2


@pytest.mark.parametrize("text", [
    "{owner}/{repo} on {branch}",  # gh fills these placeholders in some fields
    "true", "42", "null",  # and converts these with -F
    "$(touch /tmp/pwned) `id` '\"; rm -rf / #",
    "한국어 파트너 — ✓ <script>alert(1)</script>",
    "x" * 60_000,  # GitHub's limit for a comment is 65,536 characters
])
def test_the_body_arrives_byte_for_byte(github: GitHub, certificate: tuple[Path, Path], tmp_path: Path,
                                        text: str) -> None:
    body = f"{MARKER}\n{text}\n"
    done = upsert(github, certificate[0], write(tmp_path / "e.md", body))
    assert done.returncode == 0, done.stderr
    assert [c.body for c in github.comments[PR]] == [body]


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_refused_post_fails_the_step(github: GitHub, certificate: tuple[Path, Path], tmp_path: Path,
                                       status: int) -> None:
    github.fail_with = status
    done = upsert(github, certificate[0], write(tmp_path / "f.md", f"{MARKER}\nimpact\n"))
    assert done.returncode != 0
    assert "HTTP" in done.stderr or str(status) in done.stderr
    assert "posted" not in done.stdout and "updated" not in done.stdout
