"""A patch (`git apply`) that sets one key on some marketing contacts of a partner file, keeping every
other byte: how the notifier's records reach the content as a change the rewards team can merge
(`--export-optouts` writes `tips: false`, `--export-suppressions` writes `bounced_on: <day>`).

The file is read with PyYAML's composer for positions only; the key goes on the line after the
contact's last value, at the contact's indentation, or replaces the value already there. A contact
written in flow style or on one line is left to the reader (returned as unplaced).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import yaml

from rewards_build.config import SiteConfig
from rewards_build.model import Partner


def set_on_contacts(site: SiteConfig, partner: Partner, key: str, values: Mapping[str, str]
                    ) -> tuple[str, list[str]]:
    """The unified diff that writes `key: value` on each contact whose address (lower case) `values`
    maps to its value, and the addresses it could not place (not a block mapping, or not found)."""
    path = site.content_dir / partner.source
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    inserts: dict[int, str] = {}  # after line index -> the line to insert
    unplaced = []
    wanted = dict(values)
    contacts = _value(yaml.compose(text, Loader=yaml.SafeLoader), "marketing_contacts")
    for item in contacts.value if isinstance(contacts, yaml.SequenceNode) else []:
        email = _value(item, "email")
        if not isinstance(email, yaml.ScalarNode) or email.value.lower() not in wanted:
            continue
        value = wanted.pop(email.value.lower())
        if not isinstance(item, yaml.MappingNode) or item.flow_style or item.start_mark.line == item.end_mark.line:
            unplaced.append(email.value)
            continue
        present = _value(item, key)
        if isinstance(present, yaml.ScalarNode) and present.start_mark.line == present.end_mark.line:
            line, start, end = present.start_mark.line, present.start_mark.column, present.end_mark.column
            lines[line] = lines[line][:start] + value + lines[line][end:]
            continue
        last = item.value[-1][1]
        end_line = last.end_mark.line - (1 if last.end_mark.column == 0 else 0)
        inserts[end_line] = " " * item.start_mark.column + f"{key}: {value}\n"
    new = []
    for i, line in enumerate(lines):
        new.append(line if line.endswith("\n") or i not in inserts else line + "\n")
        if i in inserts:
            new.append(inserts[i])
    shown = path.relative_to(site.root).as_posix() if path.is_relative_to(site.root) else partner.source
    return "".join(difflib.unified_diff(lines, new, f"a/{shown}", f"b/{shown}")), unplaced + sorted(wanted)


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
