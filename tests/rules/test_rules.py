"""The program rules, table by table, with dates at the edges (day 7 versus day 8, exactly 28 days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from rewards_build import rules
from rewards_build.model import (
    Activation,
    Benefit,
    Category,
    Condition,
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
    Quantity,
    Revocation,
    TeamContact,
    TechnicalRequest,
    Tier,
    Timing,
)
from rewards_build.rules import BenefitState as S
from rewards_build.rules import LockReason as L

D = dt.date.fromisoformat
TODAY = D("2026-11-24")
T = ListingType

PROGRAM = Program(
    program_year="FY24",
    tiers=(Tier("publisher", "Publisher", 0), Tier("t500", "$500", 500), Tier("t25k", "$25K", 25_000),
           Tier("t1m", "$1M", 1_000_000)),
    timing=Timing(contact_within_days=7, offer_silence_days=28, list_trial_expiry_months=6,
                  transact_deadline_month=6, transact_deadline_day=30, expiry_warning_days=30),
    support_ticket_url="https://support.test/",
    languages=("en", "ko"),
    source="program.yml",
)


def benefit(bid: str, types=(T.TRANSACT,), tier="publisher", category=Category.SALES_MARKETING,
            delivery=Delivery.REWARDS_TEAM, conditions=(), quantity=None) -> Benefit:
    return Benefit(bid, bid.title(), category, frozenset(types), tier, frozenset(conditions), delivery, "text",
                   f"benefits/{bid}.yml", quantity=quantity)


BENEFITS = {b.id: b for b in [
    benefit("blog", tier="t25k"),
    benefit("toolkit", types=(T.LIST, T.TRIAL, T.TRANSACT), delivery=Delivery.SELF_SERVE),
    benefit("press", types=(T.TRIAL, T.TRANSACT), conditions=(Condition.NOT_PRIVATE,)),
    benefit("spotlight", conditions=(Condition.CO_SELL_READY,)),
    benefit("design-help", types=(T.LIST, T.TRIAL, T.TRANSACT), category=Category.TECHNICAL,
            delivery=Delivery.REQUEST_FORM),
    benefit("sponsorship", tier="t500", category=Category.TECHNICAL, delivery=Delivery.EMAILED_ON_UNLOCK,
            quantity=Quantity("USD", (("t500", 2000), ("t25k", 15000), ("t1m", 100000)))),
]}
CONTENT = Content(PROGRAM, BENEFITS, {}, (), ())
CONTACT = Contact("Bo", "bo@acme.test", "+14255550142", "en")


def offer(oid="app", kind=T.TRANSACT, status=OfferStatus.LIVE, live="2026-01-10", sales=0, **kw) -> Offer:
    return Offer(oid, oid.title(), kind, status, live_date=D(live) if live else None, billed_sales_usd=sales,
                 owner=kw.pop("owner", Owner(OwnerStatus.ACTIVE, "Ana")), **kw)


def partner(offers=None, contacts=(CONTACT,), activations=(), team=(), requests=(), opt_outs=(),
            revocations=()) -> Partner:
    return Partner("acme", "Acme", "1234567", "pc@acme.test", tuple(offers or [offer()]), tuple(contacts),
                   tuple(activations), tuple(team), tuple(requests), tuple(opt_outs), tuple(revocations),
                   "partners/acme.yml")


def status_of(p: Partner, benefit_id: str, today: dt.date = TODAY, offer_id: str | None = None):
    standing = rules.assess(CONTENT, p, today)
    for group in standing.offers:
        if offer_id in (None, group.offer.id):
            for st in group.statuses:
                if st.benefit.id == benefit_id:
                    return st
    raise AssertionError(f"no status for {benefit_id}")


# --- Tiers -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sales", "tier", "next_tier", "needed"), [
    (0, "publisher", "t500", 500),
    (499, "publisher", "t500", 1),
    (500, "t500", "t25k", 24_500),
    (24_999, "t500", "t25k", 1),
    (25_000, "t25k", "t1m", 975_000),
    (1_000_000, "t1m", None, None),
    (9_000_000, "t1m", None, None),
])
def test_tier_is_reached_at_its_threshold(sales, tier, next_tier, needed) -> None:
    standing = rules.tier_standing(PROGRAM, partner([offer(sales=sales)]))
    assert standing.tier.id == tier
    assert (standing.next_tier.id if standing.next_tier else None) == next_tier
    assert standing.needed_usd == needed


def test_tier_counts_company_sales_across_offers_but_not_drafts() -> None:
    p = partner([offer("a", sales=300), offer("b", sales=300), offer("c", status=OfferStatus.DRAFT, live=None,
                                                                    sales=90_000)])
    standing = rules.tier_standing(PROGRAM, p)
    assert (standing.billed_sales_usd, standing.tier.id) == (600, "t500")
    assert standing.progress == pytest.approx(100 / 24_500)


def test_no_live_offer_means_no_tier_yet() -> None:
    standing = rules.tier_standing(PROGRAM, partner([offer(status=OfferStatus.DRAFT, live=None)]))
    assert standing.tier is None and standing.next_tier.id == "publisher"


@pytest.mark.parametrize(("sales", "amount"), [(0, None), (500, 2000), (30_000, 15000), (2_000_000, 100000)])
def test_sponsorship_quantity_grows_with_tier(sales, amount) -> None:
    st = status_of(partner([offer(sales=sales)]), "sponsorship")
    assert st.quantity == amount


# --- Dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "end"), [
    ("2026-01-10", 6, "2026-07-10"), ("2025-08-31", 6, "2026-02-28"), ("2023-08-31", 6, "2024-02-29"),
    ("2026-12-15", 1, "2027-01-15"),
])
def test_months_are_calendar_months_clamped_to_month_end(start, months, end) -> None:
    assert rules.add_months(D(start), months) == D(end)


@pytest.mark.parametrize(("today", "deadline"), [
    ("2026-06-30", "2026-06-30"), ("2026-07-01", "2027-06-30"), ("2026-01-01", "2026-06-30"),
])
def test_transact_deadline_is_the_next_30_june(today, deadline) -> None:
    assert rules.next_deadline(PROGRAM, D(today)) == D(deadline)


# --- Benefit states ----------------------------------------------------------------------------

ACT_BLOG = Activation("blog", "app", D("2026-11-14"))

STATE_CASES = [
    ("locked by tier, with the amount still needed", partner([offer(sales=20_000)]), "blog",
     S.LOCKED, {"lock_reasons": (L.TIER,), "needed_usd": 5_000}),
    ("locked while the offer is a draft", partner([offer(status=OfferStatus.DRAFT, live=None, sales=30_000)]), "blog",
     S.LOCKED, {"lock_reasons": (L.OFFER_NOT_LIVE, L.TIER)}),
    ("locked until co-sell ready", partner([offer()]), "spotlight", S.LOCKED, {"lock_reasons": (L.CO_SELL,)}),
    ("locked for a private offer", partner([offer(private=True)]), "press", S.LOCKED,
     {"lock_reasons": (L.PRIVATE,)}),
    ("locked until a marketing contact is assigned", partner(contacts=()), "toolkit", S.LOCKED,
     {"lock_reasons": (L.NO_CONTACT,)}),
    ("technical benefits need no marketing contact", partner(contacts=()), "design-help", S.AVAILABLE, {}),
    ("available when unlocked", partner([offer(sales=30_000)]), "blog", S.AVAILABLE, {}),
    ("activated 7 days ago: awaiting contact, still within the week",
     partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-17"))]), "blog",
     S.AWAITING_CONTACT, {"days_waiting": 7, "overdue": False}),
    ("activated 8 days ago: awaiting contact and overdue",
     partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-16"))]), "blog",
     S.AWAITING_CONTACT, {"days_waiting": 8, "overdue": True}),
    ("contacted by the team after activation",
     partner([offer(sales=30_000)], activations=[ACT_BLOG],
             team=[TeamContact(D("2026-11-15"), "activation", "app", "blog")]), "blog",
     S.CONTACTED, {"contacted_on": D("2026-11-15")}),
    ("a team call before the activation does not count",
     partner([offer(sales=30_000)], activations=[ACT_BLOG],
             team=[TeamContact(D("2026-11-13"), "activation", "app", "blog")]), "blog", S.AWAITING_CONTACT, {}),
    ("completed", partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, completed=D("2026-11-20"))]),
     "blog", S.COMPLETED, {}),
    ("self-serve activation owes no call", partner(activations=[Activation("toolkit", "app", D("2026-10-01"))]),
     "toolkit", S.ACTIVATED, {}),
    ("technical request in progress", partner(requests=[TechnicalRequest("design-help", "design", D("2026-11-01"),
                                                                          "in-progress")]),
     "design-help", S.ACTIVATED, {}),
    ("technical request completed", partner(requests=[TechnicalRequest("design-help", "design", D("2026-11-01"),
                                                                        "completed")]),
     "design-help", S.COMPLETED, {}),
    ("declined request: available again", partner(requests=[TechnicalRequest("design-help", "design",
                                                                              D("2026-11-01"), "declined")]),
     "design-help", S.AVAILABLE, {}),
    ("trial benefit 31 days before expiry is available", partner([offer(kind=T.TRIAL, live="2026-06-25")]),
     "toolkit", S.AVAILABLE, {"expires_on": D("2026-12-25")}),
    ("trial benefit 30 days before expiry is expiring", partner([offer(kind=T.TRIAL, live="2026-06-24")]),
     "toolkit", S.EXPIRING, {"expires_on": D("2026-12-24")}),
    ("trial benefit on its expiry day is expired", partner([offer(kind=T.TRIAL, live="2026-05-24")]),
     "toolkit", S.EXPIRED, {"expires_on": D("2026-11-24")}),
    ("BYOL counts as list: its benefits expire like list benefits",
     partner([offer(kind=T.LIST, byol=True, live="2026-08-01")]), "toolkit", S.AVAILABLE,
     {"expires_on": D("2027-02-01")}),
    ("delisted offer: revoked", partner([offer(status=OfferStatus.DELISTED, sales=30_000)]), "blog",
     S.REVOKED, {}),
    ("revoked for sponsorship misuse", partner([offer(sales=600)], revocations=[
        Revocation(D("2026-10-01"), "sponsorship-misuse", "app", "sponsorship")]), "sponsorship", S.REVOKED, {}),
    ("opted out of one offer", partner(opt_outs=[OptOut(D("2026-10-01"), "app")]), "toolkit", S.OPTED_OUT, {}),
]


@pytest.mark.parametrize(("p", "benefit_id", "state", "fields"), [c[1:] for c in STATE_CASES],
                         ids=[c[0] for c in STATE_CASES])
def test_benefit_state(p, benefit_id, state, fields) -> None:
    st = status_of(p, benefit_id)
    assert st.state is state
    for name, value in fields.items():
        assert getattr(st, name) == value, name


def test_byol_offers_do_not_get_trial_only_benefits() -> None:
    standing = rules.assess(CONTENT, partner([offer(kind=T.LIST, byol=True)]), TODAY)
    assert "press" not in {s.benefit.id for s in standing.offers[0].statuses}

@pytest.mark.parametrize(("p", "benefit_id", "state", "fields"), [c[1:] for c in STATE_CASES],
                         ids=[c[0] for c in STATE_CASES])
def test_one_benefit_asked_alone_gets_the_answer_assess_gives(p, benefit_id, state, fields) -> None:
    # benefit_status and locks answer one question with the facts assess works out once per partner.
    st = status_of(p, benefit_id)
    tier = rules.tier_standing(PROGRAM, p)
    assert rules.benefit_status(CONTENT, p, st.offer, st.benefit, tier, TODAY) == st
    if st.state is S.LOCKED:
        assert rules.locks(PROGRAM, p, st.offer, st.benefit, tier).reasons == st.lock_reasons


def test_a_changed_catalog_is_answered_afresh() -> None:
    # What each benefit needs is worked out once per catalog; `rewards serve` reloads the content, and
    # a benefit moved to another tier (or a threshold moved) must be answered with the new values.
    p = partner([offer(sales=600)])
    assert status_of(p, "blog").state is S.LOCKED  # t25k
    moved = replace(CONTENT, benefits={**BENEFITS, "blog": replace(BENEFITS["blog"], unlock_tier="t500")})
    assert _status_in(moved, p, "blog").state is S.AVAILABLE
    lowered = replace(CONTENT, program=replace(PROGRAM, tiers=(*PROGRAM.tiers[:2], Tier("t25k", "$25K", 700),
                                                               PROGRAM.tiers[3])))
    assert (_status_in(lowered, p, "blog").state, _status_in(lowered, p, "blog").needed_usd) == (S.LOCKED, 100)
    more = replace(CONTENT, program=replace(PROGRAM, tiers=(*PROGRAM.tiers[:2], Tier("t600", "$600", 600),
                                                            *PROGRAM.tiers[2:])))
    assert _status_in(more, p, "blog").state is S.LOCKED  # at t600 now, and t25k's rank moved up
    assert status_of(p, "blog").state is S.LOCKED  # and back


def _status_in(content: Content, p: Partner, benefit_id: str) -> rules.BenefitStatus:
    return next(st for group in rules.assess(content, p, TODAY).offers for st in group.statuses
                if st.benefit.id == benefit_id)



# --- Escalations -------------------------------------------------------------------------------

def kinds(p: Partner, today: dt.date = TODAY) -> list[tuple[str, int, str | None, str | None]]:
    return [(e.kind.value, e.level, e.offer_id, e.benefit_id) for e in rules.assess(CONTENT, p, today).escalations]


HEARD = [TeamContact(D("2026-01-12"), "offer-live", "app")]
HEARD_TRIAL = [TeamContact(D("2026-06-26"), "offer-live", "app")]

ESCALATION_CASES = [
    ("no marketing contact", partner(contacts=(), team=HEARD), [("assign-contact", 1, None, None)]),
    ("all in order", partner(team=HEARD), []),
    ("activation day 7: nothing due yet",
     partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-17"))], team=HEARD), []),
    ("activation day 8: contact overdue",
     partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-16"))], team=HEARD),
     [("contact-overdue", 1, "app", "blog")]),
    ("activation day 14: overdue, still level 1 (the second week is not over)",
     partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-10"))], team=HEARD),
     [("contact-overdue", 1, "app", "blog")]),
    ("activation day 15: overdue a second week, level 2",
     partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-09"))], team=HEARD),
     [("contact-overdue", 2, "app", "blog")]),
    ("offer live 27 days without a message", partner([offer(live="2026-10-28")]), []),
    ("offer live exactly 28 days without a message", partner([offer(live="2026-10-27")]),
     [("find-owner", 1, "app", None)]),
    ("owner left: open a ticket", partner([offer(live="2026-10-20", owner=Owner(OwnerStatus.LEFT))]),
     [("open-ticket", 2, "app", None)]),
    ("owner unknown: open a ticket", partner([offer(live="2026-10-20", owner=Owner(OwnerStatus.UNKNOWN))]),
     [("open-ticket", 2, "app", None)]),
    ("a message from the team after going live silences it",
     partner([offer(live="2026-10-20")], team=[TeamContact(D("2026-10-21"), "offer-live", "app")]), []),
    ("trial benefits 30 days before expiry", partner([offer(kind=T.TRIAL, live="2026-06-24")], team=HEARD_TRIAL),
     [("benefit-expiring", 1, "app", None)]),
    ("trial benefits 31 days before expiry", partner([offer(kind=T.TRIAL, live="2026-06-25")], team=HEARD_TRIAL), []),
    ("partner opted out of everything", partner(contacts=(), opt_outs=[OptOut(D("2026-10-01"))]), []),
]


@pytest.mark.parametrize(("p", "expected"), [c[1:] for c in ESCALATION_CASES], ids=[c[0] for c in ESCALATION_CASES])
def test_escalations_due(p, expected) -> None:
    assert kinds(p) == expected


def test_one_expiry_reminder_names_every_open_benefit_of_the_offer() -> None:
    p = partner([offer(kind=T.TRIAL, live="2026-06-24")], team=HEARD_TRIAL,
                activations=[Activation("toolkit", "app", D("2026-07-01"), completed=D("2026-07-02"))])
    (expiring,) = rules.assess(CONTENT, p, TODAY).escalations
    assert (expiring.since, expiring.days) == (D("2026-12-24"), 30)
    assert expiring.benefits == ("press", "design-help")  # the completed toolkit is no longer at stake


def test_transact_deadline_reminder_in_the_30_days_before_30_june() -> None:
    p = partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-02-01"))],
                team=[*HEARD, TeamContact(D("2026-02-02"), "activation", "app", "blog")])
    assert kinds(p, D("2026-05-30")) == []  # 31 days left
    assert kinds(p, D("2026-05-31")) == [("transact-deadline", 1, "app", "blog")]  # 30 days left
    assert kinds(p, D("2026-06-30")) == [("transact-deadline", 1, "app", "blog")]


def test_escalation_key_is_stable_and_names_its_cause() -> None:
    p = partner([offer(sales=30_000)], activations=[replace(ACT_BLOG, date=D("2026-11-16"))], team=HEARD)
    first = rules.assess(CONTENT, p, TODAY).escalations[0]
    later = rules.assess(CONTENT, p, TODAY + dt.timedelta(days=3)).escalations[0]
    assert first.key == later.key == "contact-overdue:acme:app:blog:2026-11-16"
    assert first.days == 8 and later.days == 11


def test_every_escalation_kind_has_its_words_for_the_site_the_report_and_the_mail() -> None:
    from notifier.compose import PACKAGED_TEMPLATES, Catalog
    from rewards_build import wording

    assert set(wording.ESCALATIONS) == set(rules.EscalationKind)
    Catalog(PACKAGED_TEMPLATES / "strings")  # refuses to start when English lacks a kind's words


def test_mail_without_words_for_a_kind_refuses_to_start(tmp_path) -> None:
    from notifier.compose import PACKAGED_TEMPLATES, Catalog, CatalogError

    english = (PACKAGED_TEMPLATES / "strings" / "en.yml").read_text(encoding="utf-8")
    (tmp_path / "en.yml").write_text("\n".join(line for line in english.splitlines()
                                               if not line.startswith("find-owner.body")), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"find-owner\.body"):
        Catalog(tmp_path)



def test_an_escalation_rises_a_level_once_the_reminders_before_escalation_have_gone() -> None:
    # find-owner falls due on day 28; reminders every 7 days, 2 before escalating: level 2 from day 42.
    [esc] = rules.assess(CONTENT, partner([offer(live="2026-10-27")]), TODAY).escalations
    policy = rules.ReminderPolicy(interval_days=7, before_escalation=2)
    assert esc.due == TODAY
    levels = {days: rules.reminder_level(esc, TODAY + dt.timedelta(days=days), policy) for days in (0, 7, 13, 14, 30)}
    assert levels == {0: 1, 7: 1, 13: 1, 14: 2, 30: 2}
