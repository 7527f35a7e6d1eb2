"""`rewards apply-form`, as a function: a submitted form's body to the change in one partner's file, or
to what to fix. Read the steps top to bottom:

    load and validate the program -> read the form -> plan the edit (edit.py) -> validate the edited
    file with the pipeline (check.py) -> write it, or refuse -> the reply for the issue (Markdown)
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..pipeline import load_all
from ..problems import Problem
from . import body as form_body
from . import check, edit
from .body import Refusal
from .spec import forms

MARKER = "<!-- rewards-form -->"  # the first line of every reply, so that a script can tell it is ours

APPLIED, REFUSED, ERROR = 0, 1, 2  # exit codes: written; the request must be fixed; usage, site.yml or content


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int
    reply: str  # Markdown for the issue
    title: str = ""  # the pull request's title, when written
    file: Path | None = None  # the file written
    problems: tuple[Problem, ...] = ()  # the content's own problems, when it does not validate before the change


def apply_form(text: str, author: str, site_path: Path, today: dt.date, *, write: bool = True) -> Outcome:
    # 1. The program as it is: a request is applied only to content that validates.
    loaded = load_all(site_path, today)
    if loaded.config is None or loaded.content is None:
        return Outcome(ERROR, _reply_broken(), problems=tuple(loaded.problems))
    config, content = loaded.config, loaded.content
    # 2. The form, read strictly.
    submission = form_body.parse(text, forms(content))
    if isinstance(submission, list):
        return Outcome(REFUSED, _reply_refused(submission))
    # 3. The edit, on the partner's own file (found in the model, never by a path from the request).
    change = edit.plan(submission, content, config, today)
    if isinstance(change, list):
        return Outcome(REFUSED, _reply_refused(change))
    # 4. The edited file, through the same pipeline as `rewards validate`.
    found = check.problems(change, content, config.content_dir, today)
    if found:
        labels = {f.id: f.label for f in submission.form.fields}
        return Outcome(REFUSED, _reply_refused(check.refusals(change, found, labels)))
    # 5. Written whole or not at all.
    if write:
        _replace(change.file, change.new)
    return Outcome(APPLIED, _reply_applied(submission.form.name, change, author, config.root), change.title,
                   change.file if write else None)


def _replace(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- Replies -------------------------------------------------------------------------------------

_MENTION = re.compile(r"(?<![A-Za-z0-9])@")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~#!])")


def _md(text: str) -> str:
    """Text from the request (it is quoted in messages), as plain words in Markdown: no link, image, HTML,
    code span or heading, and no @mention that would notify someone."""
    return _MENTION.sub("@\u2060", _MARKDOWN.sub(r"\\\1", text))


def _reply_refused(refusals: list[Refusal]) -> str:
    lines = [MARKER, "This request cannot be made as it stands. Edit the issue to fix what is listed below: "
                     "it is checked again after each edit, and nothing changes until then.", ""]
    lines += [f"- **{_md(r.label)}**: {_md(r.message)}" if r.label else f"- {_md(r.message)}" for r in refusals]
    return "\n".join(lines) + "\n"


def _reply_broken() -> str:
    return (f"{MARKER}\nThe program's content does not validate right now, so no request can be applied; the "
            "rewards team has to fix it first (see the workflow's log). Nothing was changed. Edit the issue, or "
            "ask for it to be run again, once it is fixed.\n")


def _reply_applied(name: str, change: edit.Change, author: str, root: Path) -> str:
    rel = os.path.relpath(change.file, root)
    diff = "".join(difflib.unified_diff(change.old.splitlines(keepends=True), change.new.splitlines(keepends=True),
                                        f"a/{rel}", f"b/{rel}", n=2))
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", diff)), default=0))
    return (f"{MARKER}\n**{_md(name)}** for `{change.partner.id}`, asked by @{author}: this change goes to review "
            f"as a pull request, and the program changes only when a reviewer merges it.\n\n"
            f"{fence}diff\n{diff}{fence}\n")
