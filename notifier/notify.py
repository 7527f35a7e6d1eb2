"""One `rewards notify` run, the cron job. Read `notify` top to bottom: first the plan of the run,
then its steps.

    plan the run -> (dry run: preview into the outbox) or: lock -> read the ledger -> plan and
    compose the messages -> record pending -> send -> record sent or failed -> cancel what is stale

Kill-safety: a message is recorded pending (with its Message-ID, committed) before its first SMTP
command, and recorded sent only after the server's reply. A run killed at any moment, run again,
sends each message once, except at most the one in flight, and that one with the same Message-ID.

The ledger is trusted only after it proves itself (notifier/ledger.py): a missing ledger where runs
have been before, an empty, damaged or foreign one, or one locked by another program stops the run
before anything is sent. If the ledger stops accepting writes in the middle of a run, the run stops
sending at once; what the server said about the messages already handed to it goes to the recovery
journal (`<ledger>.unrecorded`), which the next run records in the ledger before planning.

Exit codes (for cron): 0 everything due was sent; 1 something failed or is left pending;
2 configuration, content, ledger or outbox error (the run refused, or stopped: see the message);
3 another run holds the lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import imaplib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from rewards_build import clock
from rewards_build.config import NotifierConfig, SiteConfig
from rewards_build.model import Content

from . import signing, unsubscribe
from .bounces import verp_address
from .compose import Composer
from .delivery import Delivery
from .inbox import Inbox, InboxError, open_source
from .journal import Journal, apply_journal, journal_overrides
from .ledger import BUSY_SECONDS, Ledger, LedgerError
from .lock import LockHeld, RunLock, lock_path_for
from .outbox import Outbox, OutboxError
from .plan import History, PlanOptions
from .produce import produce, started
from .report import CONFIG_ERROR, LOCKED, OK, Report, failed
from .send import SendSettings


class NewLedger(StrEnum):
    """When a run may create the ledger (a missing ledger where history is expected is never silent)."""

    REFUSE = "refuse"  # `rewards notify`: the ledger must exist; creating it is `--init-ledger`'s job
    CREATE = "create"  # `rewards notify --init-ledger`: the first run creates it (and refuses an existing one)
    IF_NO_TRACE = "if-no-trace"  # the Python API's default (tests): create it unless a run has been here before


@dataclass(frozen=True, slots=True)
class Options:
    """What the user asked for (the command line)."""

    today: dt.date
    dry_run: bool = False
    outbox: Path | None = None
    only: str | None = None
    limit: int | None = None
    json: bool = False
    new_ledger: NewLedger = NewLedger.IF_NO_TRACE


@dataclass(frozen=True, slots=True)
class NotifyPlan:
    """What this run will do, decided before the ledger is read or a server contacted."""

    today: dt.date
    select: PlanOptions  # which partners, and at most how many messages
    ledger: Path
    outbox: Path | None  # a dry run: each message written here; nothing sent, the ledger left alone
    send: SendSettings | None  # how to send (None on a dry run)
    cancel_stale: bool  # pending items from earlier runs that planning no longer produces get cancelled
    unsubscribed: frozenset[tuple[str, str]] = frozenset()  # recorded tip opt-outs (notifier/unsubscribe.py)


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
    ledger_busy_seconds: float = BUSY_SECONDS,
) -> int:
    """One run. The clock, the sending knobs that are not in site.yml (backoff, TLS context) and how long
    to wait for another program's lock on the ledger can be injected."""
    out, err = stdout or sys.stdout, stderr or sys.stderr

    # 1. Plan the run: a missing password is a configuration error, found before anything is done.
    try:
        plan = plan_run(site.notifier, options, send_overrides or {})
    except ConfigError as exc:
        print(f"notify: {exc}", file=err)
        return CONFIG_ERROR
    # 1b. Unsubscribing: who unsubscribed from tips (the receiver's record), and the signer of the links.
    try:
        plan = dataclasses.replace(plan, unsubscribed=recorded_optouts(site.notifier, content))
    except ConfigError as exc:
        print(f"notify: {exc}", file=err)
        return CONFIG_ERROR
    try:
        signer = unsubscribe.signer_from(site.notifier.unsubscribe)
    except unsubscribe.SecretMissing as exc:
        print(f"notify: {exc}: tips go without an unsubscribe link until it is set", file=err)
        signer = None
    try:  # 1c. DKIM: the key is read and tried now, so a bad one stops the run before anything is sent
        dkim = signing.signer_from(site.notifier.dkim)
    except signing.DkimKeyError as exc:
        print(f"notify: {exc}", file=err)
        return CONFIG_ERROR
    composer = Composer(site, content, now, unsubscribe=signer, dkim=dkim)
    report = Report(options.today.isoformat(), options.dry_run)

    # 2. A dry run previews the messages from the ledger as it is (read only), and stops.
    if plan.send is None:
        try:
            preview(plan, content, site.notifier, composer, report, err)
        except (LedgerError, OutboxError) as exc:
            stop(report, exc, err)
        return finish(report, options.json, out)

    # 3. One run at a time; then deliver: open and check the ledger, plan from it, record pending,
    #    send, record. A ledger that cannot be trusted or written stops the run (see Delivery).
    lock = RunLock(lock_path_for(plan.ledger))
    try:
        with lock:
            ledger = open_ledger(plan.ledger, options.new_ledger, lock.existed, ledger_busy_seconds)
            deliver(plan, plan.send, ledger, content, site.notifier, composer, now, report, err)
    except LockHeld as exc:
        return refuse_locked(exc, plan.today, options.json, out, err)
    except LedgerError as exc:
        stop(report, exc, err)
    except OSError as exc:  # the lock file itself (its folder missing and not creatable, a full disk ...)
        stop(report, LedgerError(f"cannot take the run lock {lock.path}: {exc.strerror}; nothing was sent"), err)

    # 4. Say how it went, for people or (--json) for tools.
    return finish(report, options.json, out)


def plan_run(config: NotifierConfig, options: Options, send_overrides: Mapping[str, Any]) -> NotifyPlan:
    select = PlanOptions(options.only, options.limit)
    if options.dry_run and options.new_ledger is NewLedger.CREATE:
        raise ConfigError("--init-ledger creates the ledger for a first real run; a dry run never writes the "
                          "ledger, so leave out one of them")
    if options.dry_run:
        return NotifyPlan(options.today, select, config.ledger, options.outbox or config.outbox, None, False)
    smtp = config.smtp
    password = os.environ.get(smtp.password_env) if smtp.password_env else None
    if smtp.user and not password:
        raise ConfigError(f"smtp.user is set but ${smtp.password_env} is empty")
    # EHLO names this host: the configured name, else the sender's domain (aiosmtplib would say the
    # machine's own name, often "localhost", which spam filters score against).
    smtp = dataclasses.replace(smtp, helo_name=smtp.helo_name or config.sender.email.rpartition("@")[2])
    send = SendSettings(smtp, config.rate_limit_per_second, config.retries, password)
    return NotifyPlan(options.today, select, config.ledger, None, dataclasses.replace(send, **send_overrides),
                      cancel_stale=options.limit is None)


def recorded_optouts(config: NotifierConfig, content: Content) -> frozenset[tuple[str, str]]:
    """The contacts the unsubscribe receiver recorded as opted out of tips: planning skips their tips
    until the YAML says `tips: false` (rewards notify --export-optouts writes that change)."""
    if config.unsubscribe is None:
        return frozenset()
    try:
        return unsubscribe.unsubscribed(content, unsubscribe.read(config.unsubscribe_record))
    except OSError as exc:
        raise ConfigError(f"cannot read the unsubscribe record {config.unsubscribe_record}: {exc.strerror}; nothing "
                          "was sent (a run without it would send tips to contacts who unsubscribed)") from exc


def preview(plan: NotifyPlan, content: Content, config: NotifierConfig, composer: Composer, report: Report,
            err: TextIO) -> None:
    """Dry run: every message due, written to the outbox as .eml files and an index.html."""
    assert plan.outbox is not None
    history = dataclasses.replace(_read_only_history(plan.ledger, err), unsubscribed=plan.unsubscribed)
    outbox = Outbox(plan.outbox, composer.folder)
    for prepared in produce(content, config, history, plan.today, composer, plan.select):
        report.planned += 1
        if prepared.refused:
            failed(report, prepared, prepared.refused, err)
        else:
            outbox.write(prepared)
    report.outbox = str(outbox.finish(plan.today))


def open_ledger(path: Path, new: NewLedger, lock_existed: bool, busy_seconds: float) -> Ledger:
    """The ledger for this run, under the lock. Created only on a first run; a missing ledger where a run
    has been before (its lock file, WAL files or recovery journal are there) is lost history."""
    with _before_sending():
        if new is NewLedger.CREATE:
            return Ledger.create(path, busy_seconds)
        if path.exists() or path.is_symlink():
            return Ledger.open(path, busy_seconds)
    traces = [p for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                          Journal.path_for(path)) if p.exists()]
    if lock_existed:
        traces.insert(0, lock_path_for(path))
    if new is NewLedger.REFUSE or traces:
        seen = f" ({', '.join(str(t) for t in traces)} show that runs have used it)" if traces else ""
        raise LedgerError(
            f"no ledger at {path}{seen}. The ledger records every message sent; without it every message due "
            f"would be sent again, so nothing was sent. If this is the first run, create it: "
            f"`rewards notify --init-ledger`. If a ledger existed, restore it from a backup (or point "
            f"notifier.ledger in site.yml at it) and run again")
    with _before_sending():
        return Ledger.create(path, busy_seconds)


@contextmanager
def _before_sending() -> Iterator[None]:
    """A ledger error before the first message is handed to the server: say that nothing was sent."""
    try:
        yield
    except LedgerError as exc:
        if "nothing was sent" in str(exc):
            raise
        raise LedgerError(f"{exc}; nothing was sent") from exc


def deliver(plan: NotifyPlan, settings: SendSettings, ledger: Ledger, content: Content, config: NotifierConfig,
            composer: Composer, now: Callable[[], dt.datetime], report: Report, err: TextIO) -> None:
    """Under the lock: the run recorded in the ledger, every message due sent, what is stale cancelled."""
    try:
        # 1. What an earlier run could not record goes into the ledger first; then this run's journal is
        #    reserved, so that it can be written even if the disk fills up during the run.
        with _before_sending():
            recovered = apply_journal(ledger)
            if recovered:
                print(f"notify: recorded {recovered} result(s) that an earlier run could not write to the ledger "
                      f"(from {Journal.path_for(plan.ledger)})", file=err)
            journal = Journal.reserve(plan.ledger)
        try:
            with _before_sending():
                # 1b. What came back since the last run (bounces, mailed unsubscribes), before planning.
                if read_inbox(config, ledger, plan.today, now, composer.signer, report, err):
                    plan = dataclasses.replace(plan, unsubscribed=recorded_optouts(config, content))
                run_id = ledger.start_run(plan.today, now())
                history = dataclasses.replace(ledger.history(), unsubscribed=plan.unsubscribed)
            # Started here, before the event loop exists: the planning workers are forked while this
            # process has a single thread (asyncio's resolver threads come later).
            messages = started(produce(content, config, history, plan.today, composer, plan.select))
            # Each message's envelope sender names it (VERP), so that what comes back maps to it.
            return_path = functools.partial(verp_address, config.bounces.address) if config.bounces else None
            delivery = Delivery(ledger, journal, history, plan.today, now, report, err,
                                window=2 * settings.smtp.connections + 2, return_path=return_path,
                                only=plan.select.only)
            asyncio.run(delivery.send(messages, settings))
        finally:
            journal.close()
        # 2. A ledger that failed during the run stopped it: say what happened and where the results are.
        if delivery.stopped is not None:
            kept = (f"; what the server said about the {journal.written} message(s) already handed to it is kept in "
                    f"{journal.path}, and the next run records it in the ledger before planning, so none of them "
                    "is sent again" if journal.written else "")
            raise LedgerError(f"{delivery.stopped}. The run stopped there: no further message was handed to the "
                              f"server{kept}. Fix the cause and run again")
        # 3. Pending from earlier runs that planning no longer produces: the cause was fixed.
        if plan.cancel_stale:
            report.cancelled += ledger.cancel(delivery.stale_pending(plan.select.only))
        ledger.finish_run(run_id, now(), report.sent, report.failed, report.pending, report.exit_code)
    finally:
        ledger.close()


def read_inbox(config: NotifierConfig, ledger: Ledger, today: dt.date, now: Callable[[], dt.datetime],
               signer: unsubscribe.Signer | None, report: Report, err: TextIO) -> int:
    """The bounce inbox, read into the ledger (notifier/inbox.py). An inbox that cannot be read is named
    on stderr and makes the run exit 1; planning goes on with what the ledger already knows. Returns how
    many unsubscribes it recorded (the caller then re-reads the unsubscribe record)."""
    if config.bounces is None:
        return 0
    try:
        source = open_source(config.bounces)
        if source is None:
            return 0
        try:
            inbox = Inbox(ledger, config, today, now(), signer, err)
            try:
                inbox.read_all(source)
            finally:
                report.inbox_read += inbox.report.read
                report.bounces += inbox.report.hard + inbox.report.soft
                report.suppressed += inbox.report.suppressed
        finally:
            source.close()
    except (InboxError, OSError, imaplib.IMAP4.error) as exc:
        report.inbox_failed = str(exc)
        report.problems.append(f"inbox: {exc}")
        print(f"notify: {exc}; planning goes on with the bounces already recorded", file=err)
        return 0
    return inbox.report.unsubscribed


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


def stop(report: Report, exc: LedgerError | OutboxError, err: TextIO) -> None:
    """The run refused or stopped for the ledger or the outbox: one message on stderr, exit 2."""
    if report.stopped is None:
        report.stopped = str(exc)
        print(f"notify: {exc}", file=err)


def _read_only_history(path: Path, err: TextIO) -> History:
    """The ledger's history for a dry run, with an earlier run's unapplied journal taken into account."""
    ledger = Ledger.open_read_only(path)
    if ledger is None:
        if lock_path_for(path).exists():
            print(f"notify: warning: no ledger at {path}, although {lock_path_for(path)} shows that runs have used "
                  "it; this preview plans from an empty history (a real run would refuse)", file=err)
        return History()
    try:
        return ledger.history(journal_overrides(path))
    finally:
        ledger.close()


def show_status(site: SiteConfig, out: TextIO, err: TextIO | None = None) -> int:
    """`--status`: the ledger by kind and state."""
    try:
        ledger = Ledger.open_read_only(site.notifier.ledger)
        if ledger is None:
            print(f"no ledger yet at {site.notifier.ledger}", file=out)
            return OK
        try:
            rows = ledger.status()
            suppressions = ledger.suppressions()
            copies = ledger.copy_counts()
        finally:
            ledger.close()
        waiting = journal_overrides(site.notifier.ledger)
    except LedgerError as exc:
        print(f"notify: {exc}", file=err or sys.stderr)
        return CONFIG_ERROR
    states = ["pending", "sent", "failed", "cancelled"]
    kinds = sorted({r.kind for r in rows})
    counts = {(r.kind, r.state): r.count for r in rows}
    width = max([len("kind"), *map(len, kinds)])
    print(f"{'kind':<{width}}  " + "  ".join(f"{s:>9}" for s in states), file=out)
    for kind in kinds:
        print(f"{kind:<{width}}  " + "  ".join(f"{counts.get((kind, s), 0):>9}" for s in states), file=out)
    print(f"{'total':<{width}}  " + "  ".join(
        f"{sum(counts.get((k, s), 0) for k in kinds):>9}" for s in states), file=out)
    if waiting:
        print(f"{len(waiting)} result(s) in {Journal.path_for(site.notifier.ledger)} are not yet in the ledger "
              "(the next run records them)", file=out)
    if copies:
        print("team copies with a record of their own: " + ", ".join(
            f"{copies.get(s, 0)} {s}" for s in ("pending", "sent", "failed"))
            + (" (the next run sends each pending copy to the team alone)" if copies.get("pending") else ""), file=out)
    bounced = sum(r.bounced for r in rows)
    if bounced or suppressions:
        print(f"\nbounced: {bounced} item(s) sent and bounced back; suppressed: {len(suppressions)} address(es), "
              "sent nothing more (rewards notify --export-suppressions writes them into the partner files)",
              file=out)
    for s in suppressions:
        print(f"  {s.address}  since {s.since}  {s.partner or '-'}  {s.reason}", file=out)
    return OK
