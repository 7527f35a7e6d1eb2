"""DKIM signing (RFC 6376) of each message, with dkimpy: the last step of composing.

The signature covers the exact bytes that go on the wire, so it is added after the header block has
been read back (mime.check_structure) and before the message leaves the composer: what the ledger
keeps is the Message-ID and the items, never the bytes, so a message sent again after a temporary
failure or a kill is composed and signed afresh (a new Date and a new signature, the same Message-ID).

The key is read and tried once, when the run starts: a missing, unreadable or unusable key is a
configuration error (exit 2) before anything is sent, never a traceback in the middle of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import dkim  # type: ignore[import-untyped]  # dkimpy ships no type information
from dkim.asn1 import ASN1FormatError  # type: ignore[import-untyped]
from dkim.crypto import UnparsableKeyError, parse_pem_private_key  # type: ignore[import-untyped]

from rewards_build.config import DkimConfig

# What a receiver must be able to trust: who it is from and to, what it says, when, which message,
# how to unsubscribe (RFC 8058 section 4 asks for List-Unsubscribe and List-Unsubscribe-Post to be
# signed), and how the body is to be read. Reply-To too: a forged Reply-To is how a phish answers.
# A header listed here that a message lacks (Cc, List-Unsubscribe on a reminder) is signed as absent,
# so no relay can add it later without breaking the signature.
SIGNED_HEADERS: tuple[str, ...] = (
    "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
    "List-Unsubscribe-Post", "MIME-Version", "Content-Type",
)
MIN_KEY_BITS = 1024  # RFC 8301: verifiers refuse shorter keys; 2048 is what the docs recommend
CANONICALIZE = (b"relaxed", b"relaxed")  # tolerant of the header refolding and whitespace relays do


class DkimKeyError(ValueError):
    """The configured DKIM key cannot sign: the run stops before sending (configuration error)."""


@dataclass(frozen=True, slots=True)
class DkimSigner:
    selector: bytes
    domain: bytes
    key: bytes  # the PEM text, as dkimpy takes it
    include: tuple[bytes, ...] = tuple(h.lower().encode() for h in SIGNED_HEADERS)

    def sign(self, data: bytes) -> bytes:
        """The message with its DKIM-Signature header first (the bytes to send)."""
        header: bytes = dkim.sign(data, self.selector, self.domain, self.key, canonicalize=CANONICALIZE,
                                  include_headers=list(self.include))
        return header + data


def signer_from(config: DkimConfig | None) -> DkimSigner | None:
    """The signer for a run, or None when site.yml has no notifier.dkim. Raises DkimKeyError with what is
    wrong and what to do, having tried the key on a sample message."""
    if config is None:
        return None
    path = config.key_file
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise DkimKeyError(f"cannot read the DKIM key {path} (notifier.dkim.key_file): {exc.strerror}; nothing was "
                           "sent. Make it readable by the notifier, or generate one (docs/notifier.md, "
                           "\"DKIM\")") from None
    try:
        bits = int(parse_pem_private_key(key)["modulus"]).bit_length()
    except (UnparsableKeyError, ASN1FormatError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise DkimKeyError(f"the DKIM key {path} (notifier.dkim.key_file) is not a PEM RSA private key ({exc}); "
                           "nothing was sent. Generate one with `openssl genrsa -out FILE 2048`") from None
    if bits < MIN_KEY_BITS:
        raise DkimKeyError(f"the DKIM key {path} has {bits} bits; receivers refuse keys under {MIN_KEY_BITS} bits "
                           "(RFC 8301), so nothing was sent. Generate a 2048-bit key") from None
    signer = DkimSigner(config.selector.encode("ascii"), config.domain.encode("ascii"), key)
    try:
        signer.sign(b"From: a@example.com\r\nSubject: key check\r\n\r\nkey check\r\n")
    except (dkim.DKIMException, ASN1FormatError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise DkimKeyError(f"the DKIM key {path} cannot sign ({exc}); nothing was sent") from None
    return signer
