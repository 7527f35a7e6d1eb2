"""One content file as read: where it is, its text and data, and how to point at a value in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .positions import Locator, PathPart
from .problems import Problem


@dataclass(slots=True)
class Source:
    kind: str  # program | benefit | partner | tip | toolkit | site
    stem: str  # file name without extension: the record's id
    rel: str  # path inside content/, e.g. "partners/contoso.yml" (what edit links use)
    shown: str  # path as printed in problems, relative to the working directory where possible
    text: str = ""
    data: Any = None
    body: str = ""  # Markdown after the front matter
    line_offset: int = 0
    body_line: int = 0  # the file's line where the Markdown body starts (1-based)
    problems: list[Problem] = field(default_factory=list)
    _locator: Locator | None = None

    @property
    def locator(self) -> Locator:
        if self._locator is None:
            self._locator = Locator(self.text, self.line_offset)
        return self._locator

    def problem(self, path: Sequence[PathPart], message: str, *, at_key: bool = False) -> None:
        """Record a problem at the value found at `path` (or at its key, for problems about the key)."""
        line, col = self.locator.at_key_of(path) if at_key else self.locator.at(path)
        self.problems.append(Problem(self.shown, line, col, message))

    def release(self) -> None:
        """Forget the file's text and data (its problems stay): a partner is modelled, or handed back by
        a reading worker, and memory holds the model, not every file read so far."""
        self.text, self.data, self.body, self._locator = "", None, "", None
