"""A build killed with SIGKILL at any point leaves the live site entirely old or entirely new.

Each killed build is a real child process (forked from the test, so no interpreter start-up per
kill) that runs the real `build` with a hook: it counts every change to the file system's names
(`os.rename`, `replace`, `link`, `symlink`, `unlink`, `remove`, `rmdir`, `mkdir`, whoever calls
them: the writer, pathlib, shutil) and sends itself SIGKILL before the (N+1)-th, for N spread
over the whole build (first, every few, the last few). After each kill, a reader of the output
path sees exactly the old site or exactly the new one, byte for byte (so no temporary file either);
then the next build of any kind completes it, sweeps every leftover, and equals an uninterrupted build.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from site_helpers import TODAY, SiteCopy, copy_site, tree

from rewards_build.site.build import build
from rewards_build.site.urls import MANIFEST

MUTATIONS = ("rename", "replace", "link", "symlink", "unlink", "remove", "rmdir", "mkdir")


@pytest.fixture(autouse=True)
def _templates_compiled_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kills are placed by counting a build's name changes, and Jinja's bytecode cache (outside the
    site, written atomically) makes the first build of new templates do more of them than the next:
    without it, every build of the same inputs makes the same changes in the same order."""
    from rewards_build.site import render

    monkeypatch.setattr(render, "_bytecode_cache", lambda _language: None)
PARTNER = "partners/adatum-awaiting-contact.yml"
FOOTER_CHANGE = "<!-- footer changed: every page differs -->"


def _install_kill_hook(after: int | None) -> list[int]:
    """In the child: SIGKILL before the (after+1)-th name change (None: only count them)."""
    calls = [0]

    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def hooked(*args: Any, **kwargs: Any) -> Any:
            if after is not None and calls[0] >= after:
                os.kill(os.getpid(), signal.SIGKILL)
            calls[0] += 1
            return real(*args, **kwargs)
        return hooked

    for name in MUTATIONS:
        setattr(os, name, wrap(getattr(os, name)))
    return calls


def _build_in_child(copy: SiteCopy, out: Path, after: int | None) -> tuple[str, int]:
    """Run one build in a forked child: ('killed', N) or ('finished', name changes made)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 99
        try:
            os.close(read_end)
            calls = _install_kill_hook(after)
            result = build(copy.site_yml, TODAY, out=out, jobs=1, stream=io.StringIO(), progress=False)
            code = result.exit_code
            os.write(write_end, str(calls[0]).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as pipe:
        counted = pipe.read().decode()
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return "killed", after or 0
    assert os.WEXITSTATUS(status) == 0, f"the build failed in the child (exit {os.WEXITSTATUS(status)})"
    return "finished", int(counted or 0)


def _state(out: Path) -> dict[str, object]:
    """What a reader of the output path sees: every file's bytes; the manifest without the name of
    the build folder it was made from and the time its partner files were scanned (new each build)."""
    if not out.exists():
        return {}
    files: dict[str, object] = dict(tree(out, skip=(MANIFEST,)))
    manifest = out / MANIFEST
    if manifest.exists():
        header, _, lines = manifest.read_bytes().partition(b"\n")  # JSON Lines: a header, then a line per partner
        data = json.loads(header)
        data.pop("parent", None)
        data.pop("scanned_ns", None)
        files[MANIFEST] = (data, lines)
    return files


def _copy_state(start: Path, dest: Path) -> Path:
    """A copy of the folder holding the output (the output, and whatever the build keeps beside it)."""
    shutil.copytree(start, dest, symlinks=True)
    return dest / "site"


def _no_temporary_names(folder: Path) -> list[str]:
    return [os.path.join(d, n) for d, dirs, files in os.walk(folder) for n in dirs + files if "tmp" in n]


def _change_every_page(copy: SiteCopy) -> None:
    base = copy.templates / "base.html"
    base.write_text(base.read_text().replace("</footer>", FOOTER_CHANGE + "\n</footer>", 1))


def _change_one_partner(copy: SiteCopy) -> None:
    path = copy.content / PARTNER
    path.write_text(path.read_text().replace("name: A. Datum Identity\n", "name: A. Datum Identity Group\n"))


def _plain_folder(start: Path) -> None:
    """Turn the built output into a plain folder, as a build before the symlinked layout left it."""
    out = start / "site"
    plain = start / "plain"
    shutil.copytree(out, plain)  # follows a symlinked output: a plain copy of the live site
    for entry in list(start.iterdir()):
        if entry != plain:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    plain.rename(out)


SCENARIOS: dict[str, tuple[Callable[[SiteCopy], None], bool]] = {
    "template change (full build, every page differs)": (_change_every_page, False),
    "one partner changed (partial build)": (_change_one_partner, False),
    "first build over a plain-folder site": (_change_every_page, True),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_build_killed_at_any_point_leaves_the_live_site_entirely_old_or_entirely_new(
        scenario: str, tmp_path: Path) -> None:
    change, plain = SCENARIOS[scenario]
    copy = copy_site(tmp_path / "repo")
    start = tmp_path / "start"
    start.mkdir()
    result, log = copy.build(start / "site", jobs=1)
    assert result.exit_code == 0, log
    # A second build, so that the killed one makes the new build in the spare build folder (the one
    # the live build was made from) rather than in a new folder.
    other = copy.content / "partners/trey-list-only.yml"
    other.write_text(other.read_text().replace("\nname: ", "\nname: Renamed ", 1))
    result, log = copy.build(start / "site", jobs=1)
    assert result.exit_code == 0, log
    if plain:
        _plain_folder(start)
    old = _state(start / "site")
    change(copy)

    # The new site as an uninterrupted build makes it, and how many name changes that build makes.
    outcome, total = _build_in_child(copy, _copy_state(start, tmp_path / "reference"), None)
    assert outcome == "finished" and total > 2
    new = _state(tmp_path / "reference" / "site")
    assert new != old

    points = sorted({0, 1, 2, 3, *range(4, total, max(1, total // 12)), total - 2, total - 1})
    seen = {"old": 0, "new": 0}
    for n in points:
        out = _copy_state(start, tmp_path / f"kill-{n}")
        outcome, _ = _build_in_child(copy, out, n)
        assert outcome == "killed", f"the build finished before {n} name changes"
        live = _state(out)
        assert live in (old, new), (
            f"killed after {n} of {total} name changes, the live site is neither the old nor the new one: "
            f"{len(set(live) - set(old) - set(new))} files of neither, "
            f"{sum(1 for p in live if p in new and p in old and live[p] == new[p] != old[p])} new pages, "
            f"{sum(1 for p in live if p in old and p in new and live[p] == old[p] != new[p])} old pages")
        seen["old" if live == old else "new"] += 1

        # The next build, of any kind, finishes the job and sweeps every leftover.
        result, log = copy.build(out, jobs=1)
        assert result.exit_code == 0, log
        assert _state(out) == new, f"killed after {n} name changes, the next build differs"
        assert _no_temporary_names(out.parent) == [], f"killed after {n} name changes"
        shutil.rmtree(out.parent)
    assert seen["old"] > 0  # the kills did land on both sides of the swap
