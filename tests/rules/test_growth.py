"""Growth stage, the next step and which benefits need the partner now, on the example program (its tiers
and catalog are the published ones the stages are defined against)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from rewards_build import rules
from rewards_build.model import Content, ListingType, OfferStatus
from rewards_build.pipeline import load_all
from rewards_build.rules import Attention, Stage, Step

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def content() -> Content:
    loaded = load_all(REPO / "site.yml", TODAY)
    assert loaded.content is not None
    return loaded.content


def standing(content: Content, partner_id: str, sales: int | None = None, **offer_changes) -> rules.PartnerStanding:
    """A partner of the example content, every offer changed alike; `sales`: the company's billed sales, all
    on its first offer."""
    p = content.partners[partner_id]
    offers = tuple(replace(o, **offer_changes) for o in p.offers)
    if sales is not None:
        offers = tuple(replace(o, billed_sales_usd=sales if i == 0 else 0) for i, o in enumerate(offers))
    return rules.assess(content, replace(p, offers=offers), TODAY)


@pytest.mark.parametrize(("sales", "stage"), [
    (0, Stage.AWARENESS), (499, Stage.AWARENESS), (500, Stage.CONVERSION), (99_999, Stage.CONVERSION),
    (100_000, Stage.SCALE), (5_000_000, Stage.SCALE),
])
def test_a_transact_partners_stage_is_the_furthest_stage_its_tier_has_opened(content, sales, stage) -> None:
    s = standing(content, "proseware-top-tier", sales=sales)
    assert rules.growth_stage(content, s) is stage


def test_list_and_trial_partners_and_partners_without_a_live_offer_are_in_awareness(content) -> None:
    assert rules.growth_stage(content, standing(content, "trey-list-only")) is Stage.AWARENESS
    draft = standing(content, "proseware-top-tier", status=OfferStatus.DRAFT, live_date=None)
    assert rules.growth_stage(content, draft) is Stage.AWARENESS


def test_a_list_only_partner_is_told_what_a_transact_offer_unlocks_not_an_amount_to_reach(content) -> None:
    s = standing(content, "trey-list-only")
    assert {o.listing_type for o in s.partner.offers} == {ListingType.LIST}
    step = rules.next_step(content, s)
    assert step.step is Step.TRANSACT
    unlocks = {b.id for b in step.unlocks}
    # Transact benefits of the Publisher tier that list offers do not get; nothing a tier above unlocks.
    assert unlocks == {"whats-new-blog-mention", "selling-through-partners", "press-release-support"}
    trial = rules.next_step(content, standing(content, "trey-list-only", listing_type=ListingType.TRIAL))
    assert {b.id for b in trial.unlocks} == unlocks - {"press-release-support"}  # trial offers get that one


def test_a_transact_partner_grows_to_its_next_tier_and_the_top_tier_has_no_step(content) -> None:
    step = rules.next_step(content, standing(content, "proseware-top-tier", sales=600))
    assert (step.step, step.tier.id if step.tier else None) == (Step.GROW, "t25k")
    assert [b.id for b in step.unlocks] == ["marketplace-blog-feature"]
    top = rules.next_step(content, standing(content, "proseware-top-tier", sales=9_000_000))
    assert (top.step, top.unlocks) == (Step.TOP, ())
    publish = rules.next_step(content, standing(content, "trey-list-only", status=OfferStatus.DRAFT, live_date=None))
    assert publish.step is Step.PUBLISH


def test_escalated_and_expiring_benefits_need_action_before_those_in_progress(content) -> None:
    s = standing(content, "adatum-awaiting-contact")
    flags = rules.flagged(s)
    groups = {st.benefit.id: rules.attention(st, flags) for g in s.offers for st in g.statuses}
    overdue = [e for e in s.escalations if e.kind is rules.EscalationKind.CONTACT_OVERDUE]
    assert overdue and groups[overdue[0].benefit_id or ""] is Attention.NEEDS_ACTION
    states = {st.benefit.id: st.state for g in s.offers for st in g.statuses}
    for benefit_id, group in groups.items():
        expected = {rules.BenefitState.LOCKED: Attention.LOCKED, rules.BenefitState.AVAILABLE: Attention.AVAILABLE,
                    rules.BenefitState.COMPLETED: Attention.CLOSED}.get(states[benefit_id])
        if expected is not None:
            assert group is expected, benefit_id
    woodgrove = standing(content, "woodgrove-trial-expiring")
    expiring = {st.benefit.id for g in woodgrove.offers for st in g.statuses
                if rules.attention(st, rules.flagged(woodgrove)) is Attention.NEEDS_ACTION}
    assert expiring and expiring <= {b for e in woodgrove.escalations for b in e.benefits}
