"""The global fingerprint covers every file that can change what a build writes: each module of
the code packages (found by walking them, so a new module cannot be forgotten), the schemas, the
catalogs, every template, site.yml and the content outside partners/. A change to any of them
changes the fingerprint, and so forces a full rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from site_helpers import REPO, SiteCopy

from rewards_build import stamps
from rewards_build.site import inputs

CATALOGS, TODAY = "catalogs", "2026-11-24"


def _package_files(root: Path) -> set[Path]:
    """What a reader would call "the code": every file under the packages, byte code aside."""
    return {p for package in ("rewards_build", "notifier") for p in (root / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    """A private copy of the code packages (tests edit it; the real ones are never touched)."""
    root = tmp_path / "packages"
    for package in stamps.CODE_PACKAGES:
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def program(tmp_path: Path) -> tuple[Path, Path, Path]:
    """site.yml, content/ and the whole templates/ folder (site and email), copied."""
    root = tmp_path / "program"
    root.mkdir()
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    return root / "site.yml", root / "content", root / "templates"


def _key(program: tuple[Path, Path, Path], packages: Path) -> str:
    return inputs.global_fingerprint(*program, CATALOGS, TODAY, packages_root=packages)


def test_every_module_schema_and_catalog_of_the_packages_is_an_input() -> None:
    covered = set(inputs.code_files())
    on_disk = _package_files(REPO)
    assert on_disk - covered == set()
    # the two that the hand-written list used to miss, and the schemas
    assert REPO / "rewards_build/modelbuild.py" in covered
    assert REPO / "rewards_build/crossrules.py" in covered
    assert {p.name for p in covered if p.suffix == ".json"} >= {
        f"{kind}.schema.json" for kind in ("program", "benefit", "partner", "tip", "toolkit", "site", "common")}
    assert not [p for p in covered if "__pycache__" in p.parts or p.suffix == ".pyc"]


def test_every_template_and_shared_content_file_is_an_input() -> None:
    files = set(inputs.global_inputs(REPO / "site.yml", REPO / "content", REPO / "templates"))
    templates = {p for p in (REPO / "templates").rglob("*") if p.is_file()}
    shared = {p for p in (REPO / "content").rglob("*") if p.is_file() and "partners" not in p.parts}
    assert templates - files == set()
    assert shared - files == set()
    assert REPO / "site.yml" in files
    assert not [p for p in files if "partners" in p.relative_to(REPO).parts]  # partner files have their own stamps


def test_a_change_to_any_code_file_changes_the_fingerprint(program: tuple[Path, Path, Path],
                                                           packages: Path) -> None:
    before = _key(program, packages)
    files = sorted(_package_files(packages))
    assert len(files) > 40
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert _key(program, packages) != before, f"{path.relative_to(packages)} is not in the fingerprint"
        path.write_bytes(original)
    assert _key(program, packages) == before


def test_a_new_module_changes_the_fingerprint_and_byte_code_does_not(program: tuple[Path, Path, Path],
                                                                     packages: Path) -> None:
    before = _key(program, packages)
    cache = packages / "rewards_build" / "__pycache__"
    cache.mkdir()
    (cache / "model.cpython-311.pyc").write_bytes(b"\x00byte code")
    assert _key(program, packages) == before
    for new in (packages / "rewards_build" / "rules" / "newrule.py", packages / "notifier" / "newstep.py"):
        new.write_text('"""A module nobody listed anywhere."""\n', encoding="utf-8")
        assert _key(program, packages) != before
        new.unlink()
    assert _key(program, packages) == before


def test_a_change_to_any_template_or_shared_content_file_changes_the_fingerprint(
        program: tuple[Path, Path, Path], packages: Path) -> None:
    site_yml, content, templates = program
    before = _key(program, packages)
    files = [site_yml, *sorted(p for p in templates.rglob("*") if p.is_file()),
             *sorted(p for p in content.rglob("*") if p.is_file() and "partners" not in p.parts)]
    assert any("email" in p.parts for p in files)
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert _key(program, packages) != before, f"{path} is not in the fingerprint"
        path.write_bytes(original)
    # a partner file is not a global input: the per-partner stamps cover it
    partner = next((content / "partners").glob("*.yml"))
    partner.write_bytes(partner.read_bytes() + b"\n")
    assert _key(program, packages) == before


@pytest.mark.parametrize("module", ["rewards_build/modelbuild.py", "rewards_build/crossrules.py",
                                    "notifier/compose.py"])
def test_a_code_change_forces_a_full_rebuild(site_copy: SiteCopy, packages: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    monkeypatch.setattr(inputs, "PACKAGES_ROOT", packages)  # the build fingerprints the private copy
    out = tmp_path / "site"
    first, log = site_copy.build(out)
    assert (first.exit_code, first.mode) == (0, "full"), log
    again, log = site_copy.build(out)
    assert (again.exit_code, again.mode) == (0, "nothing"), log

    path = packages / module
    path.write_bytes(path.read_bytes() + b"\n# a change that may change what pages say\n")
    after, log = site_copy.build(out)
    assert (after.exit_code, after.mode) == (0, "full"), log
