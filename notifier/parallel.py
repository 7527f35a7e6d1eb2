"""Planning on every core: `assess` costs about half a millisecond a partner, so 10,000 partners
take five seconds on one core even when nothing is due. Worker processes (forked, so they share the
loaded content, the ledger's history and today without copying) plan chunks of partners; the parent
gets the envelopes back in content order, with at most a few chunks in flight (memory stays flat).

Small runs plan in-process: forking is not worth it below PARALLEL_FROM partners.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from rewards_build.config import NotifierConfig
from rewards_build.model import Content, Tip

from .plan import Envelope, History, Item, PlanOptions, Recipient, plan, plan_partner

PARALLEL_FROM = 2000  # partners
CHUNK = 200  # partners per task
WINDOW = 3  # tasks in flight per worker

_shared: tuple[Content, NotifierConfig, History, dt.date] | None = None  # set in the parent, seen by forks


@dataclass(frozen=True, slots=True)
class _Compact:
    """An envelope without the model objects (ids instead), cheap to send between processes."""

    partner_id: str
    recipient: Recipient
    items: tuple[tuple[Item, str | None], ...]  # (item without its tip, tip id)
    message_id: str
    copy_team: bool


def plan_everywhere(content: Content, config: NotifierConfig, history: History, today: dt.date,
                    options: PlanOptions | None = None, workers: int | None = None) -> Iterator[Envelope]:
    """The same envelopes as `plan`, in the same order, computed by `workers` processes."""
    options = options or PlanOptions()
    workers = workers or min(4, os.cpu_count() or 1)
    if workers < 2 or options.only is not None or len(content.partners) < PARALLEL_FROM:
        yield from plan(content, config, history, today, options)
        return
    global _shared
    _shared = (content, config, history, today)
    ids = list(content.partners)
    chunks = iter(range(0, len(ids), CHUNK))
    tips = {t.id: t for t in content.tips}
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        in_flight: deque[multiprocessing.pool.AsyncResult[list[_Compact]]] = deque()

        def results() -> Iterator[_Compact]:
            for start in itertools.chain(chunks, [None]):
                if start is not None:
                    in_flight.append(pool.apply_async(_plan_chunk, (ids[start:start + CHUNK],)))
                while in_flight and (start is None or len(in_flight) >= workers * WINDOW):
                    yield from in_flight.popleft().get()

        envelopes = (_expand(c, content, tips) for c in results())
        yield from itertools.islice(envelopes, options.limit)
        pool.close()
    finally:
        pool.terminate()
        pool.join()  # reaped, so that their CPU time shows in the parent's children times
        _shared = None


def _plan_chunk(partner_ids: list[str]) -> list[_Compact]:
    assert _shared is not None
    content, config, history, today = _shared
    return [
        _Compact(e.partner.id, e.recipient,
                 tuple((Item(i.key, None, i.escalation, i.reminder, i.level), i.tip.id if i.tip else None)
                       for i in e.items),
                 e.message_id, e.copy_team)
        for pid in partner_ids
        for e in plan_partner(content, config, history, content.partners[pid], today)
    ]


def _expand(c: _Compact, content: Content, tips: dict[str, Tip]) -> Envelope:
    items = tuple(Item(i.key, tips[tip_id], None, 0, 0) if tip_id else i for i, tip_id in c.items)
    return Envelope(content.partners[c.partner_id], c.recipient, items, c.message_id, c.copy_team)
