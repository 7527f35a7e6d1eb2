"""A partner page and the mail never disagree about an escalation: same escalations, same level
(the site's badge and button, the mail's [Escalated] and the rewards team in Cc)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from notifier.plan import History, plan
from rewards_build.pipeline import load_all

REPO = Path(__file__).resolve().parents[2]


def test_every_escalation_has_the_same_level_on_the_page_and_in_the_mail(built_site: Path) -> None:
    today = dt.date(2026, 11, 24)  # the example content's day (site_helpers builds with it)
    loaded = load_all(REPO / "site.yml", today)
    assert loaded.content is not None and loaded.config is not None
    on_site: dict[str, int] = {}
    for page in (built_site / "api/partners").glob("*.json"):
        on_site.update({e["key"]: e["level"] for e in json.loads(page.read_text())["escalations"]})
    in_mail = {item.escalation.key: item.level
               for envelope in plan(loaded.content, loaded.config.notifier, History(), today)
               for item in envelope.items if item.escalation is not None}
    assert in_mail == on_site
    assert max(on_site.values()) >= 2  # the example content has escalated causes: the check means something
