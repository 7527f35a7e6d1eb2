"""All problems of a file in one round: a duplicate key does not hide the schema problems, and a schema
problem does not hide the alias, account-email and reference checks; only checks that depend on a
refused value wait for it."""

from __future__ import annotations

from pathlib import Path

from rewards_build.pipeline import load_all
from tests.conftest import TODAY

ACME = "content/partners/acme.yml"


def break_acme(root: Path, *changes: tuple[str, str]) -> list[str]:
    target = root / ACME
    text = target.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    return [str(p) for p in load_all(Path("site.yml"), TODAY).problems]


def test_duplicate_key_schema_error_and_bad_reference_in_one_run(mini: Path) -> None:
    problems = break_acme(
        mini,
        ("name: Acme Software\n", "name: Acme Software\nname: Acme Again\n"),  # duplicate key
        ("status: live\n    live_date: 2026-06-01", "status: liv\n    live_date: 2026-06-01"),  # schema
        ("about: offer-live\n    offer: acme-app", "about: offer-live\n    offer: acme-ap"),  # reference
        ("email: bo@acme.test", "email: info@acme.test"),  # alias
    )
    assert problems == [
        f"{ACME}:3:1: duplicate key 'name' (first at line 2); YAML would keep only the last one: remove one of them",
        f"{ACME}:18:13: offers[1].status: found the text 'liv'; allowed: draft, live, delisted; did you mean 'live'?",
        f"{ACME}:22:12: marketing_contacts[0].email: info@acme.test is a shared alias (info@); mail to shared "
        "mailboxes is lost: give a person's address",
        # The refused offer is still an offer written in the file: references to other ids are wrong now.
        f"{ACME}:32:12: team_contacts[0].offer: no offer 'acme-ap' in this file; offers: acme-app, acme-trial",
    ]


def test_entries_after_a_refused_one_keep_their_numbers(mini: Path) -> None:
    problems = break_acme(
        mini,
        ("team_contacts:\n  - date: 2026-01-12\n    about: offer-live",
         "team_contacts:\n  - date: 2026-01-12\n    about: offer-lve"),
        ("about: activation\n    offer: acme-app\n    benefit: blog-feature",
         "about: activation\n    offer: acme-app\n    benefit: blog-featur"),
        ("account_email: pc-admin@acme.test", "account_email: pc-admin@acme"),
    )
    assert problems == [
        f"{ACME}:4:16: account_email: found the text 'pc-admin@acme'; expected an email address such as "
        "name@example.com",
        f"{ACME}:30:12: team_contacts[0].about: found the text 'offer-lve'; allowed: offer-live, activation, general; "
        "did you mean 'offer-live'?",
        f"{ACME}:35:14: team_contacts[1].benefit: no benefit 'blog-featur' in content/benefits/",
    ]


def test_what_depends_on_a_refused_value_waits(mini: Path) -> None:
    # The offer's sales are refused: its tier is unknown, so whether the activation is allowed waits,
    # while the contact's shared alias (which needs no tier) is reported now.
    problems = break_acme(
        mini,
        ("billed_sales_usd: 30000", "billed_sales_usd: lots"),
        ("email: bo@acme.test", "email: sales@acme.test"),
    )
    assert problems == [
        f"{ACME}:12:23: offers[0].billed_sales_usd: expected a whole number, found the text 'lots'",
        f"{ACME}:21:12: marketing_contacts[0].email: sales@acme.test is a shared alias (sales@); mail to shared "
        "mailboxes is lost: give a person's address",
    ]


def test_a_reference_to_a_benefit_whose_file_is_broken_waits(mini: Path) -> None:
    (mini / "content/benefits/blog-feature.yml").write_text("id: blog-feature\n", encoding="utf-8")
    problems = [p for p in break_acme(mini) if p.startswith(ACME)]
    assert problems == []
