"""The ledger: an embedded SQLite database recording every message key and what became of it.

States: pending (recorded, with its Message-ID, before the SMTP transaction starts), sent (the
server accepted it; with the time), failed (a permanent refusal; with the server's words),
cancelled (left pending, and its cause was fixed before it could go out).

WAL journal, one short transaction per state change. synchronous=NORMAL: a committed change
survives the process being killed (kill -9); only a power loss can take back the last commits.

The ledger is trusted only after it proves itself: it must exist and not be empty (a missing or
truncated ledger would make every message due go out again), pass SQLite's own `quick_check`, and
carry this program's application_id and tables. Anything else is a `LedgerError`, whose message
says what happened and how to proceed. Every SQLite error while reading or writing becomes one too.

The recovery journal (`<ledger>.unrecorded`, see `Journal`) holds what the server accepted or refused
for good while the ledger could not record it; the next run applies it before planning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import copies
from .copies import Copy
from .ledger_errors import LedgerError as LedgerError  # where the rest of the notifier imports it from
from .ledger_errors import _guard, _require_present, _restore_hint
from .ledger_schema import APPLICATION_ID, BOUNCE_COLUMNS, BOUNCE_SCHEMA, COLUMNS, SCHEMA, SCHEMA_VERSION
from .plan import History, Key

if TYPE_CHECKING:  # the journal module builds on this one
    from .journal import JournalEntry

BUSY_SECONDS = 10.0  # how long a write waits for another program's lock on the ledger before giving up

@dataclass(frozen=True, slots=True)
class StatusRow:
    kind: str
    state: str
    count: int
    bounced: int = 0


@dataclass(frozen=True, slots=True)
class Suppression:
    """An address the notifier sends nothing to any more (a hard bounce, or soft bounces past the limit)."""

    address: str
    since: dt.date
    reason: str
    partner: str | None
    message_id: str | None


class Ledger:
    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path

    @staticmethod
    def create(path: Path, busy_seconds: float = BUSY_SECONDS) -> Ledger:
        """A new, empty ledger (the first run). Refuses a path where anything exists already."""
        if path.exists() or path.is_symlink():
            raise LedgerError(f"a ledger already exists at {path}; --init-ledger only creates a new one. "
                              "Remove --init-ledger from the command (and from any cron line)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(f"cannot create the folder of the ledger {path}: {exc.strerror}") from exc
        with _guard(path, "be created"):
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rwc", uri=True, isolation_level=None,
                                 timeout=busy_seconds)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                Ledger(db, path)._migrate()
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute("COMMIT")
            except BaseException:
                db.close()
                raise
        return Ledger(db, path)

    @staticmethod
    def open(path: Path, busy_seconds: float = BUSY_SECONDS) -> Ledger:
        """An existing ledger, for a run: checked (see `check`) before anything is read from it."""
        _require_present(path)
        with _guard(path, "be opened"):
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None,
                                 timeout=busy_seconds)
        ledger = Ledger(db, path)
        try:
            ledger.check()  # before anything is changed: a file that is not our ledger is left exactly as found
            with _guard(path, "be opened"):
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            if ledger._application_id() == 0:  # made before application_id was stamped; its tables matched
                with _guard(path, "be written"):
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            if ledger._version() < SCHEMA_VERSION:
                with ledger._transaction("be migrated to this version (bounces, suppressions, copies)"):
                    ledger._migrate()
        except BaseException:
            db.close()
            raise
        return ledger

    @staticmethod
    def open_read_only(path: Path) -> Ledger | None:
        """For dry runs and --status: never creates or changes the file. None when there is none."""
        if not path.exists():
            return None
        _require_present(path)
        with _guard(path, "be opened"):
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        ledger = Ledger(db, path)
        try:
            ledger.check()
        except BaseException:
            db.close()
            raise
        return ledger

    def check(self) -> None:
        """SQLite's quick_check, then: is this our ledger (application_id and tables)?"""
        with _guard(self.path, "be read"):
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise LedgerError(f"the ledger {self.path} is damaged (SQLite's quick_check: {'; '.join(problems)}); "
                              f"nothing was sent. {_restore_hint(self.path)}")
        app = self._application_id()
        with _guard(self.path, "be read"):
            tables = {name: {c[1] for c in self.db.execute(f"PRAGMA table_info({name})")}
                      for (name,) in self.db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        ours = all(columns <= tables.get(table, set()) for table, columns in COLUMNS.items())
        if app not in (0, APPLICATION_ID) or not ours:
            found = ", ".join(sorted(tables)) or "no tables"
            raise LedgerError(f"{self.path} is an SQLite database but not a notify ledger (application_id {app:#x}, "
                              f"{found}); nothing was sent. Check notifier.ledger in site.yml, or "
                              f"{_restore_hint(self.path)[0].lower()}{_restore_hint(self.path)[1:]}")

    def _version(self) -> int:
        with _guard(self.path, "be read"):
            return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        """To version 3, inside the caller's transaction: the bounce tables, the items' bounce columns, copies."""
        for statement in (BOUNCE_SCHEMA + copies.SCHEMA).split(";"):
            if statement.strip():
                self.db.execute(statement)
        have = {c[1] for c in self.db.execute("PRAGMA table_info(items)")}
        for name, kind in BOUNCE_COLUMNS:
            if name not in have:
                self.db.execute(f"ALTER TABLE items ADD COLUMN {name} {kind}")
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def knows_bounces(self) -> bool:
        """Whether this ledger has the bounce tables (an older one opened read-only has not)."""
        return self._version() >= 2

    def copies(self, only: str | None = None) -> list[Copy]:
        """The team's copies left pending by earlier runs (notifier/copies.py), to be sent alone."""
        with _guard(self.path, "be read"):
            return copies.pending(self.db, only)

    def copy_counts(self) -> dict[str, int]:
        if self._version() < 3:
            return {}
        with _guard(self.path, "be read"):
            return copies.counts(self.db)

    def _application_id(self) -> int:
        with _guard(self.path, "be read"):
            return int(self.db.execute("PRAGMA application_id").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    # --- reading ---------------------------------------------------------------------------------

    def history(self, settled: Mapping[str, str] | None = None) -> History:
        """Every item not cancelled; `settled` (Message-ID -> state, from the recovery journal) overrides
        the state of items still pending here (a dry run reads the journal without applying it)."""
        settled = settled or {}
        with _guard(self.path, "be read"):
            rows = self.db.execute(
                "SELECT kind, partner, contact, subject, period, state, message_id, coalesce(settled_on, planned_on)"
                " FROM items WHERE state != 'cancelled'"
            ).fetchall()
            days: dict[str, dt.date] = {}  # a few distinct days: parse each once
            history = History.from_rows(
                (kind, partner, contact, subject, period,
                 settled.get(message_id, state) if state == "pending" else state, message_id,
                 days.get(day) or days.setdefault(day, dt.date.fromisoformat(day)))
                for kind, partner, contact, subject, period, state, message_id, day in rows
            )
        return dataclasses.replace(history, suppressed={s.address: s.since for s in self.suppressions()})

    def status(self) -> list[StatusRow]:
        bounced = "COUNT(bounced_on)" if self.knows_bounces else "0"
        with _guard(self.path, "be read"):
            rows = self.db.execute(
                f"SELECT kind, state, COUNT(*), {bounced} FROM items GROUP BY kind, state ORDER BY kind, state"
            ).fetchall()
        return [StatusRow(*row) for row in rows]

    def suppressions(self) -> list[Suppression]:
        """The suppression list, oldest first (none in a ledger older than the bounce tables)."""
        if not self.knows_bounces:
            return []
        with _guard(self.path, "be read"):
            rows = self.db.execute(
                "SELECT address, since, reason, partner, message_id FROM suppressions ORDER BY since, address"
            ).fetchall()
        return [Suppression(a, dt.date.fromisoformat(since), r, p, m) for a, since, r, p, m in rows]

    @contextmanager
    def transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One committed transaction for a caller's own statements (the inbox records a message read)."""
        with self._transaction(doing):
            yield self.db

    # --- writing (each call is one committed transaction) ----------------------------------------

    def record_pending(self, batch: Iterable[tuple[str, Iterable[Key]]], today: dt.date) -> None:
        """Before any SMTP transaction: every key of every message in the batch, with its Message-ID."""
        with self._transaction("record messages as pending"):
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
        with _guard(self.path, "be read"):
            rows = self.db.execute(
                "SELECT kind, partner, contact, subject, period FROM items WHERE message_id = ? AND state = 'pending'",
                (message_id,),
            ).fetchall()
        return self.cancel(Key(*row) for row in rows if tuple(row) not in keep)

    def mark_sent(self, message_id: str, at: dt.datetime, today: dt.date, reply: str | None = None,
                  own: Iterable[Copy] = ()) -> None:
        """The server accepted it; `own`: the copies whose fate was not the message's (same transaction)."""
        self._settle(message_id, "sent", at, today, reply, tuple(own))

    def mark_failed(self, message_id: str, at: dt.datetime, today: dt.date, reply: str,
                    own: Iterable[Copy] = ()) -> None:
        self._settle(message_id, "failed", at, today, reply, tuple(own))

    def settle_copy(self, message_id: str, address: str, state: str, at: dt.datetime, today: dt.date,
                    reply: str | None, attempts: int) -> None:
        """A copy sent alone (notifier/copies.py): sent, failed, or still pending with its last reply."""
        with self._transaction(f"record a copy as {state}"):
            copies.settle(self.db, message_id, address, state, today.isoformat(), at.isoformat(), reply, attempts)

    def mark_attempted(self, message_id: str, reply: str, attempts: int) -> None:
        """Still pending after this run's retries: keep the last reply for the next run to read."""
        with self._transaction("record a reply"):
            self.db.execute(
                "UPDATE items SET reply = ?, attempts = attempts + ? WHERE message_id = ? AND state = 'pending'",
                (reply, attempts, message_id),
            )

    def cancel(self, keys: Iterable[Key]) -> int:
        """Pending items that planning no longer produces (their cause was fixed): cancelled."""
        rows = [_key_row(k) for k in keys]
        before = self.db.total_changes
        with self._transaction("record cancelled messages"):
            self.db.executemany(
                "UPDATE items SET state = 'cancelled' WHERE kind = ? AND partner = ? AND contact = ?"
                " AND subject = ? AND period = ? AND state = 'pending'",
                rows,
            )
        return self.db.total_changes - before

    def apply(self, entries: Iterable[JournalEntry]) -> int:
        """The recovery journal's results, in one transaction: each message still pending becomes what
        the server said (sent or failed), with its copies' own records; a copy sent alone, what the
        server said about it. Returns how many messages and copies changed."""
        changed = 0
        with self._transaction("record the recovery journal"):
            for e in entries:
                if e.copy is not None:
                    before = self.db.total_changes
                    copies.settle(self.db, e.message_id, e.copy, e.state, e.today, e.at, e.reply, e.attempts)
                    changed += 1 if self.db.total_changes > before else 0
                    continue
                cursor = self.db.execute(
                    "UPDATE items SET state = ?, settled_on = ?, sent_at = ?, reply = ?, attempts = attempts + 1"
                    " WHERE message_id = ? AND state = 'pending'",
                    (e.state, e.today, e.at, e.reply, e.message_id),
                )
                if cursor.rowcount:
                    changed += 1
                    copies.insert(self.db, (Copy.from_json(c) for c in e.copies), e.today, e.at)
        return changed

    def start_run(self, today: dt.date, at: dt.datetime) -> int:
        with self._transaction("record the start of the run"):
            cursor = self.db.execute(
                "INSERT INTO runs (today, started_at) VALUES (?, ?)", (today.isoformat(), at.isoformat())
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, at: dt.datetime, sent: int, failed: int, pending: int, code: int) -> None:
        with self._transaction("record the end of the run"):
            self.db.execute(
                "UPDATE runs SET finished_at = ?, sent = ?, failed = ?, pending = ?, exit_code = ? WHERE id = ?",
                (at.isoformat(), sent, failed, pending, code, run_id),
            )

    def _settle(self, message_id: str, state: str, at: dt.datetime, today: dt.date, reply: str | None,
                own: tuple[Copy, ...]) -> None:
        # One statement is one transaction (autocommit): committed when execute returns. With copies of
        # their own, one transaction for both, so that a copy is never pending unless its message is settled.
        settle = ("UPDATE items SET state = ?, settled_on = ?, sent_at = ?, reply = ?, attempts = attempts + 1"
                  " WHERE message_id = ? AND state = 'pending'", (state, today.isoformat(), at.isoformat(), reply,
                                                                   message_id))
        if not own:
            with _guard(self.path, f"record a message as {state}"):
                self.db.execute(*settle)
            return
        with self._transaction(f"record a message as {state}, and its copies"):
            if self.db.execute(*settle).rowcount:
                copies.insert(self.db, own, today.isoformat(), at.isoformat())

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; an SQLite error becomes a LedgerError."""
        with _guard(self.path, doing):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    with suppress(sqlite3.Error):  # the first error is the one worth reporting
                        self.db.execute("ROLLBACK")
                raise


def _key_row(k: Key) -> tuple[str, str, str, str, str]:
    return (k.kind, k.partner, k.contact, k.subject, k.period)
