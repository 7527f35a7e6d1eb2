"""Atomic output: the output path is a symbolic link to a complete build folder, switched in one step.

    _site -> ._site.rewards-builds/<id>      (a relative link; the builds folder sits beside it)

A build makes a new folder that no reader sees, `<builds>/.rewards-tmp-<token>`:
- each page whose bytes changed is written there (a new file, never through an existing one);
- each page rendered with the same bytes as the live build's is hard-linked from it (no copy, and
  its inode and mtime stay as they were);
- on a partial build, every other file of the live build is hard-linked too (except the outputs of
  removed partners).
Once complete, the folder is renamed to `<builds>/<token>` and one `rename()` puts a new symbolic
link over the output path. Before that rename every reader sees the old site, after it the new one;
no file of the live build is ever written, renamed or removed while it is live. Then every build
folder but the new one and the one it replaced is removed (the previous one is kept until the next
build, for readers that resolved the link just before the switch, and for a rollback by hand).

A kill at any point leaves the old site or the new one, and names the next build sweeps
(`sweep`): temporary links beside the output, unfinished build folders, old build folders.

A plain output folder (a site built before this layout) is converted by the first build: on
Linux, `renameat2(RENAME_EXCHANGE)` swaps the folder and the new link in one step; elsewhere the
folder is moved into the builds folder and the link renamed into place right after (the output
path is missing between the two renames, never half old and half new).

A build that changed no page (only the manifest: a partner file touched, or a change no page
shows) replaces the live build's manifest alone, with one rename; its pages are not touched.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from . import urls

TMP_MARK = ".rewards-tmp-"
BUILDS_MARK = ".rewards-builds"

# New build folder -> (the live build folder, whether the new folder already holds the live build's
# files). Set by the stage in the parent before the render workers fork, so `put` (which they call)
# finds it from the folder alone.
_PREVIOUS: dict[str, tuple[Path, bool]] = {}


def builds_dir(out: Path) -> Path:
    """Where the build folders of an output live: beside it, e.g. ._site.rewards-builds/."""
    return out.parent / f".{out.name}{BUILDS_MARK}"


def new_token() -> str:
    """Unique per build, and sortable by time: names the build folder and temporary names."""
    return f"{time.time_ns()}-{os.getpid()}"


def live_folder(out: Path) -> Path | None:
    """The folder readers of the output path see: the link's target, a plain folder, or none."""
    if out.is_symlink():
        return out.resolve() if out.is_dir() else None
    return out if out.is_dir() else None


def is_plain(out: Path) -> bool:
    """A plain folder at the output path: built before the linked layout; the next build converts it."""
    return out.is_dir() and not out.is_symlink()


@dataclass(frozen=True, slots=True)
class Reuse:
    """What the live build's manifest says it was made from: the build folder it was made from (now
    the spare) and every output that differs between the two. Syncing those few files makes the spare
    a copy of the live build, so a build need not link every file into a new folder."""

    spare: str
    changed: list[str]


@dataclass
class Stage:
    out: Path
    token: str
    reuse: Reuse | None = None
    fresh: bool = field(init=False)  # no live build to compare with: every file is written
    root: Path = field(init=False)  # the new build folder (invisible to readers until `commit`)
    previous: Path | None = field(init=False)  # the live build folder
    parent: str = field(init=False)  # the name the live build folder has among the builds after the switch
    recycled: str = field(init=False)  # the spare's name, when the new build is made in it
    pending: list[str] = field(default_factory=list)  # outputs whose bytes changed

    def __post_init__(self) -> None:
        builds = builds_dir(self.out)
        self.previous = live_folder(self.out)
        self.fresh = self.previous is None
        self.root = builds / f"{TMP_MARK}{self.token}"
        self.recycled = ""
        if self.previous is None:
            self.parent = ""
        elif self.previous.parent == builds:
            self.parent = self.previous.name
        else:
            self.parent = f"{self.token}-before" if is_plain(self.out) else ""  # a foreign folder stays where it is
        spare = builds / self.reuse.spare if self.reuse and self.reuse.spare else None
        if spare is not None and spare != self.previous and spare.is_dir() and not spare.is_symlink():
            os.rename(spare, self.root)  # unfinished from here on: a kill leaves it to the sweep
            self.recycled = spare.name
        else:
            self.root.mkdir(parents=True)
        if self.previous is not None:
            _PREVIOUS[str(self.root)] = (self.previous, bool(self.recycled))

    def put(self, rel: str, data: bytes) -> bool:
        """Stage one output; False when the live build already holds exactly these bytes."""
        return put(self.root, self.fresh, self.token, rel, data)

    def record(self, written: Iterable[str]) -> None:
        self.pending.extend(written)

    def keeps_live(self, written: Iterable[str], obsolete: Iterable[str], *, carry: bool) -> bool:
        """Whether `commit` will keep the live build and replace its manifest alone: a partial build
        (`carry`) that changed no page and drops none."""
        return self.previous is not None and carry and not set(obsolete) and set(written) <= {urls.MANIFEST} \
            and not is_plain(self.out)

    def commit(self, obsolete: Iterable[str] = (), *, carry: bool = False) -> int:
        """Switch the output to the new build; returns how many files of the live build it drops.
        `carry`: a partial build, which keeps every other file of the live build but `obsolete`."""
        _PREVIOUS.pop(str(self.root), None)
        gone = set(obsolete)
        previous = self.previous
        if previous is not None and self.keeps_live(self.pending, gone, carry=carry):
            # No page changed: the live build keeps its pages, and its manifest is replaced alone.
            if self.pending:
                os.replace(self.root / urls.MANIFEST, previous / urls.MANIFEST)
            if self.recycled:  # the spare, untouched but for its manifest: it stays the spare
                os.rename(self.root, self.root.with_name(self.recycled))
            else:
                shutil.rmtree(self.root, ignore_errors=True)
            return 0
        removed = 0
        if previous is not None:
            removed = sum(1 for rel in gone if (previous / rel).is_file())
            if self.recycled and self.reuse is not None:
                _sync(previous, self.root, self.reuse.changed, set(self.pending), gone)
            elif carry:
                _carry_over(previous, self.root, gone)
        done = self.root.with_name(self.token)
        os.rename(self.root, done)
        kept = _switch(self.out, done, self.parent)
        _remove_builds(self.out, keep={done.name, *kept})
        return removed

    def abort(self) -> None:
        """Leave the live site exactly as it was (it was never touched)."""
        _PREVIOUS.pop(str(self.root), None)
        shutil.rmtree(self.root, ignore_errors=True)
        with suppress(OSError):  # a first build leaves no empty builds folder behind
            self.root.parent.rmdir()


def put(root: Path, fresh: bool, token: str, rel: str, data: bytes) -> bool:
    """Write one output into the new build folder when its bytes differ from the live build's (usable
    from worker processes). Otherwise nothing to do in a recycled spare (the commit syncs it), and a
    hard link to the live file in a new folder. True when written."""
    target = root / rel
    previous, recycled = (None, False) if fresh else _PREVIOUS.get(str(root), (None, False))
    if previous is not None:
        before = previous / rel
        try:
            if before.stat().st_size == len(data) and before.read_bytes() == data:
                if not recycled:
                    _link(before, target)
                return False
        except (FileNotFoundError, NotADirectoryError):
            pass
    _write(target, data)
    return True


def _write(path: Path, data: bytes) -> None:
    """A new file: O_EXCL, so bytes never go through a name that is a link to a live file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        path.unlink()
        fd = os.open(path, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _link(source: Path, target: Path) -> None:
    """Hard-link a file of the live build into the new one (a copy where links are not possible)."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        _link(source, target)
    except OSError as error:  # another file system (a foreign link target), or no hard links there
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(source, target)


def _sync(previous: Path, root: Path, changed: list[str], written: set[str], gone: set[str]) -> None:
    """Make the recycled spare a copy of the live build, then of this build: the outputs the live
    build changed (and its manifest) are linked from it unless this build wrote them; `gone` removed."""
    for rel in {*changed, urls.MANIFEST} - written - gone:
        target = root / rel
        with suppress(FileNotFoundError):
            target.unlink()
        if (previous / rel).is_file():
            _link(previous / rel, target)
        else:
            _prune(target.parent, root)
    for rel in gone:
        with suppress(FileNotFoundError):
            (root / rel).unlink()
            _prune((root / rel).parent, root)


def _prune(folder: Path, top: Path) -> None:
    """Remove folders left empty, up to (not including) the build folder."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _carry_over(previous: Path, root: Path, gone: set[str]) -> None:
    """Link every file of the live build the new one has not got yet, but the obsolete ones."""
    def walk(folder: Path, rel: str) -> None:
        made = False
        with os.scandir(folder) as entries:
            for entry in entries:
                name = rel + entry.name
                if TMP_MARK in entry.name:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    walk(Path(entry.path), name + "/")
                elif name not in gone:
                    if not made:
                        (root / rel).mkdir(parents=True, exist_ok=True)
                        made = True
                    try:
                        os.link(entry.path, root / name)
                    except FileExistsError:  # rendered by this build
                        pass
                    except OSError as error:
                        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                            raise
                        if not (root / name).exists():
                            shutil.copy2(entry.path, root / name)
    walk(previous, "")


def _switch(out: Path, build: Path, parent: str) -> set[str]:
    """Point the output at `build` in one step; returns the names of build folders to keep (the one
    replaced, `parent`: the spare of the next build, and what readers that resolved the old link just
    before still read)."""
    link = out.parent / f".{out.name}{TMP_MARK}{build.name}"
    os.symlink(os.path.relpath(build, out.parent), link)
    if not is_plain(out):
        os.replace(link, out)  # the switch: one rename
        return {parent} if parent else set()
    # A plain folder from before the linked layout: exchange it with the link in one step where the
    # system can, then move it among the builds (it is the previous build now).
    kept = build.with_name(parent)
    if _exchange(link, out):
        os.rename(link, kept)
    else:
        os.rename(out, kept)
        os.replace(link, out)
    return {kept.name}


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two names atomically (Linux 3.15+); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_builds(out: Path, keep: set[str]) -> None:
    builds = builds_dir(out)
    for path in sorted(builds.iterdir()) if builds.is_dir() else []:
        if path.name not in keep:
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def leftovers(out: Path) -> list[Path]:
    """What killed builds left (tests assert there is none): temporary names beside the output,
    unfinished build folders, build folders beyond the live one and one previous, and temporary
    files inside the live site."""
    prefix = f".{out.name}{TMP_MARK}"
    found = [p for p in out.parent.iterdir() if p.name.startswith(prefix)] if out.parent.exists() else []
    builds = builds_dir(out)
    if builds.is_dir():
        found += [p for p in builds.iterdir() if p.name.startswith(TMP_MARK)]
        live = live_folder(out)
        others = [p for p in builds.iterdir() if not p.name.startswith(TMP_MARK) and p != live]
        found += others[1:] if len(others) > 1 else []
    live = live_folder(out)
    if live is not None:
        found += [Path(d) / n for d, _s, files in os.walk(live) for n in files if TMP_MARK in n]
    return found


@contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output's parent folder (no lock file to clean up or ignore)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def sweep(out: Path) -> None:
    """Remove what killed builds left (call under `exclusive`: then no other build is running):
    temporary names beside the output (links, staging folders of older versions, a plain folder
    exchanged but not yet moved), unfinished build folders, and every finished one but the live
    build and the newest other. A plain output folder (an older version's) is swept inside too."""
    prefix = f".{out.name}{TMP_MARK}"
    for path in out.parent.iterdir() if out.parent.is_dir() else []:
        if path.name.startswith(prefix):
            _remove(path)
    builds = builds_dir(out)
    if builds.is_dir():
        live = live_folder(out)
        finished = sorted(p for p in builds.iterdir() if not p.name.startswith(TMP_MARK) and p != live)
        for path in builds.iterdir():
            if path.name.startswith(TMP_MARK) or (path in finished[:-1]):
                _remove(path)
    if is_plain(out):
        for dirpath, _dirs, files in os.walk(out):
            for name in files:
                if TMP_MARK in name:
                    (Path(dirpath) / name).unlink(missing_ok=True)
