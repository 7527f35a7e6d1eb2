"""`rewards notify`: the cron job. Read `run` and `notify` top to bottom; they are the steps.

    load content -> lock -> read the ledger -> plan -> compose -> record pending -> send -> record

Exit codes (for cron): 0 everything due was sent; 1 something failed or is left pending;
2 configuration or content error (nothing sent); 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from rewards_build.clock import add_today_argument, today_from
from rewards_build.config import SiteConfig
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_today_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="write .eml files and index.html to the outbox; send nothing, leave the ledger alone")
    parser.add_argument("--outbox", type=Path, metavar="DIR", help="dry-run folder (default: notifier.outbox)")
    parser.add_argument("--only", metavar="PARTNER", help="only this partner id")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N messages this run")
    parser.add_argument("--status", action="store_true", help="show the ledger by kind and state, then exit")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")


@dataclass(frozen=True, slots=True)
class Options:
    today: dt.date
    dry_run: bool = False
    outbox: Path | None = None
    only: str | None = None
    limit: int | None = None
    json: bool = False


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


def run(args: argparse.Namespace) -> int:
    """The CLI entry: load and validate content, then notify (or show the ledger's status)."""
    today = today_from(args)
    site, content, code = _load(Path(args.site), today, sys.stderr)
    if site is None:
        return code
    if args.status:
        return show_status(site, sys.stdout)
    if content is None:
        return code
    options = Options(today, args.dry_run, args.outbox, args.only, args.limit, args.json)
    return notify(site, content, options)


def notify(
    site: SiteConfig,
    content: Content,
    options: Options,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    send_overrides: dict[str, object] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """One run. The clock and the SMTP settings (server, TLS context, backoff) can be injected."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    config = site.notifier
    composer = Composer(site, content, now)
    report = Report(options.today.isoformat(), options.dry_run)
    plan_options = PlanOptions(options.only, options.limit)

    # 1. Dry run: plan from the ledger as it is (read only), write the outbox, stop.
    if options.dry_run:
        history = _read_only_history(config.ledger)
        outbox = Outbox(options.outbox or config.outbox, composer.folder)
        for prepared in produce(content, config, history, options.today, composer, plan_options):
            report.planned += 1
            if prepared.refused:
                _failed(report, prepared, prepared.refused, err)
            else:
                outbox.write(prepared)
        report.outbox = str(outbox.finish(options.today))
        return _finish(report, options, out, err)

    # 2. Settings before anything else: a missing password is a configuration error.
    password = os.environ.get(config.smtp.password_env) if config.smtp.password_env else None
    if config.smtp.user and not password:
        print(f"notify: smtp.user is set but ${config.smtp.password_env} is empty", file=err)
        return CONFIG_ERROR
    settings = SendSettings.of(config.smtp, password, config.rate_limit_per_second, config.retries,
                               **(send_overrides or {}))

    # 3. One run at a time.
    try:
        with RunLock(lock_path_for(config.ledger)):
            ledger = Ledger.open(config.ledger)
            try:
                run_id = ledger.start_run(options.today, now())
                # 4. Plan from the ledger, then compose, record pending and send, streaming.
                history = ledger.history()
                # Started here, before the event loop exists: the planning workers are forked while
                # this process has a single thread (asyncio's resolver threads come later).
                messages = started(produce(content, config, history, options.today, composer, plan_options))
                replanned = asyncio.run(_send(messages, ledger, settings, options.today, now, report, history, err))
                # 5. Pending from earlier runs that planning no longer produces (cause fixed): cancelled.
                if options.limit is None:
                    report.cancelled += ledger.cancel(_stale_pending(history, replanned, options.only))
                ledger.finish_run(run_id, now(), report.sent, report.failed, report.pending, report.exit_code)
            finally:
                ledger.close()
    except LockHeld as exc:
        print(f"notify: {exc}; exiting", file=err)
        if options.json:
            print(json.dumps({"today": options.today.isoformat(), "locked": True, "exit_code": LOCKED}), file=out)
        else:
            print(f"notify {options.today}: another run is in progress; nothing done", file=out)
        return LOCKED
    return _finish(report, options, out, err)


async def _send(
    messages: Iterator[Prepared],
    ledger: Ledger,
    settings: SendSettings,
    today: dt.date,
    now: Callable[[], dt.datetime],
    report: Report,
    history: History,
    err: TextIO,
) -> set[Key]:
    """Streams record pending -> send -> record. Returns the keys left pending by earlier runs that
    were planned again (the others are stale)."""
    in_flight: dict[str, Prepared] = {}
    replanned: set[Key] = set()

    async def jobs() -> AsyncIterator[Job]:
        batch: list[Prepared] = []
        for prepared in messages:
            report.planned += 1
            if history.pending.get((prepared.partner_id, prepared.to.lower())):
                replanned.update(prepared.keys)
                report.cancelled += ledger.drop_items_not_in(prepared.message_id, prepared.keys)
            if prepared.refused:
                ledger.record_pending([(prepared.message_id, prepared.keys)], today)
                ledger.mark_failed(prepared.message_id, now(), today, prepared.refused)
                _failed(report, prepared, prepared.refused, err)
                continue
            batch.append(prepared)
            if len(batch) >= PENDING_BATCH:
                for job in _record(batch, ledger, today, in_flight):
                    yield job
                batch = []
        for job in _record(batch, ledger, today, in_flight):
            yield job

    def settle(result: Result) -> None:
        prepared = in_flight.pop(result.message_id)
        if result.outcome is Outcome.SENT:
            ledger.mark_sent(result.message_id, now(), today, "; ".join(result.refused) or None)
            report.sent += 1
            for refused in result.refused:
                print(f"notify: {prepared.message_id}: copy refused: {refused}", file=err)
        elif result.outcome is Outcome.FAILED:
            ledger.mark_failed(result.message_id, now(), today, result.reply)
            _failed(report, prepared, result.reply, err)
        else:
            ledger.mark_attempted(result.message_id, result.reply, result.attempts)
            report.pending += 1
            line = f"pending {prepared.to} {prepared.message_id} ({prepared.kinds}): {result.reply}"
            report.problems.append(line)
            print(f"notify: {line}", file=err)

    await send_all(jobs(), settings, settle)
    return replanned


def _record(batch: list[Prepared], ledger: Ledger, today: dt.date, in_flight: dict[str, Prepared]) -> Iterator[Job]:
    """Pending, with its Message-ID, committed before the first SMTP command of each message."""
    ledger.record_pending(((p.message_id, p.keys) for p in batch), today)
    for p in batch:
        in_flight[p.message_id] = p
        yield Job(p.message_id, p.sender, p.recipients, p.data)


def _failed(report: Report, prepared: Prepared, reply: str, err: TextIO) -> None:
    report.failed += 1
    line = f"failed {prepared.to} {prepared.message_id} ({prepared.kinds}): {reply}"
    report.problems.append(line)
    print(f"notify: {line}", file=err)


def _stale_pending(history: History, planned: set[Key], only: str | None) -> list[Key]:
    return [
        r.key for records in history.pending.values() for r in records
        if r.key not in planned and (only is None or r.key.partner == only)
    ]


def _finish(report: Report, options: Options, out: TextIO, err: TextIO) -> int:
    if options.json:
        print(json.dumps({**asdict(report), "exit_code": report.exit_code}, ensure_ascii=False, indent=2), file=out)
    else:
        print(report.summary(), file=out)
    return report.exit_code


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


def _load(site_path: Path, today: dt.date, err: TextIO) -> tuple[SiteConfig | None, Content | None, int]:
    """Content through the shared pipeline; any problem is printed and means exit 2, nothing sent."""
    try:
        from rewards_build.pipeline import load_all
        from rewards_build.report import print_problems
    except ImportError as exc:
        print(f"notify: the content loader is not available ({exc})", file=err)
        return None, None, CONFIG_ERROR
    result = load_all(site_path, today)
    if result.problems:
        print_problems(result.problems, err)
        print(f"notify: {len(result.problems)} problem(s) in content or configuration; nothing sent", file=err)
        return result.config, None, CONFIG_ERROR
    return result.config, result.content, OK
