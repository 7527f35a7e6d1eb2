"""What `rewards diff` says across many partners and for each kind of benefit event, on the `more`
branch of the test repository (tests/diff/gitrepo.py): a threshold raised so that more partners move
than a --limit names, a partner removed, an invalid change, and commits that gain, lose, activate,
complete and expire benefits and open an escalation. Outputs pinned in tests/diff/expected/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewards_build.cli import main

from .gitrepo import TODAY, git, pinned, run


def test_a_raised_threshold_is_counted_across_partners_and_the_first_are_named(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "crowd", "--head", "raise", "--limit", "3")
    assert code == 3
    pinned("raise.txt", out)
    assert out.splitlines()[0].startswith("8 partners change: 8 change tier, 15 benefits locked; ")
    assert "  7 partners move from $50K to $25K\n  1 partner moves from $25K to $500\n" in out
    assert "  customer-review locked: 7 offers, 7 partners\n" in out
    assert "  marketplace-blog-feature locked: 1 offer, 1 partner\n" in out
    named = [line for line in out.splitlines() if line.startswith("  ") and not line.startswith("    ")
             and "(" in line and ": tier" in line]
    assert [n.split("(")[1].split(")")[0] for n in named] == ["adatum-awaiting-contact", "crowd-01", "crowd-02"]
    assert out.endswith("  ... and 5 more partners (--limit, or --format json for all)\n")


def test_a_raised_threshold_in_markdown(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "crowd", "--head", "raise", "--limit", "3", "--format", "markdown")
    assert code == 3
    pinned("raise.md", out)
    assert "- 7 partners move from $50K to $25K\n- 1 partner moves from $25K to $500\n" in out
    assert out.count("<details><summary>") == 2 + 3  # program-wide, pages, three partners
    assert out.endswith("\n... and 5 more partners (`rewards diff --format json` lists all)\n")


@pytest.mark.parametrize("fmt,last", [
    ("text", "  ... and 1 more partner (--limit, or --format json for all)\n"),
    ("markdown", "\n... and 1 more partner (`rewards diff --format json` lists all)\n")])
def test_one_partner_left_over_is_one_more_partner(repo: Path, capsys, fmt: str, last: str) -> None:
    code, out, _ = run(capsys, "crowd", "--head", "raise", "--limit", "7", "--format", fmt)
    assert code == 3 and out.endswith(last)


def test_json_counts_every_partner_whatever_the_limit(repo: Path, capsys) -> None:
    code, text, _ = run(capsys, "crowd", "--head", "raise", "--limit", "3")
    code, out, _ = run(capsys, "crowd", "--head", "raise", "--limit", "3", "--format", "json")
    doc = json.loads(out)
    assert code == 3
    assert doc["summary"] == text.splitlines()[0]
    assert doc["across"]["tiers"] == [{"from": "$50K", "to": "$25K", "partners": 7},
                                      {"from": "$25K", "to": "$500", "partners": 1}]
    assert {"event": "locked", "benefit": "marketplace-blog-feature", "offers": 1, "partners": 1} in \
        doc["across"]["benefits"]
    assert len(doc["partners"]) == 8 and doc["counts"]["tier"] == 8
    assert doc["counts"]["benefits"] == {"locked": 15}


def test_added_partners_gain_their_benefits(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "removed", "--head", "crowd", "--format", "json")
    doc = json.loads(out)
    assert code == 3
    assert [(p["id"], p["status"]) for p in doc["partners"]] == [(f"crowd-{i:02}", "added") for i in range(1, 8)]
    assert doc["counts"]["benefits"] == {"gained": 7 * 26}
    assert doc["across"]["tiers"] == [{"from": "no tier", "to": "$50K", "partners": 6},
                                      {"from": "no tier", "to": "$25K", "partners": 1}]
    first = doc["partners"][0]["benefits"][0]
    assert (first["event"], first["before"], first["after"]) == ("gained", None, "available")


def test_activated_completed_expired_and_an_escalation_opened(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "raise", "--head", "events")
    assert code == 3
    pinned("events.txt", out)
    assert out.splitlines()[0].startswith("3 partners change: 1 benefit activated, 1 benefit completed, "
                                          "14 benefits expired, 1 escalation opens, 1 escalation closes; ")
    for line in ("benefit listing-optimization on fabrikam-backup-vault-trial: activated (available -> awaiting-contact)",
                 "escalation contact-overdue fabrikam-backup-vault-trial listing-optimization: opens at level 1",
                 "benefit customer-success-story on contoso-field-service: completed (contacted -> completed)",
                 "benefit listing-optimization on woodgrove-audit-trail-trial: expired (contacted -> expired)",
                 "  1 contact-overdue escalation opens\n", "  1 benefit-expiring escalation closes\n"):
        assert line in out


def test_a_removed_partner_loses_every_benefit(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "threshold", "--head", "removed")
    assert code == 3
    pinned("removed.txt", out)
    assert out.splitlines()[0] == ("1 partner changes: 1 removed, 1 changes tier, 26 benefits lost, 1 contact removed; "
                                   "0 messages will go, 1 no longer; 6 pages change")
    assert "benefit co-sell-guidance on trey-clinical-insights: lost (contacted -> not offered)" in out


def test_an_invalid_commit_prints_what_validate_prints_and_exits_1(repo: Path, tmp_path: Path, capsys,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(capsys, "events", "--head", "invalid")
    assert code == 1
    pinned("invalid.txt", out)
    assert err == "1 problem(s) found in HEAD invalid (" + git(repo, "rev-parse", "invalid")[:9] + ")\n"
    worktree = tmp_path / "at-invalid"
    git(repo, "worktree", "add", "-q", "--detach", str(worktree), "invalid")
    try:
        monkeypatch.chdir(worktree)
        assert main(["validate", *TODAY]) == 1
        assert capsys.readouterr().out == out  # the same lines, paths relative to where one stands
    finally:
        monkeypatch.chdir(repo)
        git(repo, "worktree", "remove", "--force", str(worktree))
