"""The test repository (tests/diff/gitrepo.py), made once per session; each test stands in it and
leaves its working tree as it found it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .gitrepo import git, make_history


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("diffrepo")
    make_history(root)
    return root


@pytest.fixture
def repo(history: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(history)
    yield history
    git(history, "checkout", "-q", "--", ".")
    git(history, "clean", "-q", "-fd")
