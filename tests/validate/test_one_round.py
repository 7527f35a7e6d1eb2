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


def edit(root: Path, path: str, *changes: tuple[str, str]) -> None:
    target = root / path
    text = target.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")


def test_a_benefit_the_schema_refuses_in_part_still_gets_its_reference_checks(mini: Path) -> None:
    edit(mini, "content/benefits/sponsorship.yml", ("category: technical", "category: technicl"),
         ("unlock_tier: t500", "unlock_tier: t9"), ("by_tier: {t500: 2000,", "by_tier: {t5: 2000,"))
    problems = [str(p) for p in load_all(Path("site.yml"), TODAY).problems]
    assert problems == [
        "content/benefits/sponsorship.yml:3:11: category: found the text 'technicl'; allowed: sales-marketing, "
        "technical; did you mean 'technical'?",
        "content/benefits/sponsorship.yml:5:14: unlock_tier: no tier 't9' in program.yml; tiers: publisher, t500, t25k",
        "content/benefits/sponsorship.yml:9:13: quantity.by_tier: no tier 't5' in program.yml",
    ]


def test_a_refused_value_is_told_once_and_the_checks_that_read_it_wait(mini: Path) -> None:
    # The schema refuses the title ('=?'); the mail check of the same title must not say it again, and
    # an unlock tier on a benefit whose listing types were refused cannot be judged against them.
    edit(mini, "content/benefits/sponsorship.yml", ("title: Azure sponsorship", 'title: "Azure =?sponsorship"'),
         ("listing_types: [transact]", "listing_types: [transactt]"))
    problems = [str(p) for p in load_all(Path("site.yml"), TODAY).problems]
    assert len(problems) == 2, problems
    assert problems[0].startswith("content/benefits/sponsorship.yml:2:8: title: ")
    assert problems[1].startswith("content/benefits/sponsorship.yml:4:17: listing_types[0]: found the text 'transactt'")


def test_a_tip_and_a_toolkit_page_refused_in_part_still_get_their_program_checks(mini: Path) -> None:
    edit(mini, "content/tips/offer-name.md", ("order: 1", "order: first\ntiers: [t500, t9]"))
    edit(mini, "content/toolkit/badges.md", ("summary: Link to your listing with an official badge.\n", ""),
         ("order: 1", "order: 1\ntranslations:\n  kr: {title: 배지, summary: 배지, body: 배지}"))
    problems = [str(p) for p in load_all(Path("site.yml"), TODAY).problems]
    assert [p.split(": ", 1)[0] for p in problems] == [
        "content/tips/offer-name.md:4:8", "content/tips/offer-name.md:5:15",
        "content/toolkit/badges.md:2:1", "content/toolkit/badges.md:5:3"], problems
    assert "no tier 't9' in program.yml" in problems[1]
    assert "language 'kr' is not one of the program's languages" in problems[3]


def test_a_tier_name_in_a_language_the_program_lacks_is_refused_where_it_is_written(mini: Path) -> None:
    edit(mini, "content/program.yml", ("name: Publisher, threshold_usd: 0}",
                                       "name: Publisher, threshold_usd: 0, translations: {kr: {name: 게시자}}}"))
    problems = [str(p) for p in load_all(Path("site.yml"), TODAY).problems]
    assert problems == ["content/program.yml:3:71: tiers[0].translations: language 'kr' is not one of the program's "
                        "languages (en, ko)"]
