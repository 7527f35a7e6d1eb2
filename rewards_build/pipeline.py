"""Load and validate: site.yml and content/ to the typed model, or to the list of every problem.

    read -> parse YAML -> JSON Schema per file -> dates -> model -> cross-file rules

Never raises for bad content: every problem is a `Problem` with its file, line and column. The site
and the notifier start here, so they can never disagree about what the content says.

All of a file's problems come in one round: a duplicate key does not stop the schema check, and a
partner the schema refuses in part is still modelled from what it accepted, so that its alias,
account-email and reference checks run too; only the checks that depend on a refused value wait.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import crossrules, modelbuild, schema_check, textfile
from .config import SiteConfig, site_config_from
from .limits import cap_per_file
from .model import Content
from .positions import PathPart
from .problems import Problem
from .reading import available_cores, parse_file, read_file, read_partners, undisputed
from .source import Source

# content/ layout: folder -> (kind, file suffix)
FOLDERS = {"benefits": ("benefit", ".yml"), "partners": ("partner", ".yml"), "tips": ("tip", ".md"),
           "toolkit": ("toolkit", ".md")}


@dataclass(frozen=True, slots=True)
class LoadResult:
    config: SiteConfig | None
    content: Content | None
    problems: list[Problem]
    config_error: bool = False  # site.yml itself is missing or invalid (a usage error, exit 2)


def shown_path(path: Path) -> str:
    """Paths in messages are relative to where the user stands, as a reviewer would type them."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load_all(site_path: Path, today: dt.date) -> LoadResult:
    config, problems = load_config(site_path)
    if config is None:
        return LoadResult(None, None, problems, config_error=True)
    content, problems = load_content(config.content_dir, today, root=config.root)
    return LoadResult(config, content, problems)


def load_config(site_path: Path) -> tuple[SiteConfig | None, list[Problem]]:
    # site.yml is where the operator points --site, so it may be a link anywhere (no repository check).
    src = Source("site", site_path.stem, site_path.name, shown_path(site_path))
    disputed = read_file(src, site_path, None, markdown=False)
    if src.data is not None:
        src.problems.extend(schema_check.check("site", src.data, src.text, src.shown))
        src.problems.extend(undisputed(disputed, src.problems))
    if src.problems or src.data is None:
        return None, cap_per_file(sorted(src.problems))
    config = site_config_from(src.data, site_path)
    if not config.content_dir.is_dir():
        return None, [Problem(src.shown, *src.locator.at(("content_dir",)),
                              f"content_dir: folder {shown_path(config.content_dir)} does not exist")]
    return config, []


def load_content(content_dir: Path, today: dt.date, *, partner_files: Collection[str] | None = None,
                 offer_owners: Mapping[str, str] | None = None,
                 root: Path | None = None, jobs: int | None = None) -> tuple[Content | None, list[Problem]]:
    """Everything in content/, or (for an incremental build) the catalog and only `partner_files`.

    `offer_owners` (offer id -> partner id) stands for the partners not loaded, so that the one rule
    across partners (an offer id belongs to one partner) still holds when only some are read.
    `root` is the repository (the folder of site.yml; by default the folder above content/): no content
    file is read from outside it, even through a symbolic link. `jobs`: processes reading partner files
    (default: every core; see reading.read_partners).
    """
    root = content_dir.parent if root is None else root
    textfile.forget_folders()  # folders may have changed since the last load (serve reloads)
    # 1. Find the files, and say so when one is where no content kind lives.
    program_src, sources, problems = _discover(content_dir, None if partner_files is None else set(partner_files))
    # 2. The program comes first: every other file is checked against its tiers and languages.
    parse_file(program_src, content_dir, root)
    if program_src.data is None or program_src.problems:
        for src in sources:  # still report what each file says on its own
            parse_file(src, content_dir, root)
        return None, _collect([program_src, *sources], problems)
    program = modelbuild.program_from(program_src.data, program_src.rel)
    crossrules.check_program(program_src, program)
    problems.extend(program_src.problems)
    # 3. The catalog: benefits, tips and toolkit pages, each valid on its own, then against the program.
    content = Content(program, {}, {}, (), ())
    tips, toolkit = [], []
    unread_benefits: set[str] = set()  # benefit files with problems: references to them wait
    for src in sources:
        if src.kind == "partner":
            continue
        valid = parse_file(src, content_dir, root)[0]
        if src.data is not None:  # refused in part: the checks whose values were accepted run all the same
            refused = () if valid else schema_check.refused_paths(src.kind, src.data)
            (crossrules.check_benefit if src.kind == "benefit" else crossrules.check_tip)(src, program, refused)
        if not valid:
            if src.kind == "benefit":
                unread_benefits.add(src.stem)
        elif src.kind == "benefit":
            benefit = modelbuild.benefit_from(src.data, src.rel, program)
            content.benefits[benefit.id] = benefit
        elif src.kind == "tip":
            tips.append(modelbuild.tip_from(src.data, src.body, src.stem, src.rel))
        else:
            toolkit.append(modelbuild.toolkit_from(src.data, src.body, src.stem, src.rel))
        problems.extend(src.problems)
    # 4. Partners, one at a time, so memory holds the model and not every file's text and data.
    #    A partner with problems is still modelled from what its schema accepted, so that every check
    #    that does not depend on a refused value runs in the same round.
    #    Reading them is shared out to every core when there are many (reading.read_partners).
    owners: dict[str, str] = dict(offer_owners or {})
    partners = [src for src in sources if src.kind == "partner"]
    for src, valid, disputed in read_partners(partners, content_dir, root, available_cores() if jobs is None
                                              else jobs):
        if src.data is not None:
            refused = [] if valid else schema_check.refused_paths("partner", src.data)
            refused += _paths_at(src, disputed)
            refused += [path[:2] for path in crossrules.check_dates(src, today, refused)]
            data, kept, broken = _accepted_partner(src.data, src.stem, refused)
            partner = modelbuild.partner_from(data, src.rel)
            crossrules.check_partner(src, partner, content, today, owners, kept=kept, broken=broken,
                                     written_offer_ids=_written_offer_ids(src.data) if "offers" in broken else None,
                                     unread_benefits=unread_benefits)
            if not src.problems:
                content.partners[partner.id] = partner
        problems.extend(src.problems)
        src.release()
    if problems:
        return None, cap_per_file(sorted(problems))
    return replace(content, tips=tuple(sorted(tips, key=lambda t: (t.order, t.id))),
                   toolkit=tuple(sorted(toolkit, key=lambda t: (t.order, t.id)))), []


def _paths_at(src: Source, problems: list[Problem]) -> list[tuple[PathPart, ...]]:
    """The paths of the values these problems point at (rare: a walk of the file's values)."""
    wanted = {(p.line, p.col) for p in problems}
    found: list[tuple[PathPart, ...]] = []

    def walk(value: object, path: tuple[PathPart, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i))
        elif src.locator.at(path) in wanted:
            found.append(path)

    if wanted:
        walk(src.data, ())
    return found


def _written_offer_ids(data: dict[str, Any]) -> set[str] | None:
    """Every offer id as written, refused offers included; None when one cannot be read."""
    offers = data.get("offers")
    if not isinstance(offers, list) or not all(isinstance(o, dict) and isinstance(o.get("id"), str) for o in offers):
        return None
    return {o["id"] for o in offers}


# A partner's required keys, and what stands for one the schema refused (no check runs on it).
_PARTNER_STAND_INS: dict[str, Any] = {"name": "", "mpn_id": "", "account_email": "", "offers": []}


def _accepted_partner(data: dict[str, Any], stem: str, refused: list[tuple[PathPart, ...]]
                      ) -> tuple[dict[str, Any], dict[str, list[int]], frozenset[str]]:
    """What the schema accepted of a partner: entries of its lists with a refused value are left out.

    Returns that data, the file's index of each entry kept per list (for the messages), and the
    top-level keys where something was refused (the checks that need them whole wait).
    """
    if not refused:
        return data, {}, frozenset()
    lists = schema_check.top_level_lists("partner")
    known = schema_check.top_level_keys("partner")
    accepted = {key: value for key, value in data.items() if key in known}
    broken: set[str] = set()
    left_out: dict[str, set[int]] = {}
    for path in refused:
        if not path:
            continue  # the top level itself: a missing key (a stand-in below) or an unknown one (left out)
        key = str(path[0])
        broken.add(key)
        if len(path) > 1 and isinstance(path[1], int) and key in lists and isinstance(accepted.get(key), list):
            left_out.setdefault(key, set()).add(path[1])
        else:
            accepted.pop(key, None)
    kept: dict[str, list[int]] = {}
    for key, indexes in left_out.items():
        if key in accepted:
            kept[key] = [i for i in range(len(accepted[key])) if i not in indexes]
            accepted[key] = [accepted[key][i] for i in kept[key]]
    accepted.setdefault("id", stem)
    for key, stand_in in _PARTNER_STAND_INS.items():
        if key not in accepted:
            broken.add(key)
            accepted[key] = stand_in
    return accepted, kept, frozenset(broken)


def _discover(content_dir: Path, partner_files: set[str] | None = None) -> tuple[Source, list[Source], list[Problem]]:
    """Every content file (or, with `partner_files`, the catalog and only those partner files)."""
    program_path = content_dir / "program.yml"
    program_src = Source("program", "program", "program.yml", shown_path(program_path))
    problems: list[Problem] = []
    sources: list[Source] = []
    for folder, (kind, suffix) in FOLDERS.items():
        base = content_dir / folder
        if not base.is_dir():
            continue
        if kind == "partner" and partner_files is not None:
            paths = [content_dir / rel for rel in sorted(partner_files)]
        else:
            paths = sorted(base.iterdir())
        for path in paths:
            if path.name.startswith("."):
                continue
            if path.is_dir() or path.suffix != suffix:
                problems.append(Problem(shown_path(path), 1, 1, f"unexpected {'folder' if path.is_dir() else 'file'} "
                                                                f"in {folder}/: {kind} files are named <id>{suffix}"))
                continue
            sources.append(Source(kind, path.stem, f"{folder}/{path.name}", shown_path(path)))
    return program_src, sources, problems


def _collect(sources: list[Source], extra: list[Problem]) -> list[Problem]:
    return cap_per_file(sorted([*extra, *(p for src in sources for p in src.problems)]))
