"""A slow server costs a bounded number of attempts, not the timeout times every message; and the
notifier names its host in EHLO as configured, never as the machine's own name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from builders import TODAY, content, many_partners, partner, site
from conftest import Handler, Server, run_notify, start_server, states

from notifier.notify import Options


async def test_ehlo_names_the_sender_domain_unless_configured(root: Path, smtp: Server) -> None:
    result = await run_notify(site(root, smtp.port), content(partner()), Options(TODAY))
    assert result.code == 0, result.err
    assert set(smtp.handler.ehlo_names) == {"rewards.example.com"}  # the domain of notifier.sender


async def test_a_configured_ehlo_name_is_used(root: Path) -> None:
    server = await start_server(Handler())
    try:
        config = site(root, server.port)
        smtp = dataclasses.replace(config.notifier.smtp, helo_name="mail.rewards.example.com")
        config = dataclasses.replace(config, notifier=dataclasses.replace(config.notifier, smtp=smtp))
        result = await run_notify(config, content(partner()), Options(TODAY))
        assert result.code == 0, result.err
        assert set(server.handler.ehlo_names) == {"mail.rewards.example.com"}
    finally:
        server.server.close()


async def test_a_server_slower_than_the_timeout_stops_the_run_after_a_few_timeouts(root: Path) -> None:
    # Every MAIL takes longer than the timeout: 12 messages x (1 + 2 retries) attempts would each wait
    # the full timeout. After 3 consecutive timeouts the run stops and leaves everything pending.
    server = await start_server(Handler(rule=lambda phase, address, n: "slow:1.5" if phase == "MAIL" else None))
    try:
        config = site(root, server.port)
        result = await run_notify(config, content(*many_partners(12)), Options(TODAY), timeout=0.3)
        assert result.code == 1
        assert server.handler.seen["MAIL"] <= 3 + config.notifier.smtp.connections  # in flight when it stopped
        assert states(config) == {"pending": 12}
        assert "consecutive timeouts" in result.out + result.err
    finally:
        server.server.close()
