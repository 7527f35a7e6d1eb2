"""Limits that keep every content file cheap to validate and to render, checked at validation.

python-markdown (the renderer of sanitize.py) takes time that grows with the square of some inputs,
measured with its "extra" and "sane_lists" extensions (python-markdown 3.11, this 2-core machine):

- every '[' scans ahead for its ']' (and every link's '(' for its ')'): an unclosed one scans to the
  end of its paragraph, and nested ones rescan what they enclose. 8,000 '[' take 10 s, 8,000 nested
  pairs over 20 s; 20 unclosed in 20,000 characters take 0.1 s.
- a block of lines with no blank line between them is re-split line by line: 10,000 lines of "-"
  take 2.2 s, blocks of 200 such lines 0.2 s for the same 20,000 characters.
- every abbreviation definition is tried on all the text (1,800 of them: 1.3 s), and every reference
  to a footnote searches the ones before it (4,000 references: 9 s).
- an HTML tag whose '>' never comes is parsed again from the next character, to the end of the text
  ("\n\n<a" 5,000 times: 2.6 s); a quote in a link's address looks for its closing quote to the end
  of the paragraph.
- nested lists, block quotes and <div markdown="1"> elements recurse: about 300 levels of lists and
  700 of such elements raise RecursionError (after validation had passed).

So a Markdown text is at most MAX_MARKDOWN_CHARS characters (the schemas' limit for descriptions,
and 6 times the longest example page), and within it the counts below stay far above what a real tip
or toolkit page writes (at most 2 levels of lists, a handful of links per paragraph, no abbreviations)
and far below where time stops being linear: any text that passes renders in under 0.3 s.
Brackets are counted in code spans too (rare in content, and cheap to escape); a backslash escape
(\\[, \\() is not counted, since python-markdown replaces it before looking for links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .problems import Problem

MAX_MARKDOWN_CHARS = 20_000
MAX_UNCLOSED_BRACKETS = 10  # per paragraph: '[' without ']' and a link's '(' without ')'
MAX_BRACKET_NESTING = 5  # closed brackets inside each other (nested links' parentheses cost nothing: measured)
MAX_BLOCK_LINES = 200  # lines without a blank line between them
MAX_NESTING = 10  # lists and block quotes
MAX_ABBREVIATIONS = 20
MAX_FOOTNOTES = 50  # references and definitions, [^...]
MAX_UNCLOSED_TAGS = 10  # '<' starting an HTML tag with no '>' to end it
MAX_MARKDOWN_ELEMENTS = 10  # HTML elements with a markdown attribute (md_in_html)
MAX_PROBLEMS_PER_FILE = 50  # then one line says how many more: a reviewer fixes the first ones first

_TOKEN = re.compile(r"\\.|[\[\]()]", re.DOTALL)
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_QUOTE_CLOSE = {'"': re.compile(r'" *\)'), "'": re.compile(r"' *\)")}
_QUOTE = re.compile("[\"']")
_CONTAINER = re.compile(r"(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]*")
_ABBREVIATION = re.compile(r"\*\[")
_MARKDOWN_ATTRIBUTE = re.compile(r"<[A-Za-z][^<>]*?\smarkdown\b", re.IGNORECASE)
_UNCLOSED = (f"more than {MAX_UNCLOSED_BRACKETS} unclosed '[' or link '(' in one paragraph; close each one, or "
             "escape it with a backslash (\\[, \\(): Markdown takes time for every unclosed bracket")


def markdown_problems(text: str) -> list[tuple[int, str]]:
    """What makes this Markdown too costly to render: (offset in `text`, message), the first of each kind."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return [(0, f"the Markdown text is {len(text):,} characters long; at most {MAX_MARKDOWN_CHARS:,} allowed")]
    found: dict[str, tuple[int, str]] = {}

    def note(rule: str, offset: int, message: str) -> None:
        found.setdefault(rule, (offset, message))

    abbreviations = 0
    block_start, block_lines = 0, 0
    offset = 0
    for line in text.split("\n"):
        if line.strip(" \t"):
            if block_lines == 0:
                block_start = offset
            block_lines += 1
            if block_lines == MAX_BLOCK_LINES + 1:
                note("block", offset, f"more than {MAX_BLOCK_LINES} lines without a blank line between them; "
                                      "separate paragraphs, lists and tables with blank lines")
            depth_at = _too_deep(line)
            if depth_at is not None:
                note("depth", offset + depth_at, f"lists and block quotes nested more than {MAX_NESTING} levels "
                                                 "deep; content never needs this")
            if _ABBREVIATION.match(line, len(line) - len(line.lstrip(" "))):
                abbreviations += 1
                if abbreviations == MAX_ABBREVIATIONS + 1:
                    note("abbr", offset, f"more than {MAX_ABBREVIATIONS} abbreviation definitions (*[...]: ...); "
                                         "content never needs this many")
        elif block_lines:
            for rule, at, message in _bracket_problems(text, block_start, offset - 1):
                note(rule, at, message)
            block_lines = 0
        offset += len(line) + 1
    if block_lines:
        for rule, at, message in _bracket_problems(text, block_start, len(text)):
            note(rule, at, message)
    footnote = _nth(text, "[^", MAX_FOOTNOTES + 1)
    if footnote is not None:
        note("footnotes", footnote, f"more than {MAX_FOOTNOTES} footnote references and definitions ([^...]); "
                                    "content never needs this many")
    unclosed_tag = _unclosed_tag(text)
    if unclosed_tag is not None:
        note("tags", unclosed_tag, f"more than {MAX_UNCLOSED_TAGS} HTML tags without their closing '>' (or with "
                                   "an unclosed quote); close them, or write < as &lt;")
    for count, match in enumerate(_MARKDOWN_ATTRIBUTE.finditer(text), start=1):
        if count > MAX_MARKDOWN_ELEMENTS:
            note("html", match.start(), f"more than {MAX_MARKDOWN_ELEMENTS} HTML elements with a markdown "
                                        "attribute; content never needs this many")
            break
    return sorted(found.values())


def _nth(text: str, word: str, n: int) -> int | None:
    at = -1
    for _ in range(n):
        at = text.find(word, at + 1)
        if at < 0:
            return None
    return at


def _unclosed_tag(text: str) -> int | None:
    """The tag start that makes more than MAX_UNCLOSED_TAGS without a '>' before the next tag starts.

    A tag whose quotes do not pair up counts too: its quoted value may run past the '>'.
    """
    starts = [m.start() for m in _TAG_START.finditer(text)]
    unclosed = 0
    for i, start in enumerate(starts):
        limit = starts[i + 1] if i + 1 < len(starts) else len(text)
        end = text.find(">", start, limit)
        inside = text[start:end] if end >= 0 else ""
        if end < 0 or inside.count('"') % 2 or inside.count("'") % 2:
            unclosed += 1
            if unclosed > MAX_UNCLOSED_TAGS:
                return start
    return None


def _too_deep(line: str) -> int | None:
    """Where a line opens more than MAX_NESTING lists or block quotes, if it does.

    A nested level needs 4 more columns of indentation (a tab is 4) or one more marker ("> ", "- ",
    "1. ") on the line, so indentation // 4 plus markers bounds the depth python-markdown builds.
    """
    columns, at = 0, 0
    while at < len(line) and line[at] in " \t":
        columns = columns + 4 - columns % 4 if line[at] == "\t" else columns + 1
        at += 1
    depth = columns // 4
    if depth > MAX_NESTING:
        return at
    while (marker := _CONTAINER.match(line, at)) is not None:
        depth += 1
        if depth > MAX_NESTING:
            return at
        at = marker.end()
    return None


def _bracket_problems(text: str, start: int, end_of_paragraph: int) -> Iterator[tuple[str, int, str]]:
    """Unclosed and deeply nested brackets in one paragraph, text[start:end] (see the module's notes)."""
    brackets: list[int] = []  # offsets of open '['
    parens: list[tuple[int, bool]] = []  # open '(' and whether it opens a link's address: "](""
    closed_brackets: list[tuple[int, int]] = []
    closed_links: list[tuple[int, int]] = []
    previous_close = -2
    for token in _TOKEN.finditer(text, start, end_of_paragraph):
        char, at = token.group(), token.start()
        if char == "[":
            brackets.append(at)
        elif char == "]":
            if brackets:
                closed_brackets.append((brackets.pop(), at))
            previous_close = at
        elif char == "(":
            parens.append((at, previous_close == at - 1))
        elif char == ")" and parens:
            opened, link = parens.pop()
            if link:
                closed_links.append((opened, at))
    # A quote in a link's address (a title, "...") ends the scan only at the same quote before a ')'.
    unclosed_links = [at for at, link in parens if link]
    for opened, closed in closed_links:
        if len(unclosed_links) > MAX_UNCLOSED_BRACKETS:
            break  # enough to refuse; each search below may read to the end of the paragraph
        quote = _QUOTE.search(text, opened, closed)
        if quote is not None and _QUOTE_CLOSE[quote.group()].search(text, quote.end(), end_of_paragraph) is None:
            unclosed_links.append(opened)
    unclosed = sorted([*brackets, *unclosed_links])
    if len(unclosed) > MAX_UNCLOSED_BRACKETS:
        yield "unclosed", unclosed[MAX_UNCLOSED_BRACKETS], _UNCLOSED
    deep = _too_nested(closed_brackets)
    if deep is not None:
        yield "nested brackets", deep, (f"'[' nested more than {MAX_BRACKET_NESTING} levels deep; content never "
                                        "needs this")


def _too_nested(pairs: Iterable[tuple[int, int]]) -> int | None:
    """The opening of the first closed pair inside MAX_BRACKET_NESTING others (pairs nest, never cross)."""
    enclosing: list[int] = []  # where each enclosing pair closes
    for opened, closed in sorted(pairs):
        while enclosing and enclosing[-1] < opened:
            enclosing.pop()
        enclosing.append(closed)
        if len(enclosing) > MAX_BRACKET_NESTING:
            return opened
    return None


def cap_per_file(problems: list[Problem]) -> list[Problem]:
    """Sorted problems, at most MAX_PROBLEMS_PER_FILE per file, then a line saying how many more there are."""
    out: list[Problem] = []
    shown = 0
    for i, problem in enumerate(problems):
        if i and problem.path != problems[i - 1].path:
            shown = 0
        shown += 1
        if shown <= MAX_PROBLEMS_PER_FILE:
            out.append(problem)
            continue
        last_of_file = i + 1 == len(problems) or problems[i + 1].path != problem.path
        if last_of_file:
            more = shown - MAX_PROBLEMS_PER_FILE
            out.append(Problem(problem.path, problem.line, problem.col, f"... and {more:,} more problems in this "
                                                                        f"file (the first {MAX_PROBLEMS_PER_FILE} "
                                                                        "are shown)"))
    return out
