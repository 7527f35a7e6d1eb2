"""The rewards team's copies (Cc) of escalations whose fate is not their message's own.

A message to a contact that copies the team is one SMTP transaction, and its ledger items say what
the contact's address got. A copy needs a record of its own only when it fared otherwise:

- refused for now (4xx) while the content went to the contact (or the contact refused it for good):
  `pending`, with the envelope sender and the message's exact bytes, recorded in the same ledger
  transaction as the contact's result. The run retries it alone; what is still pending at the end
  makes the run exit 1, and the next run sends it alone, byte for byte the message the contact got
  (same Message-ID, same DKIM signature). The contact is never sent it again.
- delivered while the contact's address refused it for good (5xx): `sent`; the items say `failed`.
- refused for good (5xx) while the contact got it: `failed`, with the server's words.

A copy settled `sent` or `failed` keeps no bytes. Table `copies` (ledger version 3).
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS copies (
    message_id TEXT NOT NULL,
    address TEXT NOT NULL,
    partner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    recorded_on TEXT NOT NULL,
    settled_on TEXT,
    sent_at TEXT,
    reply TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    sender TEXT NOT NULL,
    data BLOB,
    PRIMARY KEY (message_id, address)
);
CREATE INDEX IF NOT EXISTS copies_pending ON copies (state, partner);
"""


@dataclass(frozen=True, slots=True)
class Copy:
    """One copy's record. `sender` and `data` are kept only while it is pending."""

    message_id: str
    address: str
    partner: str
    state: str  # pending, sent or failed
    reply: str | None
    sender: str = ""
    data: bytes = b""

    def to_json(self) -> dict[str, str | None]:
        """For the recovery journal (notifier/journal.py), which is JSON."""
        return {"message_id": self.message_id, "address": self.address, "partner": self.partner,
                "state": self.state, "reply": self.reply, "sender": self.sender,
                "data": base64.b64encode(self.data).decode("ascii")}

    @staticmethod
    def from_json(fields: dict[str, str | None]) -> Copy:
        return Copy(str(fields["message_id"]), str(fields["address"]), str(fields["partner"]),
                    str(fields["state"]), fields.get("reply"), str(fields.get("sender") or ""),
                    base64.b64decode(fields.get("data") or ""))


def insert(db: sqlite3.Connection, copies: Iterable[Copy], today: str, at: str) -> None:
    """Inside the caller's transaction (the one that settles the message): each copy's own record.
    A copy already recorded is left as it is (a journal applied twice changes nothing)."""
    db.executemany(
        "INSERT INTO copies (message_id, address, partner, state, recorded_on, settled_on, sent_at, reply, attempts,"
        " sender, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING",
        [(c.message_id, c.address, c.partner, c.state, today, None if c.state == "pending" else today,
          None if c.state == "pending" else at, c.reply, c.sender if c.state == "pending" else "",
          c.data if c.state == "pending" else None) for c in copies],
    )


def settle(db: sqlite3.Connection, message_id: str, address: str, state: str, today: str, at: str,
           reply: str | None, attempts: int) -> None:
    """A pending copy's new attempt: sent or failed (its bytes dropped), or still pending (the reply kept)."""
    if state == "pending":
        db.execute("UPDATE copies SET reply = ?, attempts = attempts + ? WHERE message_id = ? AND address = ?"
                   " AND state = 'pending'", (reply, attempts, message_id, address))
        return
    db.execute("UPDATE copies SET state = ?, settled_on = ?, sent_at = ?, reply = ?, attempts = attempts + ?,"
               " sender = '', data = NULL WHERE message_id = ? AND address = ? AND state = 'pending'",
               (state, today, at, reply, attempts, message_id, address))


def pending(db: sqlite3.Connection, only: str | None = None) -> list[Copy]:
    """The copies an earlier run could not deliver, oldest first (of one partner with --only)."""
    rows = db.execute(
        "SELECT message_id, address, partner, state, reply, sender, data FROM copies WHERE state = 'pending'"
        " AND (? IS NULL OR partner = ?) ORDER BY recorded_on, message_id, address", (only, only),
    ).fetchall()
    return [Copy(m, a, p, s, r, sender, bytes(data)) for m, a, p, s, r, sender, data in rows]


def counts(db: sqlite3.Connection) -> dict[str, int]:
    """How many copies have a record of their own, by state (for --status)."""
    return {state: n for state, n in db.execute("SELECT state, COUNT(*) FROM copies GROUP BY state")}
