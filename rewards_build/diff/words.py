"""How `rewards diff` words a count, declared once for the summary line and the text and Markdown
reporters: the noun and the verb agree with the number ("1 partner moves", "2 partners move").

Every count a reader sees goes through `count` (a noun) or `counted` (a noun and its verb); a new
verb is added to `_VERBS` with its singular form, never spelled inline with an `'s' if n != 1`.
"""

from __future__ import annotations

# verb as it goes with a plural subject -> with a singular one
_VERBS = {"move": "moves", "change": "changes", "open": "opens", "close": "closes", "change level": "changes level",
          "change tier": "changes tier"}

# What an escalation event does, as a verb (plural form: see `verb`).
ESCALATION_VERBS = {"opened": "open", "closed": "close", "level": "change level"}


def noun(n: int, one: str) -> str:
    """The noun as it goes with `n`: "partner" for 1, "partners" otherwise (0 included)."""
    return one if n == 1 else one + "s"  # every noun the diff counts takes an s


def verb(n: int, plural: str) -> str:
    """The verb as it goes with `n` things: "moves" for 1, "move" otherwise."""
    return _VERBS[plural] if n == 1 else plural


def count(n: int, one: str) -> str:
    """"1 partner", "2 partners", "1,204 pages"."""
    return f"{n:,} {noun(n, one)}"


def counted(n: int, one: str, plural_verb: str) -> str:
    """"1 partner moves", "2 partners move"; an empty `one` gives "1 changes tier"."""
    return f"{n:,} {noun(n, one) + ' ' if one else ''}{verb(n, plural_verb)}"
