"""A partial build splices the partners index (listing.py) and reads only the manifest lines it needs
(manifest.py): whatever the edit, the site equals a clean build of the same content, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from site_helpers import REPO, TODAY, SiteCopy, tree

from rewards_build.site import manifest
from rewards_build.site.urls import MANIFEST

TREY = "partners/trey-list-only.yml"


def _new_partner(copy: SiteCopy, pid: str) -> None:
    """A valid partner file of a new id (trey's, with its ids renamed)."""
    text = (copy.content / TREY).read_text()
    for offer in ("clinical-insights", "lab-scheduler-byol"):
        text = text.replace(f"trey-{offer}", f"{pid}-{offer}")
    text = text.replace("\nid: trey-list-only\n", f"\nid: {pid}\n").replace("name: Trey Research", f"name: {pid.title()}")
    (copy.content / f"partners/{pid}.yml").write_text(text)


def _rename(copy: SiteCopy, rel: str, to: str) -> None:
    path = copy.content / rel
    path.write_text(path.read_text().replace("\nname: ", f"\nname: {to} ", 1))


def _equals_clean(copy: SiteCopy, out: Path, tmp_path: Path, name: str = "clean") -> None:
    clean = tmp_path / name
    result, log = copy.build(clean, clean=True, jobs=1)
    assert result.exit_code == 0, log
    assert tree(out) == tree(clean)


@pytest.mark.parametrize("pid", ["aaa-first", "kestrel-middle", "zz-last", "trey-list-only-b"])
def test_a_new_partner_gets_its_row_in_file_order(site_copy: SiteCopy, tmp_path: Path, pid: str) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    _new_partner(site_copy, pid)
    result, log = site_copy.build(out, jobs=1)
    assert (result.exit_code, result.mode) == (0, "partial"), log
    assert f"../partners/{pid}/index.html" in (out / "partners/index.html").read_text()
    _equals_clean(site_copy, out, tmp_path)


def test_partners_added_changed_and_removed_in_one_build(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    _new_partner(site_copy, "kestrel-middle")
    _new_partner(site_copy, "kestrel-middle-b")
    _rename(site_copy, "partners/litware-owner-unknown.yml", "Renamed")
    (site_copy.content / "partners/lucerne-delisted-offer.yml").unlink()  # right after the one renamed
    result, log = site_copy.build(out, jobs=1)
    assert (result.exit_code, result.mode) == (0, "partial"), log
    index = (out / "ko/partners/index.html").read_text()
    assert "Renamed" in index and "lucerne-delisted-offer" not in index
    _equals_clean(site_copy, out, tmp_path)


def test_a_row_that_changes_rewrites_the_indexes_and_one_that_does_not_leaves_them(site_copy: SiteCopy,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    index = out / "partners/index.html"
    before = index.stat().st_ino
    _rename(site_copy, TREY, "Renamed")
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "partial", log
    assert index.stat().st_ino != before and "Renamed Trey Research" in index.read_text()
    _equals_clean(site_copy, out, tmp_path, "clean-1")
    before = index.stat().st_ino
    path = site_copy.content / TREY
    path.write_text(path.read_text() + "# a comment no page shows\n")
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "partial" and result.written == 0, log
    assert index.stat().st_ino == before
    _equals_clean(site_copy, out, tmp_path, "clean-2")


def test_a_partners_index_edited_by_hand_makes_a_full_build(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    index = out / "partners/index.html"
    text = index.read_text().replace("</main>", "<p>edited</p></main>")
    index.unlink()  # a new file: the live one shares its bytes with the spare
    index.write_text(text)
    _rename(site_copy, TREY, "Renamed")
    result, log = site_copy.build(out, jobs=1)
    assert (result.exit_code, result.mode) == (0, "full"), log
    assert "full build" in log
    _equals_clean(site_copy, out, tmp_path)


def test_many_partners_changed_rewrite_the_manifest_lines_whole(site_copy: SiteCopy, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "REWRITE_ALL_FROM", 2)
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    for rel in ("partners/trey-list-only.yml", "partners/litware-owner-unknown.yml", "partners/alpine-opted-out.yml"):
        _rename(site_copy, rel, "Renamed")
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "partial", log
    _equals_clean(site_copy, out, tmp_path)
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "nothing", log


def test_an_edit_that_keeps_size_and_time_is_seen_when_its_stamp_was_recent(site_copy: SiteCopy,
                                                                            tmp_path: Path) -> None:
    """File times are coarse: an edit in the same tick as the stamp the last build recorded can keep
    size and time. A stamp recorded close to its scan is re-checked by its hash (racy stamps)."""
    out = tmp_path / "site"
    path = site_copy.content / TREY
    os.utime(path)  # modified just now: the build's stamp of it is racy
    site_copy.build(out, jobs=1)
    stat = path.stat()
    path.write_text(path.read_text().replace("name: Trey Research", "name: Trey Researcg"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "partial", log
    assert "Trey Researcg" in (out / "partners/index.html").read_text()
    _equals_clean(site_copy, out, tmp_path)


def test_a_no_op_build_reads_only_the_manifest_header(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    path = out / MANIFEST
    header, _, lines = path.read_bytes().partition(b"\n")
    path.unlink()
    path.write_bytes(header + b"\n" + b"x" * (len(lines) - 1) + b"\n" * lines.count(b"\n"))  # lines not JSON
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "nothing" and "damaged" not in log, log


def test_a_no_op_build_imports_neither_the_loaders_nor_jinja_nor_babel(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    script = ("import sys\nfrom rewards_build import cli\n"
              f"code = cli.main(['build', '--site', {str(site_copy.site_yml)!r}, '--out', {str(out)!r}, "
              f"'--today', {TODAY.isoformat()!r}])\n"
              "heavy = [m for m in ('jinja2', 'babel', 'jsonschema', 'markdown', 'rewards_build.pipeline') "
              "if m in sys.modules]\nprint(code, heavy)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr
    assert "is up to date" in done.stderr


def test_many_racy_stamps_are_checked_in_one_pass_and_an_edit_among_them_is_seen(
        site_copy: SiteCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "REWRITE_ALL_FROM", 2)
    for path in (site_copy.content / "partners").glob("*.yml"):
        os.utime(path)  # all written just before the build's scan, as a generator or a checkout does
    out = tmp_path / "site"
    site_copy.build(out, jobs=1)
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "nothing", log
    path = site_copy.content / TREY
    stat = path.stat()
    path.write_text(path.read_text().replace("name: Trey Research", "name: Trey Researcg"))  # same size and time
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result, log = site_copy.build(out, jobs=1)
    assert result.mode == "partial", log
    _equals_clean(site_copy, out, tmp_path)
