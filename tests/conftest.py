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
