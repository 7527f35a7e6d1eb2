"""A content file's bytes to text, in bounded time and memory, so that what a reviewer sees is what is read.

Content comes from pull requests, so the file itself is untrusted, not only its text:

- Only regular files are read. A named pipe would block the read forever, and a device such as
  /dev/zero never ends (and reports a size of 0, so a size check cannot see it): the type is checked
  before anything is opened, and again on the open file, and at most MAX_FILE_BYTES + 1 bytes are read.
- A symbolic link is followed only to a file inside the repository (the folder of site.yml), never
  into a hidden folder such as .git/ (which holds credentials in CI checkouts): a link out would
  publish any file of the machine. A link inside the repository is allowed, because its target is
  itself reviewed content and the diff shows where it points.
- Lines are what git, a diff and an editor show. A lone carriage return (old Mac line ends) and the
  invisible breaks U+0085, U+2028 and U+2029 are line breaks to YAML (and to Python's splitlines)
  but not to git diff, so a line that looks like a comment could hold a key: all are refused, in YAML
  and in Markdown alike (no real text needs them, and one rule for every file is easier to trust).
  CRLF line ends are read as LF.
- Columns count characters (code points), 1-based, as editors and GitHub do: a Korean syllable, wide
  on screen, is one column, and so is an emoji.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from pathlib import Path

from .problems import Problem

MAX_FILE_BYTES = 1_000_000  # a partner file is a few KB; anything near this size is a mistake or an attack
_BOM = b"\xef\xbb\xbf"
_KINDS = ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
          (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder"))
_INVISIBLE_BREAK = re.compile("[\u0085\u2028\u2029]")
_BREAK_NAMES = {"\u0085": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
_LONE_CR = re.compile(r"\r(?!\n)")


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of `offset` in `text` whose lines end with LF."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def read_text(path: Path, shown: str, root: Path | None = None) -> tuple[str | None, list[Problem]]:
    """A content file's text with LF line ends, or the problems that stop it from being read.

    `root` is the repository (the folder of site.yml): a file whose real path lies outside it is refused.
    """
    raw, problems = _read_bytes(path, shown, root)
    if raw is None:
        return None, problems
    if raw.startswith(_BOM):
        return None, [Problem(shown, 1, 1, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        # Columns count characters: decode what precedes the bad byte on its line (valid UTF-8 up to it).
        col = len(raw[line_start:exc.start].decode("utf-8", errors="replace")) + 1
        return None, [Problem(shown, line, col, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file "
                                               "as UTF-8")]
    return _line_breaks(text, shown)


def _line_breaks(text: str, shown: str) -> tuple[str | None, list[Problem]]:
    if "\r" in text:
        lone = _LONE_CR.search(text)
        if lone is not None:
            # Up to the first lone CR every line ends with LF or CRLF, so counting LF finds its line.
            line, col = position(text.replace("\r\n", "\n"), lone.start() - text.count("\r\n", 0, lone.start()))
            return None, [Problem(shown, line, col, "carriage return without a line feed (old Mac line ends); save "
                                                    "the file with LF line ends")]
        text = text.replace("\r\n", "\n")
    invisible = None if text.isascii() else _INVISIBLE_BREAK.search(text)
    if invisible is not None:
        char = invisible.group()
        line, col = position(text, invisible.start())
        return None, [Problem(shown, line, col, f"U+{ord(char):04X} ({_BREAK_NAMES[char]}) is a line break that "
                                                "diffs and editors do not show; remove it, or write an ordinary "
                                                "line break")]
    return text, []


def _read_bytes(path: Path, shown: str, root: Path | None) -> tuple[bytes | None, list[Problem]]:
    def refuse(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(shown, 1, 1, message)]

    try:
        name = os.fspath(path)
        info = os.lstat(name)
        if stat.S_ISLNK(info.st_mode) or (root is not None and not _inside(os.path.dirname(name), os.fspath(root))):
            target = Path(os.path.realpath(path))
            refused = _link_refused(target, root)
            if refused:
                return refuse(refused)
            name = os.fspath(target)  # open what was checked, not the link (which could change meanwhile)
            info = os.stat(name)
        if not stat.S_ISREG(info.st_mode):
            kind = next((kind for test, kind in _KINDS if test(info.st_mode)), "special file")
            return refuse(f"is a {kind}, not a regular file; content files must be regular files")
        # Should the file be swapped after the check: O_NONBLOCK returns at once from a pipe, O_NOFOLLOW
        # refuses a new link, and the open file must be the one checked.
        checked = (info.st_dev, info.st_ino)
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY | os.O_NOFOLLOW)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) != checked:
                return refuse("changed while being read; run again")
            raw = _read_at_most(fd, MAX_FILE_BYTES + 1, info.st_size)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return refuse("file not found")
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.ELOOP):  # a socket or a link replaced the file after the check
            return refuse("changed while being read; run again")
        return refuse(f"cannot read file: {exc.strerror or exc}")
    if len(raw) > MAX_FILE_BYTES:
        return refuse(f"file is {max(info.st_size, len(raw)):,} bytes; content files are limited to "
                      f"{MAX_FILE_BYTES:,} bytes")
    return raw, []


def _read_at_most(fd: int, limit: int, expected: int) -> bytes:
    """At most `limit` bytes of a regular file, whatever its size says (it may grow while being read)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        want = min(limit - size, max(expected + 1 - size, 1 << 16))
        chunk = os.read(fd, want)
        chunks.append(chunk)
        size += len(chunk)
        if len(chunk) < want:  # a regular file reads short only at its end: no second call to find it
            break
    return b"".join(chunks)


def _link_refused(target: Path, root: Path | None) -> str | None:
    """Why a file whose real path is `target` may not be read, or None."""
    if root is None:
        return None
    real_root = Path(os.path.realpath(root))
    if not target.is_relative_to(real_root):
        return (f"symbolic link to {target}, outside the repository (the folder of site.yml); content files must "
                "be inside it")
    rel = target.relative_to(real_root)
    hidden = next((part for part in rel.parts[:-1] if part.startswith(".")), None)
    if hidden is not None:
        return f"symbolic link to {rel.as_posix()}, inside the hidden folder {hidden}; content files are never there"
    return None


def forget_folders() -> None:
    """Check folders afresh (a folder may have become a link since the last load)."""
    _inside.cache_clear()


@functools.lru_cache(maxsize=256)
def _inside(folder: str, root: str) -> bool:
    """Whether a folder's real path is in the repository and no hidden folder (one check per folder, not file)."""
    real = Path(os.path.realpath(folder))
    real_root = Path(os.path.realpath(root))
    return real.is_relative_to(real_root) and not any(p.startswith(".") for p in real.relative_to(real_root).parts)
