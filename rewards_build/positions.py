"""Where a value sits in its file, computed only for files that have a problem.

`Locator` composes the YAML node tree once (C parser, with marks) and maps a JSON path such as
("offers", 1, "status") to the line and column of the value, or of its key. Each mapping is indexed
by key the first time it is searched, so that locating every key of a file with 100,000 keys is
linear, not quadratic. Columns are libyaml's, which count characters (see textfile).
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from .problems import clip

PathPart = str | int


_Index = dict[str, tuple[yaml.Node, yaml.Node]]


class Locator:
    def __init__(self, text: str, line_offset: int = 0):
        self.line_offset = line_offset
        self._indexes: dict[int, _Index] = {}  # id of a mapping node -> its key text -> (key, value) nodes
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            self.root = None

    def node(self, path: Sequence[PathPart]) -> yaml.Node | None:
        """The deepest node on the path (the value itself when the path exists)."""
        node = self.root
        for part in path:
            child = self._child(node, part)
            if child is None:
                return node
            node = child
        return node

    def key_node(self, path: Sequence[PathPart], key: str) -> yaml.Node | None:
        parent = self.node(path)
        if isinstance(parent, yaml.MappingNode):
            pair = self._index(parent).get(key)
            return pair[0] if pair else None
        return None

    def at(self, path: Sequence[PathPart]) -> tuple[int, int]:
        return self._mark(self.node(path))

    def at_key(self, path: Sequence[PathPart], key: str) -> tuple[int, int]:
        node = self.key_node(path, key)
        return self._mark(node) if node is not None else self.at(path)

    def at_key_of(self, path: Sequence[PathPart]) -> tuple[int, int]:
        """The key that holds the value at `path` (for problems about the whole value)."""
        if path and isinstance(path[-1], str):
            return self.at_key(path[:-1], path[-1])
        return self.at(path)

    def _mark(self, node: yaml.Node | None) -> tuple[int, int]:
        if node is None:
            return 1 + self.line_offset, 1
        return node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1


    def _index(self, node: yaml.MappingNode) -> _Index:
        index = self._indexes.get(id(node))
        if index is None:
            pairs: list[tuple[yaml.Node, yaml.Node]] = node.value  # the stubs leave Node.value untyped
            index = {}
            for key_node, value_node in pairs:
                if isinstance(key_node, yaml.ScalarNode):
                    index.setdefault(key_node.value, (key_node, value_node))  # the first wins, as when loading
            self._indexes[id(node)] = index
        return index

    def _child(self, node: yaml.Node | None, part: PathPart) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            pair = self._index(node).get(str(part))
            return pair[1] if pair else None
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            items: list[yaml.Node] = node.value
            if 0 <= part < len(items):
                return items[part]
        return None


def written_as(node: yaml.Node | None) -> str | None:
    """The text the author typed for a plain (unquoted) scalar, to explain how YAML read it."""
    if isinstance(node, yaml.ScalarNode) and not node.style:  # the C composer says "" for plain
        return clip(node.value)
    return None


def yaml_reading_hint(node: yaml.Node | None, value: object) -> str:
    """Why a plain scalar is not text: YAML 1.1 reads no/on/0755/1:30 as booleans and numbers."""
    text = written_as(node)
    if text is None:
        return ""
    if isinstance(value, bool):
        return (f" (YAML reads the unquoted {text} as the boolean {str(value).lower()}; "
                f"if you mean the text, quote it: \"{text}\")")
    if isinstance(value, int | float) and not _plain_decimal(text):
        return f" (YAML reads the unquoted {text} as the number {value}; if you mean the text, quote it: \"{text}\")"
    if isinstance(value, int | float):
        return f" (if you mean the text, quote it: \"{text}\")"
    if value is None:
        return " (an empty or null value; write the value, or remove the key)"
    return ""


def _plain_decimal(text: str) -> bool:
    return text.lstrip("-+").isdigit() and not (len(text.lstrip("-+")) > 1 and text.lstrip("-+").startswith("0"))


def dotted(path: Sequence[PathPart]) -> str:
    """("offers", 1, "status") -> "offers[1].status", the way a reader names a value."""
    out = ""
    for part in path:
        # A key is content too: quote the start of a long one.
        out += f"[{part}]" if isinstance(part, int) else (f".{clip(part)}" if out else clip(part))
    return out or "(top level)"
