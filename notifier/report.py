"""What one run did, for people and (--json) for tools, and the exit code it means for cron."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from .produce import Prepared

OK, UNFINISHED, CONFIG_ERROR, LOCKED = 0, 1, 2, 3


@dataclass(slots=True)
class Report:
    today: str
    dry_run: bool
    planned: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0
    cancelled: int = 0
    copies_pending: int = 0  # copies (the rewards team's Cc) still refused for now after every retry: next run
    copies_failed: int = 0  # copies refused for good (the team's address needs fixing)
    copies_sent: int = 0  # copies delivered alone (retried, or left pending by an earlier run)
    outbox: str | None = None
    problems: list[str] = field(default_factory=list)  # every message not sent, with the reply
    stopped: str | None = None  # why the run refused or stopped (the ledger or the outbox): exit 2
    inbox_read: int = 0  # messages read from the bounce inbox (notifier/inbox.py)
    bounces: int = 0  # of which non-delivery reports (hard or soft) for our messages
    suppressed: list[str] = field(default_factory=list)  # addresses put on the suppression list this run
    inbox_failed: str | None = None  # the inbox could not be read: exit 1 (planning went on without it)

    @property
    def exit_code(self) -> int:
        if self.stopped:
            return CONFIG_ERROR
        return UNFINISHED if (self.failed or self.pending or self.copies_pending or self.copies_failed
                           or self.inbox_failed) else OK

    def summary(self) -> str:
        if self.stopped:
            return (f"notify {self.today}: stopped, {self.sent} sent before it stopped" if not self.dry_run
                    else f"notify {self.today}: dry run stopped, {self.planned} message(s) planned")
        if self.dry_run:
            return f"notify {self.today}: dry run, {self.planned} message(s) written to {self.outbox}"
        inbox = (f"; inbox: {self.inbox_read} read, {self.bounces} bounce(s), {len(self.suppressed)} address(es) "
                 "suppressed" if self.inbox_read else "") + ("; inbox not read" if self.inbox_failed else "")
        return (f"notify {self.today}: {self.planned} due, {self.sent} sent, {self.failed} failed, "
                f"{self.pending} left pending" + (f", {self.cancelled} cancelled" if self.cancelled else "")
                + self._copies() + inbox)

    def _copies(self) -> str:
        counts = [(self.copies_sent, "sent alone"), (self.copies_pending, "left pending"),
                  (self.copies_failed, "refused")]
        said = ", ".join(f"{n} {what}" for n, what in counts if n)
        return f"; team copies: {said}" if said else ""


def failed(report: Report, prepared: Prepared, reply: str, err: TextIO) -> None:
    report.failed += 1
    line = f"failed {prepared.to} {prepared.message_id} ({prepared.kinds}): {reply}"
    report.problems.append(line)
    print(f"notify: {line}", file=err)
