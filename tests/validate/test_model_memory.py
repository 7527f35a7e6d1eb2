"""The loaded model holds each recurring short text and each day once, however many files repeat it
(yamlload._shared, modelbuild._day). What a user would notice if it broke: a build or notify of a large
content repository needs a third more memory (at 10,000 generated partners the model grows from 27 MB to
42 MB), and the notifier's saved model grows with it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from bench.generate import generate
from rewards_build import reading
from rewards_build.model import Content
from rewards_build.pipeline import load_config, load_content

TODAY = dt.date(2026, 11, 24)


def _leaves(content: Content) -> tuple[Counter[str], Counter[dt.date], int, int]:
    """(each text value and the objects holding it, the same for dates, text objects, date objects)."""
    texts: Counter[str] = Counter()
    days: Counter[dt.date] = Counter()
    seen: set[int] = set()
    stack: list[object] = [content]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, str):
            texts[item] += 1
        elif isinstance(item, dt.date):
            days[item] += 1
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)
        elif hasattr(type(item), "__slots__"):
            stack += [getattr(item, name) for cls in type(item).__mro__
                      for name in getattr(cls, "__slots__", ()) if hasattr(item, name)]
    return texts, days, sum(texts.values()), sum(days.values())


@pytest.mark.parametrize("jobs", [1, 2], ids=["one core", "workers"])
def test_recurring_text_and_days_are_held_once(tmp_path: Path, jobs: int) -> None:
    count = reading.PARALLEL_FROM + 50 if jobs > 1 else 120  # workers read only from PARALLEL_FROM files
    generate(tmp_path, count, TODAY)
    config, problems = load_config(tmp_path / "site.yml")
    assert config is not None, problems
    content, problems = load_content(config.content_dir, TODAY, root=config.root, jobs=jobs)
    assert content is not None and problems == []
    texts, days, text_objects, day_objects = _leaves(content)
    # Every day is one object; a short text is one object per worker's batch of files at most, and one
    # of the parent's own (the benefit files, site.yml: read there).
    assert day_objects == len(days)
    short = [t for t in texts if len(t) <= 64]
    batches = -(-count // reading.CHUNK) + 1 if jobs > 1 else 1
    assert max(texts[t] for t in short) <= batches, texts.most_common(3)
    assert text_objects < 1.5 * len(texts)
    # The generated partners do repeat themselves (else this would prove nothing).
    assert sum(1 for p in content.partners.values() for o in p.offers) > count


def test_a_reading_worker_hands_each_file_back_and_keeps_none(tmp_path: Path) -> None:
    """A worker's copy of each source it read is emptied once its result is packed: kept, every worker
    would hold the text and parsed data of every file it read (half of all of them on two cores: at
    30,000 partners a reading worker peaked at 253 MB, above the target for the whole build)."""
    from rewards_build.pipeline import _discover

    generate(tmp_path, 30, TODAY)
    content_dir = tmp_path / "content"
    sources = [src for src in _discover(content_dir, None)[1] if src.kind == "partner"]
    reading._JOB.update(content_dir=content_dir, root=tmp_path, sources=sources)
    try:
        reads = reading._read_chunk(0, len(sources))
    finally:
        reading._JOB.clear()
    assert [r.data["id"] for r in reads] == [src.stem for src in sources]
    assert all(r.text and r.problems == () for r in reads)
    assert [(src.text, src.data) for src in sources] == [("", None)] * len(sources)
