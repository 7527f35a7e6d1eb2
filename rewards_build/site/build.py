"""`rewards build`: the whole build as one function, a straight list of steps.

    fingerprint inputs -> decide what is stale -> load + validate -> collect pages -> render and
    stage (in parallel) -> swap in atomically -> summarise

See docs/site.md for how incrementality works and why it is safe.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from jinja2 import TemplateError

from ..pipeline import load_config
from ..problems import Problem
from ..report import print_problems
from . import i18n, inputs, urls, write
from .load import load_everything, load_partners
from .pages import Site, global_pages, listing_pages
from .parallel import Progress, default_jobs, render_partners
from .partner import partner_outputs
from .render import Renderer, page_bytes
from .views import Page

FULL, PARTIAL, NOTHING = "full", "partial", "nothing"


@dataclass(frozen=True, slots=True)
class BuildResult:
    exit_code: int  # 0 built, 1 content or build error (old site kept), 2 unusable site.yml
    mode: str = ""
    out: Path | None = None
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)


def build(site_path: Path, today: dt.date, *, out: Path | None = None, clean: bool = False,
          jobs: int | None = None, stream: TextIO = sys.stderr, progress: bool | None = None) -> BuildResult:
    started = time.perf_counter()

    # 1. Read site.yml (validated) to know where content, templates and the output live.
    config, problems = load_config(site_path)
    if config is None:
        print_problems(problems, stream)
        return BuildResult(2, problems=problems)
    out = (out or config.output_dir).resolve()

    # 2. One build at a time per output folder (`rewards serve` and a manual build may overlap);
    #    under the lock, leftovers of a killed build are swept away.
    with write.exclusive(out):
        write.sweep(out)

        # 3. Fingerprint the inputs; read what the previous build was made from.
        global_key = inputs.global_fingerprint(config.path, config.content_dir, config.templates_dir,
                                               i18n.catalogs_fingerprint(config.languages), today.isoformat())
        previous = None if clean else inputs.Manifest.read(out)
        scanned, strays = inputs.scan_partners(config.content_dir)

        # 4. Decide what is stale: everything (first build, a global input changed, or a stray file in
        #    partners/ that only a full load reports), some partners (their files changed, appeared
        #    or went), or nothing at all.
        if previous is None or previous.global_key != global_key or strays:
            mode, stamps, changed, removed = FULL, inputs.hash_all(config.content_dir, scanned), sorted(scanned), []
        else:
            stamps, changed, removed = inputs.partner_changes(config.content_dir, previous.partners, scanned)
            mode = PARTIAL if changed or removed else NOTHING
        if mode == NOTHING:
            if stamps != previous.partners:  # touched but identical files: remember the new times only
                previous.partners = stamps
                _write_manifest(out, previous)
            return _summarise(stream, BuildResult(0, NOTHING, out, seconds=time.perf_counter() - started),
                              len(previous.outputs) + len(stamps) * (len(config.languages) + 1))

        # 5. Load and validate: all content, or the shared content plus the changed partner files.
        if mode == FULL:
            loaded = load_everything(site_path, today)
        else:
            owners = inputs.offer_owners(previous.offers, set(changed) | set(removed))
            loaded = load_partners(site_path, [stamps[pid].rel for pid in changed], today, owners)
        if loaded.problems or loaded.content is None or loaded.config is None:
            print_problems(loaded.problems, stream)
            print(f"rewards build: {len(loaded.problems)} problem(s); the site in {_shown(out)} was left as it was",
                  file=stream)
            return BuildResult(2 if loaded.config_error else 1, mode, out, problems=loaded.problems)
        site = Site(loaded.config, loaded.content, today)
        partner_ids = [pid for pid in sorted(loaded.content.partners, key=lambda p: loaded.content.partners[p].source)]

        # 6. Collect the pages that do not depend on any partner (full builds only).
        shared: list[Page] = global_pages(site) + _assets(config.templates_dir) if mode == FULL else []

        # 7. Render and stage everything; nothing in the live site changes yet.
        write.sweep(out, deep=mode == FULL)
        stage = write.Stage(out, f"{os.getpid()}-{time.time_ns()}")
        bar = Progress(len(shared) + len(partner_ids) * (len(site.languages) + 1) + len(site.languages) + 1,
                       stream, progress)
        try:
            renderer = Renderer(config.templates_dir, site.languages)
            written, total = _stage_pages(stage, renderer, shared), len(shared)
            bar.advance(len(shared))
            partner_written, fresh_rows, count = render_partners(
                site, renderer, stage, partner_ids, jobs or default_jobs(), bar)
            written += partner_written
            total += count
            rows = _rows(previous, fresh_rows, removed, stamps) if mode == PARTIAL else fresh_rows
            if mode == PARTIAL and rows == previous.rows:  # the index and sitemap would come out the same
                listing = []
            else:
                listing = listing_pages(site, [rows[pid] for pid in _by_file(rows, stamps)])
            written += _stage_pages(stage, renderer, listing)
            total += len(listing)
            bar.advance(len(listing))

            # 8. Record what this build was made from, then swap everything in.
            shared_outputs = [p.output for p in shared + listing] if mode == FULL else previous.outputs
            offers = {pid: ids for pid, ids in previous.offers.items() if pid not in removed} if mode == PARTIAL else {}
            offers.update({pid: [o.id for o in p.offers] for pid, p in site.content.partners.items()})
            manifest = inputs.Manifest(global_key, stamps, rows, shared_outputs, offers)
            if stage.put(urls.MANIFEST, manifest.to_bytes()):
                written.append(urls.MANIFEST)
            stage.record(written)
            if mode == PARTIAL:  # only removed partners leave files behind
                obsolete = [o for pid in removed for o in partner_outputs(site, pid)]
            else:
                obsolete = _obsolete(site, previous, manifest) if previous else []
            removed_files = stage.commit(obsolete)
        except (OSError, TemplateError) as error:
            stage.abort()
            bar.close()
            print(f"rewards build: {type(error).__name__}: {error}; the site in {_shown(out)} was left as it was",
                  file=stream)
            return BuildResult(1, mode, out, problems=[])
        except BaseException:
            stage.abort()
            raise
        bar.close()

        # 9. Summarise in one line.
        pages_written = len([w for w in written if w != urls.MANIFEST])
        return _summarise(stream, BuildResult(0, mode, out, pages_written, total - pages_written, removed_files,
                                              time.perf_counter() - started), total)


def _stage_pages(stage: write.Stage, renderer: Renderer, pages: list[Page]) -> list[str]:
    return [page.output for page in pages if stage.put(page.output, page_bytes(renderer, page))]


def _assets(templates_dir: Path) -> list[Page]:
    folder = templates_dir / "site" / "assets"
    return [Page(urls.ASSETS + path.relative_to(folder).as_posix(), None, path.read_bytes())
            for path in sorted(folder.rglob("*")) if path.is_file()]


def _rows(previous, fresh: dict, removed: list[str], stamps) -> dict:
    rows = {pid: row for pid, row in previous.rows.items() if pid not in removed and pid in stamps}
    rows.update(fresh)
    return rows


def _by_file(rows: dict, stamps: dict[str, inputs.FileStamp]) -> list[str]:
    """Partners in file-name order, as a clean build lists them."""
    return sorted(rows, key=lambda pid: stamps[pid].rel if pid in stamps else pid)


def _obsolete(site: Site, previous: inputs.Manifest, now: inputs.Manifest) -> list[str]:
    before = set(previous.outputs) | {o for pid in previous.partners for o in partner_outputs(site, pid)}
    after = set(now.outputs) | {o for pid in now.partners for o in partner_outputs(site, pid)} | {urls.MANIFEST}
    return sorted(before - after)


def _write_manifest(out: Path, manifest: inputs.Manifest) -> None:
    stage = write.Stage(out, f"{os.getpid()}-{time.time_ns()}")
    stage.record([urls.MANIFEST] if stage.put(urls.MANIFEST, manifest.to_bytes()) else [])
    stage.commit()


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _summarise(stream: TextIO, result: BuildResult, total: int) -> BuildResult:
    if result.mode == NOTHING:
        print(f"rewards build: {_shown(result.out)} is up to date ({total} outputs); nothing written "
              f"in {result.seconds:.2f} s", file=stream)
    else:
        print(f"rewards build: {result.mode} build of {_shown(result.out)}: {result.written} files written, "
              f"{result.unchanged} unchanged, {result.removed} removed in {result.seconds:.2f} s", file=stream)
    return result



