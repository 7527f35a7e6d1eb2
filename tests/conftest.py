"""Shared fixtures: a small, valid content tree that each test copies and breaks in one way."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
TODAY = dt.date(2026, 11, 24)  # the reference date of the fixtures and of the example content


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/fixtures/mini as the working directory, so problems print as content/... paths."""
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture(autouse=True)
def _private_load_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's `rewards notify` keeps its loaded-content cache (rewards_build/loadcache.py) to
    itself, in processes it starts too, and never in the user's ~/.cache."""
    monkeypatch.setenv("REWARDS_CACHE_DIR", str(tmp_path_factory.mktemp("load-cache")))
