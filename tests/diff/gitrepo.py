"""The test repository for `rewards diff`: a real git repository made from the example content,
with one commit per kind of change, and the helpers the diff tests share (run the command, pin an
output). Pinned outputs live in tests/diff/expected/ with commit ids masked; set
REWARDS_DIFF_REGEN=1 to rewrite them after an intended change, and review the diff.

History (tags):

    main:  base - team-call - contact - threshold - removed
    more:                                           removed - crowd - raise - events - invalid

- team-call: a call recorded, so A. Datum's overdue activation is contacted;
- contact: Northwind (none before) gets a marketing contact;
- threshold: $50K starts at $30,000, so A. Datum ($31,800) moves up;
- removed: trey-list-only's file deleted;
- crowd: seven generated partners added (CROWD), six at $40,000 and one at $27,000;
- raise: $25K starts at $28,000 and $50K at $45,000: seven partners move from $50K to $25K (A. Datum
  and six crowd partners, more than a --limit names) and one alone from $25K to $500;
- events: Fabrikam activates a benefit (and its contact-overdue escalation opens), Contoso's
  customer-success-story is completed, Woodgrove's trial went live a month earlier (expired);
- invalid: a partner's billed sales written as a word.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rewards_build.cli import main

REPO = Path(__file__).parent.parent.parent
EXPECTED = Path(__file__).parent / "expected"
TODAY = ["--today", "2026-11-24"]
ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-11-24T12:00:00Z",
       "GIT_COMMITTER_DATE": "2026-11-24T12:00:00Z", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
# The crowd: (partner id, billed sales), sorted as the diff lists them.
CROWD = [*((f"crowd-{i:02}", 40_000) for i in range(1, 7)), ("crowd-07", 27_000)]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={**os.environ, **ENV}).stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit(root: Path, tag: str) -> None:
    git(root, "add", "-A")  # the test repository's own files, in a temporary folder
    git(root, "commit", "-q", "-m", tag)
    git(root, "tag", tag)


def crowd_partner(pid: str, billed: int) -> str:
    n = pid.rsplit("-", 1)[1]
    return (f"id: {pid}\nname: Crowd Partner {n}\nmpn_id: \"77000{n}\"\naccount_email: pc@{pid}.example\n"
            f"offers:\n  - id: {pid}-suite\n    name: Crowd Suite {n}\n    marketplace: appsource\n"
            f"    listing_type: transact\n    status: live\n    live_date: 2025-01-10\n    owner:\n"
            f"      name: Owner {n}\n      email: owner@{pid}.example\n      status: active\n"
            f"    billed_sales_usd: {billed}\n"
            f"marketing_contacts:\n  - name: Contact {n}\n    email: pat.{n}@{pid}.example\n"
            f"    phone: \"+1 425 555 01{n}\"\n    language: en\n"
            f"team_contacts:\n  - date: 2025-01-15\n    about: offer-live\n    offer: {pid}-suite\n"
            f"    note: Welcome call.\n")


def make_history(root: Path) -> None:
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copytree(REPO / "content", root / "content")
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    partners = root / "content" / "partners"
    program = root / "content" / "program.yml"
    edit(partners / "adatum-awaiting-contact.yml", "team_contacts:\n",
         "team_contacts:\n  - date: 2026-11-20\n    about: activation\n    offer: adatum-identity-guard\n"
         "    benefit: marketplace-blog-feature\n    note: Call made; feature planned for January.\n")
    commit(root, "team-call")
    edit(partners / "northwind-no-contact.yml", "marketing_contacts: []\n",
         "marketing_contacts:\n  - name: Lidia Holloway\n    email: lidia.holloway@northwind-analytics.example\n"
         "    phone: \"+1 425 555 0142\"\n    language: en\n")
    commit(root, "contact")
    edit(program, "threshold_usd: 50000,", "threshold_usd: 30000,")
    commit(root, "threshold")
    (partners / "trey-list-only.yml").unlink()
    commit(root, "removed")

    git(root, "checkout", "-q", "-b", "more")
    for pid, billed in CROWD:
        (partners / f"{pid}.yml").write_text(crowd_partner(pid, billed), encoding="utf-8")
    commit(root, "crowd")
    edit(program, "threshold_usd: 25000,", "threshold_usd: 28000,")
    edit(program, "threshold_usd: 30000,", "threshold_usd: 45000,")
    commit(root, "raise")
    edit(partners / "fabrikam-contact-assigned.yml", "team_contacts:\n",
         "activations:\n  - benefit: listing-optimization\n    offer: fabrikam-backup-vault-trial\n"
         "    date: 2026-11-10\nteam_contacts:\n")
    edit(partners / "contoso-activated-contacted.yml", "    date: 2026-10-05\n",
         "    date: 2026-10-05\n    completed: 2026-11-20\n")
    edit(partners / "woodgrove-trial-expiring.yml", "live_date: 2026-06-10", "live_date: 2026-05-10")
    commit(root, "events")
    edit(partners / "northwind-no-contact.yml", "billed_sales_usd: 0", "billed_sales_usd: lots")
    commit(root, "invalid")
    git(root, "checkout", "-q", "main")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args, *TODAY])
    out, err = capsys.readouterr()
    return code, re.sub(r"\b[0-9a-f]{9}\b", "<sha>", out), err


def pinned(name: str, actual: str) -> None:
    path = EXPECTED / name
    if os.environ.get("REWARDS_DIFF_REGEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")
