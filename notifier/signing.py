"""DKIM signing (RFC 6376) of each message: dkimpy's canonicalisation and header, OpenSSL's RSA.

The signature covers the exact bytes that go on the wire, so it is added after the header block has
been read back (mime.check_structure) and before the message leaves the composer: what the ledger
keeps is the Message-ID and the items, never the bytes, so a message sent again after a temporary
failure or a kill is composed and signed afresh (a new Date and a new signature, the same Message-ID).

Why not dkim.sign itself: dkimpy computes RSA with Python's pow (crypto.RSASSA_PKCS1_v1_5_sign), about
6.5 ms a 2048-bit signature against 0.3 ms through OpenSSL, and re-parses the PEM key in Python on
every call; that alone held a run near 134 messages a second. dkimpy has no way to plug in another
RSA implementation (gen_header calls its module's function directly), and replacing that module
global would change every dkimpy user in the process. So `DkimSigner.sign` does what DKIM.sign and
gen_header do, step for step, with dkimpy's own pieces (rfc822_parse, the canonicalization policy,
fold, RE_BTAG, hash_headers), and only the RSASSA-PKCS1-v1_5 step goes through the `cryptography`
package. PKCS #1 v1.5 is deterministic, so the DKIM-Signature is byte for byte what dkim.sign writes
for the same message, key and second: tests/notifier/test_dkim_openssl.py holds it to that, so a
dkimpy release that changes its header is caught before it ships.

The key is read and tried once, when the run starts: a missing, unreadable or unusable key is a
configuration error (exit 2) before anything is sent, never a traceback in the middle of a batch.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import dkim  # type: ignore[import-untyped]  # dkimpy ships no type information
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from dkim.asn1 import ASN1FormatError  # type: ignore[import-untyped]
from dkim.canonicalization import CanonicalizationPolicy  # type: ignore[import-untyped]
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
ALGORITHM = b"rsa-sha256"  # RFC 8301: rsa-sha1 must not be used for signing
_POLICY = CanonicalizationPolicy.from_c_value(b"/".join(CANONICALIZE))
_NAME = b"DKIM-Signature"
_LINESEP = b"\r\n"


class DkimKeyError(ValueError):
    """The configured DKIM key cannot sign: the run stops before sending (configuration error)."""


@dataclass(frozen=True, slots=True)
class DkimSigner:
    selector: bytes
    domain: bytes
    key: rsa.RSAPrivateKey  # loaded once; the forked composing workers inherit it
    include: tuple[bytes, ...] = tuple(h.lower().encode() for h in SIGNED_HEADERS)

    def sign(self, data: bytes, timestamp: int | None = None) -> bytes:
        """The message with its DKIM-Signature header first (the bytes to send). `timestamp` is t=
        (default: now, as dkim.sign takes it)."""
        return self.header(data, timestamp) + data

    def header(self, data: bytes, timestamp: int | None = None) -> bytes:
        """The DKIM-Signature header line dkim.sign(data, selector, domain, key, canonicalize=CANONICALIZE,
        include_headers=include) would return, with the RSA step done by OpenSSL. Each step below is the
        one of dkimpy 1.1's DKIM.sign and DomainSigner.gen_header, in their order."""
        headers, body = dkim.rfc822_parse(data)
        body_hash = base64.b64encode(hashlib.sha256(_POLICY.canonicalize_body(body)).digest())
        fields = [
            (b"v", b"1"), (b"a", ALGORITHM), (b"c", _POLICY.to_c_value()), (b"d", self.domain),
            (b"i", b"@" + self.domain), (b"q", b"dns/txt"), (b"s", self.selector),
            (b"t", str(int(time.time()) if timestamp is None else timestamp).encode("ascii")),
            (b"h", b" : ".join(self.include)), (b"bh", body_hash),
            (b"b", b"0" * 60),  # dkimpy's placeholder: it sets where b= folds (relaxed hashing unfolds it)
        ]
        # The header as it is hashed: folded with the placeholder, then b= emptied (RFC 6376 3.7).
        value = dkim.RE_BTAG.sub(b"\\1", dkim.fold(b"; ".join(b"=".join(f) for f in fields), namelen=len(_NAME)))
        digest = hashlib.sha256()
        dkim.hash_headers(digest, _POLICY, _POLICY.canonicalize_headers(headers), self.include, (_NAME, b" " + value),
                          dict(fields))
        signature = self.key.sign(digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        fields[-1] = (b"b", base64.b64encode(signature))
        signed: bytes = dkim.fold(b"; ".join(b"=".join(f) for f in fields) + _LINESEP, namelen=len(_NAME),
                                  linesep=_LINESEP)
        return _NAME + b": " + signed


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
    # dkimpy's parser above keeps its messages for what it refuses; OpenSSL's is the one that signs.
    try:
        private = serialization.load_pem_private_key(key, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise DkimKeyError(f"the DKIM key {path} (notifier.dkim.key_file) is not a PEM RSA private key ({exc}); "
                           "nothing was sent. Generate one with `openssl genrsa -out FILE 2048`") from None
    if not isinstance(private, rsa.RSAPrivateKey):
        raise DkimKeyError(f"the DKIM key {path} (notifier.dkim.key_file) is not a PEM RSA private key (a "
                           f"{type(private).__name__}); nothing was sent. Generate one with `openssl genrsa -out "
                           "FILE 2048`")
    signer = DkimSigner(config.selector.encode("ascii"), config.domain.encode("ascii"), private)
    sample = b"From: a@example.com\r\nSubject: key check\r\n\r\nkey check\r\n"
    try:
        signed = signer.sign(sample)
    except (dkim.DKIMException, ASN1FormatError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise DkimKeyError(f"the DKIM key {path} cannot sign ({exc}); nothing was sent") from None
    # What a receiver will do with the published public half, done once here: a signer that wrote
    # signatures nobody can verify would fail every message of the run silently, at the receivers.
    if not dkim.verify(signed, dnsfunc=_record_of(signer), minkey=MIN_KEY_BITS):
        raise DkimKeyError(f"the DKIM key {path} signs messages that dkimpy does not verify with its public key; "
                           "nothing was sent")
    return signer


def txt_record(key: rsa.RSAPrivateKey) -> bytes:
    """The TXT record's text for the key's public half (what `<selector>._domainkey.<domain>` publishes)."""
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _record_of(signer: DkimSigner) -> Callable[..., bytes | None]:
    """A DNS lookup that knows only this signer's record (the verifier's dnsfunc)."""
    name = signer.selector + b"._domainkey." + signer.domain + b"."
    record = txt_record(signer.key)

    def lookup(qname: bytes, timeout: int = 5) -> bytes | None:
        return record if qname == name else None
    return lookup
