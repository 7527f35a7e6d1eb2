"""Text to data: read a content file safely and turn YAML's traps into problems a reviewer can fix.

The fast path is PyYAML's C parser with a constructor that adds what PyYAML lacks: duplicate keys
are errors (PyYAML silently keeps the last), anchors and aliases are refused (so an alias bomb costs
nothing), and dates stay the text the author wrote (the schema checks their form), so that a date in
a name field never silently changes type. Line positions are only computed for files with a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

MAX_FILE_BYTES = 1_000_000  # a partner file is a few KB; anything near this size is a mistake or an attack
_BOM = b"\xef\xbb\xbf"


class _ContentLoader(yaml.CSafeLoader):
    """CSafeLoader plus duplicate-key and alias detection; problems are collected, not raised."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.found: list[tuple[yaml.Mark, str]] = []
        self.fatal = False  # the data must not be used (an alias could expand it without bound)

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            # Only an alias can reach an already-built node. One report per file is enough.
            if not self.fatal:
                mark = node.start_mark
                self.found.append((mark, f"the value anchored here (line {mark.line + 1}) is reused by an alias; "
                                         "anchors and aliases (&name, *name) are not allowed in content: write each "
                                         "value out in full"))
            self.fatal = True
            return None
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping", node.start_mark)
        mapping: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.found.append((key_node.start_mark, "merge keys (<<) are not allowed in content: "
                                                        "write the keys out"))
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                self.found.append((key_node.start_mark, f"key {key_node.value!r} must be text; quote it: "
                                                        f"\"{key_node.value}\""))
                continue
            if key in seen:
                first = seen[key].start_mark
                self.found.append((key_node.start_mark, f"duplicate key '{key}' (first at line {first.line + 1}); "
                                                        "YAML would keep only the last one: remove one of them"))
                continue
            seen[key] = key_node
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return node.value


_ContentLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


@dataclass(frozen=True, slots=True)
class Loaded:
    """One parsed document: `data` is None when the file could not be read as YAML."""

    data: Any
    text: str  # the decoded text (empty when unreadable)
    problems: tuple[Problem, ...]
    line_offset: int = 0  # for front matter: lines before the YAML block


def read_text(path: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text, refusing oversized files, a byte-order mark and bytes that are not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(shown, 1, 1, f"file is {size:,} bytes; content files are limited to "
                                               f"{MAX_FILE_BYTES:,} bytes")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, 1, f"cannot read file: {exc.strerror or exc}")]
    if raw.startswith(_BOM):
        return None, [Problem(shown, 1, 1, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(shown, line, col, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file "
                                                "as UTF-8")]
    return text, []


_NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def parse_yaml(text: str, shown: str, line_offset: int = 0) -> Loaded:
    """YAML text to data. Every YAML problem becomes a Problem at its line and column."""
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return Loaded(None, text, (Problem(shown, line + line_offset, col,
                                           f"control character U+{ord(bad.group()):04X} is not allowed in YAML; "
                                           "remove it"),), line_offset)
    loader = _ContentLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        return Loaded(None, text, (_syntax_problem(exc, text, shown, line_offset),), line_offset)
    except yaml.YAMLError as exc:
        return Loaded(None, text, (Problem(shown, 1 + line_offset, 1, f"YAML error: {exc}"),), line_offset)
    finally:
        loader.dispose()
    problems = tuple(
        Problem(shown, mark.line + 1 + line_offset, mark.column + 1, message) for mark, message in loader.found
    )
    if data is None and not problems:
        problems = (Problem(shown, 1 + line_offset, 1, "file is empty; expected a mapping of keys to values"),)
    # After a duplicate key the first value stands, so that the rest of the file is still checked.
    return Loaded(None if loader.fatal else data, text, problems, line_offset)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, shown: str, line_offset: int) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    # A tab in indentation is the most common cause of a scanner error; name it.
    for number, content in enumerate(lines, start=1):
        indent = content[: len(content) - len(content.lstrip(" \t"))]
        if "\t" in indent and number <= line:
            return Problem(shown, number + line_offset, indent.index("\t") + 1,
                           "tab character in indentation; YAML indents with spaces only")
    what = (exc.problem or exc.context or "syntax error").strip()
    hint = ""
    if "found character '\\t'" in what or "found character '\t'" in what:
        hint = "; YAML indents with spaces only"
    elif "mapping values are not allowed" in what:
        hint = "; a value containing ': ' must be quoted"
    elif "did not find expected" in what or "unexpected end of stream" in what:
        hint = "; check the quotes, brackets and indentation here and on the line above"
    elif "found undefined alias" in what or "found duplicate anchor" in what:
        hint = "; anchors and aliases are not allowed in content"
    return Problem(shown, line + line_offset, col, f"YAML syntax error: {what}{hint}")


def split_front_matter(text: str, shown: str) -> tuple[str | None, str, int, list[Problem]]:
    """Markdown with YAML front matter -> (front matter text, body, lines before the YAML, problems)."""
    if not text.startswith("---\n") and not text.startswith("---\r\n"):
        return None, text, 0, [Problem(shown, 1, 1, "missing front matter: the file must start with a '---' line, "
                                                    "the YAML keys, and a closing '---' line")]
    end = re.search(r"^---[ \t]*\r?$", text[4:], flags=re.MULTILINE)
    if end is None:
        return None, text, 0, [Problem(shown, 1, 1, "front matter is not closed: add a '---' line after its keys")]
    yaml_text = text[4 : 4 + end.start()]
    body = text[4 + end.end():].lstrip("\r\n")
    return yaml_text, body, 1, []
