"""Where `rewards diff` takes its two sides and its history from: the default BASE (the merge base
with the current branch's upstream, in a real clone) and `--ledger` (a real ledger written by a
real `rewards notify` run against an aiosmtpd server)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifier.notify import NewLedger, Options, notify
from rewards_build.cli import main
from rewards_build.pipeline import load_all

from .gitrepo import TODAY, commit, edit, git, run

NORTHWIND_TIP = "mail will go to l•••@northwind-analytics.example: tip offer-is-live"


# --- the default BASE ------------------------------------------------------------------------------


@pytest.fixture
def clone(history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of the test repository whose branch `feature` tracks origin/main (at `removed`) but
    starts at `contact`, two commits behind it, and has one commit of its own: Fabrikam's activation."""
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--branch", "main", str(history), str(work))
    git(work, "checkout", "-q", "-b", "feature", "contact")
    git(work, "branch", "-q", "--set-upstream-to=origin/main")
    edit(work / "content" / "partners" / "fabrikam-contact-assigned.yml", "team_contacts:\n",
         "activations:\n  - benefit: listing-optimization\n    offer: fabrikam-backup-vault-trial\n"
         "    date: 2026-11-10\nteam_contacts:\n")
    commit(work, "feature-activation")
    monkeypatch.chdir(work)
    return work


def test_without_base_the_merge_base_with_the_upstream_is_compared(clone: Path, capsys) -> None:
    merge_base = git(clone, "rev-parse", "contact").strip()
    assert git(clone, "merge-base", "HEAD", "origin/main").strip() == merge_base  # the setup is what it says
    code = main(["diff", "--format", "json", *TODAY])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    # The merge base, said so; not HEAD (no change at all) and not the upstream's tip (the threshold
    # and the removed partner would come back as changes).
    assert doc["base"]["label"] == f"BASE {merge_base[:9]} (merge base with origin/main)"
    assert [p["id"] for p in doc["partners"]] == ["fabrikam-contact-assigned"]
    assert doc["program"] == []
    assert [(b["event"], b["benefit"]) for b in doc["partners"][0]["benefits"]] == [
        ("activated", "listing-optimization")]
    code, out, _ = run(capsys)
    assert out.splitlines()[1] == "BASE <sha> (merge base with origin/main) -> HEAD working tree, as of 2026-11-24"


def test_without_base_or_upstream_head_is_compared(clone: Path, capsys) -> None:
    git(clone, "branch", "-q", "--unset-upstream")
    code, out, _ = run(capsys)
    assert (code, out.splitlines()[:2]) == (0, ["no program change", "BASE <sha> (HEAD) -> HEAD working tree, "
                                                                     "as of 2026-11-24"])


# --- --ledger ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Inbox:
    """What a real SMTP server (aiosmtpd) accepted: one (recipients, message) per DATA."""

    received: list[tuple[list[str], bytes]] = dataclasses.field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or b""))
        return "250 2.0.0 queued"


async def first_run(worktree: Path, ledger: Path) -> list[list[str]]:
    """`rewards notify --init-ledger` on the content checked out in `worktree`, against aiosmtpd on a
    free loopback port; the ledger and outbox are moved out of the repository."""
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox, hostname="test.local"), "127.0.0.1", 0)
    try:
        loaded = load_all(worktree / "site.yml", dt.date(2026, 11, 24))
        assert loaded.config is not None and loaded.content is not None, loaded.problems
        config = loaded.config
        smtp = dataclasses.replace(config.notifier.smtp, host="127.0.0.1", port=server.sockets[0].getsockname()[1],
                                   timeout_seconds=5)
        config = dataclasses.replace(config, notifier=dataclasses.replace(
            config.notifier, smtp=smtp, ledger=ledger, outbox=ledger.parent / "outbox", bounces=None))
        out, err = io.StringIO(), io.StringIO()
        code = await asyncio.to_thread(notify, config, loaded.content, Options(
            dt.date(2026, 11, 24), new_ledger=NewLedger.CREATE), send_overrides={"backoff_seconds": 0.01},
            stdout=out, stderr=err)
        assert code == 0, err.getvalue()
    finally:
        server.close()
    return [rcpt for rcpt, _ in inbox.received]


async def test_with_a_ledger_mail_already_sent_is_not_mail_that_will_go(repo: Path, tmp_path: Path, capsys) -> None:
    # Without a ledger, assigning Northwind's contact sends her the offer-is-live tip.
    code, before, _ = run(capsys, "team-call", "--head", "contact")
    assert code == 3 and NORTHWIND_TIP in before
    # A real first run at `contact` sends it (and the rest of the program's mail) and records it.
    worktree = tmp_path / "at-contact"
    git(repo, "worktree", "add", "-q", "--detach", str(worktree), "contact")
    try:
        ledger = tmp_path / "var" / "ledger.sqlite3"
        ledger.parent.mkdir()
        recipients = await first_run(worktree, ledger)
    finally:
        git(repo, "worktree", "remove", "--force", str(worktree))
    assert ["lidia.holloway@northwind-analytics.example"] in recipients
    db = sqlite3.connect(ledger)
    try:
        sent = db.execute("SELECT kind, subject FROM items WHERE partner = 'northwind-no-contact' AND state = 'sent'")
        assert ("tip", "offer-is-live") in set(sent.fetchall())
    finally:
        db.close()

    code, after, _ = run(capsys, "team-call", "--head", "contact", "--ledger", str(ledger))
    assert code == 3
    assert "tip offer-is-live" not in after  # it went: not mail that will go
    assert "contact added: Lidia Holloway" in after  # the rest of the change is still shown
    assert json.loads(run(capsys, "team-call", "--head", "contact", "--ledger", str(ledger), "--format", "json")[1])[
        "counts"]["messages"]["will_go"] == 0
