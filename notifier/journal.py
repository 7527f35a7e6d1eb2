"""The recovery journal, `<ledger>.unrecorded`: what the server accepted or refused for good while the
ledger could not record it (notifier/ledger.py). The next run applies it before planning, so no
message it names is sent again."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .ledger import Ledger, LedgerError


@dataclass(frozen=True, slots=True)
class JournalEntry:
    message_id: str
    state: str  # sent or failed: what the server said (a copy alone: pending too, with its last reply)
    today: str  # the run's --today
    at: str  # when (wall clock, ISO 8601)
    reply: str | None
    # the message's copies whose fate was not its own (notifier/copies.py, `Copy.to_json`)
    copies: list[dict[str, str | None]] = field(default_factory=list)
    copy: str | None = None  # this entry is the copy to this address alone
    attempts: int = 1


class Journal:
    """`<ledger>.unrecorded`: what the server said about messages whose result the ledger could not record.

    Reserved (RESERVED bytes of zeros, allocated on disk) under the run lock before the first message is
    sent, so that writing to it still works when the disk has filled up since; written one line of JSON
    per message, each forced to disk (fsync) before the run goes on. A run that ends with nothing written
    removes it. The next run applies it to the ledger under the lock, before planning, then removes it;
    a dry run reads it without applying it. So a message accepted by the server is never sent again
    because the ledger could not say so."""

    RESERVED = 64 * 1024

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd = fd
        self._offset = 0
        self.written = 0

    @staticmethod
    def path_for(ledger: Path) -> Path:
        return ledger.with_name(ledger.name + ".unrecorded")

    @staticmethod
    def read(path: Path) -> list[JournalEntry]:
        """The entries of a journal left by an earlier run (none when there is no file)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LedgerError(f"cannot read the recovery journal {path}: {exc.strerror}; nothing was sent") from exc
        entries = []
        for line in data.rstrip(b"\0").splitlines():
            try:
                entries.append(JournalEntry(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash while it was written: its message is still pending
        return entries

    @staticmethod
    def reserve(ledger: Path) -> Journal:
        """This run's journal, allocated now (while there is room) and empty."""
        path = Journal.path_for(ledger)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.posix_fallocate(fd, 0, Journal.RESERVED)
                os.fsync(fd)
                _fsync_folder(path.parent)
            except BaseException:
                os.close(fd)
                raise
        except OSError as exc:
            raise LedgerError(f"cannot reserve the recovery journal {path} ({exc.strerror}); nothing was sent. "
                              "Free some space on that disk and run again") from exc
        return Journal(path, fd)

    def write(self, entry: JournalEntry) -> None:
        """One result, on disk (fsync) when this returns; OSError when even that is impossible (a line
        written short is overwritten by the next one)."""
        line = json.dumps(dataclasses.asdict(entry), ensure_ascii=True).encode() + b"\n"
        if os.pwrite(self._fd, line, self._offset) != len(line):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync(self._fd)
        self._offset += len(line)
        self.written += 1

    def close(self) -> None:
        """Closed; removed when nothing was written (the usual case), kept for the next run otherwise."""
        os.close(self._fd)
        if not self.written:
            self.path.unlink(missing_ok=True)


def apply_journal(ledger: Ledger) -> int:
    """Under the run lock, before planning: an earlier run's journal into the ledger, then removed."""
    path = Journal.path_for(ledger.path)
    entries = Journal.read(path)
    changed = ledger.apply(entries) if entries else 0
    path.unlink(missing_ok=True)
    return changed


def journal_overrides(ledger_path: Path) -> dict[str, str]:
    """Message-ID -> state from a journal not yet applied (for a dry run and --status, which never write)."""
    return {e.message_id: e.state for e in Journal.read(Journal.path_for(ledger_path)) if e.copy is None}


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
