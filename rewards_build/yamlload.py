"""Text to data: read a content file safely and turn YAML's traps into problems a reviewer can fix.

The fast path is PyYAML's C parser with a constructor that adds what PyYAML lacks: duplicate keys
are errors (PyYAML silently keeps the last), anchors and aliases are refused (so an alias bomb costs
nothing), and dates stay the text the author wrote (the schema checks their form), so that a date in
a name field never silently changes type. Line positions are only computed for files with a problem.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import yaml

from .problems import Problem, clip

# Python refuses to convert over 4,300 digits (a traceback), and a hex literal has no such limit (a number
# of a million digits). No content number comes near 18 digits (money is capped at 10^12 by the schemas),
# and 10^18 still fits the 64-bit integers of the compiled validator.
MAX_INT_DIGITS = 18
_MAX_INT_LITERAL = 40  # characters: sign, base prefix, underscores and ":" of 1.1's sexagesimal, around the digits
_TOO_LARGE = (f"this number has more than {MAX_INT_DIGITS} digits; no number in content is that large "
              "(if you mean the text, quote it)")
_CACHED_LENGTH = 64  # remember the tags of short scalars only: a long one is rarely repeated, and would stay


# Content nests a handful of levels. libyaml's C composer recurses per level (deep brackets crash it),
# and its parser has its own limit whose message varies by release: ours comes first, in our words.
MAX_FLOW_DEPTH = 100
MAX_BLOCK_DEPTH = 100
_INDICATOR = re.compile(r"(?:^|\s)[-?:](?=\s|$)")

# YAML 1.1 (PyYAML, and so `rewards validate`) and YAML 1.2 (the YAML language server in editors, and
# check-jsonschema) read some plain scalars differently. These are read as YAML 1.2 reads them, as text,
# and the schemas refuse that text wherever a value stands, so every tool gives the same verdict:
# the words YAML 1.1 takes for booleans (the spec's y and n too, which PyYAML leaves as text) and its
# base-60 numbers. Kept in step with the lookahead that starts every text pattern in the schemas
# (tests/validate/test_yaml_versions.py holds them together).
YAML11_TEXT = r"[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF" \
              r"|[-+]?(?:[1-9][0-9_]*(?::[0-5]?[0-9])+|[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)"
_YAML11_TEXT = re.compile(f"(?:{YAML11_TEXT})\\Z")
_YAML11_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
_YAML12_INT = re.compile(r"[-+]?[0-9]+\Z")


def yaml11_reading(text: str) -> str | None:
    """What YAML 1.1 makes of the plain scalar `text` when YAML 1.2 reads it as text ("the boolean true",
    "the number 90"); None when both read it alike."""
    if not _YAML11_TEXT.match(text):
        return None
    if text.lstrip("-+")[:1].isdigit():
        sign = -1 if text.startswith("-") else 1
        whole, _, fraction = text.lstrip("-+").replace("_", "").partition(".")
        value = 0
        for part in whole.split(":"):
            value = value * 60 + int(part)
        number: float = sign * (value + float(f"0.{fraction}")) if fraction else sign * value
        return f"the number {number}"
    return f"the boolean {'true' if text in _YAML11_TRUE else 'false'}"


# Text this short is shared: one object for every "en", benefit id or recurring note in all the files,
# where the parser makes one per occurrence (at 10,000 generated partners the model holds 377,000 strings
# of 132,000 values: 25 MB where 9.6 MB would do; the pickles that carry parsed files from the workers,
# and the notifier's saved model, keep the sharing). Interned strings go when nothing refers to them.
_SHARED_UP_TO = 64  # characters: ids, codes, dates, names, short notes; not descriptions
_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_TIMESTAMP, _MERGE = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"


class _ContentLoader(yaml.CSafeLoader):
    """The C parser and composer, with PyYAML's implicit typing, and a lean builder of plain data.

    The builder replaces PyYAML's generic constructor: it makes dicts, lists and scalars directly,
    records duplicate keys and aliases as problems instead of silently resolving them, and keeps
    timestamps as the text the author wrote.
    """

    _resolved: ClassVar[dict[tuple[str | None, bool], str]] = {}  # shared on purpose: same tags in every file

    def resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool] | bool) -> str:
        # Content repeats the same keys and enum values thousands of times: remember their tags.
        # Only a scalar passes (plain, quoted) implicit flags (a collection passes one bool), so this
        # test is "an implicitly typed scalar" at the cost of the former `kind is ScalarNode`.
        if isinstance(implicit, tuple) and implicit[0]:
            key = (value, implicit[1])
            tag = self._resolved.get(key)
            if tag is None:
                tag = self._base_resolve(kind, value, implicit)
                if len(self._resolved) < 50_000 and (value is None or len(value) <= _CACHED_LENGTH):
                    self._resolved[key] = tag
            return tag
        return self._base_resolve(kind, value, implicit)

    def _base_resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool] | bool) -> str:
        # types-PyYAML leaves BaseResolver.resolve unannotated; it returns the tag, a str.
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag

    def descend_resolver(self, current_node: yaml.Node | None, current_index: object) -> None:
        pass  # no path resolvers: nothing to track

    def ascend_resolver(self) -> None:
        pass

    def build(self) -> Any:
        node = self.get_single_node()
        self.found: list[tuple[yaml.Mark, str]] = []
        self.disputed: list[tuple[yaml.Mark, str]] = []  # said only where the schema says nothing
        self.fatal = False  # the data must not be used (an alias could expand it without bound)
        self._seen: set[int] = set()
        return None if node is None else self._build(node)

    def _build(self, node: yaml.Node) -> Any:
        if id(node) in self._seen:
            # Only an alias reaches a node twice. One report per file is enough.
            if not self.fatal:
                mark = node.start_mark
                self.found.append((mark, f"the value anchored here (line {mark.line + 1}) is reused by an alias; "
                                         "anchors and aliases (&name, *name) are not allowed in content: write each "
                                         "value out in full"))
            self.fatal = True
            return None
        self._seen.add(id(node))
        if type(node) is yaml.ScalarNode:
            return self._scalar(node)
        if type(node) is yaml.SequenceNode:
            return [self._build(item) for item in node.value]
        assert type(node) is yaml.MappingNode  # the composer makes only these three kinds
        return self._mapping(node)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            return _shared(node.value)
        if tag in (_BOOL, _INT, _FLOAT) and not node.style and _YAML11_TEXT.match(node.value):
            return node.value  # yes, on, 1:30 ...: text, as YAML 1.2 reads them (the schemas refuse them)
        if tag == _INT:
            return self._int(node)
        if tag == _BOOL:
            return self.bool_values[node.value.lower()]
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return self.construct_yaml_float(node)
        self.found.append((node.start_mark, f"the tag {tag} is not allowed in content; remove it"))
        return node.value

    def _int(self, node: yaml.ScalarNode) -> int | None:
        if len(node.value) <= _MAX_INT_LITERAL:
            value: int = self.construct_yaml_int(node)
            if abs(value) < 10**MAX_INT_DIGITS:
                if _YAML12_INT.match(node.value) and int(node.value) != value:  # 0755: octal in 1.1 only
                    self.disputed.append((node.start_mark, f"{node.value} is the number {value} in YAML 1.1 "
                                                           f"(octal) and {int(node.value)} in YAML 1.2, so tools "
                                                           "disagree on it: write the number without leading "
                                                           "zeros"))
                return value
        # Too large to be content, and the rest of the file is not worth checking against a made-up value.
        self.found.append((node.start_mark, _TOO_LARGE))
        self.fatal = True
        return None

    def _mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.found.append((key_node.start_mark, "merge keys (<<) are not allowed in content: "
                                                        "write the keys out"))
                continue
            if type(key_node) is not yaml.ScalarNode or key_node.tag not in (_STR, _TIMESTAMP):
                shown = clip(key_node.value) if type(key_node) is yaml.ScalarNode else "..."
                self.found.append((key_node.start_mark, f"key {shown!r} must be text; quote it: \"{shown}\""))
                continue
            key = _shared(key_node.value)
            if key in mapping:
                self.found.append((key_node.start_mark, f"duplicate key '{clip(key)}' (first at line "
                                                        f"{first_line[key]}); YAML would keep only the last one: "
                                                        "remove one of them"))
                continue
            first_line[key] = key_node.start_mark.line + 1
            mapping[key] = self._build(value_node)
        return mapping


def _shared(text: str) -> str:
    return sys.intern(text) if len(text) <= _SHARED_UP_TO else text


def _flow_depth_exceeded(text: str) -> int | None:
    """Offset of the first bracket nested deeper than MAX_FLOW_DEPTH, if any (cheap unless brackets abound)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return None
    depth = 0
    for offset, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return offset
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def _block_depth_exceeded(text: str) -> tuple[int, int] | None:
    """Where (0-based line and column) a collection opens more than MAX_BLOCK_DEPTH levels deep, if anywhere.

    Each block level needs one more column of indentation or one more indicator ("- ", "? ", ": ")
    on its line, so indentation plus indicators bounds the depth: only a file whose bound passes the
    limit (never real content) pays for walking the parser's events. A line's indentation plus its
    indicators never exceed its length, so only lines longer than the limit are looked at.
    """
    bound = 0
    for line in text.split("\n"):
        if len(line) <= MAX_BLOCK_DEPTH:
            continue
        stripped = line.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            bound = max(bound, len(line) - len(stripped) + len(_INDICATOR.findall(stripped)))
    if bound <= MAX_BLOCK_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_BLOCK_DEPTH and event.start_mark is not None:
                    return event.start_mark.line, event.start_mark.column
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # a syntax error: the real parse reports it at its place
    return None


@dataclass(frozen=True, slots=True)
class Loaded:
    """One parsed document: `data` is None when the file could not be read as YAML."""

    data: Any
    text: str  # the decoded text (empty when unreadable)
    problems: tuple[Problem, ...]
    line_offset: int = 0  # for front matter: lines before the YAML block
    # Values YAML 1.1 and 1.2 read as different numbers (0755): a problem unless the schema refuses the
    # value anyway, at the same place (then its message, which explains the reading, is the one to read).
    disputed: tuple[Problem, ...] = ()


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
    deep = _flow_depth_exceeded(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        col = deep - (text.rfind("\n", 0, deep) + 1) + 1
        return Loaded(None, text, (Problem(shown, line + line_offset, col,
                                           f"brackets nested more than {MAX_FLOW_DEPTH} levels deep; content never "
                                           "needs this"),), line_offset)
    where = _block_depth_exceeded(text)
    if where is not None:
        return Loaded(None, text, (Problem(shown, where[0] + 1 + line_offset, where[1] + 1,
                                           f"values nested more than {MAX_BLOCK_DEPTH} levels deep; content never "
                                           "needs this"),), line_offset)
    loader = _ContentLoader(text)
    try:
        data = loader.build()
    except RecursionError:
        return Loaded(None, text, (Problem(shown, 1 + line_offset, 1, "values nested too deeply to read; content "
                                                                      "never needs this"),), line_offset)
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
    disputed = tuple(
        Problem(shown, mark.line + 1 + line_offset, mark.column + 1, message) for mark, message in loader.disputed
    )
    # After a duplicate key the first value stands, so that the rest of the file is still checked.
    return Loaded(None if loader.fatal else data, text, problems, line_offset, disputed)


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


class FrontMatter(NamedTuple):
    yaml_text: str
    body: str
    line_offset: int  # lines before the YAML (the opening '---')
    body_line: int  # the file's line where the body starts (1-based)


def split_front_matter(text: str, shown: str) -> tuple[FrontMatter | None, list[Problem]]:
    """Markdown with YAML front matter (text with LF line ends, see textfile) -> its parts, or the problem."""
    if not text.startswith("---\n"):
        return None, [Problem(shown, 1, 1, "missing front matter: the file must start with a '---' line, the YAML "
                                           "keys, and a closing '---' line")]
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        return None, [Problem(shown, 1, 1, "front matter is not closed: add a '---' line after its keys")]
    yaml_text = text[4 : 4 + end.start()]
    rest = text[4 + end.end():]
    body = rest.lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    return FrontMatter(yaml_text, body, 1, body_line), []
