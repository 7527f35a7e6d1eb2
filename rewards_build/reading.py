"""Reading one content file: its text, its YAML, its schema; and partner files read that way on
every core, in order, while the loader models and cross-checks the ones already read.

Partner files come by the thousand and are independent until the cross-file rules: reading, parsing
and schema-checking them is three quarters of `rewards validate`, so forked workers do that part a
chunk at a time and hand back plain data (text, parsed values, problems), which the loader then takes
in file order exactly as if it had read them itself. Few files, one core, or no fork: one at a time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema_check, textfile
from .limits import markdown_problems
from .positions import PathPart, dotted
from .problems import Problem
from .source import Source
from .textfile import read_text
from .yamlload import parse_yaml, split_front_matter


def parse_file(src: Source, content_dir: Path, root: Path) -> tuple[bool, list[Problem]]:
    """Read, parse and schema-check one file: whether it has no problem, and its disputed numbers.

    A duplicate key keeps the first value and the file is still checked against its schema."""
    disputed = read_file(src, content_dir / src.rel, root, markdown=src.kind in ("tip", "toolkit"))
    if src.data is None:
        return False, []
    src.problems.extend(schema_check.check(src.kind, src.data, src.text, src.shown, src.line_offset))
    stood = undisputed(disputed, src.problems)
    src.problems.extend(stood)
    if src.kind != "partner":  # partners hold no Markdown: the one kind that comes by the thousand
        _check_markdown_fields(src)
    return not src.problems, stood


def undisputed(disputed: tuple[Problem, ...], problems: list[Problem]) -> list[Problem]:
    """Values YAML 1.1 and 1.2 read as different numbers, where no other problem stands already."""
    taken = {(p.line, p.col) for p in problems}
    return [p for p in disputed if (p.line, p.col) not in taken]


# Markdown held in YAML values, each rendered like a page body.
_MARKDOWN_FIELDS = ("description", "body")


def _check_markdown_fields(src: Source) -> None:
    fields: list[tuple[PathPart, ...]] = [(name,) for name in _MARKDOWN_FIELDS]
    translations = src.data.get("translations")
    if isinstance(translations, dict):
        fields += [("translations", lang, name) for lang, value in translations.items() if isinstance(value, dict)
                   for name in _MARKDOWN_FIELDS]
    for path in fields:
        value = _value_at(src.data, path)
        if not isinstance(value, str):
            continue
        for offset, message in markdown_problems(value):
            where = "" if offset == 0 else " (line {}, column {} of the text)".format(*textfile.position(value, offset))
            src.problem(path, f"{dotted(path)}: {message}{where}")


def _value_at(data: object, path: tuple[PathPart, ...]) -> object:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(str(part))
    return data


def read_file(src: Source, path: Path, root: Path | None, *, markdown: bool) -> tuple[Problem, ...]:
    """Read and parse one file into `src`; returns its disputed values (see yamlload.Loaded.disputed)."""
    text, problems = read_text(path, src.shown, root)
    if text is None:
        src.problems.extend(problems)
        return ()
    src.text = text
    if markdown:
        parts, problems = split_front_matter(text, src.shown)
        if parts is None:
            src.problems.extend(problems)
            return ()
        src.text, src.body, src.line_offset, src.body_line = parts
        if not parts.body.strip():
            src.problems.append(Problem(src.shown, 1, 1, "the Markdown body after the front matter is empty"))
        for offset, message in markdown_problems(parts.body):
            line, col = textfile.position(parts.body, offset)
            src.problems.append(Problem(src.shown, parts.body_line + line - 1, col, message))
    loaded = parse_yaml(src.text, src.shown, src.line_offset)
    src.data = loaded.data
    src.problems.extend(loaded.problems)
    if src.data is not None and not isinstance(src.data, dict):
        src.problems.append(Problem(src.shown, 1 + src.line_offset, 1, f"expected a mapping of keys to values at the "
                                                                        f"top level, found {type(src.data).__name__}"))
        src.data = None
    return loaded.disputed


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


PARALLEL_FROM = 400  # partner files; below this, starting workers costs more than it saves
CHUNK = 100
_JOB: dict[str, Any] = {}  # set in the parent just before the workers fork; read by them


@dataclass(frozen=True, slots=True)
class _Read:
    """What a worker hands back for one file: everything `parse_file` left in the Source."""

    text: str
    data: Any
    problems: tuple[Problem, ...]
    stood: tuple[Problem, ...]


def _read_chunk(first: int, last: int) -> list[_Read]:
    content_dir, root, sources = _JOB["content_dir"], _JOB["root"], _JOB["sources"]
    out = []
    for src in sources[first:last]:
        stood = parse_file(src, content_dir, root)[1]
        out.append(_Read(src.text, src.data, tuple(src.problems), tuple(stood)))
        src.release()  # the worker's own copy: kept, it would hold every file this worker has read
    return out


def read_partners(sources: Sequence[Source], content_dir: Path, root: Path,
                  jobs: int) -> Iterator[tuple[Source, bool, list[Problem]]]:
    """Each partner source, read, parsed and schema-checked (as `parse_file` leaves it), in order,
    with what `parse_file` answers: whether it has no problem, and its disputed numbers that stood."""
    if (jobs <= 1 or len(sources) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):  # a daemonic process (rewards diff's BASE) has no children
        for src in sources:
            yield src, *parse_file(src, content_dir, root)
        return
    _JOB.update(content_dir=content_dir, root=root, sources=sources)
    done = 0
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            ahead: deque[Future[list[_Read]]] = deque()
            starts = iter(range(0, len(sources), CHUNK))
            for first in starts:  # a few chunks in flight at most: memory holds them, not every file
                ahead.append(pool.submit(_read_chunk, first, min(first + CHUNK, len(sources))))
                if len(ahead) > 2 * jobs:
                    break
            while ahead:  # in order: the rule across partners sees them as a one-at-a-time read would
                for read in ahead.popleft().result():
                    src = sources[done]
                    src.text, src.data = read.text, read.data
                    src.problems.extend(read.problems)
                    done += 1
                    yield src, not read.problems, list(read.stood)
                following = next(starts, None)
                if following is not None:
                    ahead.append(pool.submit(_read_chunk, following, min(following + CHUNK, len(sources))))
    except BrokenProcessPool:  # a worker was killed (out of memory?): the rest one at a time
        for src in sources[done:]:
            yield src, *parse_file(src, content_dir, root)
    finally:
        _JOB.clear()
