"""Loading for the site: everything through `pipeline.load_all`, or - for a rebuild where only some
partner files changed - the shared content and only the changed partner files, with the offer ids of
the partners not read taken from the previous build's manifest, so that the rule across partners
(an offer id belongs to one partner) holds on a one-partner rebuild as it does on a full one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from ..config import SiteConfig
from ..model import Content
from ..pipeline import load_all, load_config, load_content
from ..problems import Problem


@dataclasses.dataclass(frozen=True, slots=True)
class Loaded:
    config: SiteConfig | None
    content: Content | None
    problems: list[Problem]
    config_error: bool = False


def load_everything(site_path: Path, today: dt.date) -> Loaded:
    result = load_all(site_path, today)
    return Loaded(result.config, result.content, list(result.problems), result.config_error)


def load_partners(site_path: Path, partner_files: list[str], today: dt.date,
                  offer_owners: Mapping[str, str] | None = None) -> Loaded:
    """Validate the shared content and only these partner files (content-relative paths)."""
    config, problems = load_config(site_path)
    if config is None:
        return Loaded(None, None, problems, config_error=True)
    content, problems = load_content(config.content_dir, today, partner_files=partner_files,
                                     offer_owners=offer_owners)
    return Loaded(config, content, problems)
