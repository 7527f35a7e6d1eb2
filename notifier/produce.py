"""Plan and compose, on every core: what comes out is each message ready for the wire.

`assess` costs about half a millisecond a partner and composing about as much a message, so a run
over 10,000 partners is CPU-bound. Worker processes (forked, so they share the loaded content, the
ledger's history, the composer and today without copying) plan and compose chunks of partners;
the parent, which only records and sends, gets the messages back in content order, with at most a
few chunks in flight (memory stays flat). Small runs do it all in-process.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import multiprocessing.pool
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from rewards_build.config import NotifierConfig
from rewards_build.model import Content

from .compose import Composer, UnsafeHeader
from .plan import Envelope, History, Key, PlanOptions, plan, plan_partner

PARALLEL_FROM = 2000  # partners; below this, forking costs more than it saves
CHUNK = 100  # partners per task
WINDOW = 3  # tasks in flight per worker

_shared: tuple[Content, NotifierConfig, History, dt.date, Composer] | None = None  # seen by the forks


@dataclass(frozen=True, slots=True)
class Prepared:
    """One message, composed (or refused), with what the ledger and the report need to know."""

    message_id: str
    keys: tuple[Key, ...]
    partner_id: str
    to: str  # the main recipient's address
    sender: str
    recipients: tuple[str, ...]
    data: bytes  # b"" when refused
    refused: str | None = None  # why composing refused it (a control character bound for a header)

    @property
    def kinds(self) -> str:
        return ", ".join(k.kind for k in self.keys)


def prepare(composer: Composer, envelope: Envelope) -> Prepared:
    base = (envelope.message_id, envelope.keys, envelope.partner.id, envelope.recipient.email)
    try:
        c = composer.compose(envelope)
    except UnsafeHeader as exc:
        return Prepared(*base, "", (), b"", f"refused before sending: {exc}")
    return Prepared(*base, c.sender, c.recipients, c.data)


def produce(content: Content, config: NotifierConfig, history: History, today: dt.date, composer: Composer,
            options: PlanOptions | None = None, workers: int | None = None) -> Iterator[Prepared]:
    """Every message due today, composed, in content order."""
    options = options or PlanOptions()
    workers = workers or min(4, os.cpu_count() or 1)
    if workers < 2 or options.only is not None or len(content.partners) < PARALLEL_FROM:
        for envelope in plan(content, config, history, today, options):
            yield prepare(composer, envelope)
        return
    global _shared
    _shared = (content, config, history, today, composer)
    ids = list(content.partners)
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        in_flight: deque[multiprocessing.pool.AsyncResult[list[Prepared]]] = deque()

        def results() -> Iterator[Prepared]:
            for start in itertools.chain(range(0, len(ids), CHUNK), [None]):
                if start is not None:
                    in_flight.append(pool.apply_async(_chunk, (ids[start:start + CHUNK],)))
                while in_flight and (start is None or len(in_flight) >= workers * WINDOW):
                    yield from in_flight.popleft().get()

        yield from itertools.islice(results(), options.limit)
        pool.close()
    finally:
        pool.terminate()
        pool.join()  # reaped, so that their CPU time shows in the parent's children times
        _shared = None


def _chunk(partner_ids: list[str]) -> list[Prepared]:
    assert _shared is not None
    content, config, history, today, composer = _shared
    return [
        prepare(composer, envelope)
        for pid in partner_ids
        for envelope in plan_partner(content, config, history, content.partners[pid], today)
    ]


def started(messages: Iterator[Prepared]) -> Iterator[Prepared]:
    """The same messages, with the work already begun (the first one computed, the workers forked)."""
    first = next(messages, None)
    return messages if first is None else itertools.chain([first], messages)
