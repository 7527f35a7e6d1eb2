"""Make the golden trees and compare them: shared by test_golden.py and regenerate.py.

    copy the mini fixture and the repository's templates/ -> run `rewards build` and
    `rewards notify --dry-run` there, as a user does -> read both output folders (minus the build's
    own bookkeeping) -> normalise the one clock-stamped header -> compare with expected/

Only the command line is used (the `rewards` console script in a subprocess), so these tests pin what
users see and nothing about how the code is arranged.
"""

from __future__ import annotations

import datetime as dt
import difflib
import email.utils
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "mini"
EXPECTED = HERE / "expected"
TODAY = "2026-11-24"  # the reference date of the fixture (tests/conftest.py)
REGENERATE = ".venv/bin/python -m tests.golden.regenerate"

# The two trees, each with the command that writes it (run in the copy of the fixture).
SITE, OUTBOX = "site", "outbox"
COMMANDS: dict[str, list[str]] = {
    SITE: ["build", "--today", TODAY, "--out", "_site"],
    OUTBOX: ["notify", "--dry-run", "--today", TODAY, "--outbox", "_outbox"],
}
OUTPUT_FOLDERS = {SITE: "_site", OUTBOX: "_outbox"}
TREES = tuple(COMMANDS)

# Left out of the comparison, by path relative to the tree's root:
#  - .rewards-build.json is the incremental build's manifest (rewards_build/site/urls.py: MANIFEST):
#    input fingerprints and file modification times in nanoseconds, so it changes with every checkout,
#    and no page links to it or shows what it holds. Every page it describes is compared itself.
EXCLUDED: dict[str, frozenset[str]] = {SITE: frozenset({".rewards-build.json"}), OUTBOX: frozenset()}

# Limits of the failure message, so that it stays readable in a terminal and a CI log.
NAMES_SHOWN = 30  # file names listed per kind (missing, extra, changed)
DIFFS_SHOWN = 3  # changed text files shown as a diff
DIFF_LINES = 40  # lines of each diff
LINE_WIDTH = 200  # characters of each diff line


class CommandFailed(Exception):
    """A command exited non-zero: its words, so the test says why instead of comparing nothing."""


# --- making the trees --------------------------------------------------------------------------------


def rewards_command() -> list[str]:
    """The `rewards` console script of the Python running the tests (.venv/bin/rewards), or `-m`."""
    script = Path(sys.executable).parent / "rewards"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rewards_build"]


def produce(workdir: Path) -> dict[str, dict[str, bytes]]:
    """Copy the fixture and templates/ into workdir (which must not exist), run both commands there,
    and return each tree as {relative path: bytes}, exclusions left out and the Date header fixed."""
    shutil.copytree(FIXTURE, workdir)
    # The fixture has no templates of its own; the repository's are what users get (and what a
    # change to a template must show up in).
    shutil.copytree(REPO / "templates", workdir / "templates")
    env = dict(os.environ)
    # The working tree's code, even if the package in the venv was installed from somewhere else.
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    trees = {}
    for name, args in COMMANDS.items():
        argv = rewards_command() + args
        done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise CommandFailed(f"`rewards {' '.join(args)}` exited {done.returncode} in {workdir}\n"
                                f"--- stdout\n{done.stdout}--- stderr\n{done.stderr}")
        folder = workdir / OUTPUT_FOLDERS[name]
        if not folder.is_dir():
            raise CommandFailed(f"`rewards {' '.join(args)}` exited 0 but wrote no {folder}")
        trees[name] = read_tree(folder, EXCLUDED[name])
    trees[OUTBOX] = normalise_outbox(trees[OUTBOX])
    return trees


def read_tree(folder: Path, excluded: frozenset[str] = frozenset()) -> dict[str, bytes]:
    """Every file under folder (hidden ones included), by POSIX relative path, sorted."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in excluded:
            files[rel] = path.read_bytes()
    return files


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# --- the one normalisation ---------------------------------------------------------------------------

# Why: the notifier stamps each message's Date header with the wall clock (notifier/compose.py,
# `format_datetime(self.now())`) and the command line has no option to set that clock; --today fixes
# the date everything is judged by, not the time the message is written. Everything else in the outbox
# comes from the inputs (the Message-ID from the ledger keys, the MIME boundary from the message), so
# only this value is replaced: in the header block of each .eml, and where index.html shows that
# exact value. The replacement is midnight UTC of --today, still a valid RFC 5322 date, so an expected
# .eml opens in a mail client. A message with no Date header, two of them, or one that is not a date
# is left untouched, so the comparison shows it.
FIXED_DATE = email.utils.format_datetime(dt.datetime.combine(dt.date.fromisoformat(TODAY), dt.time(), dt.UTC))
DATE_HEADER = re.compile(rb"^Date: ([^\r\n]*)\r\n", re.MULTILINE)


def normalise_outbox(files: dict[str, bytes]) -> dict[str, bytes]:
    stamped: set[str] = set()
    result = dict(files)
    for rel, data in files.items():
        if not rel.endswith(".eml"):
            continue
        end = data.find(b"\r\n\r\n")  # the header block ends at the first empty line
        if end < 0:
            continue
        head = data[:end + 2]
        found = DATE_HEADER.findall(head)
        if len(found) != 1 or not _is_date(found[0]):
            continue
        stamped.add(found[0].decode("ascii"))
        result[rel] = DATE_HEADER.sub(b"Date: " + FIXED_DATE.encode("ascii") + b"\r\n", head) + data[end + 2:]
    if "index.html" in result and stamped:
        page = result["index.html"].decode("utf-8")
        for value in sorted(stamped):
            page = page.replace(html.escape(value), FIXED_DATE)
        result["index.html"] = page.encode("utf-8")
    return result


def _is_date(value: bytes) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value.decode("ascii")) is not None
    except (ValueError, TypeError, UnicodeDecodeError):
        return False


# --- comparing -----------------------------------------------------------------------------------------


@dataclass
class Difference:
    """How the files written differ from the expected ones, for one tree."""

    tree: str
    expected: dict[str, bytes]
    written: dict[str, bytes]
    missing: list[str] = field(default_factory=list)  # expected, not written
    extra: list[str] = field(default_factory=list)  # written, not expected
    changed: list[str] = field(default_factory=list)  # both, other bytes

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.changed)


def compare(tree: str, expected: dict[str, bytes], written: dict[str, bytes]) -> Difference:
    return Difference(
        tree, expected, written,
        missing=sorted(expected.keys() - written.keys()),
        extra=sorted(written.keys() - expected.keys()),
        changed=sorted(rel for rel in expected.keys() & written.keys() if expected[rel] != written[rel]),
    )


def describe(difference: Difference, *, reference: str = "", labels: tuple[str, str] = ("expected", "written"),
             regenerate: bool = True) -> str:
    """The failure message: which files, the first few diffs (truncated), how to regenerate."""
    d = difference
    expected_label, written_label = labels
    where = reference or f"tests/golden/expected/{d.tree}/"
    lines = [f"The {d.tree} tree written for the mini fixture (--today {TODAY}) differs from {where}: "
             f"{len(d.missing)} missing, {len(d.extra)} extra, {len(d.changed)} changed "
             f"({len(d.expected)} files expected, {len(d.written)} written)."]
    for label, names in (("missing (expected, not written)", d.missing), ("extra (written, not expected)", d.extra),
                         ("changed", d.changed)):
        if names:
            lines.append(f"  {label}:")
            lines += [f"    {name}" for name in names[:NAMES_SHOWN]]
            if len(names) > NAMES_SHOWN:
                lines.append(f"    ... and {len(names) - NAMES_SHOWN} more")
    shown = 0
    for rel in d.changed:
        before, after = _text(d.expected[rel]), _text(d.written[rel])
        if before is None or after is None:
            lines.append(f"\n{rel}: binary, {_fingerprint(d.expected[rel])} expected, "
                         f"{_fingerprint(d.written[rel])} written")
            continue
        if shown == DIFFS_SHOWN:
            continue
        shown += 1
        diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"{expected_label}/{d.tree}/{rel}",
                                         f"{written_label}/{d.tree}/{rel}", n=2, lineterm=""))
        if not diff:  # same text lines: the difference is in line endings or a final newline
            diff = [f"{rel}: same lines, other line endings or final newline "
                    f"({_fingerprint(d.expected[rel])} expected, {_fingerprint(d.written[rel])} written)"]
        lines.append("")
        lines += [_clip(line) for line in diff[:DIFF_LINES]]
        if len(diff) > DIFF_LINES:
            lines.append(f"... diff truncated: {len(diff) - DIFF_LINES} more lines")
    text_changed = [rel for rel in d.changed if _text(d.expected[rel]) is not None and _text(d.written[rel]) is not None]
    if len(text_changed) > DIFFS_SHOWN:
        lines.append(f"\n... {len(text_changed) - DIFFS_SHOWN} more changed text files not shown as a diff")
    if regenerate:
        lines += ["",
                  "If this change to what users see is intended, regenerate the expected trees and commit them; the",
                  "diff of tests/golden/expected/ in the pull request is the change reviewers read:",
                  f"    {REGENERATE}"]
    return "\n".join(lines)


def _text(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _fingerprint(data: bytes) -> str:
    return f"{len(data)} bytes sha256:{hashlib.sha256(data).hexdigest()[:12]}"


def _clip(line: str) -> str:
    return line if len(line) <= LINE_WIDTH else line[:LINE_WIDTH] + f"... [{len(line) - LINE_WIDTH} more characters]"
