"""The kill-safe core of a run: each planned message recorded pending (committed) just before it is
handed to the sender, and each result recorded when the server replies (notifier/notify.py runs it)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TextIO

from .copies import Copy
from .journal import Journal, JournalEntry
from .ledger import Ledger, LedgerError
from .plan import History, Key
from .produce import Prepared
from .report import Report, failed
from .send import Job, Outcome, Result, SendSettings, send_all

PENDING_BATCH = 100  # messages recorded pending in one transaction, just before they are sent


class Delivery:
    """The kill-safe core, one step per method: admit each planned message, record a batch pending
    (committed) just before handing it to the sender, record each result when the server replies."""

    def __init__(self, ledger: Ledger, journal: Journal, history: History, today: dt.date,
                 now: Callable[[], dt.datetime], report: Report, err: TextIO, window: int = 8,
                 return_path: Callable[[str], str] | None = None, only: str | None = None):
        self.ledger, self.journal, self.history, self.today, self.now = ledger, journal, history, today, now
        self.return_path = return_path  # Message-ID -> envelope sender (VERP); None: the composed sender
        self.report, self.err = report, err
        self.in_flight: dict[str, Prepared] = {}  # recorded pending and handed to the sender, by Message-ID
        self.copies_out: dict[tuple[str, str], Copy] = {}  # earlier runs' copies handed to the sender
        self.only = only  # --only: the partner whose earlier copies are sent
        self.replanned: set[Key] = set()  # items left pending by earlier runs and planned again
        self.stopped: LedgerError | None = None  # the ledger failed: nothing more is handed to the sender
        self.window = window  # at most this many messages handed to the sender and not yet answered
        self._answered: asyncio.Event | None = None

    async def send(self, messages: Iterator[Prepared], settings: SendSettings) -> None:
        self._answered = asyncio.Event()
        await send_all(self.jobs(messages), settings, self.record_result)

    async def jobs(self, messages: Iterator[Prepared]) -> AsyncIterator[Job]:
        """The jobs for the sender. Never raises: a ledger error stops the run (`stop`), and the sender
        then finishes only what it already holds (at most `window` messages), whose results are kept."""
        assert self._answered is not None
        try:
            for job in itertools.chain(self.earlier_copies(), (
                    job for batch in _batches(self.admit(messages), PENDING_BATCH)
                    for job in self.record_pending(batch))):
                # Hand over only a few at a time (enough to keep every connection pipelining), so that
                # a stop leaves little in the sender's queue.
                while len(self.in_flight) + len(self.copies_out) > self.window and self.stopped is None:
                    self._answered.clear()
                    await self._answered.wait()
                if self.stopped is not None:
                    return
                yield job
        except LedgerError as exc:
            self.stop(exc)

    def earlier_copies(self) -> Iterator[Job]:
        """First, the team's copies that earlier runs could not deliver: each to its address alone, the
        exact message its contact got (notifier/copies.py)."""
        for c in self.ledger.copies(self.only):
            self.copies_out[(c.message_id, c.address)] = c
            yield Job(c.message_id, c.sender, (c.address,), c.data, copy=True)

    def stop(self, exc: LedgerError) -> None:
        """The ledger failed: no further message goes to the sender (reported when the sender is done)."""
        if self.stopped is None:
            self.stopped = exc

    def admit(self, messages: Iterator[Prepared]) -> Iterator[Prepared]:
        """Each planned message that may go. A message planned again for a contact with pending items
        keeps only the items planned now; one refused while composing is recorded failed, not sent."""
        for prepared in messages:
            self.report.planned += 1
            if self.history.pending.get((prepared.partner_id, prepared.to.lower())):
                self.replanned.update(prepared.keys)
                self.report.cancelled += self.ledger.drop_items_not_in(prepared.message_id, prepared.keys)
            if prepared.refused:
                self.ledger.record_pending([(prepared.message_id, prepared.keys)], self.today)
                self.ledger.mark_failed(prepared.message_id, self.now(), self.today, prepared.refused)
                failed(self.report, prepared, prepared.refused, self.err)
                continue
            yield prepared

    def record_pending(self, batch: list[Prepared]) -> Iterator[Job]:
        """Pending, with its Message-ID, committed before the first SMTP command of each message."""
        self.ledger.record_pending(((p.message_id, p.keys) for p in batch), self.today)
        for p in batch:
            self.in_flight[p.message_id] = p
            sender = self.return_path(p.message_id) if self.return_path else p.sender
            yield Job(p.message_id, sender, p.recipients, p.data)

    def record_result(self, result: Result) -> None:
        """The server has replied: sent, failed for good, or pending for the next run. Never raises (the
        sender calls it): a result the ledger cannot take goes to the journal, and the run stops."""
        if self._answered is not None:
            self._answered.set()
        if result.copy is not None:
            self.record_copy(result)
            return
        prepared = self.in_flight.pop(result.message_id)
        own = self.own_copies(prepared, result)
        if result.outcome is Outcome.SENT:
            self.settle(prepared, "sent", "; ".join(result.refused) or None, own)
            self.report.sent += 1
        elif result.outcome is Outcome.FAILED:
            self.settle(prepared, "failed", result.reply, own)
            delivered = f"; the copy to {', '.join(result.delivered)} was delivered" if result.delivered else ""
            failed(self.report, prepared, result.reply + delivered, self.err)
        else:
            if self.stopped is None:  # still pending either way; the reply is only worth keeping
                try:
                    self.ledger.mark_attempted(result.message_id, result.reply, result.attempts)
                except LedgerError as exc:
                    self.stop(exc)
            self.report.pending += 1
            line = f"pending {prepared.to} {prepared.message_id} ({prepared.kinds}): {result.reply}"
            self.report.problems.append(line)
            print(f"notify: {line}", file=self.err)
            return
        for refused in result.refused:  # a copy refused for good: the team's address needs fixing
            self.report.copies_failed += 1
            line = f"copy refused {prepared.message_id} ({prepared.kinds}): {refused}"
            self.report.problems.append(line)
            print(f"notify: {line}", file=self.err)

    def own_copies(self, prepared: Prepared, result: Result) -> tuple[Copy, ...]:
        """The copies whose fate is not the message's (notifier/copies.py): each one refused for now is
        kept, bytes and all, so that it is sent alone until it is delivered; the others, what they got."""
        if result.outcome is Outcome.SENT:
            done = [(r.partition(": ")[0], "failed", r) for r in result.refused]
        else:
            done = [(a, "sent", "250 accepted") for a in result.delivered]
        sender = self.return_path(prepared.message_id) if self.return_path else prepared.sender
        return (*(Copy(prepared.message_id, a, prepared.partner_id, "pending", reply, sender, prepared.data)
                  for a, reply in result.deferred),
                *(Copy(prepared.message_id, a, prepared.partner_id, state, reply) for a, state, reply in done))

    def record_copy(self, result: Result) -> None:
        """A copy sent alone (retried in this run, or left pending by an earlier one): sent, failed for
        good, or still pending: then the run exits 1 and the next run sends it alone again."""
        assert result.copy is not None
        self.copies_out.pop((result.message_id, result.copy), None)
        state = {Outcome.SENT: "sent", Outcome.FAILED: "failed"}.get(result.outcome, "pending")
        at = self.now()
        entry = JournalEntry(result.message_id, state, self.today.isoformat(), at.isoformat(), result.reply,
                             copy=result.copy, attempts=result.attempts)
        if self.stopped is None:
            try:
                self.ledger.settle_copy(result.message_id, result.copy, state, at, self.today, result.reply,
                                        result.attempts)
            except LedgerError as exc:
                self.stop(exc)
        if self.stopped is not None and state != "pending":
            self.keep(entry, f"the copy to {result.copy} of {result.message_id}")
        if state == "sent":
            self.report.copies_sent += 1
            return
        if state == "failed":
            self.report.copies_failed += 1
            line = f"copy refused {result.copy} {result.message_id}: {result.reply}"
        else:
            self.report.copies_pending += 1
            line = (f"copy not delivered {result.copy} {result.message_id}: {result.reply}; left pending, the next "
                    f"run sends it to {result.copy} alone")
        self.report.problems.append(line)
        print(f"notify: {line}", file=self.err)

    def settle(self, prepared: Prepared, state: str, reply: str | None, own: tuple[Copy, ...] = ()) -> None:
        """The server's final word in the ledger; if the ledger cannot take it (or has already failed this
        run, so as not to wait on its lock again), in the journal; if not even there, said loudly."""
        at = self.now()
        if self.stopped is None:
            try:
                if state == "sent":
                    self.ledger.mark_sent(prepared.message_id, at, self.today, reply, own)
                else:
                    self.ledger.mark_failed(prepared.message_id, at, self.today, reply or "", own)
                return
            except LedgerError as exc:
                self.stop(exc)
        entry = JournalEntry(prepared.message_id, state, self.today.isoformat(), at.isoformat(), reply,
                             [c.to_json() for c in own])
        if self.keep(entry, f"{prepared.message_id} to {prepared.to}") or not own:
            return
        # Too big for what is left of the disk (a copy carries its message): the result without the copies.
        if self.keep(dataclasses.replace(entry, copies=[]), f"{prepared.message_id} to {prepared.to}"):
            print(f"notify: the copy to {', '.join(c.address for c in own)} of {prepared.message_id} could not be "
                  "recorded; forward the contact's message to it", file=self.err)

    def keep(self, entry: JournalEntry, what: str) -> bool:
        """A result the ledger could not take, in the journal; False (and said loudly) when that fails too."""
        try:
            self.journal.write(entry)
            return True
        except OSError as exc:
            where = (f"message_id = '{entry.message_id}'" if entry.copy is None
                     else f"message_id = '{entry.message_id}' AND address = '{entry.copy}'")
            table = "items" if entry.copy is None else "copies"
            print(f"notify: {what} was {entry.state} by the server, but neither the ledger nor {self.journal.path} "
                  f"could record it ({exc.strerror}). It is still pending in the ledger, and the next run WILL SEND "
                  f"IT AGAIN unless you record it first: sqlite3 {self.ledger.path} \"UPDATE {table} SET state = "
                  f"'{entry.state}' WHERE {where}\"", file=self.err)
            return False

    def stale_pending(self, only: str | None) -> list[Key]:
        """Items left pending by earlier runs that this run did not plan again."""
        return [
            r.key for records in self.history.pending.values() for r in records
            if r.key not in self.replanned and (only is None or r.key.partner == only)
        ]


def _batches(items: Iterable[Prepared], size: int) -> Iterator[list[Prepared]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch
