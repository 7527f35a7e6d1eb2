"""The suppression list reaches the people who can fix it: planning sends a suppressed address nothing
and asks the Partner Center account to replace a bouncing marketing contact (the rule lives in
rewards_build/rules/escalations.py, its words in wording.py); `rewards notify --export-suppressions`
writes the partner file's `bounced_on`, after which validation, `rewards report` and the site show the
same escalation without any ledger (a CI build has none); `--status` lists the suppressed addresses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

from builders import TODAY, contact, content, partner, site
from conftest import REPO_ROOT

from notifier.ledger import Ledger
from notifier.plan import History, plan
from rewards_build.rules import EscalationKind, assess, contact_bounces

ADA, BOB = "ada@contoso.example", "bob@contoso.example"
TWO = partner(contacts=(contact(), contact("Bob Builder", BOB)))
BOUNCED = dt.date(2026, 11, 20)


def test_a_suppressed_address_gets_nothing_and_the_account_is_asked_to_replace_it(tmp_path: Path) -> None:
    config = site(tmp_path).notifier
    envelopes = list(plan(content(TWO), config, History(suppressed={BOB: BOUNCED}), TODAY))
    by_recipient = {e.recipient.email: [i.key.kind for i in e.items] for e in envelopes}
    assert by_recipient == {ADA: ["tip"], "partnercenter@contoso.example": ["contact-bounces"]}
    [account] = [e for e in envelopes if not e.recipient.is_contact]
    [item] = account.items
    assert item.escalation is not None and item.escalation.since == BOUNCED and item.level == 1


def test_bounced_on_in_the_partner_file_says_the_same_without_a_ledger(tmp_path: Path) -> None:
    marked = dataclasses.replace(TWO, contacts=(contact(), dataclasses.replace(contact("Bob", BOB),
                                                                               bounced_on=BOUNCED)))
    standing = assess(content(marked), marked, TODAY)  # what the site and `rewards report` see
    [esc] = [e for e in standing.escalations if e.kind is EscalationKind.CONTACT_BOUNCES]
    assert esc.since == BOUNCED
    envelopes = list(plan(content(marked), site(tmp_path).notifier, History(), TODAY))
    assert {e.recipient.email for e in envelopes} == {ADA, "partnercenter@contoso.example"}
    # The earlier of the file's day and the ledger's, so the escalation keeps its key once merged.
    assert contact_bounces(marked.contacts[1], {BOB: TODAY}) == BOUNCED


def test_a_suppressed_account_email_gets_nothing_either(tmp_path: Path) -> None:
    nobody = partner(contacts=())
    envelopes = list(plan(content(nobody), site(tmp_path).notifier,
                          History(suppressed={"partnercenter@contoso.example": BOUNCED}), TODAY))
    assert envelopes == []


def _example(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the example site (content and site.yml) with a ledger that suppressed one contact."""
    shutil.copytree(REPO_ROOT / "content", tmp_path / "content")
    text = (REPO_ROOT / "site.yml").read_text(encoding="utf-8")
    (tmp_path / "site.yml").write_text(text.replace("templates_dir: templates",
                                                    f"templates_dir: {REPO_ROOT / 'templates'}"), encoding="utf-8")
    ledger = Ledger.create(tmp_path / "var/ledger.sqlite3")
    with ledger.transaction("test") as db:
        db.execute("INSERT INTO suppressions (address, since, reason, partner, message_id) VALUES (?, ?, ?, ?, ?)",
                   ("nestor.wilke@adatum.example", "2026-11-20", "hard bounce: 5.1.1 user unknown", "adatum", None))
        db.execute("INSERT INTO suppressions (address, since, reason, partner, message_id) VALUES (?, ?, ?, ?, ?)",
                   ("left.company@nowhere.example", "2026-11-21", "hard bounce: 5.1.1", None, None))
    ledger.close()
    return tmp_path / "site.yml", tmp_path / "content/partners/adatum-awaiting-contact.yml"


def _rewards(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rewards_build", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_export_writes_bounced_on_and_validate_report_and_site_then_show_it(tmp_path: Path) -> None:
    site_yml, adatum = _example(tmp_path)
    before = _rewards("report", "--site", str(site_yml), "--today", "2026-11-24", cwd=tmp_path)
    assert before.returncode == 0 and "address bounces" not in before.stdout  # CI has no ledger

    status = _rewards("notify", "--status", "--site", str(site_yml), cwd=tmp_path)
    assert "nestor.wilke@adatum.example  since 2026-11-20  adatum  hard bounce: 5.1.1 user unknown" in status.stdout

    export = _rewards("notify", "--export-suppressions", "--site", str(site_yml), "--today", "2026-11-24",
                      cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    assert "+    bounced_on: 2026-11-20" in export.stdout
    assert "left.company@nowhere.example: suppressed, and no longer a marketing contact" in export.stderr
    (tmp_path / "suppressions.patch").write_text(export.stdout, encoding="utf-8")
    applied = subprocess.run(["git", "apply", "suppressions.patch"], cwd=tmp_path, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert "    bounced_on: 2026-11-20\n" in adatum.read_text(encoding="utf-8")

    assert _rewards("validate", "--site", str(site_yml), "--today", "2026-11-24", cwd=tmp_path).returncode == 0
    after = _rewards("report", "--site", str(site_yml), "--today", "2026-11-24", cwd=tmp_path)
    assert "Your marketing contact's address bounces: replace it" in after.stdout
    again = _rewards("notify", "--export-suppressions", "--site", str(site_yml), cwd=tmp_path)
    assert again.stdout == "" and "marked in the content already" in again.stderr  # merged: nothing left

    out = tmp_path / "site-out"
    built = _rewards("build", "--site", str(site_yml), "--today", "2026-11-24", "--out", str(out), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    page = (out / "partners/adatum-awaiting-contact/index.html").read_text(encoding="utf-8")
    assert "Marketing contact&#39;s address bounces" in page or "Marketing contact's address bounces" in page
    assert "has bounced since" in page
