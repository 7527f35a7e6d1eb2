"""The wire format: header lines and a multipart/alternative body, as bytes ready for DATA.

Headers go through the `email` package's header registry and folder (address objects, RFC 2047
encoded words for Korean, folding at 78 columns); the MIME skeleton around two text parts is written
here directly, because building and flattening an EmailMessage costs about 2.5 ms a message, several
times the rest of composing. What this writes is checked by parsing it back with the `email` package
(tests/notifier). Short ASCII headers skip the folder: it would return them unchanged.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
import re
from collections.abc import Sequence
from email import quoprimime
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from functools import lru_cache

from rewards_build.mailsafe import ENCODED_WORD, address_problem

CRLF = "\r\n"
_UNSAFE = frozenset(chr(c) for c in range(32)) | {"\x7f", "\x85", "\u2028", "\u2029"}


class UnsafeHeader(ValueError):
    """A value bound for a header holds a control character: the message is refused."""


def safe(value: str) -> str:
    """The last guard before a header: refuse CR, LF and every other control character."""
    if not _UNSAFE.isdisjoint(value):
        raise UnsafeHeader(f"control character in header value {value!r}")
    return value


class _UrlListHeader(UnstructuredHeader, BaseHeader):
    """List-Unsubscribe: <url>. Left as written, never turned into encoded words (a long URL has no
    whitespace to fold at, and the default folder would encode it, which no mail client reads).

    The registry mixes BaseHeader in anyway (it makes `type(name, (cls, BaseHeader), {})`); naming it
    here too changes nothing at run time and tells the type checker what `self.name` and `fold` are."""

    def fold(self, *, policy: email.policy.Policy) -> str:
        value = safe(str(self))
        if not value.isascii():
            raise UnsafeHeader(f"non-ASCII URL in {self.name}")
        return f"{self.name}: {value}{policy.linesep}"


class _Registry(HeaderRegistry):
    """The standard registry, but it builds each header class once (the stock one builds a new
    class on every lookup, which dominates the cost of a header)."""

    def __init__(self) -> None:
        super().__init__()
        self.map_to_type("list-unsubscribe", _UrlListHeader)
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


_HEADERS = _Registry()
# CRLF line ends, headers folded at 78 columns, encoded words (RFC 2047) where needed.
POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_HEADERS)


def address(name: str | None, email_address: str) -> Address:
    problem = address_problem(safe(email_address))
    if problem:
        raise UnsafeHeader(f"{email_address} {problem}")
    return Address(display_name=safe(name or ""), addr_spec=email_address)


def _encoded_words(value: str, name: str) -> str:
    """The whole value as RFC 2047 encoded words, written here rather than by the email package's
    folder: that folder parses the value as header text first, so a literal "=?...?=" in it would
    be decoded into header lines. Encoded, the literal text is all a reader ever decodes."""
    # maxlinelen 76: RFC 2047 section 2 allows an encoded word 75 characters and a line holding one 76;
    # the email package's default (78) makes 76-character words of Korean text.
    return Header(value, "utf-8", header_name=name, maxlinelen=76).encode(linesep=CRLF)


def address_header(name: str, addresses: Sequence[Address]) -> str:
    if any(ENCODED_WORD in a.display_name or not a.display_name.isascii() for a in addresses):
        shown = f",{CRLF} ".join(_named(name, a) if a.display_name else a.addr_spec for a in addresses)
        return f"{name}: {shown}{CRLF}"
    shown = ", ".join(str(a) for a in addresses)  # each Address quotes its own display name
    line = f"{name}: {shown}"
    if line.isascii() and len(line) <= 78:
        return line + CRLF
    return _HEADERS(name, tuple(addresses)).fold(policy=POLICY)


def _named(name: str, a: Address) -> str:
    """An encoded display name and its address; the address on a line of its own when the name's last
    line leaves no room for it within 78 columns."""
    words = _encoded_words(a.display_name, name)
    last = words.rsplit(CRLF, 1)[-1]
    used = len(last) + (len(name) + 2 if CRLF not in words else 0)
    return f"{words}{CRLF if used + len(a.addr_spec) + 3 > 78 else ''} <{a.addr_spec}>"


@lru_cache(maxsize=8192)
def text_header(name: str, value: str) -> str:
    """An unstructured header (Subject, ...): folded and encoded by the email package when needed."""
    safe(value)
    if ENCODED_WORD in value or not value.isascii():
        # Written here, not by the email package's folder, which mixes plain and encoded words in a
        # way readers decode with a doubled space ("page,  Zoë").
        return f"{name}: {_encoded_words(value, name)}{CRLF}"
    line = f"{name}: {value}"
    return line + CRLF if len(line) <= 78 else _fold_ascii(name, value)


def _fold_ascii(name: str, value: str) -> str:
    """Fold at spaces into lines of at most 78 characters. The email package's folder, given a value
    longer than a line, starts it on the next line ("Subject:\r\n [Escalated] ..."), which some
    readers show with a leading space."""
    lines: list[str] = []
    line = f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) > 78 and line.strip() and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    return CRLF.join(lines) + CRLF


# A To or Cc value made of atoms only: `Name Surname <local@domain>`. With no quote, comment,
# backslash, comma, colon, semicolon, "=?" or second "<" there is one way to read it, the mailbox it
# shows, so the email package's parser (most of a message's checking time) is left for the rest:
# quoted or encoded names, and anything else.
_ATOM = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]+"
_ADDR = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
_PLAIN_MAILBOX = re.compile(rf" ?(?:(?:{_ATOM}(?: {_ATOM})* )?<({_ADDR})>|({_ADDR}))")


def check_structure(data: bytes, names: Sequence[str], recipients: Sequence[str]) -> None:
    """The last look before the wire: the header block, read back as a mail program reads it, holds
    exactly the headers written, in order, and To and Cc name exactly the intended recipients. Whatever
    the content said, it cannot have become a header, a recipient or a body (the message is refused).

    Lines are unfolded here (a line starting with a space or tab continues the one before, RFC 5322
    2.2.3); only To and Cc go through the email package's address parser, which decodes encoded words
    as a reader's does: parsing the whole block that way cost more than composing the message."""
    try:
        head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    except UnicodeDecodeError:
        raise UnsafeHeader("a header line is not ASCII") from None
    fields: list[list[str]] = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1][1] += line
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise UnsafeHeader(f"a header line without a name: {line[:60]!r}")
        fields.append([name, value])
    if [f[0].lower() for f in fields] != [n.lower() for n in names]:
        raise UnsafeHeader(f"headers read back as {[f[0] for f in fields]}, not {list(names)}")
    found: list[str] = []
    for name, value in fields:
        if name.lower() in ("to", "cc"):
            plain = _PLAIN_MAILBOX.fullmatch(value)
            if plain:  # one mailbox of atoms only: how RFC 5322 reads it is not in doubt
                found.append((plain.group(1) or plain.group(2)).lower())
                continue
            header = _HEADERS(name, value.strip())
            if any(group.display_name is not None for group in header.groups):  # type: ignore[attr-defined]
                raise UnsafeHeader(f"{name} reads back as a group")
            found += [a.addr_spec.lower() for a in header.addresses]  # type: ignore[attr-defined]
    if found != [r.lower() for r in recipients]:
        raise UnsafeHeader(f"recipients read back as {found}, not {list(recipients)}")


def multipart_alternative(headers: Sequence[str], text: str, html: str, seed: str) -> bytes:
    """The message: the given header lines, then text/plain and text/html, both UTF-8."""
    boundary = "==rewards-" + hashlib.blake2b(seed.encode(), digest_size=12).hexdigest() + "=="
    text_cte, text_body = _encode(text)
    html_cte, html_body = _encode(html)
    return "".join([
        *headers,
        "MIME-Version: 1.0", CRLF,
        "Content-Type: multipart/alternative;", CRLF,
        f' boundary="{boundary}"', CRLF,
        CRLF,
        "--", boundary, CRLF,
        'Content-Type: text/plain; charset="utf-8"', CRLF,
        "Content-Transfer-Encoding: ", text_cte, CRLF,
        CRLF,
        text_body,
        "--", boundary, CRLF,
        'Content-Type: text/html; charset="utf-8"', CRLF,
        "Content-Transfer-Encoding: ", html_cte, CRLF,
        CRLF,
        html_body,
        "--", boundary, "--", CRLF,
    ]).encode("ascii")


def _encode(text: str) -> tuple[str, str]:
    """ASCII with short lines travels as is (7bit); mostly-ASCII text (an accented name in English)
    as quoted-printable, still readable in the raw message; the rest as base64 (Korean is compact so)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    collides = any(line.startswith("--==rewards-") for line in lines)
    if text.isascii() and max(map(len, lines)) <= 900 and not collides:
        body = CRLF.join(lines)
        return "7bit", body if body.endswith(CRLF) else body + CRLF
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))  # counted in C, not character by character
    if not collides and non_ascii * 20 <= len(text):  # at most 1 in 20 characters
        raw = "\n".join(lines).encode("utf-8").decode("latin-1")  # quoprimime encodes characters as bytes
        body = quoprimime.body_encode(raw, maxlinelen=76, eol=CRLF)
        return "quoted-printable", body if body.endswith(CRLF) else body + CRLF
    return "base64", base64.encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", CRLF)
