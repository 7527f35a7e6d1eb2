"""The rewards team's copy of an escalation is not lost to a temporary refusal: it is retried on its
own (the contact, who has the message, gets nothing twice); a copy refused through every retry makes
the run exit 1 and says which."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import TODAY, content, offer, partner, site
from conftest import Server, run_notify, states

from notifier.notify import Options
from rewards_build.model import OwnerStatus

TEAM = "escalations@rewards.example.com"
GONE = partner(offers=(offer(live=dt.date(2026, 10, 1), owner=OwnerStatus.LEFT),), team_contacts=())  # level 2


async def test_a_team_copy_refused_once_is_delivered_on_retry(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "451 4.7.1 greylisted" if (phase, address, n) == ("RCPT", TEAM, 2) \
        else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))
    assert result.code == 0, result.err
    delivered = [rcpts for _, rcpts in smtp.handler.envelopes]
    assert delivered == [["ada@contoso.example"], [TEAM]]  # the contact once, then the copy alone
    assert len({str(m["Message-ID"]) for m in smtp.handler.received}) == 1  # the same message
    assert states(config) == {"sent": 2}  # the escalation and the tip in one digest


async def test_a_team_copy_refused_through_every_retry_fails_the_run(smtp: Server, root: Path) -> None:
    smtp.handler.rule = lambda phase, address, n: "451 4.3.0 try later" if (phase, address) == ("RCPT", TEAM) \
        else None
    config = site(root, smtp.port)
    result = await run_notify(config, content(GONE), Options(TODAY))
    assert result.code == 1
    assert [rcpts for _, rcpts in smtp.handler.envelopes] == [["ada@contoso.example"]]  # never twice to her
    assert f"copy not delivered {TEAM}" in result.err
    assert states(config) == {"sent": 2}
