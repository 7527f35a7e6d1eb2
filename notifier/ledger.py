"""The ledger: an embedded SQLite database recording every message key and what became of it.

States: pending (recorded, with its Message-ID, before the SMTP transaction starts), sent (the
server accepted it; with the time), failed (a permanent refusal; with the server's words),
cancelled (left pending, and its cause was fixed before it could go out).

WAL journal, one short transaction per state change. synchronous=NORMAL: a committed change
survives the process being killed (kill -9); only a power loss can take back the last commits.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .plan import History, Key

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL,
    partner TEXT NOT NULL,
    contact TEXT NOT NULL,
    subject TEXT NOT NULL,
    period TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    planned_on TEXT NOT NULL,
    settled_on TEXT,
    sent_at TEXT,
    reply TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, partner, contact, subject, period)
);
CREATE INDEX IF NOT EXISTS items_by_message ON items (message_id);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    today TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    sent INTEGER, failed INTEGER, pending INTEGER, exit_code INTEGER
);
"""


@dataclass(frozen=True, slots=True)
class StatusRow:
    kind: str
    state: str
    count: int


class Ledger:
    def __init__(self, connection: sqlite3.Connection):
        self.db = connection

    @staticmethod
    def open(path: Path) -> Ledger:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        return Ledger(db)

    @staticmethod
    def open_read_only(path: Path) -> Ledger | None:
        """For dry runs and --status: never creates or changes the file."""
        if not path.exists():
            return None
        return Ledger(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None))

    def close(self) -> None:
        self.db.close()

    # --- reading ---------------------------------------------------------------------------------

    def history(self) -> History:
        rows = self.db.execute(
            "SELECT kind, partner, contact, subject, period, state, message_id, coalesce(settled_on, planned_on)"
            " FROM items WHERE state != 'cancelled'"
        )
        days: dict[str, dt.date] = {}  # a few distinct days: parse each once
        return History.from_rows(
            (kind, partner, contact, subject, period, state, message_id,
             days.get(day) or days.setdefault(day, dt.date.fromisoformat(day)))
            for kind, partner, contact, subject, period, state, message_id, day in rows
        )

    def status(self) -> list[StatusRow]:
        rows = self.db.execute("SELECT kind, state, COUNT(*) FROM items GROUP BY kind, state ORDER BY kind, state")
        return [StatusRow(*row) for row in rows]

    # --- writing (each call is one committed transaction) ----------------------------------------

    def record_pending(self, batch: Iterable[tuple[str, Iterable[Key]]], today: dt.date) -> None:
        """Before any SMTP transaction: every key of every message in the batch, with its Message-ID."""
        with self._transaction():
            for message_id, keys in batch:
                self.db.executemany(
                    "INSERT INTO items (kind, partner, contact, subject, period, message_id, state, planned_on)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)"
                    " ON CONFLICT DO UPDATE SET message_id = excluded.message_id, state = 'pending',"
                    " planned_on = excluded.planned_on WHERE state IN ('pending', 'cancelled')",
                    [(k.kind, k.partner, k.contact, k.subject, k.period, message_id, today.isoformat())
                     for k in keys],
                )

    def drop_items_not_in(self, message_id: str, keys: Iterable[Key]) -> int:
        """A message re-sent after an interrupted run may carry fewer items than when it was first
        recorded (a cause fixed since): the items it no longer carries are cancelled, not sent."""
        keep = {_key_row(k) for k in keys}
        rows = self.db.execute(
            "SELECT kind, partner, contact, subject, period FROM items WHERE message_id = ? AND state = 'pending'",
            (message_id,),
        ).fetchall()
        return self.cancel(Key(*row) for row in rows if tuple(row) not in keep)

    def mark_sent(self, message_id: str, at: dt.datetime, today: dt.date, reply: str | None = None) -> None:
        self._settle(message_id, "sent", at, today, reply)

    def mark_failed(self, message_id: str, at: dt.datetime, today: dt.date, reply: str) -> None:
        self._settle(message_id, "failed", at, today, reply)

    def mark_attempted(self, message_id: str, reply: str, attempts: int) -> None:
        """Still pending after this run's retries: keep the last reply for the next run to read."""
        with self._transaction():
            self.db.execute(
                "UPDATE items SET reply = ?, attempts = attempts + ? WHERE message_id = ? AND state = 'pending'",
                (reply, attempts, message_id),
            )

    def cancel(self, keys: Iterable[Key]) -> int:
        """Pending items that planning no longer produces (their cause was fixed): cancelled."""
        rows = [_key_row(k) for k in keys]
        before = self.db.total_changes
        with self._transaction():
            self.db.executemany(
                "UPDATE items SET state = 'cancelled' WHERE kind = ? AND partner = ? AND contact = ?"
                " AND subject = ? AND period = ? AND state = 'pending'",
                rows,
            )
        return self.db.total_changes - before

    def start_run(self, today: dt.date, at: dt.datetime) -> int:
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (today, started_at) VALUES (?, ?)", (today.isoformat(), at.isoformat())
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, at: dt.datetime, sent: int, failed: int, pending: int, code: int) -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET finished_at = ?, sent = ?, failed = ?, pending = ?, exit_code = ? WHERE id = ?",
                (at.isoformat(), sent, failed, pending, code, run_id),
            )

    def _settle(self, message_id: str, state: str, at: dt.datetime, today: dt.date, reply: str | None) -> None:
        # One statement is one transaction (autocommit): committed when execute returns.
        self.db.execute(
            "UPDATE items SET state = ?, settled_on = ?, sent_at = ?, reply = ?, attempts = attempts + 1"
            " WHERE message_id = ? AND state = 'pending'",
            (state, today.isoformat(), at.isoformat(), reply, message_id),
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


def _key_row(k: Key) -> tuple[str, str, str, str, str]:
    return (k.kind, k.partner, k.contact, k.subject, k.period)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
