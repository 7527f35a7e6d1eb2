"""The ledger's errors: every SQLite error becomes a `LedgerError` whose message says what happened
and how to proceed (notifier/ledger.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LedgerError(Exception):
    """The ledger cannot be trusted or written; the message says what happened and how to proceed."""


def _sqlite_words(exc: sqlite3.Error, path: Path) -> str:
    name = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    meaning = {
        "SQLITE_BUSY": "it is locked by another program",
        "SQLITE_LOCKED": "it is locked by another program",
        "SQLITE_FULL": "the disk is full",
        "SQLITE_NOTADB": "it is not an SQLite database",
        "SQLITE_CORRUPT": "it is damaged",
        "SQLITE_READONLY": "it cannot be written (read-only file or folder)",
        "SQLITE_IOERR": "the disk reported an I/O error",
        "SQLITE_CANTOPEN": "it cannot be opened",
        "SQLITE_PERM": "permission denied",
    }.get(name)
    hint = {
        "SQLITE_BUSY": f"; notify runs take {path.name}.lock first, so it is another program: find it with "
                       f"`fuser {path}`, let it finish, and run again",
        "SQLITE_FULL": "; free some space on that disk and run again",
        "SQLITE_NOTADB": f". {_restore_hint(path)}",
        "SQLITE_CORRUPT": f". {_restore_hint(path)}",
    }.get(name, "")
    return (f"{meaning} (SQLite: {exc})" if meaning else f"SQLite: {exc}") + hint


@contextmanager
def _guard(path: Path, doing: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise LedgerError(f"the ledger {path} could not {doing}: {_sqlite_words(exc, path)}") from exc


def _restore_hint(path: Path) -> str:
    return (f"Restore {path} from a backup and run again; or, to start a new ledger knowing that every message "
            f"already sent will be sent again, move it aside and run `rewards notify --init-ledger`")


def _require_present(path: Path) -> None:
    """A ledger file that exists but holds nothing is a ledger whose history was lost (truncated or replaced)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LedgerError(f"cannot read the ledger {path}: {exc.strerror}; nothing was sent") from exc
    if size == 0:
        raise LedgerError(f"the ledger {path} is empty (0 bytes): it was truncated or replaced, and the history of "
                          f"what was sent is gone. Planning from nothing would send every message again, so nothing "
                          f"was sent. {_restore_hint(path)}")
