"""Golden output, the Pelican way: build the mini fixture's whole site and preview its mail with the
real command line, then compare every file, byte for byte, with the trees stored in expected/.

Any change to what users see (a word in a template, a translation, a computed date, a new page, a
changed asset) fails here until expected/ is regenerated, so the pull request shows it as a diff of
expected/. See README.md in this folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .golden import EXPECTED, REGENERATE, TREES, compare, describe, produce, read_tree


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Both trees, made once for this module in a fresh copy of the fixture."""
    return produce(tmp_path_factory.mktemp("golden") / "mini")


@pytest.mark.parametrize("tree", TREES)
def test_what_users_see_is_exactly_the_expected_tree(written: dict[str, dict[str, bytes]], tree: str) -> None:
    if not (EXPECTED / tree).is_dir():
        pytest.fail(f"no expected tree at {EXPECTED / tree}; make it with `{REGENERATE}`", pytrace=False)
    difference = compare(tree, read_tree(EXPECTED / tree), written[tree])
    if difference:
        pytest.fail(describe(difference), pytrace=False)


def test_another_run_in_another_folder_writes_the_same_bytes(written: dict[str, dict[str, bytes]],
                                                             tmp_path: Path) -> None:
    """Otherwise the golden test would be flaky: nothing written may depend on the folder, the run, the
    hash seed or the order in which worker processes finish."""
    again = produce(tmp_path / "a" / "longer-folder-name" / "mini-again")
    for tree in TREES:
        difference = compare(tree, written[tree], again[tree])
        if difference:
            pytest.fail(describe(difference, reference="the first run's", labels=("first-run", "second-run"),
                                 regenerate=False), pytrace=False)
