"""The ledger's tables (SQLite): what `notifier/ledger.py` creates, checks and migrates.

`items` holds one row per ledger key (a tip, a reminder, a sponsorship mail) with its message and
state; `runs` one row per run. Version 2 added bounces (`suppressions`, `inbox`, two columns of
`items`; notifier/inbox.py), version 3 the team's copies (notifier/copies.py).
"""

from __future__ import annotations

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

# Version 2: bounces (notifier/inbox.py); version 3: the team's copies (notifier/copies.py). A ledger
# made before is migrated when a run opens it; a dry run or --status reading an older ledger sees no
# bounces, suppressions or copies.
SCHEMA_VERSION = 3
BOUNCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    address TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    reason TEXT NOT NULL,
    partner TEXT,
    message_id TEXT
);
CREATE TABLE IF NOT EXISTS inbox (
    digest TEXT PRIMARY KEY,
    read_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    address TEXT,
    message_id TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS inbox_by_address ON inbox (address, outcome);
"""
BOUNCE_COLUMNS = (("bounced_on", "TEXT"), ("bounce", "TEXT"))  # added to items: the report that came back


APPLICATION_ID = 0x52574C47  # "RWLG", stamped on every ledger this program creates (PRAGMA application_id)
COLUMNS = {  # what a ledger's tables must hold (a ledger made before application_id existed is checked by these)
    "items": {"kind", "partner", "contact", "subject", "period", "message_id", "state", "planned_on",
              "settled_on", "sent_at", "reply", "attempts"},
    "runs": {"id", "today", "started_at", "finished_at", "sent", "failed", "pending", "exit_code"},
}
