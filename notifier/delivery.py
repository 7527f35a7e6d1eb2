"""The kill-safe core of a run: each planned message recorded pending (committed) just before it is
handed to the sender, and each result recorded when the server replies (notifier/notify.py runs it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TextIO

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
                 return_path: Callable[[str], str] | None = None):
        self.ledger, self.journal, self.history, self.today, self.now = ledger, journal, history, today, now
        self.return_path = return_path  # Message-ID -> envelope sender (VERP); None: the composed sender
        self.report, self.err = report, err
        self.in_flight: dict[str, Prepared] = {}  # recorded pending and handed to the sender, by Message-ID
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
            for batch in _batches(self.admit(messages), PENDING_BATCH):
                for job in self.record_pending(batch):
                    # Hand over only a few at a time (enough to keep every connection pipelining), so that
                    # a stop leaves little in the sender's queue.
                    while len(self.in_flight) > self.window and self.stopped is None:
                        self._answered.clear()
                        await self._answered.wait()
                    if self.stopped is not None:
                        return
                    yield job
        except LedgerError as exc:
            self.stop(exc)

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
        prepared = self.in_flight.pop(result.message_id)
        if self._answered is not None:
            self._answered.set()
        if result.outcome is Outcome.SENT:
            self.settle(prepared, "sent", "; ".join(result.refused) or None)
            self.report.sent += 1
            for refused in result.refused:
                print(f"notify: {prepared.message_id}: copy refused: {refused}", file=self.err)
            if result.copies_lost:
                # The contact has the message (so it is not sent again); the copy is not, and the run
                # says so: exit 1, and the next reminder of the escalation copies the team again.
                line = (f"copy not delivered {', '.join(result.copies_lost)} {prepared.message_id} "
                        f"({prepared.kinds}): refused for now through every retry")
                self.report.copies_lost += len(result.copies_lost)
                self.report.problems.append(line)
                print(f"notify: {line}", file=self.err)
        elif result.outcome is Outcome.FAILED:
            self.settle(prepared, "failed", result.reply)
            failed(self.report, prepared, result.reply, self.err)
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

    def settle(self, prepared: Prepared, state: str, reply: str | None) -> None:
        """The server's final word in the ledger; if the ledger cannot take it (or has already failed this
        run, so as not to wait on its lock again), in the journal; if not even there, said loudly."""
        at = self.now()
        if self.stopped is None:
            try:
                if state == "sent":
                    self.ledger.mark_sent(prepared.message_id, at, self.today, reply)
                else:
                    self.ledger.mark_failed(prepared.message_id, at, self.today, reply or "")
                return
            except LedgerError as exc:
                self.stop(exc)
        try:
            self.journal.write(JournalEntry(prepared.message_id, state, self.today.isoformat(), at.isoformat(),
                                            reply))
        except OSError as exc:
            print(f"notify: {prepared.message_id} to {prepared.to} was {state} by the server, but neither the ledger "
                  f"nor {self.journal.path} could record it ({exc.strerror}). It is still pending in the ledger, "
                  f"and the next run WILL SEND IT AGAIN unless you record it first: sqlite3 {self.ledger.path} "
                  f"\"UPDATE items SET state = '{state}' WHERE message_id = '{prepared.message_id}'\"", file=self.err)

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
