"""The alerts panel says what the rules say, once per cause, in both languages."""

from __future__ import annotations

import re
from pathlib import Path


def _alerts(page: Path) -> list[str]:
    html = page.read_text(encoding="utf-8")
    return re.findall(r'<li class="alert level-\d kind-([a-z-]+)">\s*<strong>.*?</strong>\s*<p>(.*?)</p>', html, re.S)


def test_an_offers_expiring_benefits_are_one_alert_naming_them_all(built_site: Path) -> None:
    alerts = _alerts(built_site / "partners/woodgrove-trial-expiring/index.html")
    expiring = [message for kind, message in alerts if kind == "benefit-expiring"]
    assert len(expiring) == 1
    assert expiring[0].startswith("Benefits of ")
    assert "expire on Dec 10, 2026, in 16 days: " in expiring[0]
    assert "Marketplace marketing toolkit" in expiring[0] and "Community forums" in expiring[0]


def test_the_korean_page_names_the_expiring_benefits_in_korean(built_site: Path) -> None:
    alerts = _alerts(built_site / "ko/partners/woodgrove-trial-expiring/index.html")
    (message,) = [message for kind, message in alerts if kind == "benefit-expiring"]
    assert "혜택이" in message and "16일 남음" in message


def test_an_overdue_activation_is_an_alert_with_its_day_count(built_site: Path) -> None:
    alerts = _alerts(built_site / "partners/adatum-awaiting-contact/index.html")
    assert [kind for kind, _message in alerts] == ["contact-overdue"]
    assert "was activated on Nov 14, 2026, 10 days ago" in alerts[0][1]
