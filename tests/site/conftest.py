"""Fixtures for the site tests: a private copy of site.yml, content/ and templates/site in a tmp
folder (tests may edit it freely), and one build of the example content for read-only tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import SiteCopy, copy_site


@pytest.fixture
def site_copy(tmp_path: Path) -> SiteCopy:
    return copy_site(tmp_path / "repo")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example content built once for the whole session (read-only for tests)."""
    base = tmp_path_factory.mktemp("example")
    copy = copy_site(base / "repo")
    out = base / "site"
    result, log = copy.build(out)
    assert result.exit_code == 0, log
    return out

