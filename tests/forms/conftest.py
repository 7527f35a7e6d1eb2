"""Fixtures for the issue-form tests (helpers in form_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from form_helpers import make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the example site.yml and content, committed on main."""
    return make_repo(tmp_path)
