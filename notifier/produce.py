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
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
    starts = range(0, len(ids), CHUNK)
    done = handed = 0  # chunks whose messages came back; messages handed on
    # concurrent.futures, not multiprocessing.Pool: Pool.terminate() can hang for ever (a worker
    # killed while it still holds the result queue's lock, just after sending its last result; seen
    # in our own test runs), and a worker killed by the kernel leaves Pool waiting for its task.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        try:
            in_flight: deque[Future[list[Prepared]]] = deque()
            ahead = iter(starts)
            for start in itertools.islice(ahead, workers * WINDOW):
                in_flight.append(pool.submit(_chunk, ids[start:start + CHUNK]))
            while in_flight:
                chunk = in_flight.popleft().result()
                following = next(ahead, None)
                if following is not None:
                    in_flight.append(pool.submit(_chunk, ids[following:following + CHUNK]))
                done += 1
                for prepared in chunk:
                    if options.limit is not None and handed >= options.limit:
                        return
                    handed += 1
                    yield prepared
        except BrokenProcessPool:  # a worker was killed (out of memory?): the rest here, in order. Planning
            # is a pure function, so the chunks computed again give the very messages they would have.
            rest = (prepared for start in starts[done:] for prepared in _chunk(ids[start:start + CHUNK]))
            yield from itertools.islice(rest, None if options.limit is None else max(0, options.limit - handed))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # the workers finish the chunk in hand and exit
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
