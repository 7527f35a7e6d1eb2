"""The git edge of `rewards diff`: every question put to git, as a subprocess, in one module.

Each function returns data or raises `GitError` with a sentence a user can act on; nothing else in
the diff package runs git, so tests can drive the pure parts with content trees alone.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    """Not a repository, an unknown revision, git missing: a usage error (exit 2), never a traceback."""


@dataclass(frozen=True, slots=True)
class Change:
    """One path that differs between BASE and HEAD. `status` is git's letter: A, D or M."""

    status: str
    path: str  # relative to the repository's top level, with forward slashes


def _git(cwd: Path, *args: str, ok: Sequence[int] = (0,)) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (rewards diff reads the base revision with git)") from None
    if done.returncode not in ok:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done


def toplevel(cwd: Path) -> Path:
    done = _git(cwd, "rev-parse", "--show-toplevel", ok=(0, 128))
    if done.returncode != 0:
        raise GitError(f"{cwd} is not in a git repository: rewards diff compares two revisions of one")
    return Path(done.stdout.decode().strip())


def commit(repo: Path, ref: str) -> str:
    """The commit a ref names, or GitError naming the ref."""
    if ref.startswith("-"):  # never let a ref be read as an option
        raise GitError(f"unknown revision {ref!r}")
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", ok=(0, 1, 128))
    if done.returncode != 0:
        raise GitError(f"unknown revision {ref!r} (not a branch, tag or commit of {repo})")
    return done.stdout.decode().strip()


def default_base(repo: Path) -> tuple[str, str]:
    """(commit, how it was chosen): the merge base with the current branch's upstream, else HEAD."""
    upstream = _git(repo, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}", ok=(0, 128))
    if upstream.returncode == 0:
        name = upstream.stdout.decode().strip()
        base = _git(repo, "merge-base", "HEAD", name, ok=(0, 1))
        if base.returncode == 0:
            return base.stdout.decode().strip(), f"merge base with {name}"
    try:
        return commit(repo, "HEAD"), "HEAD"
    except GitError:
        raise GitError(f"the repository {repo} has no commit yet: nothing to compare with") from None


def changes(repo: Path, base: str, head: str | None, paths: Sequence[str]) -> list[Change]:
    """What differs under `paths` between base and head (None: the working tree, untracked files
    included, since a new partner file is a change before anyone runs `git add`)."""
    spec = ["--", *paths]
    out = _git(repo, "diff", "--name-status", "--no-renames", "-z", base, *([head] if head else []), *spec).stdout
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    found = [Change(status[:1], path) for status, path in zip(fields[0::2], fields[1::2], strict=False) if path]
    if head is None:
        untracked = _git(repo, "ls-files", "--others", "--exclude-standard", "-z", *spec).stdout
        found += [Change("A", p) for p in untracked.decode("utf-8", "surrogateescape").split("\0") if p]
    return sorted(set(found), key=lambda c: c.path)


def extract(repo: Path, ref: str, paths: Sequence[str], dest: Path) -> None:
    """The files under `paths` as they are at `ref`, written below `dest` (paths that do not exist at
    `ref` are skipped, so an added file or folder is simply absent)."""
    listed = _git(repo, "ls-tree", "-r", "-z", "--name-only", ref, "--", *paths).stdout
    present = [p for p in listed.decode("utf-8", "surrogateescape").split("\0") if p]
    if not present:
        return
    # One `git archive` piped into `tar`: for 10,000 files a process each way, no Python per file.
    # The paths go on stdin-free argv in batches, well under the kernel's argument limit.
    dest.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(present), 5000):
        batch = present[start:start + 5000]
        archive = subprocess.Popen(["git", "archive", "--format=tar", ref, "--", *batch], cwd=repo,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert archive.stdout is not None
        untar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, capture_output=True,
                               check=False)
        archive.stdout.close()
        err = archive.stderr.read() if archive.stderr else b""
        if archive.wait() != 0 or untar.returncode != 0:
            raise GitError(f"could not read {ref} from git: {(err or untar.stderr).decode('utf-8', 'replace').strip()}")


def regular_files(repo: Path, ref: str, folder: str) -> set[str]:
    """The regular files directly under `folder` at `ref` (symbolic links and subfolders left out)."""
    out = _git(repo, "ls-tree", "-z", ref, "--", f"{folder.rstrip('/')}/").stdout
    found = set()
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        if path and meta.split(" ", 1)[0] in ("100644", "100755"):
            found.add(path)
    return found


def files_mentioning(repo: Path, ref: str | None, words: Sequence[str], folder: str) -> list[str]:
    """Files under `folder` (at `ref`, or in the working tree) that contain any of `words` as a word.

    A cheap superset of the partner files that could hold one of these offer ids, so that the one
    rule across partners (an offer id belongs to one partner) is checked without loading them all.
    """
    if not words:
        return []
    patterns = [arg for w in words for arg in ("-e", w)]
    where = [ref] if ref else ["--untracked"]
    done = _git(repo, "grep", "-l", "-w", "-F", "-z", *patterns, *where, "--", folder, ok=(0, 1))
    names = [n for n in done.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    prefix = f"{ref}:" if ref else ""
    return [n[len(prefix):] if prefix and n.startswith(prefix) else n for n in names]
