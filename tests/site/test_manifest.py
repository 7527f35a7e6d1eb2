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

CHANGED = "adatum-awaiting-contact"  # the partner the test changes: its line is the one a partial build reads


def _parts(good: bytes) -> tuple[dict, list[list]]:
    """The manifest's header and its partner lines (JSON Lines: rewards_build/site/manifest.py)."""
    header, *lines = good.decode().splitlines()
    return json.loads(header), [json.loads(line) for line in lines]


def _joined(header: object, lines: list[object]) -> bytes:
    return "".join(json.dumps(part) + "\n" for part in [header, *lines]).encode()


def _damage(edit: Callable[[dict], object]) -> Callable[[bytes], bytes]:
    """Damage the header."""
    def apply(good: bytes) -> bytes:
        header, lines = _parts(good)
        return _joined(edit(header), lines)
    return apply


def _damage_line(edit: Callable[[list], object]) -> Callable[[bytes], bytes]:
    """Damage the changed partner's line (the one a partial build has to read)."""
    def apply(good: bytes) -> bytes:
        header, lines = _parts(good)
        return _joined(header, [edit(line) if line[0] == CHANGED else line for line in lines])
    return apply


def _first_partner(data: dict) -> str:
    """A partner other than the one the test changes (its row is re-rendered anyway)."""
    return sorted(data["ids"])[-1]


def _set(data: dict, *path_and_value: object) -> dict:
    *path, key, value = path_and_value
    here = data
    for step in path:
        here = here[step]  # type: ignore[index]
    here[key] = value  # type: ignore[index]
    return data


def _line_of(good: bytes, pid: str) -> bytes:
    start = good.index(b'\n["' + pid.encode() + b'",') + 1
    return good[start:good.index(b"\n", start) + 1]


def _drop_line(good: bytes) -> bytes:
    header, lines = _parts(good)
    return _joined(header, lines[1:])


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "header only": lambda good: good.split(b"\n", 1)[0],
    "random bytes": lambda good: random.Random(7).randbytes(4000),
    "not UTF-8": lambda good: b"\xff\xfe" + good,
    "a list": _damage(lambda d: [d]),
    "null": _damage(lambda d: None),
    "keys missing": _damage(lambda d: {"version": d["version"], "global": d["global"]}),
    "global not text": _damage(lambda d: _set(d, "global", 7)),
    "partner stamps of different lengths": _damage(lambda d: _set(d, "sizes", d["sizes"][1:])),
    "partner stamp of the wrong type": _damage(lambda d: _set(d, "mtimes", ["a", *d["mtimes"][1:]])),
    "partners not lists": _damage(lambda d: _set(d, "ids", {})),
    "a partner line missing": _drop_line,
    "a partner line cut short": lambda good: good.replace(
        _line_of(good, CHANGED), _line_of(good, CHANGED)[: len(_line_of(good, CHANGED)) // 2] + b"\n"),
    "a partner line gone, another in its place": lambda good: good.replace(
        _line_of(good, CHANGED), _line_of(good, CHANGED).replace(CHANGED.encode(), b"someone-else", 1)),
    "a partner line too short": _damage_line(lambda line: line[:3]),
    "a partner line with a row missing a language": _damage_line(lambda line: [*line[:4], line[4][:1]]),
    "a partner line with offers of the wrong shape": _damage_line(lambda line: [*line[:2], "x", *line[3:]]),
    "outputs not text": _damage(lambda d: _set(d, "outputs", [1, 2])),
    # names the build removes or links: a damaged (or crafted) manifest must not reach outside the site
    "an output outside the site": _damage(lambda d: _set(d, "outputs", [*d["outputs"], "../../repo/site.yml"])),
    "a changed path outside the site": _damage(lambda d: _set(d, "changed", ["../x", "/etc/passwd"])),
    "a parent outside the builds": _damage(lambda d: _set(d, "parent", "..")),
    "a partner id with a slash": _damage(lambda d: _set(d, "ids", [*d["ids"][:-1], "../../repo"])),
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
    header, lines = _parts(manifest.read_bytes())
    header["version"] = 1
    manifest.unlink()
    manifest.write_bytes(_joined(header, lines))
    result, log = site_copy.build(out, jobs=1)
    assert result.exit_code == 0 and result.mode == "full", log
    assert "is damaged" not in log
