"""`rewards validate` and `rewards report` as a user runs them: exit codes, output formats, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def rewards(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rewards_build", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_example_content_is_valid() -> None:
    run = rewards("validate", "--today", "2026-11-24")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == ""
    assert "valid: 14 partners" in run.stderr


def test_invalid_content_exits_1_with_every_problem(mini: Path) -> None:
    acme = mini / "content/partners/acme.yml"
    acme.write_text(acme.read_text().replace("language: en", "language: kr").replace("status: live", "status: on"))
    run = rewards("validate", "--today", "2026-11-24", cwd=mini)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "content/partners/acme.yml:9:13: offers[0].status: found on, which YAML 1.1 reads as the boolean true and "
        "YAML 1.2 (editors, check-jsonschema) as text; allowed: draft, live, delisted",
        "content/partners/acme.yml:17:13: offers[1].status: found on, which YAML 1.1 reads as the boolean true and "
        "YAML 1.2 (editors, check-jsonschema) as text; allowed: draft, live, delisted",
        # The schema problems do not hide the checks that do not depend on the refused values.
        "content/partners/acme.yml:23:15: marketing_contacts[0].language: 'kr' is not a supported language; "
        "supported: en, ko ('kr' is the country code; Korean is 'ko')",
    ]
    assert "Traceback" not in run.stderr


def test_github_format_prints_annotations(mini: Path) -> None:
    acme = mini / "content/partners/acme.yml"
    acme.write_text(acme.read_text().replace("email: bo@acme.test", "email: info@acme.test"))
    run = rewards("validate", "--format", "github", "--today", "2026-11-24", cwd=mini)
    assert run.returncode == 1
    assert run.stdout == (
        "::error file=content/partners/acme.yml,line=21,col=12,title=rewards validate::marketing_contacts[0].email: "
        "info@acme.test is a shared alias (info@); mail to shared mailboxes is lost: give a person's address\n")


def test_json_format_is_machine_readable(mini: Path) -> None:
    (mini / "content/benefits/toolkit.yml").write_text("id: toolkit\n")
    run = rewards("validate", "--format", "json", "--today", "2026-11-24", cwd=mini)
    assert run.returncode == 1
    problems = json.loads(run.stdout)
    assert {"path": "content/benefits/toolkit.yml", "line": 1, "column": 1,
            "message": "missing required key 'title' in (top level)"} in problems
    assert all(set(p) == {"path", "line", "column", "message"} for p in problems)


def test_missing_site_config_is_a_usage_error(tmp_path: Path) -> None:
    run = rewards("validate", "--site", str(tmp_path / "nope.yml"))
    assert run.returncode == 2
    assert run.stdout.strip().endswith("nope.yml:1:1: file not found")


def test_invalid_site_config_is_a_usage_error(mini: Path) -> None:
    site = mini / "site.yml"
    site.write_text(site.read_text().replace("base_url: https://rewards.test/", "base_url: rewards.test"))
    run = rewards("validate", cwd=mini)
    assert run.returncode == 2
    assert run.stdout == ("site.yml:2:11: base_url: found the text 'rewards.test'; expected an http:// or https:// "
                          "address\n")


@pytest.mark.parametrize("command", ["validate", "report", "build", "serve", "notify"])
def test_bad_today_is_the_same_usage_error_for_every_command(command: str) -> None:
    run = rewards(command, "--today", "24/11/2026")
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == (
        f"rewards {command}: error: argument --today: expected a date YYYY-MM-DD, found '24/11/2026'")


@pytest.mark.parametrize("day", ["20261124", "2026-W48-2", "2026-11-24T00:00", " 2026-11-24", "2026-11-4",
                                 "２０２６-11-24"])
def test_only_the_documented_form_of_today_is_taken(day: str) -> None:
    # Python's date parser takes several of these as some day; a cron line should say the day it means.
    run = rewards("validate", "--today", day)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == (
        f"rewards validate: error: argument --today: expected a date YYYY-MM-DD, found {day!r}")


def test_report_shows_tier_unlocked_benefits_and_escalations() -> None:
    run = rewards("report", "--today", "2026-11-24")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Proseware (proseware-top-tier): tier $4M (the top), $4,165,000 billed" in out
    assert "A. Datum Identity (adatum-awaiting-contact): tier $25K, $31,800 billed; $18,200 more for $50K" in out
    assert "! contact-overdue (level 1) adatum-identity-guard marketplace-blog-feature" in out
    # Levels after the reminder policy (site.yml: a reminder every 7 days, 2 before escalating), as the
    # site and the mail show them: an offer live since September without a contact has escalated.
    assert "! assign-contact (level 2): Assign a marketing contact" in out
    assert "! open-ticket (level 3)" in out
    assert "unlocked, ready to activate:" in out


def test_report_refuses_invalid_content(mini: Path) -> None:
    (mini / "content/partners/acme.yml").write_text("id: [\n")
    run = rewards("report", cwd=mini)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith("content/partners/acme.yml:2:1: YAML syntax error")


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
@pytest.mark.parametrize("command", ["validate", "report", "build", "notify"])
def test_today_outside_the_supported_range_is_a_usage_error(command: str, day: str) -> None:
    run = rewards(command, "--today", day)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"rewards {command}: error: argument --today: {day} is outside the dates this program handles "
        "(2000-01-01 to 2099-12-31)")


@pytest.mark.parametrize("day", ["2000-01-01", "2099-12-31"])
def test_the_first_and_last_supported_days_are_accepted(day: str) -> None:
    from rewards_build.clock import parse_day

    assert parse_day(day).isoformat() == day
