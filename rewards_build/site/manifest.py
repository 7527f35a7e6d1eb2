"""The build manifest: what the last build was made from, kept so that the next build reads only
what it needs (the Lektor way: an output is correct because we know what it was made from).

One file in each build folder, `.rewards-build.json`, in JSON Lines:

- line 1, the *header*: the version, the global fingerprint, every partner file's name, size and
  modification time as three parallel lists (compared as lists, in C, by a no-op), when they were
  scanned, the outputs that belong to no partner, and the build folder this one was made from with
  what differs from it. A no-op reads this line and nothing else.
- then one line per partner: `[id, sha, offer ids, name, [[length, at], ...]]`, the last being, per
  language, the length in bytes of its row in the partners index and where its own link sits in that
  row (see listing.py: the index page itself keeps the rows' HTML, so the manifest does not). A
  partial build finds the lines it needs by searching the text (no other line is parsed) and writes
  the file back with just those lines replaced.

At 10,000 partners the header is about 0.4 MB and the partner lines 1.5 MB, against 8.8 MB for the
single JSON document of version 3, which every build read, checked and wrote whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import urls

MANIFEST_VERSION = 4
# More changed partners than this, and rewriting the partner lines from parsed entries is cheaper
# than cutting each line out of the text (each cut copies the whole text).
REWRITE_ALL_FROM = 64


class DamagedManifest(ValueError):
    """The manifest is there but is not what a build writes; the message says how."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One partner as the last build saw it."""

    pid: str
    sha: str  # SHA-256 of its file
    offers: tuple[str, ...]  # its offer ids (an offer id belongs to one partner)
    name: str  # as the partners index and the search index show it
    rows: tuple[tuple[int, int], ...]  # per language: (row length in bytes, offset of its link in the row)

    def line(self) -> str:
        return json.dumps([self.pid, self.sha, list(self.offers), self.name, [list(r) for r in self.rows]],
                          ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass
class Scan:
    """Every partner file as found in partners/, in file-name order (the order a clean build lists them)."""

    ids: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    mtimes: list[int] = field(default_factory=list)
    at_ns: int = 0  # when the scan started: a file modified since (or just before) may not show it yet

    def same_stamps(self, other: Scan) -> bool:
        return self.ids == other.ids and self.sizes == other.sizes and self.mtimes == other.mtimes


@dataclass
class Manifest:
    global_key: str = ""
    scan: Scan = field(default_factory=Scan)
    outputs: list[str] = field(default_factory=list)  # every output not belonging to a partner
    parent: str = ""  # the build folder this build was made from (the spare of the next build), if any
    changed: list[str] = field(default_factory=list)  # outputs that differ from the parent's: written or gone
    text: str = ""  # the partner lines, as read (parsed only where needed)
    languages: int = 0  # how many row entries each partner line has

    # --- reading

    @classmethod
    def read(cls, out: Path, languages: Sequence[str] = ()) -> Manifest | None:
        """The previous build's manifest; None when there is none or it is of another version.
        Raises DamagedManifest when it is not what a build writes (truncated, random bytes, the
        wrong shape): the output folder is not trusted to hold what we wrote."""
        try:
            raw = (out / urls.MANIFEST).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise DamagedManifest(error.strerror or str(error)) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DamagedManifest("not UTF-8") from None
        first, newline, rest = text.partition("\n")
        try:
            data = json.loads(first)
        except ValueError as error:
            raise DamagedManifest(f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise DamagedManifest(f"a JSON {type(data).__name__}, not an object")
        if data.get("version") != MANIFEST_VERSION:
            return None
        manifest = cls._checked(data, rest, len(languages))
        if not newline or rest.count("\n") != len(manifest.scan.ids) or (rest and not rest.endswith("\n")):
            raise DamagedManifest("truncated: not one line per partner")
        return manifest

    @classmethod
    def _checked(cls, data: dict[str, Any], rest: str, languages: int) -> Manifest:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise DamagedManifest(what)

        keys = ("global", "ids", "sizes", "mtimes", "scanned_ns", "outputs", "parent", "changed")
        missing = [key for key in keys if key not in data]
        need(not missing, f"missing {', '.join(missing)}")
        need(isinstance(data["global"], str), "global is not text")
        ids, sizes, mtimes, outputs = data["ids"], data["sizes"], data["mtimes"], data["outputs"]
        need(isinstance(ids, list) and isinstance(sizes, list) and isinstance(mtimes, list)
             and len(ids) == len(sizes) == len(mtimes), "partners: not three lists of one length")
        need(all(type(v) is int for v in sizes) and all(type(v) is int for v in mtimes)
             and type(data["scanned_ns"]) is int, "partners: bad file stamp")
        # Ids name files the build removes: none may leave the build folder.
        need(all(isinstance(pid, str) and _safe_path(pid, parts=1) for pid in ids), "a partner id is not a file name")
        need(isinstance(outputs, list) and all(isinstance(o, str) for o in outputs), "outputs: not a list of paths")
        need(isinstance(data["parent"], str) and (data["parent"] == "" or _safe_path(data["parent"], parts=1)),
             "parent: not a folder name")
        need(isinstance(data["changed"], list) and all(isinstance(o, str) for o in data["changed"]),
             "changed: not a list of paths")
        need(all(_safe_path(rel) for rel in outputs + data["changed"]), "a path leaves the site folder")
        return cls(data["global"], Scan(ids, sizes, mtimes, data["scanned_ns"]), outputs, data["parent"],
                   data["changed"], rest, languages)

    def entry(self, pid: str) -> Entry | None:
        """A partner's line, found by searching the text (None: it was not in the last build)."""
        span = self._span(pid)
        return None if span is None else self._parse(self.text[span[0]:span[1]])

    def entries(self) -> dict[str, Entry]:
        """Every partner's line, parsed (only where all are needed: names for a search index that lists
        partners, offer owners after a problem, many partners changed)."""
        found: dict[str, Entry] = {}
        for line in self.text.splitlines():
            entry = self._parse(line)
            found[entry.pid] = entry
        if sorted(found) != sorted(self.scan.ids):
            raise DamagedManifest("partner lines do not match the partner files")
        return found

    def owner_of(self, offer_id: str) -> str | None:
        """The partner whose line lists this offer id, searched for in the text."""
        needle = json.dumps(offer_id, ensure_ascii=False)
        start = self.text.find(needle)
        while start != -1:
            begin = self.text.rfind("\n", 0, start) + 1
            end = self.text.find("\n", start) + 1
            entry = self._parse(self.text[begin:end])
            if offer_id in entry.offers:
                return entry.pid
            start = self.text.find(needle, end)
        return None

    def _span(self, pid: str, text: str | None = None) -> tuple[int, int] | None:
        """Where a partner's line is in the text: (start, end including its newline)."""
        text = self.text if text is None else text
        key = "[" + json.dumps(pid, ensure_ascii=False) + ","
        if text.startswith(key):
            begin = 0
        else:
            at = text.find("\n" + key)
            if at == -1:
                return None
            begin = at + 1
        return begin, text.find("\n", begin) + 1

    def _parse(self, line: str) -> Entry:
        try:
            v = json.loads(line)
        except ValueError as error:
            raise DamagedManifest(f"a partner line is not JSON: {error}") from None
        ok = (isinstance(v, list) and len(v) == 5 and isinstance(v[0], str) and isinstance(v[1], str)
              and isinstance(v[2], list) and all(isinstance(o, str) for o in v[2]) and isinstance(v[3], str)
              and isinstance(v[4], list) and len(v[4]) == self.languages
              and all(isinstance(r, list) and len(r) == 2 and all(type(n) is int for n in r) for r in v[4]))
        if not ok:
            raise DamagedManifest("a partner line of the wrong shape")
        return Entry(v[0], v[1], tuple(v[2]), v[3], tuple((r[0], r[1]) for r in v[4]))

    # --- writing

    def with_entries(self, fresh: Iterable[Entry], gone: Iterable[str]) -> str:
        """The partner lines once `fresh` replace (or join) theirs and `gone` leave."""
        fresh = list(fresh)
        drop = {e.pid for e in fresh} | set(gone)
        if len(drop) > REWRITE_ALL_FROM:
            kept = {pid: e for pid, e in self.entries().items() if pid not in drop}
            kept.update((e.pid, e) for e in fresh)
            return "".join(kept[pid].line() for pid in sorted(kept))
        text = self.text
        for pid in drop:
            span = self._span(pid, text)
            if span is not None:
                text = text[:span[0]] + text[span[1]:]
        return text + "".join(e.line() for e in fresh)

    def to_bytes(self) -> bytes:
        header = {"version": MANIFEST_VERSION, "global": self.global_key, "ids": self.scan.ids,
                  "sizes": self.scan.sizes, "mtimes": self.scan.mtimes, "scanned_ns": self.scan.at_ns,
                  "outputs": sorted(self.outputs), "parent": self.parent, "changed": sorted(self.changed)}
        return (json.dumps(header, separators=(",", ":"), ensure_ascii=False) + "\n" + self.text).encode()


def _safe_path(rel: str, parts: int = 0) -> bool:
    """A relative path inside a folder (no .., no absolute path, no empty part); `parts`: exactly so many."""
    names = rel.split("/")
    return bool(rel) and "\0" not in rel and "\\" not in rel and all(n not in ("", ".", "..") for n in names) \
        and (parts == 0 or len(names) == parts)
