"""Validated mappings to the typed model. Only called on data that passed its schema and date checks,
so a missing key here is a bug, not a content problem."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from .model import (
    Activation,
    Benefit,
    Category,
    Condition,
    Contact,
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
    Tip,
    ToolkitPage,
    Translation,
)


def _date(value: str | None) -> dt.date | None:
    return _day(value) if value is not None else None


@functools.lru_cache(maxsize=8192)
def _day(value: str) -> dt.date:
    """A date the schema requires (so never None). Dates are immutable and recur (a program's days, a
    team's busy weeks): one object per day, not per occurrence (80,000 of them at 10,000 partners)."""
    return dt.date.fromisoformat(value)


def _translations(data: dict[str, Any] | None) -> dict[str, Translation]:
    return {lang: Translation(**fields) for lang, fields in (data or {}).items()}


def _names(data: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """A tier's translated names: {ko: {name: ...}} as (language, name) pairs."""
    return tuple((lang, fields["name"]) for lang, fields in (data or {}).items())


def program_from(data: dict[str, Any], source: str) -> Program:
    t = data["timing"]
    month, day = (int(part) for part in t["transact_deadline"].split("-"))
    return Program(
        program_year=data["program_year"],
        tiers=tuple(Tier(x["id"], x["name"], x["threshold_usd"], _names(x.get("translations"))) for x in data["tiers"]),
        timing=Timing(
            contact_within_days=t["contact_within_days"],
            offer_silence_days=t["offer_silence_days"],
            list_trial_expiry_months=t["list_trial_expiry_months"],
            transact_deadline_month=month,
            transact_deadline_day=day,
            expiry_warning_days=t.get("expiry_warning_days", 30),
            # Optional, and its default is the model's (declared once there).
            **({"getting_started_days": t["getting_started_days"]} if "getting_started_days" in t else {}),
        ),
        support_ticket_url=data["support_ticket_url"],
        languages=tuple(data["languages"]),
        source=source,
    )


def benefit_from(data: dict[str, Any], source: str, program: Program) -> Benefit:
    quantity = None
    if "quantity" in data:
        q = data["quantity"]
        order = {tier.id: i for i, tier in enumerate(program.tiers)}
        by_tier = tuple(sorted(q["by_tier"].items(), key=lambda item: order.get(item[0], len(order))))
        quantity = Quantity(unit=q["unit"], by_tier=by_tier, label=q.get("label"))
    return Benefit(
        id=data["id"],
        title=data["title"],
        category=Category(data["category"]),
        listing_types=frozenset(ListingType(x) for x in data["listing_types"]),
        unlock_tier=data.get("unlock_tier", program.tiers[0].id),
        conditions=frozenset(Condition(x) for x in data.get("conditions", ())),
        delivery=Delivery(data["delivery"]),
        description=data["description"],
        source=source,
        stage=data.get("stage"),
        quantity=quantity,
        request_form_url=data.get("request_form_url"),
        translations=_translations(data.get("translations")),
    )


def _offer(x: dict[str, Any]) -> Offer:
    owner = x.get("owner") or {"status": "unknown"}
    return Offer(
        id=x["id"],
        name=x["name"],
        listing_type=ListingType(x["listing_type"]),
        status=OfferStatus(x["status"]),
        byol=x.get("byol", False),
        private=x.get("private", False),
        live_date=_date(x.get("live_date")),
        owner=Owner(OwnerStatus(owner["status"]), owner.get("name"), owner.get("email")),
        billed_sales_usd=x.get("billed_sales_usd", 0),
        listing_optimization_done=x.get("listing_optimization_done", False),
        co_sell_ready=x.get("co_sell_ready", False),
    )


def partner_from(data: dict[str, Any], source: str) -> Partner:
    return Partner(
        id=data["id"],
        name=data["name"],
        mpn_id=data["mpn_id"],
        account_email=data["account_email"],
        offers=tuple(_offer(x) for x in data["offers"]),
        contacts=tuple(
            Contact(x["name"], x["email"], x["phone"], x["language"], x.get("tips", True),
                    _date(x.get("bounced_on")))
            for x in data.get("marketing_contacts", ())
        ),
        activations=tuple(
            Activation(x["benefit"], x["offer"], _day(x["date"]), _date(x.get("completed")))
            for x in data.get("activations", ())
        ),
        team_contacts=tuple(
            TeamContact(_day(x["date"]), x["about"], x.get("offer"), x.get("benefit"), x.get("note"))
            for x in data.get("team_contacts", ())
        ),
        technical_requests=tuple(
            TechnicalRequest(x["benefit"], x["phase"], _day(x["date"]), x["status"], x.get("offer"), x.get("note"))
            for x in data.get("technical_requests", ())
        ),
        opt_outs=tuple(
            OptOut(_day(x["date"]), x.get("offer"), x.get("benefit"), x.get("note"))
            for x in data.get("opt_outs", ())
        ),
        revocations=tuple(
            Revocation(_day(x["date"]), x["reason"], x.get("offer"), x.get("benefit"))
            for x in data.get("revocations", ())
        ),
        source=source,
    )


def tip_from(data: dict[str, Any], body: str, tip_id: str, source: str) -> Tip:
    return Tip(
        id=tip_id,
        title=data["title"],
        body=body,
        listing_types=frozenset(ListingType(x) for x in data["listing_types"]),
        tiers=frozenset(data.get("tiers", ())),
        order=data["order"],
        source=source,
        getting_started=data.get("getting_started", False),
        translations=_translations(data.get("translations")),
    )


def toolkit_from(data: dict[str, Any], body: str, page_id: str, source: str) -> ToolkitPage:
    return ToolkitPage(
        id=page_id,
        title=data["title"],
        summary=data["summary"],
        body=body,
        order=data["order"],
        source=source,
        translations=_translations(data.get("translations")),
    )
