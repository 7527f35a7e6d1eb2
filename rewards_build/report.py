"""Reporters: the same list of problems as text for people, GitHub annotations for review, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from .problems import Problem

FORMATS = ("text", "github", "json")


def _github_escape(text: str) -> str:
    # Workflow commands treat %, CR and LF specially in the message, and also , and : in properties.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_escape(text).replace(":", "%3A").replace(",", "%2C")


def print_problems(problems: Sequence[Problem], stream: TextIO, fmt: str = "text") -> None:
    if fmt == "json":
        json.dump([{"path": p.path, "line": p.line, "column": p.col, "message": p.message} for p in problems],
                  stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "github":
        for p in problems:
            stream.write(f"::error file={_github_property(p.path)},line={p.line},col={p.col},"
                         f"title=rewards validate::{_github_escape(p.message)}\n")
    else:
        for p in problems:
            stream.write(f"{p}\n")
