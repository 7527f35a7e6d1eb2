"""`rewards apply-form` on every form: a body as GitHub renders it, applied to a git repository holding the
example content, changes exactly the lines it should in one partner file (byte for byte, comments and
layout kept), and the partner's state then changes as the rules say."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from form_helpers import TODAY, apply_form, git, github_body

from rewards_build import rules
from rewards_build.forms.spec import Action
from rewards_build.pipeline import load_all
from rewards_build.rules import BenefitState, EscalationKind


@dataclass(frozen=True)
class Case:
    action: Action
    answers: dict[str, str]
    old: str  # the lines of the partner's file that change ...
    new: str  # ... and what they read afterwards: everything else stays byte for byte

    @property
    def partner(self) -> str:
        return self.answers["partner"]


CASES = {
    "assign-contact": Case(Action.ASSIGN_CONTACT, {
        "partner": "northwind-no-contact", "name": "Mina Park", "email": "mina.park@northwind-analytics.example",
        "phone": "+1 425 555 0142", "language": "Korean (ko)"},
        "marketing_contacts: []\n",
        'marketing_contacts:\n  - name: Mina Park\n    email: mina.park@northwind-analytics.example\n'
        '    phone: "+1 425 555 0142"\n    language: ko\n'),
    "replace-contact": Case(Action.ASSIGN_CONTACT, {
        "partner": "wingtip-owner-left", "replace": "Joni.Sherman@wingtip.example", "name": "Alex Wilber",
        "email": "alex.wilber@wingtip.example", "phone": "+61 2 9374 4001", "language": "English (en)"},
        '  - name: Joni Sherman\n    email: joni.sherman@wingtip.example\n    phone: "+61 2 9374 4000"\n',
        '  - name: Alex Wilber\n    email: alex.wilber@wingtip.example\n    phone: "+61 2 9374 4001"\n'),
    "activate": Case(Action.ACTIVATE, {
        "partner": "adatum-awaiting-contact", "offer": "adatum-identity-guard", "benefit": "rewards-testimonial"},
        "    date: 2026-11-14\nteam_contacts:\n",
        "    date: 2026-11-14\n  - benefit: rewards-testimonial\n    offer: adatum-identity-guard\n"
        "    date: 2026-11-24\nteam_contacts:\n"),
    "request-help": Case(Action.REQUEST_HELP, {
        "partner": "northwind-no-contact", "offer": "northwind-sales-forecaster",
        "benefit": "technical-deployment-help", "phase": "Deployment (deployment)",
        "note": "AKS landing zone review before our first enterprise customer"},
        "assign a marketing contact.\n",
        "assign a marketing contact.\ntechnical_requests:\n  - benefit: technical-deployment-help\n"
        "    offer: northwind-sales-forecaster\n    phase: deployment\n    date: 2026-11-24\n    status: submitted\n"
        "    note: AKS landing zone review before our first enterprise customer\n"),
    "owner-left": Case(Action.OWNER_LEFT, {"partner": "tailspin-silent-offer", "offer": "tailspin-telematics-connect"},
                       "      email: johanna.lorenz@tailspin.example\n      status: active\n",
                       "      email: johanna.lorenz@tailspin.example\n      status: left\n"),
    "opt-out": Case(Action.OPT_OUT, {
        "partner": "fabrikam-contact-assigned", "scope": "All program mail and engagements",
        "note": "Paused: reorganising marketing"},
        "She will activate after the October release.\n",
        'She will activate after the October release.\nopt_outs:\n  - date: 2026-11-24\n'
        '    note: "Paused: reorganising marketing"\n'),
    "opt-out-benefit": Case(Action.OPT_OUT, {
        "partner": "fabrikam-contact-assigned", "scope": "One benefit of one offer",
        "offer": "fabrikam-backup-vault-trial", "benefit": "Marketplace marketing toolkit (marketing-toolkit)"},
        "She will activate after the October release.\n",
        "She will activate after the October release.\nopt_outs:\n  - date: 2026-11-24\n"
        "    offer: fabrikam-backup-vault-trial\n    benefit: marketing-toolkit\n"),
    "opt-out-tips": Case(Action.OPT_OUT, {
        "partner": "wingtip-owner-left", "scope": "Best-practice tips to one marketing contact",
        "contact": "joni.sherman@wingtip.example"},
        "    language: en\n", "    language: en\n    tips: false\n"),
    "record-call": Case(Action.RECORD_CALL, {
        "partner": "adatum-awaiting-contact", "about": "An activated benefit (activation)",
        "offer": "adatum-identity-guard", "benefit": "marketplace-blog-feature",
        "note": "Called Nestor: blog draft due 2026-12-05"},
        'post.\n',
        'post.\n  - date: 2026-11-24\n    about: activation\n    offer: adatum-identity-guard\n'
        '    benefit: marketplace-blog-feature\n    note: "Called Nestor: blog draft due 2026-12-05"\n'),
    "mark-completed": Case(Action.COMPLETE, {
        "partner": "contoso-activated-contacted", "offer": "contoso-field-service",
        "benefit": "customer-success-story"},
        "  - benefit: customer-success-story\n    offer: contoso-field-service\n    date: 2026-10-05\n",
        "  - benefit: customer-success-story\n    offer: contoso-field-service\n    date: 2026-10-05\n"
        "    completed: 2026-11-24\n"),
    "mark-request-completed": Case(Action.COMPLETE, {
        "partner": "relecloud-private-offer", "offer": "relecloud-broadcaster-private",
        "benefit": "technical-deployment-help"},
        "    status: in-progress\n", "    status: completed\n"),
}


def _standing(root: Path, partner: str) -> rules.PartnerStanding:
    loaded = load_all(root / "site.yml", TODAY)
    assert loaded.content is not None, loaded.problems
    return rules.assess(loaded.content, loaded.content.partners[partner], TODAY)


def _state(s: rules.PartnerStanding, offer: str, benefit: str) -> BenefitState:
    (state,) = [st.state for g in s.offers for st in g.statuses if g.offer.id == offer and st.benefit.id == benefit]
    return state


def test_every_form_has_a_case() -> None:
    assert {c.action for c in CASES.values()} == set(Action)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_submitted_form_changes_those_lines_of_that_file_and_nothing_else(repo: Path, name: str) -> None:
    case = CASES[name]
    file = repo / f"content/partners/{case.partner}.yml"
    before_text = file.read_text(encoding="utf-8")
    assert before_text.count(case.old) == 1, "the case's lines must be in the file once"
    before = _standing(repo, case.partner)
    done = apply_form(repo, github_body(case.action, case.answers))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("<!-- rewards-form -->\n")
    assert file.read_text(encoding="utf-8") == before_text.replace(case.old, case.new, 1)
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == f" M content/partners/{case.partner}.yml\n"
    after = _standing(repo, case.partner)
    a = case.answers
    if name == "assign-contact":
        assert EscalationKind.ASSIGN_CONTACT in {e.kind for e in before.escalations}
        assert EscalationKind.ASSIGN_CONTACT not in {e.kind for e in after.escalations}
        assert after.partner.contacts[0].language == "ko"
    elif name == "replace-contact":
        assert [c.email for c in after.partner.contacts] == ["alex.wilber@wingtip.example"]
    elif name == "activate":
        assert _state(before, a["offer"], a["benefit"]) is BenefitState.AVAILABLE
        assert _state(after, a["offer"], a["benefit"]) is BenefitState.AWAITING_CONTACT
    elif name == "request-help":
        assert _state(before, a["offer"], a["benefit"]) is BenefitState.AVAILABLE
        assert _state(after, a["offer"], a["benefit"]) is BenefitState.ACTIVATED
    elif name == "owner-left":
        assert {e.kind for e in before.escalations} == {EscalationKind.FIND_OWNER}
        assert {e.kind for e in after.escalations} == {EscalationKind.OPEN_TICKET}
    elif name == "opt-out":
        assert not before.opted_out and after.opted_out and after.escalations == ()
    elif name == "opt-out-benefit":
        assert _state(before, a["offer"], "marketing-toolkit") is BenefitState.AVAILABLE
        assert _state(after, a["offer"], "marketing-toolkit") is BenefitState.OPTED_OUT
        assert not after.opted_out
    elif name == "opt-out-tips":
        assert rules.gets_tips(before.partner, before.partner.contacts[0])
        assert not rules.gets_tips(after.partner, after.partner.contacts[0])
    elif name == "record-call":
        assert _state(before, a["offer"], a["benefit"]) is BenefitState.AWAITING_CONTACT
        assert _state(after, a["offer"], a["benefit"]) is BenefitState.CONTACTED
        assert not after.escalations
    else:
        assert _state(before, a["offer"], a["benefit"]) in (BenefitState.CONTACTED, BenefitState.ACTIVATED)
        assert _state(after, a["offer"], a["benefit"]) is BenefitState.COMPLETED


def test_the_reply_shows_the_change_as_a_diff(repo: Path) -> None:
    case = CASES["activate"]
    done = apply_form(repo, github_body(case.action, case.answers))
    assert done.stdout == (
        "<!-- rewards-form -->\n"
        "**Activate a benefit** for `adatum-awaiting-contact`, asked by @octocat: this change goes to review as a "
        "pull request, and the program changes only when a reviewer merges it.\n\n"
        "```diff\n"
        "--- a/content/partners/adatum-awaiting-contact.yml\n"
        "+++ b/content/partners/adatum-awaiting-contact.yml\n"
        "@@ -31,4 +31,7 @@\n"
        "     offer: adatum-identity-guard\n"
        "     date: 2026-11-14\n"
        "+  - benefit: rewards-testimonial\n"
        "+    offer: adatum-identity-guard\n"
        "+    date: 2026-11-24\n"
        " team_contacts:\n"
        "   - date: 2025-12-04\n"
        "```\n")


def test_crlf_line_ends_from_a_browser_read_the_same(repo: Path) -> None:
    case = CASES["activate"]
    done = apply_form(repo, github_body(case.action, case.answers).replace("\n", "\r\n"))
    assert done.returncode == 0, done.stdout
    assert git(repo, "status", "--porcelain") == " M content/partners/adatum-awaiting-contact.yml\n"


def test_a_dry_run_writes_nothing(repo: Path) -> None:
    case = CASES["activate"]
    done = apply_form(repo, github_body(case.action, case.answers), "--dry-run")
    assert done.returncode == 0 and "+  - benefit: rewards-testimonial" in done.stdout
    assert "wrote" not in done.stderr
    assert git(repo, "status", "--porcelain") == ""
