"""A build that fails after it has staged some pages leaves the live site exactly as it was.

The failures are injected where they really happen: the disk fills up on the Nth file the real
writer writes (first, middle, last), or a template fails on the last partner's page, after the
shared pages and every other partner's pages were staged. Each time the build has a change to
stage (the footer of every page changed), so a writer that wrote live files in place, or renamed
them in before everything had rendered, would show in the site's bytes.
"""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from site_helpers import TODAY, SiteCopy, stamps, tree

from rewards_build import cli
from rewards_build.site import write
from rewards_build.site.write import leftovers

FOOTER_CHANGE = "<!-- footer changed: every page differs -->"
LEFT_AS_IT_WAS = re.compile(r"^rewards build: (?P<error>\w+): (?P<what>.+); the site in (?P<out>.+) was left as it was$")


def _snapshot(out: Path) -> tuple[dict[str, bytes], dict[str, tuple[int, int]], list[str]]:
    """Every file's bytes, every file's (inode, mtime) and every folder: what a reader could notice."""
    folders = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())
    return tree(out, skip=()), stamps(out), folders


def _differences(before: tuple[dict[str, bytes], dict[str, tuple[int, int]], list[str]],
                 after: tuple[dict[str, bytes], dict[str, tuple[int, int]], list[str]]) -> dict[str, list[str]]:
    """What a reader of the live site would see changed (empty when nothing did)."""
    found = {
        "files added": sorted(set(after[0]) - set(before[0])),
        "files gone": sorted(set(before[0]) - set(after[0])),
        "bytes changed": sorted(p for p in set(before[0]) & set(after[0]) if before[0][p] != after[0][p]),
        "rewritten (inode or mtime)": sorted(p for p in set(before[1]) & set(after[1]) if before[1][p] != after[1][p]),
        "folders added or gone": sorted(set(before[2]) ^ set(after[2])),
    }
    return {what: paths for what, paths in found.items() if paths}


def _change_every_page(copy: SiteCopy) -> None:
    base = copy.templates / "base.html"
    text = base.read_text(encoding="utf-8")
    assert "</footer>" in text
    base.write_text(text.replace("</footer>", FOOTER_CHANGE + "\n</footer>", 1), encoding="utf-8")


def _rewards_build(copy: SiteCopy, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`rewards build` through the command-line entry point, as cron runs it (one process)."""
    code = cli.main(["build", "--site", str(copy.site_yml), "--out", str(out), "--today", TODAY.isoformat(),
                     "--jobs", "1"])
    return code, capsys.readouterr().err


class DiskFull:
    """The real writer, until the disk fills up on its `fail_at`-th file."""

    def __init__(self, real: Callable[[Path, bytes], None], fail_at: int | None) -> None:
        self.real, self.fail_at, self.calls = real, fail_at, 0

    def __call__(self, path: Path, data: bytes) -> None:
        self.calls += 1
        if self.fail_at is not None and self.calls >= self.fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        self.real(path, data)


def _writes_needed(copy: SiteCopy, out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many files the changed build writes (on a copy of the live site, so it stays as it is)."""
    probe = tmp_path / "probe"
    shutil.copytree(out, probe)
    counter = DiskFull(write._write, None)
    with monkeypatch.context() as patch:
        patch.setattr(write, "_write", counter)
        result, log = copy.build(probe, jobs=1)
    assert result.exit_code == 0 and result.mode == "full", log
    return counter.calls


def test_disk_full_after_some_pages_are_staged_leaves_the_live_site_byte_for_byte(
        site_copy: SiteCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    result, log = site_copy.build(out)
    assert result.exit_code == 0, log
    before = _snapshot(out)

    _change_every_page(site_copy)
    needed = _writes_needed(site_copy, out, tmp_path, monkeypatch)
    assert needed > 20  # every HTML page, in each language, and the manifest

    for fail_at in (2, needed // 2, needed):  # after one file, halfway, at the very last file
        disk = DiskFull(write._write, fail_at)
        monkeypatch.setattr(write, "_write", disk)
        code, err = _rewards_build(site_copy, out, capsys)
        monkeypatch.undo()
        assert disk.calls == fail_at  # so fail_at - 1 files had been staged when the disk filled
        assert code == 1, err
        assert "Traceback" not in err
        last = err.strip().splitlines()[-1]
        match = LEFT_AS_IT_WAS.match(last)
        assert match, last
        assert (match["error"], match["what"].split(":")[0]) == ("OSError", "[Errno 28] No space left on device")
        assert _differences(before, _snapshot(out)) == {}, f"the disk filled at file {fail_at}"
        assert leftovers(out) == []

    # The same build with room on the disk goes through, and it did have something to change.
    code, err = _rewards_build(site_copy, out, capsys)
    assert code == 0, err
    assert _snapshot(out)[0] != before[0]
    assert FOOTER_CHANGE in (out / "index.html").read_text(encoding="utf-8")


def test_disk_full_while_staging_a_first_build_leaves_no_site(
        site_copy: SiteCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    disk = DiskFull(write._write, 10)
    monkeypatch.setattr(write, "_write", disk)
    code, err = _rewards_build(site_copy, out, capsys)
    assert disk.calls == 10
    assert code == 1, err
    assert "Traceback" not in err and LEFT_AS_IT_WAS.match(err.strip().splitlines()[-1]), err
    assert not out.exists()
    assert leftovers(out) == []


def test_template_failing_on_the_last_partner_leaves_the_live_site_byte_for_byte(
        site_copy: SiteCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    result, log = site_copy.build(out)
    assert result.exit_code == 0, log
    before = _snapshot(out)

    # Every page changes, and the partner page fails for the partner rendered last (file order),
    # after the shared pages and every other partner's pages went through the real writer.
    _change_every_page(site_copy)
    last = sorted((site_copy.content / "partners").glob("*.yml"))[-1].name
    partner = site_copy.templates / "partner.html"
    partner.write_text(partner.read_text(encoding="utf-8").replace(
        "{% block main %}",
        '{% block main %}{% if page.file.endswith("' + last + '") %}{{ page.no_such_field }}{% endif %}', 1),
        encoding="utf-8")
    staged = DiskFull(write._write, None)  # counts only
    monkeypatch.setattr(write, "_write", staged)

    code, err = _rewards_build(site_copy, out, capsys)
    assert staged.calls > 20, "the failure came before pages were staged: the test would prove nothing"
    assert code == 1, err
    assert "Traceback" not in err
    match = LEFT_AS_IT_WAS.match(err.strip().splitlines()[-1])
    assert match and match["error"] == "UndefinedError", err
    assert _differences(before, _snapshot(out)) == {}
    assert leftovers(out) == []


def test_a_failed_first_build_leaves_nothing_beside_the_output_either(
        site_copy: SiteCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "site"
    out.parent.mkdir()
    monkeypatch.setattr(write, "_write", DiskFull(write._write, 10))
    code, err = _rewards_build(site_copy, out, capsys)
    assert code == 1, err
    assert list(out.parent.iterdir()) == []


def test_a_rendering_worker_killed_mid_build_is_an_error_and_leaves_the_live_site_byte_for_byte(
        site_copy: SiteCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The kernel kills a rendering worker (out of memory): no hang, one line saying so, exit 1, and
    the live site as it was."""
    import os
    import signal

    from rewards_build.site import parallel

    out = tmp_path / "site"
    result, log = site_copy.build(out)
    assert result.exit_code == 0, log
    before = _snapshot(out)
    _change_every_page(site_copy)
    parent, real = os.getpid(), parallel._render_chunk
    last = sorted(p.stem for p in (site_copy.content / "partners").glob("*.yml"))[-1]

    def dies_in_a_worker(ids: list[str]) -> object:
        if os.getpid() != parent and last in ids:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(ids)

    # Sent to the workers by name, as the real one is: it must be found where the real one is.
    dies_in_a_worker.__module__, dies_in_a_worker.__qualname__ = real.__module__, real.__qualname__
    monkeypatch.setattr(parallel, "_render_chunk", dies_in_a_worker)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 2)
    monkeypatch.setattr(parallel, "CHUNK", 1)
    code = cli.main(["build", "--site", str(site_copy.site_yml), "--out", str(out), "--today", TODAY.isoformat(),
                     "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    match = LEFT_AS_IT_WAS.match(err.strip().splitlines()[-1])
    assert match and (match["error"], match["what"]) == (
        "WorkerLost", "a rendering worker was killed (out of memory?)"), err
    assert _differences(before, _snapshot(out)) == {}
    assert leftovers(out) == []
