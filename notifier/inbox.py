"""The bounce inbox, read by every `rewards notify` run before planning (notifier/notify.py).

Each message in the inbox (a Maildir, or an IMAP folder over TLS) is one of:
- a non-delivery report for one of our messages (notifier/bounces.py reads it): a hard bounce (5.x.x)
  marks the message's items bounced and puts the address on the suppression list; a soft bounce
  (4.x.x) is counted, and `notifier.bounces.soft_bounces` of them suppress the address too;
- mail to the `mailto:` unsubscribe address carrying a signed unsubscribe link's query in its subject:
  recorded like a click on the link (notifier/unsubscribe.py's record);
- anything else (an auto-reply, a person, garbage, a report for a message we do not know, one too
  large to read): named on stderr, changes nothing.

Each message is processed exactly once, even if the run is killed in the middle of the inbox: what it
says is recorded in the ledger first (one transaction, keyed by a hash of the message's bytes), and
only then is it moved out of the inbox (Maildir: into its `.Processed` folder; IMAP: into
`processed_folder`). A run killed between the two finds the message again, sees from the ledger that
it was read, and only moves it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import imaplib
import mailbox
import os
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO
from urllib.parse import unquote

from rewards_build.config import BouncesConfig, ImapConfig, NotifierConfig

from . import unsubscribe
from .bounces import Bounce, Reading, read
from .ledger import Ledger

PROCESSED = "Processed"  # the Maildir folder (.Processed) each message read is moved into


class InboxError(Exception):
    """The inbox cannot be read (missing, refused, unreachable); the message says which."""


@dataclass(frozen=True, slots=True)
class Incoming:
    ref: str  # the Maildir key or the IMAP UID
    data: bytes | None  # None: larger than max_message_bytes, not read
    size: int


class Source(Protocol):
    name: str

    def messages(self) -> Iterator[Incoming]: ...

    def done(self, ref: str) -> None: ...

    def close(self) -> None: ...


class MaildirSource:
    """A Maildir (Python's mailbox.Maildir); each message read is moved into its `.Processed` folder."""

    def __init__(self, path: os.PathLike[str], limit: int):
        self.name = str(path)
        self.limit = limit
        try:
            self.box = mailbox.Maildir(path, factory=None, create=False)
            self.box.keys()  # a folder that is not a Maildir fails here, not halfway through
            self.processed = (self.box.get_folder(PROCESSED) if PROCESSED in self.box.list_folders()
                              else self.box.add_folder(PROCESSED))
        except (mailbox.NoSuchMailboxError, OSError) as exc:
            raise InboxError(f"cannot read the bounce Maildir {path}: "
                             f"{getattr(exc, 'strerror', None) or 'no such Maildir (new/, cur/, tmp/)'}") from exc

    def messages(self) -> Iterator[Incoming]:
        for key in sorted(self.box.keys()):
            try:
                with self.box.get_file(key) as f:
                    data = f.read(self.limit + 1)  # never more: a huge message is not held in memory
            except (KeyError, FileNotFoundError):
                continue  # moved by someone else meanwhile
            yield Incoming(key, data if len(data) <= self.limit else None, len(data))

    def done(self, ref: str) -> None:
        """Into .Processed, then out of the inbox (a kill in between leaves a copy in both: read once anyway)."""
        with self.box.get_file(ref) as f:
            self.processed.add(f)
        self.box.remove(ref)

    def close(self) -> None:
        self.box.close()


class ImapSource:
    """An IMAP folder over TLS (imaplib, certificate verified); each message read is moved to another folder."""

    def __init__(self, config: ImapConfig, password: str, limit: int, context: ssl.SSLContext | None = None,
                 timeout: float = 30.0):
        self.name = f"imaps://{config.host}:{config.port}/{config.folder}"
        self.limit = limit
        self.config = config
        try:
            self.imap = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context or ssl.create_default_context(),
                                          timeout=timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise InboxError(f"cannot connect to the bounce inbox {self.name}: {exc}") from exc
        try:
            self.imap.login(config.user, password)
            self.imap.create(_quote(config.processed_folder))  # NO when it exists already: fine
            typ, data = self.imap.select(_quote(config.folder))
            if typ != "OK":
                raise InboxError(f"cannot open the bounce inbox {self.name}: {_words(data)}")
            typ, caps = self.imap.capability()  # after login: servers announce MOVE only then
            self.move = typ == "OK" and b"MOVE" in _first(caps).upper().split()
        except (OSError, imaplib.IMAP4.error) as exc:
            self.imap.shutdown()
            raise InboxError(f"cannot read the bounce inbox {self.name}: {exc}") from exc

    def messages(self) -> Iterator[Incoming]:
        typ, data = self.imap.uid("SEARCH", "ALL")
        if typ != "OK":
            raise InboxError(f"cannot list the bounce inbox {self.name}: {_words(data)}")
        for uid in (data[0] or b"").split():
            ref = uid.decode("ascii")
            typ, sized = self.imap.uid("FETCH", ref, "(RFC822.SIZE)")
            match = re.search(rb"RFC822\.SIZE (\d+)", _first(sized))
            size = int(match.group(1)) if match else 0
            if size > self.limit:
                yield Incoming(ref, None, size)
                continue
            typ, body = self.imap.uid("FETCH", ref, "(BODY.PEEK[])")
            parts = [p for p in body if isinstance(p, tuple)]
            if typ == "OK" and parts:
                yield Incoming(ref, parts[0][1], size)

    def done(self, ref: str) -> None:
        target = _quote(self.config.processed_folder)
        if self.move:
            typ, data = self.imap.uid("MOVE", ref, target)
        else:  # without MOVE (RFC 6851): copy, flag deleted, expunge
            typ, data = self.imap.uid("COPY", ref, target)
            if typ == "OK":
                self.imap.uid("STORE", ref, "+FLAGS.SILENT", r"(\Deleted)")
                self.imap.expunge()
        if typ != "OK":
            raise InboxError(f"cannot move message {ref} to {self.config.processed_folder}: {_words(data)}")

    def close(self) -> None:
        try:
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            self.imap.shutdown()


def _quote(folder: str) -> str:
    return '"' + folder + '"'  # the schema allows letters, digits, . _ / - only


def _first(data: Sequence[object]) -> bytes:
    item = data[0] if data else b""
    if isinstance(item, tuple):
        item = item[0]
    return item if isinstance(item, bytes) else b""


def _words(data: Sequence[object]) -> str:
    return " ".join(d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in data)


def open_source(config: BouncesConfig, environ: Mapping[str, str] = os.environ,
                context: ssl.SSLContext | None = None) -> Source | None:
    """The inbox site.yml names, opened; None when it names none."""
    if config.maildir is not None:
        return MaildirSource(config.maildir, config.max_message_bytes)
    if config.imap is not None:
        password = environ.get(config.imap.password_env, "")
        if not password:
            raise InboxError(f"notifier.bounces.imap is configured but ${config.imap.password_env} is empty")
        return ImapSource(config.imap, password, config.max_message_bytes, context)
    return None


# --- what each message says, recorded --------------------------------------------------------------


@dataclass(slots=True)
class InboxReport:
    read: int = 0
    hard: int = 0
    soft: int = 0
    unsubscribed: int = 0
    suppressed: list[str] = field(default_factory=list)  # addresses newly suppressed this run
    ignored: int = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one message means for the ledger."""

    outcome: str  # hard | soft | unsubscribe | ignored
    line: str  # for stderr
    address: str | None = None  # the bouncing address (lower case)
    message_id: str | None = None  # the message of ours it bounced
    partner: str | None = None
    detail: str = ""


class Inbox:
    """Reads every message of one source into the ledger, then moves it (see the module's docstring)."""

    def __init__(self, ledger: Ledger, config: NotifierConfig, today: dt.date, now: dt.datetime,
                 signer: unsubscribe.Signer | None, err: TextIO):
        assert config.bounces is not None
        self.ledger, self.config, self.bounces = ledger, config, config.bounces
        self.today, self.now, self.signer, self.err = today, now, signer, err
        self.report = InboxReport()

    def read_all(self, source: Source) -> InboxReport:
        for incoming in source.messages():
            digest = hashlib.sha256(incoming.data if incoming.data is not None
                                    else f"{source.name}\0{incoming.ref}\0{incoming.size}".encode()).hexdigest()
            if not self._seen(digest):
                verdict = self.judge(incoming)
                self._record(digest, verdict)
                print(f"notify: inbox {source.name} {incoming.ref}: {verdict.line}", file=self.err)
            source.done(incoming.ref)  # only after the ledger has it: a kill before this reads it again, once
            self.report.read += 1
        return self.report

    def judge(self, incoming: Incoming) -> Verdict:
        if incoming.data is None:
            return Verdict("ignored", f"larger than notifier.bounces.max_message_bytes "
                                      f"({self.bounces.max_message_bytes}): moved without reading")
        unsubscribing = self._unsubscribe(incoming.data)
        if unsubscribing is not None:
            return unsubscribing
        reading = read(incoming.data, self.bounces.address, self.config.message_id_domain)
        if reading.problem:
            return Verdict("ignored", f"not read: {reading.problem}: changes nothing")
        if reading.delayed:
            return Verdict("ignored", f"a delay warning ({reading.status or 'delayed'}): the relay still tries; "
                                      "changes nothing")
        if reading.bounce is None:
            return Verdict("ignored", "not a non-delivery report (an auto-reply or a person's mail?): changes nothing")
        return self._bounce(reading)

    def _bounce(self, reading: Reading) -> Verdict:
        """Which of our messages bounced, and for which address: VERP first, else the Message-ID the report
        quotes for a failed address, else the failed address alone if we have sent to it."""
        kind = reading.bounce
        assert kind is not None
        keys = [reading.key] if reading.key else list(reading.quoted)
        for key in keys:
            found = self._message(f"<{key}@{self.config.message_id_domain}>")
            if found is None:
                continue
            message_id, partner, contact = found
            team = self.config.rewards_team.email.lower() if self.config.rewards_team else None
            if team and team in reading.failed and contact not in reading.failed:
                return Verdict("ignored", f"the rewards team's copy of {message_id} bounced ({reading.status}): "
                                          "check notifier.rewards_team")
            if reading.key is None and contact not in reading.failed:
                continue  # a quoted Message-ID whose recipient is not the one reported
            return Verdict(kind.value, f"{kind.value} bounce of {message_id} to {contact}: {reading.status or '-'}",
                           contact, message_id, partner, reading.status)
        if reading.key:
            return Verdict("ignored", f"a report for a message the ledger does not know (key {reading.key}): "
                                      "changes nothing")
        for address in reading.failed:
            sent_to = self._partner_of(address)
            if sent_to is not None:
                return Verdict(kind.value, f"{kind.value} bounce for {address} (no bounce address in the report, so "
                                           f"no message is marked): {reading.status or '-'}",
                               address, None, sent_to, reading.status)
        named = ", ".join(reading.failed) or "no address"
        return Verdict("ignored", f"a report naming {named}, to which the ledger records nothing sent: changes "
                                  "nothing")

    def _unsubscribe(self, data: bytes) -> Verdict | None:
        """Mail to the mailto: unsubscribe address: recorded like the link's one-click POST. None: not such mail."""
        address = self.bounces.unsubscribe_address
        if address is None:
            return None
        from .bounces import RECIPIENT_HEADERS, parse

        msg = parse(data)
        if not any(address.lower() in str(v).lower() for h in RECIPIENT_HEADERS for v in msg.get_all(h, [])):
            return None
        subject = " ".join(str(msg.get("Subject", "")).split())
        match = re.search(r"partner=[^\s&]+&contact=[0-9a-f]+&purpose=[a-z]+&token=[0-9a-f]{64}", subject)
        if self.signer is None:
            return Verdict("ignored", f"unsubscribe mail to {address}, but no unsubscribe secret is set to check it")
        request = self.signer.verify(unquote(match.group(0))) if match else None
        if request is None:
            return Verdict("ignored", f"unsubscribe mail to {address} without a valid signed link in its subject: "
                                      "recorded nothing (forward it to the team if a person wrote it)")
        at = self.now.astimezone(dt.UTC).replace(microsecond=0).isoformat()
        unsubscribe.append(self.config.unsubscribe_record,
                           unsubscribe.OptOut(at, request.partner, request.contact, request.purpose))
        return Verdict("unsubscribe", f"unsubscribe from {request.purpose} recorded for partner {request.partner}",
                       partner=request.partner)

    # --- the ledger ----------------------------------------------------------------------------------

    def _seen(self, digest: str) -> bool:
        with self.ledger.transaction("read the inbox record") as db:
            return db.execute("SELECT 1 FROM inbox WHERE digest = ?", (digest,)).fetchone() is not None

    def _message(self, message_id: str) -> tuple[str, str, str] | None:
        with self.ledger.transaction("read a message") as db:
            row = db.execute("SELECT message_id, partner, contact FROM items WHERE message_id = ? LIMIT 1",
                             (message_id,)).fetchone()
        return (str(row[0]), str(row[1]), str(row[2])) if row else None

    def _partner_of(self, address: str) -> str | None:
        with self.ledger.transaction("read a contact") as db:
            row = db.execute("SELECT partner FROM items WHERE contact = ? AND state = 'sent' LIMIT 1",
                             (address,)).fetchone()
        return str(row[0]) if row else None

    def _record(self, digest: str, v: Verdict) -> None:
        """One transaction: the message read, the items bounced, the address suppressed (or its soft count)."""
        today = self.today.isoformat()
        suppress: str | None = None
        with self.ledger.transaction("record a message read from the bounce inbox") as db:
            db.execute("INSERT INTO inbox (digest, read_on, outcome, address, message_id, detail)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (digest, today, v.outcome, v.address, v.message_id, v.detail or v.line[:300]))
            if v.outcome == Bounce.HARD and v.address:
                if v.message_id:
                    db.execute("UPDATE items SET bounced_on = ?, bounce = ? WHERE message_id = ? AND contact = ?",
                               (today, f"hard: {v.detail}", v.message_id, v.address))
                suppress = f"hard bounce: {v.detail or 'permanent failure'}"
            elif v.outcome == Bounce.SOFT and v.address:
                (count,) = db.execute("SELECT COUNT(*) FROM inbox WHERE address = ? AND outcome = 'soft'",
                                      (v.address,)).fetchone()
                if count >= self.bounces.soft_bounces:
                    suppress = f"{count} soft bounces, the last: {v.detail or 'temporary failure'}"
            if suppress and v.address:
                cursor = db.execute("INSERT OR IGNORE INTO suppressions (address, since, reason, partner, message_id)"
                                    " VALUES (?, ?, ?, ?, ?)", (v.address, today, suppress, v.partner, v.message_id))
                if cursor.rowcount:
                    self.report.suppressed.append(v.address)
        if v.outcome == "hard":
            self.report.hard += 1
        elif v.outcome == "soft":
            self.report.soft += 1
        elif v.outcome == "unsubscribe":
            self.report.unsubscribed += 1
        else:
            self.report.ignored += 1
