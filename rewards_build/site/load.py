"""Loading for the site: everything through `pipeline.load_all`, or - for a rebuild where only some
partner files changed - the same validation run on a shadow content folder that holds the
program, benefits, tips and toolkit and only the changed partner files.

The shadow folder keeps a one-partner rebuild fast at 10,000 partners (it validates one partner
file, not all of them). What it cannot see are the rules *across* partners (an offer id claimed by
two partners): those run on every full build, and `rewards validate` runs them in CI.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
from pathlib import Path

from ..config import SiteConfig
from ..model import Content
from ..pipeline import load_all, load_config, load_content, shown_path
from ..problems import Problem

SHARED = ("program.yml", "benefits", "tips", "toolkit")


@dataclasses.dataclass(frozen=True, slots=True)
class Loaded:
    config: SiteConfig | None
    content: Content | None
    problems: list[Problem]
    config_error: bool = False


def load_everything(site_path: Path, today: dt.date) -> Loaded:
    result = load_all(site_path, today)
    return Loaded(result.config, result.content, list(result.problems), result.config_error)


def load_partners(site_path: Path, partner_files: list[str], today: dt.date) -> Loaded:
    """Validate the shared content and only these partner files (content-relative paths)."""
    config, problems = load_config(site_path)
    if config is None:
        return Loaded(None, None, problems, config_error=True)
    with tempfile.TemporaryDirectory(prefix="rewards-partial-") as tmp:
        shadow = Path(tmp) / "content"
        (shadow / "partners").mkdir(parents=True)
        for name in SHARED:
            source = config.content_dir / name
            if source.exists():
                os.symlink(source, shadow / name)
        for rel in partner_files:
            os.symlink(config.content_dir / rel, shadow / rel)
        content, problems = load_content(shadow, today)
        shown_shadow, shown_real = shown_path(shadow), shown_path(config.content_dir)
        problems = [dataclasses.replace(p, path=p.path.replace(shown_shadow, shown_real, 1)) for p in problems]
    return Loaded(config, content, problems)
