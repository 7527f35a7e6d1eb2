"""`rewards build`: the whole build as one function, a plan and then a straight list of steps.

    read site.yml -> plan (fingerprint the inputs, decide what is stale) -> load + validate ->
    collect pages -> render and stage (in parallel) -> record the manifest -> swap in atomically ->
    summarise

A build with nothing to do ends after the plan, having imported only the standard library and the
configuration's declarations (about a third of a one-partner rebuild's time used to go into imports):
the loaders, the schemas, Jinja and Babel come with `make`, imported once there is something to make.
See docs/site.md for how incrementality works and why it is safe.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ..config import SiteConfig
from ..problems import Problem
from . import urls, write
from .plan import BuildPlan, BuildResult, Mode, output_path, plan_build, quick_config, shown

__all__ = ["BuildPlan", "BuildResult", "Mode", "build", "output_path", "refuse_sources"]


def build(site_path: Path, today: dt.date, *, out: Path | None = None, clean: bool = False,
          jobs: int | None = None, stream: TextIO = sys.stderr, progress: bool | None = None,
          config: SiteConfig | None = None) -> BuildResult:
    """`config`: site.yml already validated (by `rewards serve`, or by this function's second call)."""
    started = time.perf_counter()
    given_out = out is not None

    # 1. Read site.yml: parsed only, when it parses; validated before anything is made (step 4), and
    #    never when the plan finds every input, site.yml included, as the last build saw it.
    validated = config is not None
    if config is None and not clean:
        config = quick_config(site_path)
    named = "--out" if given_out else "output_dir in site.yml"
    if config is not None and not validated and refuse_sources(config, output_path(out or config.output_dir), named):
        config = None  # say so only of a valid site.yml
    if config is None:
        config, problems = _validated_config(site_path, stream)
        if config is None:
            return BuildResult(2, problems=problems)
        validated = True
    out_path = output_path(out or config.output_dir)
    refusal = refuse_sources(config, out_path, named)
    if refusal:
        print(f"rewards build: {refusal}", file=stream)
        return BuildResult(2)

    # 2. One build at a time per output folder (`rewards serve` and a manual build may overlap);
    #    under the lock, leftovers of a killed build are swept away.
    with write.exclusive(out_path):
        write.sweep(out_path)

        # 3. Plan: fingerprint the inputs, read what the previous build was made from, decide what is stale.
        plan = plan_build(config, out_path, today, clean)
        if plan.mode is Mode.NOTHING:  # site.yml too is as the last build validated it
            remember_stamps(plan)
            return summarise(stream, BuildResult(0, plan.mode, out_path, seconds=time.perf_counter() - started),
                             len(plan.previous.outputs) + len(plan.scan.ids) * (2 * len(config.languages) + 1))
        if validated:
            return _make(config, plan, today, jobs, stream, progress, started)
        checked, problems = _validated_config(site_path, stream)
        if checked is None:
            return BuildResult(2, problems=problems)
        if checked == config:
            return _make(checked, plan, today, jobs, stream, progress, started)
    # site.yml changed since it was parsed above: it may name another output (and so another lock)
    return build(site_path, today, out=out, clean=clean, jobs=jobs, stream=stream, progress=progress, config=checked)


def _validated_config(site_path: Path, stream: TextIO) -> tuple[SiteConfig | None, list[Problem]]:
    """site.yml read, schema-checked and its folders checked (the loaders' imports come with it)."""
    from ..pipeline import load_config
    from ..report import print_problems

    config, problems = load_config(site_path)
    if config is None:
        print_problems(problems, stream)
    return config, problems


def _make(config: SiteConfig, plan: BuildPlan, today: dt.date, jobs: int | None,
          stream: TextIO, progress: bool | None, started: float) -> BuildResult:
    """Steps 4 to 7, under the lock. A partners index that cannot be spliced makes it a full build."""
    from . import make  # the loaders, the rules, Jinja, Markdown and Babel: only when there is something to make
    from .pages import Site
    from .parallel import default_jobs

    out = plan.out
    if plan.note:
        print(f"rewards build: {plan.note}", file=stream)
    # 4. Load and validate: all content, or the shared content plus the changed partner files.
    content, problems = make.load_planned(config, plan, today)
    if content is None:
        from ..report import print_problems

        print_problems(problems, stream)
        print(f"rewards build: {len(problems)} problem(s); the site in {shown(out)} was left as it was",
              file=stream)
        return BuildResult(1, plan.mode, out, problems=problems)
    site = Site(config, content, today)

    # 5. Collect the pages that depend on no partner (full builds only).
    shared = make.collect_shared_pages(site) if plan.full else []

    # 6. Render into a new build folder, record what it was made from, then switch the output to it.
    stage = write.Stage(out, write.new_token(), reuse_spare(plan))
    try:
        staged = make.render_pages(stage, site, plan, shared, jobs or default_jobs(), stream, progress)
        obsolete = make.stage_manifest(stage, site, plan, shared, staged)
        removed_files = stage.commit(obsolete, carry=not plan.full)
    except make.Unspliceable as why:  # the live partners index is not what the manifest says: render it all
        stage.abort()
        print(f"rewards build: {why}; full build", file=stream)
        return _make(config, plan_build(config, out, today, False, force_full=True), today, jobs,
                     stream, progress, started)
    except make.BUILD_ERRORS as error:
        stage.abort()
        print(f"rewards build: {type(error).__name__}: {error}; the site in {shown(out)} was left as it was",
              file=stream)
        return BuildResult(1, plan.mode, out, problems=[])
    except BaseException:
        stage.abort()
        raise

    # 7. Summarise in one line.
    pages_written = len(staged.written)
    return summarise(stream, BuildResult(0, plan.mode, out, pages_written, staged.total - pages_written,
                                         removed_files, time.perf_counter() - started), staged.total)


def refuse_sources(config: SiteConfig, out: Path, named: str) -> str:
    """Why the output may not go where it is asked to (empty when it may): an output that is,
    holds or is inside the content or the templates, or that is or holds the folder of site.yml,
    would write the site into its own sources (and a full build removes what it does not make)."""
    places = {out, out.resolve()}
    sources = [(config.root.resolve(), "the folder of site.yml", False),
               (config.content_dir.resolve(), "the content folder", True),
               (config.templates_dir.resolve(), "the templates folder", True)]
    for source, what, no_inside in sources:
        for place in places:
            if place == source:
                relation = "is"
            elif source.is_relative_to(place):
                relation = "holds"
            elif no_inside and place.is_relative_to(source):
                relation = "is inside"
            else:
                continue
            return (f"{named} {shown(out)} would write the site into its sources: it {relation} {what} "
                    f"({shown(source)}); choose a folder outside the content and the templates that does "
                    f"not hold site.yml")
    return ""


def remember_stamps(plan: BuildPlan) -> None:
    """Nothing to render; files touched but identical: the manifest remembers their new times only
    (replaced alone in the live build). A plain output folder of an older version is converted too."""
    if not plan.touched and not write.is_plain(plan.out):
        return
    stage = write.Stage(plan.out, write.new_token(), reuse_spare(plan))
    try:
        # The partner lines stay (no file's bytes changed); a folder converted keeps its manifest's bytes.
        manifest = replace(plan.previous, scan=plan.scan) if plan.touched else plan.previous
        stage.record([urls.MANIFEST] if stage.put(urls.MANIFEST, manifest.to_bytes()) else [])
        stage.commit(carry=True)
    except BaseException:
        stage.abort()
        raise


def reuse_spare(plan: BuildPlan) -> write.Reuse | None:
    """The build folder the live build was made from, and what differs between them, when the
    manifest can say (not on --clean or after a damaged manifest: then the new build starts empty)."""
    if not plan.previous.global_key:
        return None
    return write.Reuse(plan.previous.parent, plan.previous.changed)


def summarise(stream: TextIO, result: BuildResult, total: int) -> BuildResult:
    out = shown(result.out) if result.out is not None else "?"
    if result.mode == Mode.NOTHING:
        print(f"rewards build: {out} is up to date ({total} outputs); nothing written "
              f"in {result.seconds:.2f} s", file=stream)
    else:
        print(f"rewards build: {result.mode} build of {out}: {result.written} files written, "
              f"{result.unchanged} unchanged, {result.removed} removed in {result.seconds:.2f} s", file=stream)
    return result
