"""The rate limit on a simulated clock: time moves only when the limiter sleeps, so what is
measured is the schedule itself, not how busy the machine is."""

from __future__ import annotations

import itertools

from notifier.send import RateLimit


class SimulatedTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def departures(per_second: float, messages: int) -> tuple[list[float], list[float]]:
    time = SimulatedTime()
    limit = RateLimit(per_second, time.clock, time.sleep)
    at = []
    for _ in range(messages):
        await limit.wait()
        at.append(time.now)
    return at, time.sleeps


async def test_at_a_low_rate_every_message_waits_its_turn() -> None:
    at, sleeps = await departures(50, 11)
    assert [round(b - a, 6) for a, b in itertools.pairwise(at)] == [0.02] * 10
    assert len(sleeps) == 10


async def test_at_thousands_a_second_no_sleep_is_shorter_than_the_event_loop_can_do() -> None:
    _at, sleeps = await departures(5000, 1000)
    assert min(sleeps) > 0.002  # the loop's timers fire in whole milliseconds
    assert len(sleeps) < 1000 / 5  # messages leave in small bursts between sleeps


async def test_at_thousands_a_second_the_rate_still_holds() -> None:
    at, _ = await departures(5000, 1000)
    assert at[-1] - at[0] >= 999 / 5000 - 0.002  # at most `slack` early, however long the run
    # Any 61 departures span 60 intervals (12 ms) of the schedule, less at most the 2 ms slack.
    assert min(at[i + 60] - at[i] for i in range(len(at) - 60)) >= 0.012 - 0.002 - 1e-9
