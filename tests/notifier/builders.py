"""Model objects for notifier tests, built directly (no YAML): a small program, tips, partners."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rewards_build.config import SiteConfig, site_config_from
from rewards_build.model import (
    Activation,
    Benefit,
    Category,
    Contact,
    Content,
    Delivery,
    ListingType,
    Offer,
    OfferStatus,
    OptOut,
    Owner,
    OwnerStatus,
    Partner,
    Program,
    TeamContact,
    Tier,
    Timing,
    Tip,
    Translation,
)

TODAY = dt.date(2026, 11, 24)
ALL_TYPES = frozenset(ListingType)

PROGRAM = Program(
    program_year="FY27",
    tiers=(Tier("publisher", "Publisher", 0), Tier("t500", "500", 500), Tier("t25k", "25K", 25_000)),
    timing=Timing(contact_within_days=7, offer_silence_days=28, list_trial_expiry_months=6,
                  transact_deadline_month=6, transact_deadline_day=30, expiry_warning_days=30),
    support_ticket_url="https://support.example.com/publisher/new-ticket",
    languages=("en", "ko"),
    source="program.yml",
)

TIPS = (
    Tip("welcome", "Start here: your rewards page", "Open your **rewards page** and assign a contact.",
        ALL_TYPES, frozenset(), 0, "tips/welcome.md", getting_started=True,
        translations={"ko": Translation(title="여기서 시작하세요: 리워드 페이지",
                                        body="**리워드 페이지**를 열고 담당자를 지정하세요.")}),
    Tip("offer-name", "Put your value in the offer name", "The offer name carries the core value and keywords.",
        ALL_TYPES, frozenset(), 1, "tips/offer-name.md",
        translations={"ko": Translation(title="오퍼 이름에 가치를 담으세요", body="오퍼 이름에 핵심 가치와 키워드를 담으세요.")}),
    Tip("free-trial", "Offer a free trial", "A trial or test drive produces leads.",
        frozenset({ListingType.LIST}), frozenset(), 2, "tips/free-trial.md"),
    Tip("reviews", "Ask customers for reviews", "Reviews build trust.", ALL_TYPES, frozenset(), 3,
        "tips/reviews.md"),
)

BENEFITS = {
    "listing-optimization": Benefit(
        "listing-optimization", "Listing optimization", Category.SALES_MARKETING, ALL_TYPES, "publisher",
        frozenset(), Delivery.REWARDS_TEAM, "Guidance on your listing.", "benefits/listing-optimization.yml",
        translations={"ko": Translation(title="목록 최적화")},
    ),
}


def contact(name: str = "Ada Lovelace", email: str = "ada@contoso.example", language: str = "en") -> Contact:
    return Contact(name, email, "+14255550100", language)


def offer(offer_id: str = "contoso-crm", live: dt.date | None = dt.date(2026, 11, 20),
          owner: OwnerStatus = OwnerStatus.ACTIVE, listing_type: ListingType = ListingType.LIST) -> Offer:
    return Offer(offer_id, "Contoso CRM", listing_type, OfferStatus.LIVE if live else OfferStatus.DRAFT,
                 live_date=live, owner=Owner(owner, "Owner", "owner@contoso.example"))


def partner(
    partner_id: str = "contoso",
    contacts: tuple[Contact, ...] = (contact(),),
    offers: tuple[Offer, ...] = (offer(),),
    activations: tuple[Activation, ...] = (),
    team_contacts: tuple[TeamContact, ...] | None = None,
    opt_outs: tuple[OptOut, ...] = (),
    name: str = "Contoso",
) -> Partner:
    if team_contacts is None:  # by default the team said hello when each offer went live
        team_contacts = tuple(TeamContact(o.live_date, "offer-live", offer=o.id) for o in offers if o.live_date)
    return Partner(partner_id, name, "1234567", f"partnercenter@{partner_id}.example", offers, contacts,
                   activations, team_contacts, (), opt_outs, (), f"partners/{partner_id}.yml")


def content(*partners: Partner, tips: tuple[Tip, ...] = TIPS) -> Content:
    return Content(PROGRAM, BENEFITS, {p.id: p for p in partners}, tips, ())


UNSUBSCRIBE_SECRET_ENV = "REWARDS_TEST_UNSUBSCRIBE_SECRET"  # set by conftest.py for every notifier test
UNSUBSCRIBE_SECRET = "test-secret-not-for-production"


def site(root: Path, port: int = 25, **notifier: object) -> SiteConfig:
    data = {
        "title": "Marketplace Rewards",
        "base_url": "https://rewards.example.com/",
        "output_dir": "_site",
        "edit_url": "https://github.com/example/rewards/edit/main/",
        "languages": ["en", "ko"],
        "notifier": {
            "sender": {"name": "Marketplace Rewards", "email": "rewards@rewards.example.com"},
            "reply_to": {"name": "Rewards team", "email": "rewards-team@rewards.example.com"},
            "rewards_team": {"name": "Rewards escalations", "email": "escalations@rewards.example.com"},
            "message_id_domain": "rewards.example.com",
            "unsubscribe": {"url": "https://rewards.example.com/unsubscribe", "secret_env": UNSUBSCRIBE_SECRET_ENV},
            "smtp": {"host": "127.0.0.1", "port": port, "tls": "none", "timeout_seconds": 2, "connections": 2},
            "rate_limit_per_second": 1000,
            "retries": 2,
            "ledger": "var/ledger.sqlite3",
            "outbox": "_outbox",
            **notifier,
        },
    }
    return site_config_from(data, root / "site.yml")


def many_partners(n: int, language: str = "en") -> list[Partner]:
    return [
        partner(f"p{i:04d}", contacts=(contact(f"Contact {i}", f"c{i}@p{i:04d}.example", language),), name=f"P{i}")
        for i in range(n)
    ]
