"""`rewards diff` on the real git repository of tests/diff/gitrepo.py: one commit per kind of change
(a team call recorded, a contact assigned, a tier threshold moved, a partner removed), and changes
in the working tree. Outputs are pinned in tests/diff/expected/ (gitrepo.py says how)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .gitrepo import REPO, commit, edit, git, pinned, run


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("markdown", "md"), ("json", "json")])
def test_a_recorded_team_call_closes_the_escalation_in_every_format(repo: Path, capsys, fmt: str,
                                                                       suffix: str) -> None:
    code, out, _ = run(capsys, "base", "--head", "team-call", "--format", fmt)
    assert code == 3
    pinned(f"team-call.{suffix}", out)


def test_a_team_call_is_a_contacted_benefit_a_closed_escalation_and_mail_no_longer_sent(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "base", "--head", "team-call", "--format", "json")
    doc = json.loads(out)
    assert code == 3
    assert doc["version"] == 1 and doc["changed"] is True
    (partner,) = doc["partners"]
    assert partner["id"] == "adatum-awaiting-contact"
    assert [(b["event"], b["benefit"], b["before"], b["after"]) for b in partner["benefits"]] == [
        ("contacted", "marketplace-blog-feature", "awaiting-contact", "contacted")]
    assert [(e["event"], e["kind"]) for e in partner["escalations"]] == [("closed", "contact-overdue")]
    # The tip goes either way: only the overdue reminder is mail that no longer goes.
    assert doc["counts"]["messages"] == {"will_go": 0, "no_longer": 1}


@pytest.mark.parametrize("tag,base", [("contact", "team-call"), ("threshold", "contact")])
@pytest.mark.parametrize("fmt,suffix", [("markdown", "md"), ("json", "json")])
def test_a_contact_and_a_threshold_in_markdown_and_json(repo: Path, capsys, tag: str, base: str, fmt: str,
                                                        suffix: str) -> None:
    code, out, _ = run(capsys, base, "--head", tag, "--format", fmt)
    assert code == 3
    pinned(f"{tag}.{suffix}", out)  # the text of both: the two tests below


def test_an_assigned_contact_is_masked_and_moves_the_mail_from_the_account_to_the_contact(repo: Path,
                                                                                          capsys) -> None:
    code, out, _ = run(capsys, "team-call", "--head", "contact")
    assert code == 3
    pinned("contact.txt", out)
    assert "lidia.holloway" not in out and "l•••@northwind-analytics.example" in out
    assert "escalation assign-contact: closes (was level 2)" in out


def test_a_moved_threshold_is_summarised_across_partners(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "contact", "--head", "threshold")
    assert code == 3
    pinned("threshold.txt", out)
    assert "tier t50k threshold: $50,000 -> $30,000" in out
    assert "tier: $25K -> $50K (billed sales $31,800 -> $31,800)" in out


def test_a_removed_partner_loses_its_pages_and_mail(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "threshold", "--head", "removed", "--format", "json")
    assert code == 3
    doc = json.loads(out)
    (partner,) = doc["partners"]
    assert (partner["id"], partner["status"]) == ("trey-list-only", "removed")
    pages = {p["kind"]: p for p in doc["pages"]}
    assert pages["partner"]["removed"] == ["ko/partners/trey-list-only/index.html",
                                           "partners/trey-list-only/index.html"]
    assert pages["partner-json"]["removed"] == ["api/partners/trey-list-only.json"]
    assert all(m["event"] == "no-longer" for m in partner["messages"])


def test_the_same_revision_twice_is_no_change_and_exit_0(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "removed", "--head", "removed")
    assert (code, out.splitlines()[0]) == (0, "no program change")


def test_the_working_tree_is_compared_with_head_by_default(repo: Path, capsys) -> None:
    edit(repo / "content" / "partners" / "lucerne-delisted-offer.yml", "billed_sales_usd: 2400", "billed_sales_usd: 24000")
    code, out, _ = run(capsys)
    assert code == 3
    assert "-> HEAD working tree" in out and "<sha> (HEAD)" in out
    assert "lucerne-delisted-offer" in out


def test_an_invalid_head_prints_the_problems_as_validate_does_and_exits_1(repo: Path, capsys) -> None:
    edit(repo / "content" / "partners" / "northwind-no-contact.yml", "billed_sales_usd: 0", "billed_sales_usd: lots")
    code, out, err = run(capsys)
    assert code == 1
    assert out.startswith("content/partners/northwind-no-contact.yml:18:")
    assert "1 problem(s) found in HEAD working tree" in err


def test_an_offer_id_taken_from_an_unchanged_partner_is_refused(repo: Path, capsys) -> None:
    # Only northwind's file changes, so only it is read: the rule across partners still holds.
    path = repo / "content" / "partners" / "northwind-no-contact.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("northwind-sales-forecaster", "adatum-identity-guard"),
                    encoding="utf-8")
    code, out, _ = run(capsys)
    assert code == 1
    assert out == ("content/partners/northwind-no-contact.yml:8:9: offers[0].id: offer id 'adatum-identity-guard' "
                   "is already used by partner 'adatum-awaiting-contact'; offer ids are unique across partners\n")


def test_an_invalid_base_is_compared_against_nothing(repo: Path, capsys) -> None:
    edit(repo / "content" / "program.yml", "threshold_usd: 30000,", "threshold_usd: lots,")
    commit(repo, "broken")
    try:
        git(repo, "checkout", "-q", "removed", "--", "content/program.yml")
        code, out, _ = run(capsys, "broken")
        assert code == 3
        assert "note: BASE broken (<sha>) is invalid (1 problem, first: content/program.yml:" in out
    finally:
        git(repo, "tag", "-d", "broken")
        git(repo, "reset", "-q", "--hard", "removed")


def test_an_unknown_ref_is_a_usage_error(repo: Path, capsys) -> None:
    code, out, err = run(capsys, "no-such-branch")
    assert (code, out) == (2, "")
    assert err == f"diff: unknown revision 'no-such-branch' (not a branch, tag or commit of {repo})\n"


def test_outside_a_repository_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    shutil.copy2(REPO / "site.yml", tmp_path / "site.yml")
    shutil.copytree(REPO / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err == f"diff: {tmp_path} is not in a git repository: rewards diff compares two revisions of one\n"


def test_a_tier_renamed_in_korean_is_named_as_such(repo: Path, capsys) -> None:
    edit(repo / "content" / "program.yml", 'translations: {ko: {name: "5만 달러"}}', 'translations: {ko: {name: "5만 USD"}}')
    code, out, _ = run(capsys)
    assert code == 3
    assert "tier t50k name (ko): 5만 달러 -> 5만 USD" in out
    assert "year, support link or languages" not in out
