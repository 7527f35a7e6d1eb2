"""The ledger is trusted only after it proves itself, and never silently re-sends.

A missing ledger where runs have been, an empty (truncated) one, a damaged one, a different SQLite
file, and one locked by another program each stop the run before anything is sent, with one message
and exit code 2. A ledger that stops accepting writes in the middle of a run (another program's
lock, a full disk) stops the run; what the server accepted is kept in the recovery journal and the
next run records it before planning, so no message goes out twice. The dry run writes into a full or
read-only outbox with a message and exit 2, not a traceback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import TODAY, content, many_partners, site
from conftest import REPO_ROOT, Server, ledger_rows, run_notify, states

from notifier.journal import Journal
from notifier.notify import NewLedger, Options, notify, show_status
from notifier.plan import History, plan
from rewards_build.config import SiteConfig
from rewards_build.model import Content

BUSY = 0.3  # seconds a write waits for another program's lock in these tests (10 s in real runs)


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str


async def run(config: SiteConfig, data: Content, options: Options | None = None) -> Run:
    """One notify run in a worker thread (the test's loop keeps serving SMTP)."""
    out, err = io.StringIO(), io.StringIO()
    code = await asyncio.to_thread(notify, config, data, options or Options(TODAY), send_overrides={
        "backoff_seconds": 0.01}, stdout=out, stderr=err, ledger_busy_seconds=BUSY)
    assert "Traceback" not in err.getvalue()
    return Run(code, out.getvalue(), err.getvalue())


def one_connection(root: Path, port: int, **notifier: object) -> SiteConfig:
    return site(root, port, smtp={"host": "127.0.0.1", "port": port, "tls": "none", "connections": 1,
                                  "timeout_seconds": 5}, **notifier)


# --- missing and empty ledgers ----------------------------------------------------------------------


async def test_a_ledger_truncated_to_zero_bytes_refuses_the_run_and_sends_nothing(smtp: Server, root: Path) -> None:
    config, data = site(root, smtp.port), content(*many_partners(3))
    assert (await run(config, data)).code == 0
    assert len(smtp.handler.received) == 3
    config.notifier.ledger.write_bytes(b"")

    again = await run(config, data)

    assert again.code == 2
    assert f"the ledger {config.notifier.ledger} is empty (0 bytes)" in again.err
    assert "--init-ledger" in again.err and "nothing was sent" in again.err
    assert len(smtp.handler.received) == 3  # nothing sent twice
    assert config.notifier.ledger.stat().st_size == 0  # left as found, for the operator to look at


async def test_a_deleted_ledger_where_runs_have_been_refuses_the_run(smtp: Server, root: Path) -> None:
    config, data = site(root, smtp.port), content(*many_partners(2))
    assert (await run(config, data)).code == 0
    for leftover in config.notifier.ledger.parent.glob("ledger.sqlite3*"):
        if not leftover.name.endswith(".lock"):
            leftover.unlink()

    again = await run(config, data)

    assert again.code == 2
    assert f"no ledger at {config.notifier.ledger} ({config.notifier.ledger}.lock show that runs have used it)" \
        in again.err
    assert len(smtp.handler.received) == 2
    assert not config.notifier.ledger.exists()


async def test_without_init_ledger_a_run_refuses_to_create_one(smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    refused = await run(config, content(*many_partners(2)), Options(TODAY, new_ledger=NewLedger.REFUSE))
    assert refused.code == 2
    assert "If this is the first run, create it: `rewards notify --init-ledger`" in refused.err
    assert not config.notifier.ledger.exists() and smtp.handler.received == []

    first = await run(config, content(*many_partners(2)), Options(TODAY, new_ledger=NewLedger.CREATE))
    assert first.code == 0 and len(smtp.handler.received) == 2

    twice = await run(config, content(*many_partners(2)), Options(TODAY, new_ledger=NewLedger.CREATE))
    assert twice.code == 2 and "a ledger already exists at" in twice.err
    assert len(smtp.handler.received) == 2


def test_a_dry_run_needs_no_ledger(root: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert notify(site(root), content(*many_partners(2)), Options(TODAY, dry_run=True), stdout=out, stderr=err) == 0
    assert err.getvalue() == "" and not site(root).notifier.ledger.exists()


# --- damaged, foreign and locked ledgers --------------------------------------------------------------


def _half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _foreign(path: Path) -> None:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, title TEXT)")
    db.commit()
    db.close()


def _no_tables(path: Path) -> None:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("VACUUM")
    db.close()


DAMAGE = {
    "truncated half-way": (_half, "is damaged"),
    "random bytes": (_random, "it is not an SQLite database"),
    "a different SQLite file": (_foreign, "is an SQLite database but not a notify ledger (application_id 0x0, photos)"),
    "an SQLite file with no tables": (_no_tables, "is an SQLite database but not a notify ledger"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
async def test_a_damaged_or_foreign_ledger_stops_every_kind_of_run(smtp: Server, root: Path, damage: str) -> None:
    config, data = site(root, smtp.port), content(*many_partners(60))
    assert (await run(config, data)).code == 0
    sent = len(smtp.handler.received)
    harm, words = DAMAGE[damage]
    harm(config.notifier.ledger)
    for name in ("ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (config.notifier.ledger.parent / name).unlink(missing_ok=True)
    before = config.notifier.ledger.read_bytes()

    again = await run(config, data, Options(TODAY + dt_day()))
    dry = await run(config, data, Options(TODAY + dt_day(), dry_run=True))
    status_err = io.StringIO()
    status = show_status(config, io.StringIO(), status_err)

    assert again.code == 2 and words in again.err and "nothing was sent" in again.err, again.err
    assert dry.code == 2 and words in dry.err, dry.err
    assert status == 2 and words in status_err.getvalue()
    assert len(smtp.handler.received) == sent
    assert config.notifier.ledger.read_bytes() == before


def dt_day() -> object:
    import datetime as dt

    return dt.timedelta(days=1)


@pytest.fixture
def locker() -> Iterator[list[subprocess.Popen[str]]]:
    """Other programs holding a write lock on a ledger (`BEGIN EXCLUSIVE`), killed at the end."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for p in started:
        p.kill()
        p.wait()


def lock_ledger(path: Path, holders: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """Another process takes the ledger's write lock and keeps it until killed."""
    code = ("import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    holders.append(p)
    assert p.stdout is not None and p.stdout.readline().strip() == "locked"
    return p


async def test_a_ledger_locked_by_another_program_stops_the_run_before_sending(
        smtp: Server, root: Path, locker: list[subprocess.Popen[str]]) -> None:
    config, data = site(root, smtp.port), content(*many_partners(3))
    assert (await run(config, data, Options(TODAY, limit=1))).code == 0
    lock_ledger(config.notifier.ledger, locker)

    started = time.monotonic()
    again = await run(config, data)

    assert again.code == 2
    assert "it is locked by another program" in again.err and "fuser" in again.err, again.err
    assert "nothing was sent" in again.err
    assert len(smtp.handler.received) == 1
    assert time.monotonic() - started < 5


async def test_a_lock_taken_in_the_middle_of_a_run_stops_it_and_nothing_is_sent_twice(
        smtp: Server, root: Path, locker: list[subprocess.Popen[str]]) -> None:
    n = 30
    config, data = one_connection(root, smtp.port), content(*many_partners(n))
    expected = {e.message_id for e in plan(data, config.notifier, History(), TODAY)}

    def rule(phase: str, address: str | None, seen: int) -> str | None:
        if phase == "DATA" and seen == 5:  # the 5th message is accepted, but its `sent` cannot be recorded
            lock_ledger(config.notifier.ledger, locker)
        return None

    smtp.handler.rule = rule
    first = await run(config, data)

    assert first.code == 2, first.err
    assert "could not record a message as sent: it is locked by another program" in first.err
    assert "The run stopped there: no further message was handed to the server" in first.err
    assert f"kept in {Journal.path_for(config.notifier.ledger)}" in first.err
    # The sender finishes only what it already held (the run hands it at most 2 x connections + 2 ahead).
    assert 5 <= len(smtp.handler.received) <= 5 + 4

    for p in locker:
        p.kill()
        p.wait()
    smtp.handler.rule = lambda phase, address, seen: None
    second = await run(config, data)

    assert second.code == 0, second.err
    assert "recorded" in second.err and "that an earlier run could not write to the ledger" in second.err
    ids = Counter(smtp.handler.message_ids())
    assert set(ids) == expected and max(ids.values()) == 1  # nothing lost, nothing twice
    assert states(config) == {"sent": n}
    assert not Journal.path_for(config.notifier.ledger).exists()


# --- a full disk ----------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs root and mount); skipped with the reason when it cannot be mounted."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a small disk to fill")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True,
                          text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {made.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk up to its last byte with one file, and return it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


async def test_a_disk_that_fills_up_in_the_middle_of_a_run_stops_it_and_nothing_is_sent_twice(
        smtp: Server, small_disk: Path) -> None:
    n = 20
    config = one_connection(small_disk, smtp.port)
    data = content(*many_partners(n))
    expected = {e.message_id for e in plan(data, config.notifier, History(), TODAY)}
    filler: list[Path] = []

    def rule(phase: str, address: str | None, seen: int) -> str | None:
        if phase == "DATA" and seen == 4:
            filler.append(fill(small_disk))
        return None

    smtp.handler.rule = rule
    first = await run(config, data)

    assert first.code == 2, first.err
    assert "the disk is full" in first.err and "The run stopped there" in first.err, first.err
    assert 4 <= len(smtp.handler.received) <= 4 + 4

    filler[0].unlink()
    smtp.handler.rule = lambda phase, address, seen: None
    second = await run(config, data)

    assert second.code == 0, second.err
    ids = Counter(smtp.handler.message_ids())
    assert set(ids) == expected and max(ids.values()) == 1
    assert states(config) == {"sent": n}


async def test_a_full_disk_before_the_run_refuses_it(smtp: Server, small_disk: Path) -> None:
    config, data = one_connection(small_disk, smtp.port), content(*many_partners(3))
    assert (await run(config, data, Options(TODAY, limit=1))).code == 0
    fill(small_disk)
    again = await run(config, data)
    assert again.code == 2 and "nothing was sent" in again.err, again.err
    assert len(smtp.handler.received) == 1


# --- the dry run's outbox -------------------------------------------------------------------------------


def dry_run(config: SiteConfig, outbox: Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = notify(config, content(*many_partners(40)), Options(TODAY, dry_run=True, outbox=outbox),
                  stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def test_a_dry_run_into_a_full_disk_says_so(small_disk: Path) -> None:
    filler = fill(small_disk)
    os.truncate(filler, filler.stat().st_size - 6 * 4096)  # room for a few messages only
    result = dry_run(site(small_disk), small_disk / "outbox")
    assert result.code == 2
    assert result.err.startswith(f"notify: cannot write the dry-run outbox {small_disk / 'outbox'}: "
                                 "No space left on device")
    assert "choose another folder with --outbox DIR" in result.err
    assert not list((small_disk / "outbox").glob(".*.tmp"))


def test_a_dry_run_into_a_folder_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = dry_run(site(tmp_path), tmp_path / "a-file" / "outbox")
    assert result.code == 2
    assert result.err.startswith(f"notify: cannot write the dry-run outbox {tmp_path / 'a-file' / 'outbox'}: ")
    assert result.err.count("\n") == 1


def test_a_dry_run_into_a_read_only_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        made = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"root ignores folder permissions, and a read-only tmpfs cannot be mounted: {made.stderr}")
    else:
        folder.chmod(0o555)
    try:
        result = dry_run(site(tmp_path), folder / "outbox")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        else:
            folder.chmod(0o755)
    assert result.code == 2
    assert result.err.startswith(f"notify: cannot write the dry-run outbox {folder / 'outbox'}: ")
    assert "Read-only file system" in result.err or "Permission denied" in result.err


# --- the command line -------------------------------------------------------------------------------------


def _cli_site(tmp_path: Path, port: int) -> Path:
    shutil.copytree(REPO_ROOT / "content", tmp_path / "content")
    shutil.copytree(REPO_ROOT / "templates", tmp_path / "templates")
    text = (REPO_ROOT / "site.yml").read_text(encoding="utf-8")
    text = text.replace("port: 25", f"port: {port}").replace("host: localhost", "host: 127.0.0.1")
    path = tmp_path / "site.yml"
    path.write_text(text, encoding="utf-8")
    return path


async def cli(*args: str) -> Run:
    p = await asyncio.create_subprocess_exec(sys.executable, "-m", "rewards_build", "notify", *args, cwd=REPO_ROOT,
                                             stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(p.communicate(), 120)
    assert p.returncode is not None
    assert b"Traceback" not in err, err.decode()
    return Run(p.returncode, out.decode(), err.decode())


async def test_the_command_line_creates_the_ledger_only_with_init_ledger(smtp: Server, tmp_path: Path) -> None:
    site_yml = _cli_site(tmp_path, smtp.port)
    ledger = tmp_path / "var" / "ledger.sqlite3"
    common = ("--site", str(site_yml), "--today", "2026-11-24")

    refused = await cli(*common)
    assert refused.code == 2
    assert f"notify: no ledger at {ledger}. " in refused.err and "rewards notify --init-ledger" in refused.err
    assert not ledger.exists() and smtp.handler.received == []

    first = await cli(*common, "--init-ledger")
    assert first.code == 0, first.err
    sent = len(smtp.handler.received)
    assert sent >= 5 and ledger.exists()

    again = await cli(*common, "--init-ledger")
    assert again.code == 2 and f"a ledger already exists at {ledger}" in again.err

    normal = await cli(*common)
    assert normal.code == 0 and len(smtp.handler.received) == sent  # everything already sent

    mixed = await cli(*common, "--init-ledger", "--dry-run")
    assert mixed.code == 2 and "leave out one of them" in mixed.err


def test_ledger_rows_helper_still_reads_a_created_ledger(root: Path) -> None:
    from notifier.ledger import Ledger

    config = site(root)
    Ledger.create(config.notifier.ledger).close()
    assert ledger_rows(config) == []


async def test_a_lock_file_left_empty_by_a_run_that_lost_the_race_is_no_history(root: Path, smtp: Server) -> None:
    # Two runs start at once: one creates the lock file and loses the lock to the other before writing
    # its pid. The winner must not read that empty file as "a run was here before, the ledger is gone".
    from notifier.lock import lock_path_for

    config = site(root, smtp.port)
    lock = lock_path_for(config.notifier.ledger)
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.touch()
    result = await run_notify(config, content(*many_partners(2)), Options(TODAY))
    assert result.code == 0, result.err
    lock.write_text("12345\n")  # a run that held the lock: now the ledger's absence is news
    config.notifier.ledger.unlink()
    result = await run_notify(config, content(*many_partners(2)), Options(TODAY))
    assert result.code == 2 and "no ledger" in result.err
