"""A problem found in content: a value, not an exception, until the edge prints it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    path: str  # as the user would type it, relative to the working directory where possible
    line: int  # 1-based
    col: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"



def clip(text: str, limit: int = 60) -> str:
    """Content quoted in a message: its start, so that a megabyte value makes a line, not a page."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
