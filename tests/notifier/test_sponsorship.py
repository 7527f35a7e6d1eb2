"""Azure sponsorship details are "shared by email when you unlock" them (domain.md): one mail per
partner and tier reached, with that tier's amount from the content, in each contact's language.

Sent through a real SMTP server (aiosmtpd on loopback), run after run as the partner's billed sales
move: up (the next tier's mail), down (nothing), up again to a tier already told (nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from builders import PROGRAM, TODAY, contact, partner, site
from conftest import Server, ledger_rows, run_notify

from notifier.notify import Options
from rewards_build.model import (
    Benefit,
    Category,
    Content,
    Delivery,
    ListingType,
    Offer,
    OfferStatus,
    Owner,
    OwnerStatus,
    Partner,
    Quantity,
    Revocation,
    Tier,
    Translation,
)
from rewards_build.rules import assess, sponsorship

TIERS = (Tier("publisher", "Publisher", 0), Tier("t500", "$500", 500), Tier("t25k", "$25K", 25_000),
         Tier("t50k", "$50K", 50_000))
POC = Benefit("azure-sponsorship-poc", "Azure sponsorship for deployment or proof of concept", Category.TECHNICAL,
              frozenset({ListingType.TRANSACT}), "t500", frozenset(), Delivery.EMAILED_ON_UNLOCK, "Azure credits.",
              "benefits/azure-sponsorship-poc.yml",
              quantity=Quantity("USD", (("t500", 2000), ("t25k", 2000), ("t50k", 15000))),
              translations={"ko": Translation(title="배포 및 개념 증명용 Azure 스폰서십")})
SANDBOX = Benefit("azure-sponsorship-trial-sandbox", "Azure sponsorship for test drive or trial sandbox",
                  Category.TECHNICAL, frozenset({ListingType.TRANSACT}), "t50k", frozenset(),
                  Delivery.EMAILED_ON_UNLOCK, "Azure credits.", "benefits/azure-sponsorship-trial-sandbox.yml",
                  quantity=Quantity("USD", (("t50k", 5000),)))
PROGRAM_WITH_TIERS = dataclasses.replace(PROGRAM, tiers=TIERS)
LIVE = dt.date(2026, 11, 20)


def transact(sales: int, status: OfferStatus = OfferStatus.LIVE) -> Offer:
    return Offer("contoso-saas", "Contoso SaaS", ListingType.TRANSACT, status, live_date=LIVE,
                 owner=Owner(OwnerStatus.ACTIVE, "Owner", "owner@contoso.example"), billed_sales_usd=sales)


def program_content(*partners: Partner) -> Content:
    return Content(PROGRAM_WITH_TIERS, {b.id: b for b in (POC, SANDBOX)}, {p.id: p for p in partners}, (), ())


def contoso(sales: int, **changes: object) -> Partner:
    contacts = (contact(), contact("김민지", "minji@contoso.example", "ko"))
    return dataclasses.replace(partner(contacts=contacts, offers=(transact(sales),)), **changes)


def test_the_rules_answer_the_tier_and_its_amounts() -> None:
    def answer(p: Partner) -> tuple[str, tuple[tuple[str, int], ...]] | None:
        found = sponsorship(assess(program_content(p), p, TODAY))
        return None if found is None else (found.tier.id, tuple((g.benefit.id, g.amount) for g in found.grants))

    assert answer(contoso(400)) is None  # below the unlock tier
    assert answer(contoso(600)) == ("t500", (("azure-sponsorship-poc", 2000),))
    assert answer(contoso(60_000)) == ("t50k", (("azure-sponsorship-poc", 15000),
                                                 ("azure-sponsorship-trial-sandbox", 5000)))
    revoked = contoso(600, revocations=(Revocation(TODAY, "sponsorship-misuse", benefit=POC.id),))
    assert answer(revoked) is None  # misuse of credits: nothing to tell
    listed = dataclasses.replace(contoso(600), offers=(dataclasses.replace(transact(600), listing_type=ListingType.LIST),))
    assert answer(listed) is None  # sponsorship is for transact offers


def _sponsorship_mail(smtp: Server, start: int) -> list[tuple[str, str, str]]:
    """(To, Subject, text part) of the sponsorship messages received since `start`."""
    found = []
    for message in smtp.handler.received[start:]:
        if "sponsorship" in str(message["X-Rewards-Items"]):
            text = message.get_body(("plain",))
            assert text is not None
            found.append((message["To"].addresses[0].addr_spec, str(message["Subject"]),
                          str(text.get_content()).replace("\r\n", "\n")))
    return sorted(found)


async def test_one_mail_per_partner_and_tier_reached_in_each_contacts_language(smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)

    async def run(sales: int, day: dt.date) -> list[tuple[str, str, str]]:
        start = len(smtp.handler.received)
        result = await run_notify(config, program_content(contoso(sales)), Options(day))
        assert result.code == 0, result.err
        return _sponsorship_mail(smtp, start)

    [(to_en, subject_en, text_en), (to_ko, subject_ko, text_ko)] = await run(600, TODAY)
    assert (to_en, to_ko) == ("ada@contoso.example", "minji@contoso.example")
    assert subject_en == "Contoso: your Azure sponsorship at the $500 tier"
    assert "Azure sponsorship for deployment or proof of concept: USD 2,000" in text_en
    assert "https://rewards.example.com/partners/contoso/" in text_en
    assert subject_ko == "Contoso: $500 등급의 Azure 스폰서십 안내"
    assert "배포 및 개념 증명용 Azure 스폰서십: USD 2,000" in text_ko
    assert "https://rewards.example.com/ko/partners/contoso/" in text_ko

    assert await run(600, TODAY + dt.timedelta(days=1)) == []  # told once
    # Up to $50K: the next tier's mail, with both sponsorships and the new amounts.
    [(_, subject, text), _] = await run(60_000, TODAY + dt.timedelta(days=2))
    assert subject == "Contoso: your Azure sponsorship at the $50K tier"
    assert "USD 15,000" in text and "Azure sponsorship for test drive or trial sandbox: USD 5,000" in text
    assert await run(30_000, TODAY + dt.timedelta(days=3)) == []  # down to $25K: no repeat
    assert await run(60_000, TODAY + dt.timedelta(days=4)) == []  # back at $50K: already told
    kinds = [(r["kind"], r["subject"], r["state"]) for r in ledger_rows(config) if r["kind"] == "sponsorship"]
    assert sorted(kinds) == [("sponsorship", "t500", "sent")] * 2 + [("sponsorship", "t50k", "sent")] * 2


async def test_a_contact_added_later_is_not_told_again_and_a_refused_mail_is_retried(
        smtp: Server, root: Path) -> None:
    config = site(root, smtp.port)
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 try later" if phase == "RCPT" and n == 1 else None
    first = await run_notify(config, program_content(contoso(600)), Options(TODAY), retries=0)
    assert first.code == 1  # the first message is left pending
    smtp.handler.rule = lambda phase, address, n: None
    start = len(smtp.handler.received)
    again = await run_notify(config, program_content(contoso(600)), Options(TODAY + dt.timedelta(days=1)))
    assert again.code == 0, again.err
    assert len(_sponsorship_mail(smtp, start)) == 1  # the pending one, sent again; the other is not repeated
    newcomer = contoso(600, contacts=(contact(), contact("Grace", "grace@contoso.example")))
    start = len(smtp.handler.received)
    assert (await run_notify(config, program_content(newcomer), Options(TODAY + dt.timedelta(days=2)))).code == 0
    assert _sponsorship_mail(smtp, start) == []  # the partner was told about this tier already


def test_the_email_strings_word_the_sponsorship_mail_in_both_languages() -> None:
    from notifier.compose import PACKAGED_TEMPLATES, Catalog
    from rewards_build.wording import SPONSORSHIP_MAIL_KEYS

    catalog = Catalog(PACKAGED_TEMPLATES / "strings")
    for lang in ("en", "ko"):
        assert all(catalog.tables[lang].get(key) for key in SPONSORSHIP_MAIL_KEYS), lang
