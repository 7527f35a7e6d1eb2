"""A submitted form is untrusted input: whoever can open an issue writes its body, and can edit it into
anything. Every bad or hostile submission is refused with a reply that names the field and says what to
fix (pinned here, word for word), exit 1, no traceback, and no file of the repository changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from form_helpers import BIN, REPO, TODAY, apply_form, git, github_body, run

from rewards_build.forms.spec import Action

A = Action
LEAD = ("<!-- rewards-form -->\nThis request cannot be made as it stands. Edit the issue to fix what is listed below: "
        "it is checked again after each edit, and nothing changes until then.\n\n")
CONTACT = {"partner": "wingtip-owner-left", "name": "Eve Adams", "email": "eve.adams@wingtip.example",
           "phone": "+1 425 555 0142", "language": "English (en)"}
HELP = {"partner": "northwind-no-contact", "offer": "northwind-sales-forecaster", "benefit": "technical-deployment-help",
        "phase": "Design (design)", "note": "Review our AKS design"}
ACTIVATE = {"partner": "adatum-awaiting-contact", "offer": "adatum-identity-guard", "benefit": "rewards-testimonial"}
NOT_A_FORM = ("- This issue is not one of the request forms, or its headings were changed. Open the form again from "
              "the partner page (or New issue, then the form), and fill it in without changing its headings.\n")
NO_PARTNER = "in this program; copy the id from the partner page (the last part of its address)\n"

CASES: dict[str, tuple[str, str]] = {
    # A header-bound field (a contact's name goes into To:) with a line break, however written.
    "crlf in a name": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "name": "Eve\r\nBcc: x@evil.example"}),
                       "- **Name**: write the answer on one line\n"),
    "lone cr in a name": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "name": "Eve\rBcc: x@evil.example"}),
                          "- **Name**: write the answer on one line\n"),
    "u+2028 in a note": (github_body(A.REQUEST_HELP, {**HELP, "note": "fine\u2028evil: 1"}),
                         "- **What you need**: write the answer on one line\n"),
    "u+0085 in an email": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "email": "eve@wingtip.example\x85x"}),
                           "- **Email**: write the answer on one line\n"),
    "encoded word in a name": (
        github_body(A.ASSIGN_CONTACT, {**CONTACT, "name": "=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?="}),
        "- **Name**: contains '=?', which mail programs read as the start of an encoded word (RFC 2047) and could "
        "decode into new header lines; write the text without '=?'\n"),
    "control character": (github_body(A.REQUEST_HELP, {**HELP, "note": "a\x1bb"}),
                          "- **What you need**: contains the control character U+001B; expected one line of text "
                          "without control characters (it can reach an email header)\n"),
    "huge body": (github_body(A.ACTIVATE, {**ACTIVATE, "partner": "x" * 70_000}),
                  "- The request is 70,099 characters long; a form's answers are far shorter (GitHub keeps at most "
                  "65,536). Open the form again and fill it in.\n"),
    "huge value": (github_body(A.REQUEST_HELP, {**HELP, "note": "n" * 5000}),
                   "- **What you need**: is 5000 characters long; at most 200 allowed\n"),
    "unknown partner": (github_body(A.ACTIVATE, {**ACTIVATE, "partner": "nobody"}),
                        f"- **Partner ID**: no partner 'nobody' {NO_PARTNER}"),
    "path out of content": (github_body(A.ACTIVATE, {**ACTIVATE, "partner": "../../site"}),
                            f"- **Partner ID**: no partner '../../site' {NO_PARTNER}"),
    "another partner's file by path": (
        github_body(A.ACTIVATE, {**ACTIVATE, "partner": "trey-list-only/../adatum-awaiting-contact"}),
        f"- **Partner ID**: no partner 'trey-list-only/../adatum-awaiting-contact' {NO_PARTNER}"),
    "benefit not offered to the listing type": (
        github_body(A.ACTIVATE, {"partner": "trey-list-only", "offer": "trey-clinical-insights",
                                 "benefit": "executive-endorsement"}),
        "- **Benefit to activate**: 'executive-endorsement' is not offered to list offers ('trey-clinical-insights' "
        "is list; the benefit is for transact)\n"),
    "another partner's offer": (
        github_body(A.ACTIVATE, {"partner": "trey-list-only", "offer": "adatum-identity-guard",
                                 "benefit": "marketing-toolkit"}),
        "- **Offer ID**: no offer 'adatum-identity-guard' in this file; offers: trey-clinical-insights, "
        "trey-lab-scheduler-byol\n"),
    "already activated": (
        github_body(A.ACTIVATE, {**ACTIVATE, "benefit": "marketplace-blog-feature"}),
        "- **Benefit to activate**: marketplace-blog-feature on adatum-identity-guard is activated, awaiting contact "
        "already; nothing to ask for\n"),
    "not a choice of the dropdown": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "language": "Klingon (tlh)"}),
                                     "- **Preferred language**: 'Klingon (tlh)' is not one of the choices (English "
                                     "(en); Korean (ko))\n"),
    "a required answer left empty": (github_body(A.ACTIVATE, {**ACTIVATE, "partner": ""}),
                                     "- **Partner ID**: this answer is needed\n"),
    "a shared mailbox": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "email": "No_Reply@wingtip.example"}),
                         "- **Email**: No\\_Reply@wingtip.example is a shared alias (noreply@); mail to shared "
                         "mailboxes is lost: give a person's address\n"),
    "a fourth contact": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "partner": "proseware-top-tier"}),
                         "- **Email of the contact to replace**: proseware-top-tier has 3 marketing contacts, the "
                         "most a partner can have: give the email of the one this person replaces\n"),
    "a phone without its country": (github_body(A.ASSIGN_CONTACT, {**CONTACT, "phone": "425 555 0142"}),
                                    "- **Phone**: '425 555 0142' must start with + and the country code, e.g. "
                                    "\"+1 425 555 0100\"\n"),
    "a YAML 1.1 word": (github_body(A.REQUEST_HELP, {**HELP, "note": "no"}),
                        "- **What you need**: 'no' on its own cannot be kept (YAML tools read it as the boolean "
                        "false): say it in a few more words\n"),
    "opt out of an offer without one": (github_body(A.OPT_OUT, {"partner": "wingtip-owner-left", "scope": "One offer"}),
                                        "- **Offer ID**: needed to opt out of one offer\n"),
    "replace a contact the partner does not have": (
        github_body(A.ASSIGN_CONTACT, {**CONTACT, "replace": "someone@wingtip.example"}),
        "- **Email of the contact to replace**: no marketing contact of wingtip-owner-left has the email "
        "'someone@wingtip.example'; leave it empty to add a contact\n"),
    "a heading added to the body": (github_body(A.ACTIVATE, ACTIVATE) + "\n\n### Partner ID\n\nnorthwind-no-contact",
                                    NOT_A_FORM),
    "not a form at all": ("Please activate the blog feature for us!\n", NOT_A_FORM),
    "Markdown and a mention echoed back": (
        github_body(A.ACTIVATE, {**ACTIVATE, "partner": "@everyone [x](https://evil.example) <img src=x>"}),
        "- **Partner ID**: no partner '@\u2060everyone \\[x\\](https://evil.example) \\<img src=x\\>' " + NO_PARTNER),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_submission_is_refused_with_what_to_fix_and_changes_nothing(repo: Path, name: str) -> None:
    body, expected = CASES[name]
    done = apply_form(repo, body)
    assert (done.returncode, done.stdout) == (1, LEAD + expected), done.stderr
    assert "Traceback" not in done.stderr
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_bytes_that_are_not_utf8_are_refused(repo: Path) -> None:
    (repo.parent / "body.md").write_bytes(github_body(A.ACTIVATE, ACTIVATE).replace("adatum-awaiting-contact",
                                                                                      "adatum\xff").encode("latin-1"))
    done = run(repo, str(BIN / "rewards"), "apply-form", str(repo.parent / "body.md"), "--author", "octocat",
               "--today", TODAY.isoformat())
    assert (done.returncode, done.stdout) == (1, LEAD + f"- **Partner ID**: no partner 'adatum\ufffd' {NO_PARTNER}")


def test_an_author_that_is_not_a_github_login_is_a_usage_error(repo: Path) -> None:
    done = apply_form(repo, github_body(A.ACTIVATE, ACTIVATE), author="--x\nBcc: y")
    assert (done.returncode, done.stdout) == (2, "")
    assert "is not a GitHub login" in done.stderr
    assert git(repo, "status", "--porcelain") == ""


def test_content_invalid_before_the_change_is_not_the_requester_s_to_fix(repo: Path) -> None:
    other = repo / "content/partners/wingtip-owner-left.yml"
    other.write_text(other.read_text(encoding="utf-8").replace("language: en", "language: no"), encoding="utf-8")
    done = apply_form(repo, github_body(A.ACTIVATE, ACTIVATE))
    assert done.returncode == 2
    assert done.stdout.startswith("<!-- rewards-form -->\nThe program's content does not validate right now")
    assert "content/partners/wingtip-owner-left.yml:" in done.stderr
    assert git(repo, "status", "--porcelain") == " M content/partners/wingtip-owner-left.yml\n"


def test_the_body_can_come_on_standard_input(repo: Path) -> None:
    done = run(repo, str(BIN / "rewards"), "apply-form", "-", "--author", "octocat", "--today", TODAY.isoformat(),
               stdin=github_body(A.ACTIVATE, ACTIVATE))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_forms_read_back_what_the_example_pages_link_to() -> None:
    assert (REPO / ".github/ISSUE_TEMPLATE/activate.yml").is_file()
