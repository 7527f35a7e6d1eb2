"""Rendering many partners on every core: forked workers inherit the loaded content and the
compiled templates (nothing is pickled but partner ids and small results), render, and stage
their files themselves. A progress bar shows on a terminal only."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TextIO

from . import write
from .listing import Row
from .pages import Site, index_row
from .partner import partner_pages
from .render import Renderer, page_bytes

PARALLEL_FROM = 200  # below this many partners, a process pool costs more than it saves
CHUNK = 64

_JOB: dict[str, Any] = {}  # set in the parent just before forking; read by workers


def _render_chunk(ids: list[str]) -> tuple[list[str], list[Row], int]:
    """Render and stage the pages of `ids`; their index rows come back as UTF-8, as the index holds
    them (half the size of Python text once a row holds Korean, and the parent need not encode them)."""
    site: Site = _JOB["site"]
    renderer: Renderer = _JOB["renderer"]
    root, fresh, token = _JOB["root"], _JOB["fresh"], _JOB["token"]
    written: list[str] = []
    rows: list[Row] = []
    count = 0
    for pid in ids:
        pages, row = partner_pages(site, site.content.partners[pid])
        for page in pages:
            count += 1
            if write.put(root, fresh, token, page.output, page_bytes(renderer, page)):
                written.append(page.output)
        html = tuple(renderer.render("_partner_row.html", lang, r=index_row(site, row, lang)).encode()
                     for lang in site.languages)
        rows.append(Row(row.id, row.name, html))  # what the pages listing partners show
    return written, rows, count


def render_partners(site: Site, renderer: Renderer, stage: write.Stage, ids: list[str], jobs: int,
                    progress: Progress) -> tuple[list[str], dict[str, Row], int]:
    """Render and stage every listed partner's pages: (files written, index rows by id, pages)."""
    _JOB.update(site=site, renderer=renderer, root=stage.root, fresh=stage.fresh, token=stage.token)
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    written: list[str] = []
    rows: dict[str, Row] = {}
    count = 0
    try:
        for chunk_written, chunk_rows, chunk_count in _results(chunks, jobs, len(ids)):
            written += chunk_written
            rows.update((r.id, r) for r in chunk_rows)
            count += chunk_count
            progress.advance(chunk_count)
    finally:
        _JOB.clear()
    return written, rows, count


def _results(chunks: list[list[str]], jobs: int, n: int) -> Iterator[tuple[list[str], list[Row], int]]:
    if jobs <= 1 or n < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_render_chunk, chunks)
        return
    # The loaded content is shared with the workers copy-on-write. Freezing it keeps the workers'
    # garbage collector from walking (and so copying) the whole inherited heap again and again.
    gc.freeze()
    # concurrent.futures, not multiprocessing.Pool: Pool.terminate() (what leaving a `with Pool` does)
    # can hang for ever if a worker is stopped while it still holds the result queue's lock, and a
    # worker killed by the kernel leaves Pool waiting for its chunk; here it is an error the build
    # reports, and the live site stays as it was.
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        for done in as_completed([pool.submit(_render_chunk, chunk) for chunk in chunks]):
            yield done.result()
    except BrokenProcessPool as exc:
        raise WorkerLost("a rendering worker was killed (out of memory?)") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


class WorkerLost(RuntimeError):
    """A worker process died before it finished its pages: the build stops, the live site stays."""


class Progress:
    """A one-line progress bar on a terminal; silent otherwise (cron, CI, tests)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, enabled: bool | None = None):
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self._last = 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            width = 30
            filled = min(width, width * self.done // self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} pages")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
