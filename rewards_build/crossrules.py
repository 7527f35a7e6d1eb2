"""The rules JSON Schema cannot say: checks within a file that need calendars or libraries, and checks
across files (references resolve, activations are legal under the program rules).

Each check records problems on the Source it concerns, at the offending value. Program questions
(tier reached, conditions held) are answered by `rules`, never re-derived here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import phonenumbers

from . import mailsafe, rules
from .model import (
    Activation,
    Benefit,
    Category,
    Content,
    OfferStatus,
    OptOut,
    Partner,
    Program,
    Revocation,
    TeamContact,
    TechnicalRequest,
)
from .positions import PathPart, dotted
from .source import Source

Path = tuple[PathPart, ...]  # where a value sits in its file: keys and indexes
T = TypeVar("T")

# For a partner modelled from what its schema accepted (see pipeline): list key -> the file's index of each
# entry kept, so that every problem names and points at the entry as the author numbers it.
Kept = Mapping[str, Sequence[int]]


def _in_file(kept: Kept, key: str, entries: Sequence[T]) -> Iterator[tuple[int, T]]:
    indexes = kept.get(key)
    return enumerate(entries) if indexes is None else zip(indexes, entries, strict=True)

_DATE_LISTS = ("activations", "team_contacts", "technical_requests", "opt_outs", "revocations")


def check_dates(src: Source, today: dt.date, refused: Collection[Path] = ()) -> list[Path]:
    """Dates are real calendar days, and dates that record the past are not in the future.

    Entries under `refused` (paths the schema refused) are skipped; returns the paths of dates that are
    not calendar days (the model cannot hold them)."""
    data = src.data
    places: list[tuple[Path, str]] = []
    for i, offer in enumerate(data.get("offers", ()) if isinstance(data.get("offers"), list) else ()):
        if isinstance(offer, dict) and isinstance(offer.get("live_date"), str):
            places.append((("offers", i, "live_date"), offer["live_date"]))
    for key in _DATE_LISTS:
        for i, entry in enumerate(data.get(key, ()) if isinstance(data.get(key), list) else ()):
            for field in ("date", "completed"):
                if isinstance(entry, dict) and isinstance(entry.get(field), str):
                    places.append(((key, i, field), entry[field]))
    unreal: list[Path] = []
    for path, text in places:
        if any(path[: len(bad)] == bad for bad in refused):
            continue
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            src.problem(path, f"{_name(path)}: {text} is not a calendar date")
            unreal.append(path)
            continue
        if day > today:
            src.problem(path, f"{_name(path)}: {text} is in the future (today is {today.isoformat()}); "
                              "this date records something that already happened")
    return unreal


def _name(path: Path) -> str:
    return dotted(path)


def check_program(src: Source, program: Program) -> None:
    previous = -1
    seen: set[str] = set()
    for i, tier in enumerate(program.tiers):
        if tier.id in seen:
            src.problem(("tiers", i, "id"), f"tiers[{i}].id: tier id '{tier.id}' is used twice")
        seen.add(tier.id)
        if i == 0 and tier.threshold_usd != 0:
            src.problem(("tiers", 0, "threshold_usd"), "tiers[0].threshold_usd: the first tier (Publisher) must "
                                                       f"start at 0, found {tier.threshold_usd}")
        elif tier.threshold_usd <= previous:
            src.problem(("tiers", i, "threshold_usd"), f"tiers[{i}].threshold_usd: {tier.threshold_usd} is not "
                                                       f"above the tier before ({previous}); "
                                                       "list tiers from lowest to highest")
        previous = tier.threshold_usd
    month, day = program.timing.transact_deadline_month, program.timing.transact_deadline_day
    try:
        dt.date(2023, month, day)  # a non-leap year: the deadline must exist every year
    except ValueError:
        src.problem(("timing", "transact_deadline"), f"timing.transact_deadline: {month:02d}-{day:02d} is not a "
                                                     "day that exists every year")
    for i, tier in enumerate(program.tiers):
        _check_translations(src, ("tiers", i), (lang for lang, _name in tier.names), program)
    if program.languages[0].lower() != "en":
        src.problem(("languages", 0), f"languages[0]: the program runs in English, so 'en' comes first; found "
                                      f"'{program.languages[0]}'")


def _check_translations(src: Source, base: Path, translations: Iterable[str], program: Program) -> None:
    for lang in translations:
        if lang not in program.languages:
            where = _name((*base, "translations"))
            src.problem((*base, "translations", lang), f"{where}: language '{lang}' is not one of the program's "
                                                       f"languages ({', '.join(program.languages)})", at_key=True)


# Where the schema refused a file's values (schema_check.refused_paths): the checks reading them wait.
Refused = Collection[tuple[str | int, ...]]


def check_benefit(src: Source, program: Program, refused: Refused = ()) -> None:
    """A benefit file against the program. It reads the file's values, not the model, so that a file
    the schema refused in part (`refused`: schema_check.refused_paths) still gets every check whose
    values were accepted, in the same round."""
    data, tier_ids = src.data, {t.id for t in program.tiers}
    if _intact(data, refused, "id") and data["id"] != src.stem:
        src.problem(("id",), f"id: '{data['id']}' must equal the file name '{src.stem}'")
    if _intact(data, refused, "unlock_tier"):
        if data["unlock_tier"] not in tier_ids:
            src.problem(("unlock_tier",), f"unlock_tier: no tier '{data['unlock_tier']}' in program.yml; tiers: "
                                          f"{', '.join(t.id for t in program.tiers)}")
        elif _intact(data, refused, "listing_types") and "transact" not in data["listing_types"]:
            src.problem(("unlock_tier",), "unlock_tier: only transact benefits unlock by tier; list and trial "
                                          "benefits unlock when the offer goes live")
    if _intact(data, refused, "quantity"):
        for tier_id in data["quantity"]["by_tier"]:
            if tier_id not in tier_ids:
                src.problem(("quantity", "by_tier", tier_id), f"quantity.by_tier: no tier '{tier_id}' in program.yml",
                            at_key=True)
    _check_titles(src, refused)
    if _intact(data, refused, "delivery") and data["delivery"] == "request-form" and "request_form_url" not in data:
        src.problem(("delivery",), "delivery: a benefit asked for with a request form needs a request_form_url")
    _check_languages(src, program, refused)


def check_tip(src: Source, program: Program, refused: Refused = ()) -> None:
    """A tip's or toolkit page's front matter against the program (see check_benefit for `refused`)."""
    _check_titles(src, refused)
    tier_ids = {t.id for t in program.tiers}
    tiers = src.data.get("tiers") if ("tiers",) not in refused else None
    for i, tier_id in enumerate(tiers if isinstance(tiers, list) else ()):
        if ("tiers", i) not in refused and tier_id not in tier_ids:
            src.problem(("tiers", i), f"tiers[{i}]: no tier '{tier_id}' in program.yml; tiers: "
                                      f"{', '.join(t.id for t in program.tiers)}")
    _check_languages(src, program, refused)


def _intact(data: dict[str, Any], refused: Refused, key: str) -> bool:
    """The file gives `key` and the schema accepted all of its value."""
    return key in data and not any(path[:1] == (key,) for path in refused)


def _check_languages(src: Source, program: Program, refused: Refused) -> None:
    translations = src.data.get("translations")
    if isinstance(translations, dict) and ("translations",) not in refused:  # else its keys are the problem
        _check_translations(src, (), translations, program)


def check_partner(src: Source, partner: Partner, content: Content, today: dt.date,
                  offer_owners: dict[str, str], *, kept: Kept | None = None, broken: Collection[str] = (),
                  written_offer_ids: Collection[str] | None = None, unread_benefits: Collection[str] = ()) -> None:
    """Everything about one partner that needs other files or the program rules.

    A partner with schema problems is modelled from what its schema accepted (`kept` maps each list to
    the file's indexes of its entries; `broken` names the top-level keys where something was refused).
    Checks that need a whole refused value wait for it: activation rules while an offer or a contact is
    refused, the account email comparison while it is. An offer reference is checked against every
    offer id written in the file (`written_offer_ids`; None when one cannot be read, then they wait).
    References to a benefit whose file could not be read (`unread_benefits`) wait too.
    """
    kept = kept or {}
    if partner.id != src.stem:
        src.problem(("id",), f"id: '{partner.id}' must equal the file name '{src.stem}'")
    _check_header_text(src, ("name",), partner.name)
    if "account_email" not in broken:
        _check_address(src, ("account_email",), partner.account_email)
    _check_offers(src, partner, offer_owners, kept)
    _check_contacts(src, partner, kept, compare_account="account_email" not in broken)
    check_against_catalog(src.problem, partner, content, kept=kept, broken=broken,
                          written_offer_ids=written_offer_ids, unread_benefits=unread_benefits)


Report = Callable[[Path, str], None]  # records a problem at a value of the file (Source.problem)


def check_against_catalog(report: Report, partner: Partner, content: Content, *, kept: Kept | None = None,
                          broken: Collection[str] = (), written_offer_ids: Collection[str] | None = None,
                          unread_benefits: Collection[str] = ()) -> None:
    """The checks of a partner that depend on the program and the benefits (not on the file alone).

    `rewards diff` asks them of a partner file that is the same at BASE and HEAD: it was read and
    checked on its own once, for HEAD, and only these can answer differently against BASE's catalog."""
    program, benefits = content.program, content.benefits
    kept = kept or {}
    supported = {lang.lower() for lang in program.languages}
    for i, contact in _in_file(kept, "marketing_contacts", partner.contacts):
        primary = contact.language.split("-", 1)[0].lower()
        if primary not in supported:
            hint = " ('kr' is the country code; Korean is 'ko')" if primary == "kr" else ""
            report(("marketing_contacts", i, "language"),
                   f"marketing_contacts[{i}].language: '{contact.language}' is not a supported language; "
                   f"supported: {', '.join(program.languages)}{hint}")
    offer_ids = {o.id for o in partner.offers}
    offers_known = "offers" not in broken
    referable = offer_ids if offers_known else written_offer_ids

    def ref(path: Path, offer_id: str | None, benefit_id: str | None) -> bool:
        ok = True
        if offer_id is not None and offer_id not in offer_ids:
            if referable is not None and offer_id not in referable:
                report((*path, "offer"), f"{_name((*path, 'offer'))}: no offer '{offer_id}' in this file; "
                                         f"offers: {', '.join(sorted(referable)) or 'none'}")
            ok = False
        if benefit_id is not None and benefit_id not in benefits:
            if benefit_id not in unread_benefits:
                report((*path, "benefit"), f"{_name((*path, 'benefit'))}: no benefit '{benefit_id}' in "
                                           "content/benefits/")
            ok = False
        return ok

    scoped: tuple[tuple[str, Sequence[TeamContact | TechnicalRequest | OptOut | Revocation]], ...] = (
        ("team_contacts", partner.team_contacts), ("technical_requests", partner.technical_requests),
        ("opt_outs", partner.opt_outs), ("revocations", partner.revocations))
    for key, entries in scoped:
        for i, entry in _in_file(kept, key, entries):
            ref((key, i), entry.offer, entry.benefit)
    for i, request in _in_file(kept, "technical_requests", partner.technical_requests):
        benefit = benefits.get(request.benefit)
        if benefit is not None and benefit.category is not Category.TECHNICAL:
            report(("technical_requests", i, "benefit"), f"technical_requests[{i}].benefit: '{benefit.id}' is a "
                                                         "sales and marketing benefit; activate it instead")
    # The tier and the locks depend on every offer and on the contacts being there as written.
    rules_known = offers_known and "marketing_contacts" not in broken
    standing = rules.tier_standing(program, partner)
    for i, activation in _in_file(kept, "activations", partner.activations):
        if ref(("activations", i), activation.offer, activation.benefit) and rules_known:
            _check_activation(report, i, partner, activation, benefits[activation.benefit], standing, program)


def _check_offers(src: Source, partner: Partner, offer_owners: dict[str, str], kept: Kept) -> None:
    for n, (i, offer) in enumerate(_in_file(kept, "offers", partner.offers)):
        path = ("offers", i)
        _check_header_text(src, (*path, "name"), offer.name)
        owner = offer_owners.setdefault(offer.id, partner.id)
        if owner != partner.id:
            src.problem((*path, "id"), f"offers[{i}].id: offer id '{offer.id}' is already used by partner '{owner}'; "
                                       "offer ids are unique across partners")
        elif any(o.id == offer.id for o in partner.offers[:n]):
            src.problem((*path, "id"), f"offers[{i}].id: offer id '{offer.id}' is used twice in this file")
        if offer.status is OfferStatus.DRAFT and offer.live_date is not None:
            src.problem((*path, "live_date"), f"offers[{i}].live_date: a draft offer has not gone live; remove "
                                              "live_date or set status: live")
        if offer.status is not OfferStatus.DRAFT and offer.live_date is None:
            src.problem((*path, "status"), f"offers[{i}]: a {offer.status.value} offer needs its live_date")
        if offer.byol and offer.listing_type.value != "list":
            src.problem((*path, "byol"), f"offers[{i}].byol: a BYOL offer counts as list; set listing_type: list "
                                         f"(found {offer.listing_type.value})")
        if "billed_sales_usd" in src.data["offers"][i] and offer.listing_type.value != "transact":
            src.problem((*path, "billed_sales_usd"), f"offers[{i}].billed_sales_usd: only transact offers have "
                                                     f"billed sales (this offer is {offer.listing_type.value})")


def _check_contacts(src: Source, partner: Partner, kept: Kept, *, compare_account: bool) -> None:
    seen: set[str] = set()
    for i, contact in _in_file(kept, "marketing_contacts", partner.contacts):
        path = ("marketing_contacts", i)
        email = contact.email.lower()
        alias = mailsafe.shared_alias(contact.email)
        _check_address(src, (*path, "email"), contact.email)
        _check_header_text(src, (*path, "name"), contact.name)
        if compare_account and email == partner.account_email.lower():
            src.problem((*path, "email"), f"marketing_contacts[{i}].email: {contact.email} is the Partner Center "
                                          "account email; the marketing contact needs a different, personal address")
        elif alias is not None:
            src.problem((*path, "email"), f"marketing_contacts[{i}].email: {contact.email} is a shared alias "
                                          f"({alias}@); mail to shared mailboxes is lost: give a person's address")
        if email in seen:
            src.problem((*path, "email"), f"marketing_contacts[{i}].email: {contact.email} is listed twice")
        seen.add(email)
        _check_phone(src, (*path, "phone"), contact.phone)


_phone_cache: dict[str, str | None] = {}


def _check_header_text(src: Source, path: Path, text: str | None) -> None:
    """Names and titles that reach a mail header (To, Subject)."""
    problem = mailsafe.header_text_problem(text) if text else None
    if problem:
        src.problem(path, f"{_name(path)}: {problem}")


def _check_address(src: Source, path: Path, addr_spec: str) -> None:
    problem = mailsafe.address_problem(addr_spec)
    if problem:
        src.problem(path, f"{_name(path)}: {addr_spec} {problem}")


def _check_titles(src: Source, refused: Refused = ()) -> None:
    """A benefit's or tip's title, in every language, reaches mail subjects (a title the schema refused
    has its problem already)."""
    if isinstance(src.data.get("title"), str) and ("title",) not in refused:
        _check_header_text(src, ("title",), src.data["title"])
    translations = src.data.get("translations")
    for lang, words in (translations.items() if isinstance(translations, dict) else ()):
        path = ("translations", lang, "title")
        if isinstance(words, dict) and isinstance(words.get("title"), str) and path not in refused:
            _check_header_text(src, path, words["title"])


def _phone_problem(text: str) -> str | None:
    if text in _phone_cache:
        return _phone_cache[text]
    try:
        number = phonenumbers.parse(text, None)
        problem = None if phonenumbers.is_valid_number(number) else "is not a valid number for its country"
    except phonenumbers.NumberParseException as exc:
        problem = ("must start with + and the country code, e.g. \"+1 425 555 0100\""
                   if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE
                   else f"does not parse as a phone number ({exc._msg})")
    _phone_cache[text] = problem
    return problem


def _check_phone(src: Source, path: Path, text: str) -> None:
    problem = _phone_problem(text)
    if problem:
        src.problem(path, f"{_name(path)}: '{text}' {problem}")


def _check_activation(report: Report, i: int, partner: Partner, activation: Activation, benefit: Benefit,
                      standing: rules.TierStanding, program: Program) -> None:
    path = ("activations", i)
    offer = partner.offer(activation.offer)
    assert offer is not None
    listing = rules.effective_listing_type(offer)
    if not rules.applies_to(benefit, offer):
        report((*path, "benefit"), f"activations[{i}].benefit: '{benefit.id}' is not offered to {listing.value} "
                                        f"offers ('{offer.id}' is {listing.value}; the benefit is for "
                                        f"{', '.join(sorted(t.value for t in benefit.listing_types))})")
        return
    locked = rules.locks(program, partner, offer, benefit, standing)
    for reason in locked.reasons:
        if reason is rules.LockReason.TIER and locked.unlock_tier is not None:
            unlock = locked.unlock_tier
            report((*path, "benefit"), f"activations[{i}].benefit: '{benefit.id}' unlocks at tier {unlock.name} "
                                            f"(${unlock.threshold_usd:,} billed sales); this partner has "
                                            f"${standing.billed_sales_usd:,}")
        elif reason is rules.LockReason.NO_CONTACT:
            report((*path, "benefit"), f"activations[{i}].benefit: sales and marketing benefits can only be "
                                            "activated once a marketing contact is assigned (marketing_contacts is "
                                            "empty)")
        elif reason in _CONDITION_WORDS:
            report((*path, "benefit"), f"activations[{i}].benefit: '{benefit.id}' requires "
                                            f"{_CONDITION_WORDS[reason]}, which offer '{offer.id}' does not meet")
        # OFFER_NOT_LIVE: the offer's status and dates are checked below, with messages of their own.
    if offer.status is OfferStatus.DRAFT:
        report((*path, "offer"), f"activations[{i}].offer: offer '{offer.id}' is a draft; benefits are "
                                      "activated once it is live")
    elif offer.live_date is not None and activation.date < offer.live_date:
        report((*path, "date"), f"activations[{i}].date: {activation.date} is before offer '{offer.id}' went "
                                     f"live ({offer.live_date})")
    if activation.completed is not None and activation.completed < activation.date:
        report((*path, "completed"), f"activations[{i}].completed: {activation.completed} is before the "
                                          f"activation ({activation.date})")


_CONDITION_WORDS = {
    rules.LockReason.LISTING_OPTIMIZATION: "a completed listing optimization (listing_optimization_done: true)",
    rules.LockReason.BYOL: "an offer that is not BYOL",
    rules.LockReason.PRIVATE: "an offer that is not private",
    rules.LockReason.CO_SELL: "co-sell readiness (co_sell_ready: true)",
}
