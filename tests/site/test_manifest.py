"""A damaged build manifest (truncated, random bytes, the wrong shape) means "no previous build":
a full build with a one-line note, never a traceback; the result equals a clean build."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from site_helpers import TODAY, SiteCopy, tree

from rewards_build import cli
from rewards_build.site.urls import MANIFEST


def _damage(edit: Callable[[dict], object]) -> Callable[[bytes], bytes]:
    def apply(good: bytes) -> bytes:
        data = json.loads(good)
        return json.dumps(edit(data)).encode()
    return apply


def _first_partner(data: dict) -> str:
    """A partner other than the one the test changes (its row is re-rendered anyway)."""
    return sorted(data["partners"])[-1]


def _set(data: dict, *path_and_value: object) -> dict:
    *path, key, value = path_and_value
    here = data
    for step in path:
        here = here[step]  # type: ignore[index]
    here[key] = value  # type: ignore[index]
    return data


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "random bytes": lambda good: random.Random(7).randbytes(4000),
    "not UTF-8": lambda good: b"\xff\xfe" + good,
    "a list": _damage(lambda d: [d]),
    "null": _damage(lambda d: None),
    "keys missing": _damage(lambda d: {"version": d["version"], "global": d["global"]}),
    "global not text": _damage(lambda d: _set(d, "global", 7)),
    "partner stamp too short": _damage(lambda d: _set(d, "partners", _first_partner(d), [1])),
    "partner stamp of the wrong types": _damage(lambda d: _set(d, "partners", _first_partner(d), ["a", "b", "c", 4])),
    "partners a list": _damage(lambda d: _set(d, "partners", [])),
    "row without html": _damage(lambda d: _set(d, "rows", _first_partner(d), {"id": _first_partner(d)})),
    "row html missing a language": _damage(lambda d: _set(d, "rows", _first_partner(d), "html", {"en": "<tr>"})),
    "row not an object": _damage(lambda d: _set(d, "rows", _first_partner(d), "x")),
    "outputs not text": _damage(lambda d: _set(d, "outputs", [1, 2])),
    "offers of the wrong shape": _damage(lambda d: _set(d, "offers", _first_partner(d), "x")),
    # names the build removes or links: a damaged (or crafted) manifest must not reach outside the site
    "an output outside the site": _damage(lambda d: _set(d, "outputs", [*d["outputs"], "../../repo/site.yml"])),
    "a changed path outside the site": _damage(lambda d: _set(d, "changed", ["../x", "/etc/passwd"])),
    "a parent outside the builds": _damage(lambda d: _set(d, "parent", "..")),
    "a partner id with a slash": _damage(lambda d: _set(d, "partners", "../../repo",
                                                         d["partners"][_first_partner(d)])),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_manifest_means_a_full_build_with_a_note(damage: str, site_copy: SiteCopy, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    result, log = site_copy.build(out, jobs=1)
    assert result.exit_code == 0, log
    manifest = out / MANIFEST
    damaged = DAMAGE[damage](manifest.read_bytes())
    manifest.unlink()  # a new file: the live one may share its bytes with a kept build
    manifest.write_bytes(damaged)
    # and a partner changed, so that a build trusting the manifest would try a partial build
    partner = site_copy.content / "partners/adatum-awaiting-contact.yml"
    partner.write_text(partner.read_text().replace("name: A. Datum Identity\n", "name: A. Datum Identity Group\n"))

    code = cli.main(["build", "--site", str(site_copy.site_yml), "--out", str(out), "--today", TODAY.isoformat(),
                     "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    notes = [line for line in err.splitlines() if "is damaged (" in line]
    assert len(notes) == 1 and "build manifest" in notes[0] and "full build" in notes[0], err
    assert "rewards build: full build of" in err

    clean = tmp_path / "clean"
    result, log = site_copy.build(clean, jobs=1)
    assert result.exit_code == 0, log
    assert tree(out) == tree(clean)

    # and the manifest is whole again: the next build has nothing to do
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "nothing", log


def test_a_manifest_of_another_version_is_silently_a_full_build(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    manifest = out / MANIFEST
    data = json.loads(manifest.read_bytes())
    data["version"] = 1
    manifest.unlink()
    manifest.write_text(json.dumps(data))
    result, log = site_copy.build(out, jobs=1)
    assert result.exit_code == 0 and result.mode == "full", log
    assert "is damaged" not in log
