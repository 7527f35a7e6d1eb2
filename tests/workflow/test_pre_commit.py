"""The pre-commit hook this repository ships (.pre-commit-hooks.yaml), run by the real pre-commit.

`pre-commit try-repo` builds the hook's environment the way a content repository's pre-commit does
(`language: python`: a virtualenv with this package installed from the repository, its dependencies
from PyPI), then runs it in a temporary git repository holding the example content.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
ACME = "content/partners/acme.yml"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


@pytest.fixture
def content_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "content-repo"
    shutil.copytree(FIXTURES / "mini", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "content")
    return repo


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(REPO), "rewards-validate", "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_the_hook_fails_on_a_bad_file_with_the_located_message_and_passes_once_fixed(
        content_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.getbasetemp() / "pre-commit-home"  # one hook environment for the session
    acme = content_repo / ACME
    good = acme.read_text(encoding="utf-8")
    acme.write_text(good.replace("language: en", "language: no"), encoding="utf-8")

    failed = try_repo(content_repo, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "rewards validate" in failed.stdout and "Failed" in failed.stdout
    assert (f"{ACME}:23:15: marketing_contacts[0].language: found no, which YAML 1.1 reads as the boolean false"
            in failed.stdout), failed.stdout

    acme.write_text(good, encoding="utf-8")
    passed = try_repo(content_repo, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
