"""Planning, pure: dates at the edges, cadence, reminders that repeat, escalate and stop by themselves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import TODAY, contact, content, offer, partner, site

from notifier.plan import History, Key, SentRecord, plan
from rewards_build.model import Activation, OptOut, OwnerStatus, TeamContact

ACTIVATED = dt.date(2026, 11, 10)
AWAITING = partner(activations=(Activation("listing-optimization", "contoso-crm", ACTIVATED),))


def config(tmp_path: Path, **notifier: object):
    return site(tmp_path, **notifier).notifier


def sent(envelopes, on: dt.date) -> History:
    """The ledger after every planned envelope was sent on `on`."""
    return History.of(SentRecord(i.key, "sent", e.message_id, on) for e in envelopes for i in e.items)


def kinds(envelopes) -> list[tuple[str, ...]]:
    return [tuple(i.key.kind for i in e.items) for e in envelopes]


def test_a_partner_whose_offer_just_went_live_gets_the_getting_started_tip_first(tmp_path: Path) -> None:
    [envelope] = plan(content(partner()), config(tmp_path), History(), TODAY)
    assert [i.tip.id for i in envelope.items if i.tip] == ["welcome"]
    assert envelope.recipient.email == "ada@contoso.example"


def test_the_next_tip_waits_for_the_cadence_day_13_nothing_day_14_the_next(tmp_path: Path) -> None:
    cfg, data = config(tmp_path), content(partner())
    first = list(plan(data, cfg, History(), TODAY))
    history = sent(first, TODAY)
    assert list(plan(data, cfg, history, TODAY)) == []  # the same day: nothing again
    assert list(plan(data, cfg, history, TODAY + dt.timedelta(days=13))) == []
    [later] = plan(data, cfg, history, TODAY + dt.timedelta(days=14))
    assert [i.tip.id for i in later.items if i.tip] == ["offer-name"]


def test_tips_fit_the_listing_types(tmp_path: Path) -> None:
    from rewards_build.model import ListingType

    transact = partner(offers=(offer(listing_type=ListingType.TRANSACT),))
    had = History.of(SentRecord(Key("tip", "contoso", "ada@contoso.example", t, "-"), "sent", "<x@y.z>", TODAY)
                     for t in ("welcome", "offer-name"))
    [envelope] = plan(content(transact), config(tmp_path), had, TODAY + dt.timedelta(days=30))
    assert envelope.items[0].tip.id == "reviews"  # "free-trial" is for list offers only


def test_contact_overdue_day_7_no_reminder_day_8_a_reminder(tmp_path: Path) -> None:
    cfg, data = config(tmp_path), content(AWAITING)
    day7 = ACTIVATED + dt.timedelta(days=7)
    day8 = ACTIVATED + dt.timedelta(days=8)
    assert "contact-overdue" not in sum(kinds(plan(data, cfg, History(), day7)), ())
    [envelope] = plan(data, cfg, History(), day8)
    assert kinds([envelope]) == [("contact-overdue", "tip")]  # one digest, not two emails
    assert envelope.items[0].reminder == 1 and not envelope.copy_team


def test_a_reminder_repeats_at_the_interval_then_escalates_copying_the_team(tmp_path: Path) -> None:
    live = dt.date(2026, 10, 1)  # find-owner: level 1 in the rules, whatever the days
    silent = partner(offers=(offer(live=live),), team_contacts=())
    cfg, data = config(tmp_path, reminders_before_escalation=2, reminder_interval_days=7), content(silent)
    day = live + dt.timedelta(days=28)
    records: list[SentRecord] = []
    numbers, copies = [], []
    for _ in range(3):
        envelopes = [e for e in plan(data, cfg, History.of(records), day) if not e.has_tip or len(e.items) > 1]
        reminders = [i for e in envelopes for i in e.items if i.escalation]
        numbers.append([i.reminder for i in reminders])
        copies.append([e.copy_team for e in envelopes])
        records += [SentRecord(i.key, "sent", e.message_id, day) for e in envelopes for i in e.items]
        assert not [e for e in plan(data, cfg, History.of(records), day + dt.timedelta(days=6))
                    if any(i.escalation for i in e.items)]  # not before the interval
        day += dt.timedelta(days=7)
    assert numbers == [[1], [2], [3]]
    assert copies == [[False], [False], [True]]  # the third reminder escalates


def test_contact_overdue_for_two_windows_copies_the_team_as_the_rules_say(tmp_path: Path) -> None:
    day15 = ACTIVATED + dt.timedelta(days=15)
    [envelope] = plan(content(AWAITING), config(tmp_path), History(), day15)
    assert envelope.items[0].level == 2 and envelope.copy_team


def test_a_cause_fixed_between_two_runs_stops_the_reminders(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    day8 = ACTIVATED + dt.timedelta(days=8)
    first = list(plan(content(AWAITING), cfg, History(), day8))
    fixed = partner(activations=AWAITING.activations,
                    team_contacts=(*AWAITING.team_contacts,
                                   TeamContact(day8, "activation", offer="contoso-crm", benefit="listing-optimization")))
    later = list(plan(content(fixed), cfg, sent(first, day8), day8 + dt.timedelta(days=7)))
    assert all(i.escalation is None for e in later for i in e.items)


def test_no_contact_the_reminder_goes_to_the_partner_center_account_email(tmp_path: Path) -> None:
    [envelope] = plan(content(partner(contacts=())), config(tmp_path), History(), TODAY)
    assert envelope.recipient.email == "partnercenter@contoso.example" and not envelope.recipient.is_contact
    assert kinds([envelope]) == [("assign-contact",)]  # no tips to an account email


def test_an_offer_silent_for_28_days_asks_to_find_its_owner_from_day_28(tmp_path: Path) -> None:
    live = dt.date(2026, 10, 27)
    silent = partner(offers=(offer(live=live),), team_contacts=())
    cfg = config(tmp_path)
    assert "find-owner" not in sum(kinds(plan(content(silent), cfg, History(), live + dt.timedelta(days=27))), ())
    [envelope] = plan(content(silent), cfg, History(), live + dt.timedelta(days=28))
    assert envelope.items[0].key.kind == "find-owner" and not envelope.copy_team
    unknown = partner(offers=(offer(live=live, owner=OwnerStatus.UNKNOWN),), team_contacts=())
    [envelope] = plan(content(unknown), cfg, History(), live + dt.timedelta(days=28))
    assert envelope.items[0].key.kind == "open-ticket" and envelope.copy_team


def test_an_opted_out_partner_gets_nothing(tmp_path: Path) -> None:
    gone = partner(opt_outs=(OptOut(dt.date(2026, 11, 1)),), contacts=(contact(),))
    assert list(plan(content(gone), config(tmp_path), History(), TODAY)) == []


def test_a_pending_message_is_planned_again_with_its_message_id(tmp_path: Path) -> None:
    cfg, data = config(tmp_path), content(partner())
    [first] = plan(data, cfg, History(), TODAY)
    pending = History.of([SentRecord(first.items[0].key, "pending", "<kept@rewards.example.com>", TODAY)])
    [again] = plan(data, cfg, pending, TODAY + dt.timedelta(days=3))
    assert again.message_id == "<kept@rewards.example.com>" and again.keys == first.keys


def test_message_ids_are_derived_from_the_keys(tmp_path: Path) -> None:
    cfg, data = config(tmp_path), content(partner())
    [a] = plan(data, cfg, History(), TODAY)
    [b] = plan(data, cfg, History(), TODAY)
    assert a.message_id == b.message_id and a.message_id.endswith("@rewards.example.com>")


def test_only_and_limit(tmp_path: Path) -> None:
    from notifier.plan import PlanOptions

    data = content(partner("a"), partner("b"), partner("c"))
    assert [e.partner.id for e in plan(data, config(tmp_path), History(), TODAY, PlanOptions(only="b"))] == ["b"]
    assert len(list(plan(data, config(tmp_path), History(), TODAY, PlanOptions(limit=2)))) == 2


def test_planning_on_worker_processes_gives_the_same_messages_in_the_same_order(
        tmp_path: Path, monkeypatch) -> None:
    from notifier import produce as produce_module
    from notifier.compose import Composer
    from notifier.plan import PlanOptions
    from notifier.produce import produce

    config = site(tmp_path)
    data = content(*(partner(f"p{i:03d}", contacts=(contact(f"C {i}", f"c{i}@p.example", "ko" if i % 3 else "en"),))
                     for i in range(40)), partner("nobody", contacts=()))
    composer = Composer(config, data, lambda: dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC))
    alone = list(produce(data, config.notifier, History(), TODAY, composer, workers=1))
    monkeypatch.setattr(produce_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(produce_module, "CHUNK", 7)
    forked = list(produce(data, config.notifier, History(), TODAY, composer, workers=2))
    assert len(alone) == 41 and forked == alone
    limited = list(produce(data, config.notifier, History(), TODAY, composer, PlanOptions(limit=9), workers=2))
    assert limited == alone[:9]


def test_a_planning_worker_killed_mid_run_loses_and_repeats_no_message(tmp_path: Path, monkeypatch) -> None:
    """The kernel kills a worker (out of memory): the run neither hangs nor drops that worker's chunk;
    the rest is planned in the main process, in order, so each message comes exactly once."""
    import os
    import signal

    from notifier import produce as produce_module
    from notifier.compose import Composer
    from notifier.plan import PlanOptions
    from notifier.produce import produce

    config = site(tmp_path)
    data = content(*(partner(f"p{i:03d}", contacts=(contact(f"C {i}", f"c{i}@p.example"),)) for i in range(40)))
    composer = Composer(config, data, lambda: dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC))
    alone = list(produce(data, config.notifier, History(), TODAY, composer, workers=1))
    parent, real = os.getpid(), produce_module._chunk

    def dies_in_a_worker(ids: list[str]) -> list:
        if os.getpid() != parent and "p021" in ids:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(ids)

    # Sent to the workers by name, as the real one is: it must be found where the real one is.
    dies_in_a_worker.__module__, dies_in_a_worker.__qualname__ = real.__module__, real.__qualname__
    monkeypatch.setattr(produce_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(produce_module, "CHUNK", 7)
    monkeypatch.setattr(produce_module, "_chunk", dies_in_a_worker)
    assert list(produce(data, config.notifier, History(), TODAY, composer, workers=2)) == alone
    limited = list(produce(data, config.notifier, History(), TODAY, composer, PlanOptions(limit=30), workers=2))
    assert limited == alone[:30]
