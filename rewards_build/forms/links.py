"""Links that open an issue form already filled in: the one home of that URL's layout.

GitHub opens a repository's issue form at `<repository>/issues/new?template=<file>` and fills its fields
from query parameters named after the field ids. Only inputs and textareas take a value that way (a
prefilled dropdown makes GitHub fall back to a blank issue), so only the input fields named in PREFILLED
are ever filled; tests/forms/test_form_links.py holds them to the generated forms.

The repository is the one site.yml already names for its "edit this file" links (`edit_url`,
`https://github.com/<owner>/<repo>/edit/<branch>/`): no new option. An editor that is not laid out that
way (another forge) gives no form links, and the pages keep their snippets and editor links.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from urllib.parse import quote

from ..site import snippets
from ..site.snippets import Kind
from .spec import Action

_REPOSITORY = re.compile(r"(https://[^/?#\s]+/[^/?#\s]+/[^/?#\s]+)/edit/[^?#\s]+")

# Which form each kind of edit on the site opens.
FORM_OF: dict[Kind, Action] = {
    Kind.ASSIGN_CONTACT: Action.ASSIGN_CONTACT,
    Kind.REPLACE_CONTACT: Action.ASSIGN_CONTACT,
    Kind.ACTIVATE: Action.ACTIVATE,
    Kind.REQUEST_HELP: Action.REQUEST_HELP,
    Kind.OWNER_LEFT: Action.OWNER_LEFT,
    Kind.OPT_OUT: Action.OPT_OUT,
    Kind.TEAM_CONTACT: Action.RECORD_CALL,
    Kind.OFFER_LIVE_CONTACT: Action.RECORD_CALL,
    Kind.COMPLETE: Action.COMPLETE,
    Kind.REQUEST_DONE: Action.COMPLETE,
}

# The input fields a link may fill, per form (never a dropdown: see above).
PREFILLED: dict[Action, frozenset[str]] = {
    Action.ASSIGN_CONTACT: frozenset({"partner"}),
    Action.ACTIVATE: frozenset({"partner", "offer", "benefit"}),
    Action.REQUEST_HELP: frozenset({"partner", "offer", "benefit"}),
    Action.OWNER_LEFT: frozenset({"partner", "offer"}),
    Action.OPT_OUT: frozenset({"partner"}),
    Action.RECORD_CALL: frozenset({"partner", "offer", "benefit"}),
    Action.COMPLETE: frozenset({"partner", "offer", "benefit"}),
}


@functools.lru_cache(maxsize=16)
def repository_url(edit_url: str) -> str | None:
    """`https://github.com/o/r` from `https://github.com/o/r/edit/main/`, or None for another layout."""
    match = _REPOSITORY.fullmatch(edit_url)
    return match.group(1) if match else None


def form_url(repository: str, action: Action, values: Sequence[tuple[str, str]], title: str = "") -> str:
    """The form of `action`, with `values` (field id, text) filled in."""
    allowed = PREFILLED[action]
    for field_id, _ in values:
        if field_id not in allowed:
            raise ValueError(f"the {action.value} form has no input {field_id!r} a link may fill")
    query = [f"template={_quoted(action.value + '.yml')}", *([f"title={quote(title, safe='')}"] if title else []),
             *(f"{key}={_quoted(value)}" for key, value in values)]
    return f"{repository}/issues/new?" + "&".join(query)


@functools.lru_cache(maxsize=8192)  # ids recur in every link of a page: the partner's, its offers', benefits'
def _quoted(value: str) -> str:
    return quote(value, safe="")


@functools.lru_cache(maxsize=4096)  # a page in each language asks for the same links
def for_snippet(edit_url: str, partner_id: str, snippet: snippets.Snippet) -> str | None:
    """The form that makes the same edit as a snippet on a partner page, filled in as the snippet is."""
    repository = repository_url(edit_url)
    action = FORM_OF.get(snippet.kind)
    if repository is None or action is None:
        return None
    ids = dict(snippet.prefill)
    values = [("partner", partner_id),
              *((k, ids[k]) for k in ("offer", "benefit") if k in ids and k in PREFILLED[action])]
    title = f"[Rewards] {snippet.kind.value.replace('-', ' ')}: {' / '.join(v for _, v in values)}"
    return form_url(repository, action, values, title)
