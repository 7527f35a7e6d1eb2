"""The text part: the HTML part's sanitised HTML read back as plain text, wrapped at 78 columns.

A mail program that shows the text part shows it as it is, so Markdown source (`## Title`,
`**bold**`, `[label](https://...)`) is noise there. The HTML each item becomes (rewards_build/
sanitize.py: Python-Markdown, then nh3's allow-list) is already parsed and holds only the allowed
tags, so one small reader of those tags turns it into text, and both parts say the same thing from
one Markdown parser: headings become lines of their own, links "label <url>", list items "- " (or
"1. "), emphasis its words, code blocks stay as written.

Lines are wrapped at 78 columns (RFC 5322 2.1.1) counting East Asian wide characters as two columns,
as a terminal shows them; a word longer than a line (a URL) is never broken, it stands on its own line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

WIDTH = 78
_BLOCKS = frozenset({"p", "div", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "table",
                     "tr", "hr", "dl", "dt", "dd"})


def width(text: str) -> int:
    """Columns a terminal gives the text: wide and full-width characters (Hangul, CJK) take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def wrap(text: str, first: str = "", rest: str = "", columns: int = WIDTH) -> list[str]:
    """Words filled into lines of at most `columns`, the first starting with `first`, the others with `rest`
    (list bullets, quote marks). A word that does not fit on any line stands alone, unbroken."""
    lines: list[str] = []
    line, used, prefix = "", 0, first
    room = columns - width(first)  # what the prefix leaves (measured once: this runs for every word of every mail)
    for word in text.split():
        w = len(word) if word.isascii() else width(word)
        if line and used + 1 + w > room:
            lines.append(prefix + line)
            line, used, prefix, room = "", 0, rest, columns - width(rest)
        line, used = (f"{line} {word}", used + 1 + w) if line else (word, w)
    if line or not lines:
        lines.append(prefix + line)
    return lines


def paragraphs(text: str) -> str:
    """Plain text (a greeting, a footer sentence) wrapped, its paragraphs and line breaks kept."""
    return "\n".join("\n".join(wrap(line)) if line.strip() else "" for line in text.split("\n"))


@dataclass
class _List:
    ordered: bool
    count: int = 0


@dataclass
class _Reader(HTMLParser):
    out: list[str] = field(default_factory=list)  # finished lines
    inline: list[str] = field(default_factory=list)  # the words of the block being read
    lists: list[_List] = field(default_factory=list)
    quote: int = 0
    pre: int = 0
    bullet: str = ""  # the next line's list marker, once
    links: list[tuple[str, int]] = field(default_factory=list)  # open <a>: its href, where its text began

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    # --- blocks -------------------------------------------------------------------------------------

    def _indent(self) -> str:
        return "> " * self.quote + "   " * max(0, len(self.lists) - 1)

    def _flush(self) -> None:
        text = "".join(self.inline)
        self.inline.clear()
        if self.pre:
            self._gap()
            self.out.extend(self._indent() + "    " + line for line in text.strip("\n").split("\n"))
            return
        if not text.strip():
            return
        if self.bullet:
            self.out.extend(wrap(text, self._indent() + self.bullet, self._indent() + " " * len(self.bullet)))
            self.bullet = ""
        else:
            self._gap()
            self.out.extend(wrap(text, self._indent(), self._indent()))

    def _gap(self) -> None:
        """A blank line between blocks (not inside a list: its items stay together)."""
        if self.out and self.out[-1].strip("> ") and not self.lists:
            self.out.append("> " * self.quote)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _BLOCKS:
            self._flush()
        if tag in ("ul", "ol"):
            if not self.lists:
                self._gap()
            self.lists.append(_List(tag == "ol"))
        elif tag == "li" and self.lists:
            current = self.lists[-1]
            current.count += 1
            self.bullet = f"{current.count}. " if current.ordered else "- "
        elif tag == "blockquote":
            self._gap()  # the blank line before a quote is not part of it
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "hr":
            self._gap()
            self.out.append(self._indent() + "-" * 20)
        elif tag == "br":
            self.inline.append("\n" if self.pre else " ")
        elif tag == "a":
            self.links.append((attributes.get("href") or "", len(self.inline)))
        elif tag == "img":
            alt = attributes.get("alt")
            if alt:
                self.inline.append(f"[{alt}]")
        elif tag in ("td", "th") and self.inline:
            self.inline.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.inline[start:]).strip()
            shown = href.removeprefix("mailto:")
            if href and label not in (href, shown):
                self.inline.append(f" <{shown}>")
            elif href and not label:
                self.inline.append(f"<{shown}>")
            return
        if tag in _BLOCKS:
            self._flush()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote" and self.quote:
            self.quote -= 1
        elif tag == "pre" and self.pre:
            self.pre -= 1

    def handle_data(self, data: str) -> None:
        self.inline.append(data if self.pre else data.replace("\n", " "))

    def text(self) -> str:
        self._flush()
        while self.out and not self.out[-1].strip("> "):
            self.out.pop()
        return "\n".join(line.rstrip() for line in self.out)


@lru_cache(maxsize=4096)  # a tip's HTML is the same in thousands of messages
def html_to_text(markup: str) -> str:
    """Sanitised HTML (sanitize.markdown_to_html) as plain text wrapped at 78 columns."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader.text()  # character references were decoded as read (convert_charrefs)
