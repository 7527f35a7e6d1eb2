"""One `rewards notify` run, the cron job. Read `notify` top to bottom: first the plan of the run,
then its steps.

    plan the run -> (dry run: preview into the outbox) or: lock -> read the ledger -> plan and
    compose the messages -> record pending -> send -> record sent or failed -> cancel what is stale

Kill-safety: a message is recorded pending (with its Message-ID, committed) before its first SMTP
command, and recorded sent only after the server's reply. A run killed at any moment, run again,
sends each message once, except at most the one in flight, and that one with the same Message-ID.

Exit codes (for cron): 0 everything due was sent; 1 something failed or is left pending;
2 configuration or content error (nothing sent); 3 another run holds the lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rewards_build import clock
from rewards_build.config import NotifierConfig, SiteConfig
from rewards_build.model import Content

from .compose import Composer
from .ledger import Ledger
from .lock import LockHeld, RunLock, lock_path_for
from .outbox import Outbox
from .plan import History, Key, PlanOptions
from .produce import Prepared, produce, started
from .send import Job, Outcome, Result, SendSettings, send_all

OK, UNFINISHED, CONFIG_ERROR, LOCKED = 0, 1, 2, 3
PENDING_BATCH = 100  # messages recorded pending in one transaction, just before they are sent


@dataclass(frozen=True, slots=True)
class Options:
    """What the user asked for (the command line)."""

    today: dt.date
    dry_run: bool = False
    outbox: Path | None = None
    only: str | None = None
    limit: int | None = None
    json: bool = False


@dataclass(frozen=True, slots=True)
class NotifyPlan:
    """What this run will do, decided before the ledger is read or a server contacted."""

    today: dt.date
    select: PlanOptions  # which partners, and at most how many messages
    ledger: Path
    outbox: Path | None  # a dry run: each message written here; nothing sent, the ledger left alone
    send: SendSettings | None  # how to send (None on a dry run)
    cancel_stale: bool  # pending items from earlier runs that planning no longer produces get cancelled


@dataclass(slots=True)
class Report:
    today: str
    dry_run: bool
    planned: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0
    cancelled: int = 0
    outbox: str | None = None
    problems: list[str] = field(default_factory=list)  # every message not sent, with the reply

    @property
    def exit_code(self) -> int:
        return UNFINISHED if self.failed or self.pending else OK

    def summary(self) -> str:
        if self.dry_run:
            return f"notify {self.today}: dry run, {self.planned} message(s) written to {self.outbox}"
        return (f"notify {self.today}: {self.planned} due, {self.sent} sent, {self.failed} failed, "
                f"{self.pending} left pending" + (f", {self.cancelled} cancelled" if self.cancelled else ""))


class ConfigError(Exception):
    """site.yml and the environment do not allow this run (nothing is sent)."""


def notify(
    site: SiteConfig,
    content: Content,
    options: Options,
    now: Callable[[], dt.datetime] = clock.now,
    send_overrides: Mapping[str, Any] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """One run. The clock and the sending knobs that are not in site.yml (backoff, TLS context) can be injected."""
    out, err = stdout or sys.stdout, stderr or sys.stderr

    # 1. Plan the run: a missing password is a configuration error, found before anything is done.
    try:
        plan = plan_run(site.notifier, options, send_overrides or {})
    except ConfigError as exc:
        print(f"notify: {exc}", file=err)
        return CONFIG_ERROR
    composer = Composer(site, content, now)
    report = Report(options.today.isoformat(), options.dry_run)

    # 2. A dry run previews the messages from the ledger as it is (read only), and stops.
    if plan.send is None:
        preview(plan, content, site.notifier, composer, report, err)
        return finish(report, options.json, out)

    # 3. One run at a time; then deliver: plan from the ledger, record pending, send, record.
    try:
        with RunLock(lock_path_for(plan.ledger)):
            deliver(plan, plan.send, content, site.notifier, composer, now, report, err)
    except LockHeld as exc:
        return refuse_locked(exc, plan.today, options.json, out, err)

    # 4. Say how it went, for people or (--json) for tools.
    return finish(report, options.json, out)


def plan_run(config: NotifierConfig, options: Options, send_overrides: Mapping[str, Any]) -> NotifyPlan:
    select = PlanOptions(options.only, options.limit)
    if options.dry_run:
        return NotifyPlan(options.today, select, config.ledger, options.outbox or config.outbox, None, False)
    smtp = config.smtp
    password = os.environ.get(smtp.password_env) if smtp.password_env else None
    if smtp.user and not password:
        raise ConfigError(f"smtp.user is set but ${smtp.password_env} is empty")
    send = SendSettings(smtp, config.rate_limit_per_second, config.retries, password)
    return NotifyPlan(options.today, select, config.ledger, None, dataclasses.replace(send, **send_overrides),
                      cancel_stale=options.limit is None)


def preview(plan: NotifyPlan, content: Content, config: NotifierConfig, composer: Composer, report: Report,
            err: TextIO) -> None:
    """Dry run: every message due, written to the outbox as .eml files and an index.html."""
    assert plan.outbox is not None
    history = _read_only_history(plan.ledger)
    outbox = Outbox(plan.outbox, composer.folder)
    for prepared in produce(content, config, history, plan.today, composer, plan.select):
        report.planned += 1
        if prepared.refused:
            _failed(report, prepared, prepared.refused, err)
        else:
            outbox.write(prepared)
    report.outbox = str(outbox.finish(plan.today))


def deliver(plan: NotifyPlan, settings: SendSettings, content: Content, config: NotifierConfig,
            composer: Composer, now: Callable[[], dt.datetime], report: Report, err: TextIO) -> None:
    """Under the lock: the run recorded in the ledger, every message due sent, what is stale cancelled."""
    ledger = Ledger.open(plan.ledger)
    try:
        run_id = ledger.start_run(plan.today, now())
        history = ledger.history()
        # Started here, before the event loop exists: the planning workers are forked while this
        # process has a single thread (asyncio's resolver threads come later).
        messages = started(produce(content, config, history, plan.today, composer, plan.select))
        delivery = Delivery(ledger, history, plan.today, now, report, err)
        asyncio.run(delivery.send(messages, settings))
        if plan.cancel_stale:  # pending from earlier runs that planning no longer produces: the cause was fixed
            report.cancelled += ledger.cancel(delivery.stale_pending(plan.select.only))
        ledger.finish_run(run_id, now(), report.sent, report.failed, report.pending, report.exit_code)
    finally:
        ledger.close()


class Delivery:
    """The kill-safe core, one step per method: admit each planned message, record a batch pending
    (committed) just before handing it to the sender, record each result when the server replies."""

    def __init__(self, ledger: Ledger, history: History, today: dt.date, now: Callable[[], dt.datetime],
                 report: Report, err: TextIO):
        self.ledger, self.history, self.today, self.now = ledger, history, today, now
        self.report, self.err = report, err
        self.in_flight: dict[str, Prepared] = {}  # recorded pending and handed to the sender, by Message-ID
        self.replanned: set[Key] = set()  # items left pending by earlier runs and planned again

    async def send(self, messages: Iterator[Prepared], settings: SendSettings) -> None:
        await send_all(self.jobs(messages), settings, self.record_result)

    async def jobs(self, messages: Iterator[Prepared]) -> AsyncIterator[Job]:
        for batch in _batches(self.admit(messages), PENDING_BATCH):
            for job in self.record_pending(batch):
                yield job

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
                _failed(self.report, prepared, prepared.refused, self.err)
                continue
            yield prepared

    def record_pending(self, batch: list[Prepared]) -> list[Job]:
        """Pending, with its Message-ID, committed before the first SMTP command of each message."""
        self.ledger.record_pending(((p.message_id, p.keys) for p in batch), self.today)
        self.in_flight.update((p.message_id, p) for p in batch)
        return [Job(p.message_id, p.sender, p.recipients, p.data) for p in batch]

    def record_result(self, result: Result) -> None:
        """The server has replied: sent, failed for good, or pending for the next run."""
        prepared = self.in_flight.pop(result.message_id)
        if result.outcome is Outcome.SENT:
            self.ledger.mark_sent(result.message_id, self.now(), self.today, "; ".join(result.refused) or None)
            self.report.sent += 1
            for refused in result.refused:
                print(f"notify: {prepared.message_id}: copy refused: {refused}", file=self.err)
        elif result.outcome is Outcome.FAILED:
            self.ledger.mark_failed(result.message_id, self.now(), self.today, result.reply)
            _failed(self.report, prepared, result.reply, self.err)
        else:
            self.ledger.mark_attempted(result.message_id, result.reply, result.attempts)
            self.report.pending += 1
            line = f"pending {prepared.to} {prepared.message_id} ({prepared.kinds}): {result.reply}"
            self.report.problems.append(line)
            print(f"notify: {line}", file=self.err)

    def stale_pending(self, only: str | None) -> list[Key]:
        """Items left pending by earlier runs that this run did not plan again."""
        return [
            r.key for records in self.history.pending.values() for r in records
            if r.key not in self.replanned and (only is None or r.key.partner == only)
        ]


def refuse_locked(exc: LockHeld, today: dt.date, as_json: bool, out: TextIO, err: TextIO) -> int:
    print(f"notify: {exc}; exiting", file=err)
    if as_json:
        print(json.dumps({"today": today.isoformat(), "locked": True, "exit_code": LOCKED}), file=out)
    else:
        print(f"notify {today}: another run is in progress; nothing done", file=out)
    return LOCKED


def finish(report: Report, as_json: bool, out: TextIO) -> int:
    if as_json:
        print(json.dumps({**asdict(report), "exit_code": report.exit_code}, ensure_ascii=False, indent=2), file=out)
    else:
        print(report.summary(), file=out)
    return report.exit_code


def _batches(items: Iterable[Prepared], size: int) -> Iterator[list[Prepared]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _failed(report: Report, prepared: Prepared, reply: str, err: TextIO) -> None:
    report.failed += 1
    line = f"failed {prepared.to} {prepared.message_id} ({prepared.kinds}): {reply}"
    report.problems.append(line)
    print(f"notify: {line}", file=err)


def _read_only_history(path: Path) -> History:
    ledger = Ledger.open_read_only(path)
    if ledger is None:
        return History()
    try:
        return ledger.history()
    finally:
        ledger.close()


def show_status(site: SiteConfig, out: TextIO) -> int:
    """`--status`: the ledger by kind and state."""
    ledger = Ledger.open_read_only(site.notifier.ledger)
    if ledger is None:
        print(f"no ledger yet at {site.notifier.ledger}", file=out)
        return OK
    try:
        rows = ledger.status()
    finally:
        ledger.close()
    states = ["pending", "sent", "failed", "cancelled"]
    kinds = sorted({r.kind for r in rows})
    counts = {(r.kind, r.state): r.count for r in rows}
    width = max([len("kind"), *map(len, kinds)])
    print(f"{'kind':<{width}}  " + "  ".join(f"{s:>9}" for s in states), file=out)
    for kind in kinds:
        print(f"{kind:<{width}}  " + "  ".join(f"{counts.get((kind, s), 0):>9}" for s in states), file=out)
    print(f"{'total':<{width}}  " + "  ".join(
        f"{sum(counts.get((k, s), 0) for k in kinds):>9}" for s in states), file=out)
    return OK
