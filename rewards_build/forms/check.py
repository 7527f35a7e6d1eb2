"""Is the changed file allowed? Asked of the same pipeline as `rewards validate`, never of rules of our own.

The changed file is checked with the program's catalog (program.yml and benefits/, copied into a
scratch folder beside the changed file) by `pipeline.load_content` with `partner_files`, the mode an
incremental build uses: the schema, the YAML traps, the mail-header checks (mailsafe) and every
cross-file rule run exactly as in `rewards validate`, and the one rule across partners (an offer id
belongs to one partner) is kept by passing the other partners' offers. Nothing is written to the
repository before this says yes.

Each problem is then named in the words of the form: the field whose answer sits on the problem's line,
without the file, line and column (which the person who filled the form never saw).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from ..model import Content
from ..pipeline import load_content
from ..positions import Locator, dotted
from ..problems import Problem
from .body import Refusal
from .edit import Change

_CATALOG = ("program.yml", "benefits")  # what a partner file is checked against


def problems(change: Change, content: Content, content_dir: Path, today: dt.date) -> list[Problem]:
    partner = change.partner
    owners = {o.id: p.id for p in content.partners.values() if p.id != partner.id for o in p.offers}
    with tempfile.TemporaryDirectory(prefix="rewards-form-") as scratch:
        root = Path(scratch)
        copy = root / "content"
        copy.mkdir()
        for name in _CATALOG:
            source = content_dir / name
            if source.is_dir():
                shutil.copytree(source, copy / name)
            else:
                shutil.copy2(source, copy / name)
        target = copy / partner.source
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(change.new, encoding="utf-8")
        _, found = load_content(copy, today, partner_files=[partner.source], offer_owners=owners, root=root)
    return found


def refusals(change: Change, found: list[Problem], labels: dict[str, str]) -> list[Refusal]:
    """Problems as what to fix: on the line of an answer, that field's label and the message without its
    path; elsewhere (a list now too long ...), the message alone."""
    locator = Locator(change.new)
    at_line = {locator.at(path)[0]: (field_id, path) for field_id, path in change.fields.items()}
    out: list[Refusal] = []
    for p in found:
        field_id, path = at_line.get(p.line, (None, None))
        message = p.message
        if path is not None:
            message = message.removeprefix(f"{dotted(path)}: ").removeprefix(f"{dotted(path[:-1])}: ")
        out.append(Refusal(labels.get(field_id) if field_id else None, message))
    return out
