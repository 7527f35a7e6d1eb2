"""What content may put into a mail header, decided once: validation refuses it with a located
message, and the mailer (notifier/mime.py) asks the same questions again at the last moment.

Two traps beyond control characters (which the schemas refuse):
- "=?" opens an RFC 2047 encoded word. Mail programs, Python's email package included, decode such
  words inside header values, so text like "=?utf-8?q?x=0D=0ABcc=3A_y?=" would become a new header
  line, a recipient or a body. No name or title needs "=?".
- An address the mailer cannot parse stops its message: validation uses the mailer's own parser
  (the email package's), so what validates is what sends.
"""

from __future__ import annotations

import re
from email import errors
from email.headerregistry import Address

ENCODED_WORD = "=?"

# Mail to a shared mailbox is read by nobody in particular: the program needs a person. Compared after
# dropping "+tag", case and the separators people vary (no-reply, no_reply, no.reply, NoReply).
_SHARED_ALIASES = frozenset({
    "abuse", "admin", "administrator", "billing", "bounce", "bounces", "careers", "contact", "contactus",
    "donotreply", "enquiries", "enquiry", "hello", "help", "helpdesk", "hostmaster", "hr", "info", "inquiries",
    "inquiry", "jobs", "mail", "mailerdaemon", "marketing", "media", "news", "newsletter", "noreply",
    "notifications", "office", "partners", "postmaster", "press", "privacy", "root", "sales", "security",
    "service", "support", "team", "webmaster",
})
_SEPARATORS = re.compile(r"[-_.]")


def header_text_problem(text: str) -> str | None:
    """Why a name or title must not reach a header, or None."""
    if ENCODED_WORD in text:
        return ("contains '=?', which mail programs read as the start of an encoded word (RFC 2047) and could "
                "decode into new header lines; write the text without '=?'")
    return None


# A dot-atom local part (RFC 5322 3.2.3) at a plain host name: what nearly every address is, and a strict
# subset of what the email package accepts, so the parser below runs only for the rest (it costs ~70 us,
# a fifth of validating a partner file).
_PLAIN = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def address_problem(addr_spec: str) -> str | None:
    """Why an address cannot be sent to, by the mailer's own parser, or None."""
    if _PLAIN.fullmatch(addr_spec):
        return None
    local = addr_spec.rpartition("@")[0]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "is not an address mail programs accept: a dot cannot start or end the part before @, or follow a dot"
    if not addr_spec.isascii():
        return "has characters outside ASCII, which mail servers do not all accept; use an ASCII address"
    try:
        parsed = Address(addr_spec=addr_spec)
    except (errors.HeaderParseError, errors.MessageDefect, ValueError, IndexError) as exc:
        return f"is not an address mail programs accept ({str(exc).rstrip(')')})"
    if parsed.addr_spec != addr_spec:
        return f"is not an address mail programs accept (it reads as {parsed.addr_spec})"
    return None


def shared_alias(addr_spec: str) -> str | None:
    """The shared mailbox an address names ("noreply"), or None for a person's address."""
    local = addr_spec.split("@", 1)[0].split("+", 1)[0].lower()
    canonical = _SEPARATORS.sub("", local)
    return canonical if canonical in _SHARED_ALIASES else None
