"""The signer does dkimpy's DKIM with OpenSSL's RSA (notifier/signing.py), and nothing else changes.

RSASSA-PKCS1-v1_5 is deterministic: for the same message, key and second, the DKIM-Signature the
signer writes must be byte for byte the one dkim.sign writes, b= included. Held here over the messages
the composer really writes (tips with List-Unsubscribe, Korean, an escalation with Cc) and over
messages shaped to hit dkimpy's folding and canonicalisation edges, with both PEM forms openssl
writes. So a dkimpy release that changes its header, or a change here that signs anything else
(another hash, another padding, another header list), fails before it ships. A key that cannot sign
is refused with the same words as before, exit 2, nothing sent (test_dkim.py runs the whole path).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from pathlib import Path

import dkim
import pytest
from builders import TODAY, contact, content, many_partners, offer, partner, site
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from notifier import unsubscribe
from notifier.compose import Composer
from notifier.plan import History, plan
from notifier.signing import CANONICALIZE, DkimKeyError, DkimSigner, signer_from, txt_record
from rewards_build.config import DkimConfig

SELECTOR, DOMAIN = "rewards2026", "rewards.example.com"
T = 1_795_939_200  # 2026-11-28 00:00 UTC: t= for both signers
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(subprocess.run(["which", "openssl"], capture_output=True).returncode != 0,
                                reason="needs the openssl command to make keys")


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Keys as docs/notifier.md makes them: OpenSSL 3 writes PKCS #8 ("BEGIN PRIVATE KEY"); -traditional
    writes PKCS #1 ("BEGIN RSA PRIVATE KEY"), what older guides and dknewkey produce; 1024 bits is the floor."""
    folder = tmp_path_factory.mktemp("keys")
    files = {"pkcs8-2048": folder / "pkcs8.pem", "pkcs1-2048": folder / "pkcs1.pem", "pkcs8-1024": folder / "k1024.pem"}
    _openssl("genrsa", "-out", str(files["pkcs8-2048"]), "2048")
    _openssl("genrsa", "-traditional", "-out", str(files["pkcs1-2048"]), "2048")
    _openssl("genrsa", "-out", str(files["pkcs8-1024"]), "1024")
    assert files["pkcs8-2048"].read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert files["pkcs1-2048"].read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    return files


def _signer(key: Path) -> DkimSigner:
    signer = signer_from(DkimConfig(key, SELECTOR, DOMAIN))
    assert signer is not None
    return signer


def _dkimpy(message: bytes, key: Path, signer: DkimSigner, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """dkim.sign itself, at second T, with the options the notifier signs with."""
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: float(T))  # dkimpy reads t= from time.time()
        header: bytes = dkim.sign(message, SELECTOR.encode(), DOMAIN.encode(), key.read_bytes(),
                                  canonicalize=CANONICALIZE, include_headers=list(signer.include))
    return header


def _composed() -> list[bytes]:
    """What the composer writes, unsigned: tips (List-Unsubscribe), Korean, an escalation with the team in Cc."""
    silent = partner("silent", offers=(offer(live=TODAY.replace(month=10, day=1)),), team_contacts=())
    data = content(*many_partners(2), partner("ko", contacts=(contact("김민지", "minji@ko.example", "ko"),)), silent)
    config = site(Path("/nonexistent"))
    composer = Composer(config, data, lambda: NOW, unsubscribe=unsubscribe.signer_from(config.notifier.unsubscribe))
    messages = [composer.compose(e).data for e in plan(data, config.notifier, History(), TODAY)]
    assert any(b"\r\nList-Unsubscribe-Post: " in m for m in messages)
    assert any(b"\r\nCc: " in m for m in messages)
    assert any(b"Content-Language: ko\r\n" in m for m in messages)
    return messages


# Where dkimpy's steps could part from ours: folding of long and whitespace-laden headers, a header
# name in another case, a header twice (the last one is signed), LF line ends, an empty body, trailing
# blank lines and whitespace (relaxed body), 8-bit text, no Date, Cc or List-Unsubscribe at all.
SHAPED = [
    b"From: a@example.com\r\nSubject: key check\r\n\r\nkey check\r\n",
    b"FROM:   Rewards <rewards@rewards.example.com>  \r\nto: b@example.org\r\nSubject: a folded\r\n\t subject"
    b"   with\r\n   whitespace \r\nSubject: the second subject\r\nDate: Mon, 07 Dec 2026 06:00:00 +0000\r\n"
    b"Message-ID: <0123456789abcdef0123456789abcdef@rewards.example.com>\r\n\r\n  body  with \t spaces \r\n\r\n\r\n",
    b"From: a@example.com\nTo: b@example.org\nSubject: " + b"x" * 200 + b"\n\nLF line ends only\n",
    b"From: a@example.com\r\nTo: b@example.org\r\n\r\n",
    b"From: =?utf-8?b?6rmA66+87KeA?= <a@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"MIME-Version: 1.0\r\n\r\n" + "한국어 본문\r\n".encode() * 40,
]


@pytest.mark.parametrize("form", ["pkcs8-2048", "pkcs1-2048", "pkcs8-1024"])
def test_the_signature_is_byte_for_byte_what_dkimpy_writes(key_files: dict[str, Path], form: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    key = key_files[form]
    # Built here rather than by signer_from, whose own check (a sample signed and verified) would stop
    # a broken signer first: this test is the one that says how it differs from dkimpy.
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    signer = DkimSigner(SELECTOR.encode(), DOMAIN.encode(), private)
    record = txt_record(signer.key)
    for message in [*_composed(), *SHAPED]:
        ours = signer.header(message, T)
        assert ours == _dkimpy(message, key, signer, monkeypatch), message[:300]
        assert b"\r\n b=" in ours and ours.endswith(b"\r\n")  # b= folded onto its own lines, as dkimpy does
        signed = ours + message
        assert signer.sign(message, T) == signed
        assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: record if name.startswith(SELECTOR.encode())
                           else None)


def test_no_rsa_is_computed_in_python(key_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the signer: dkimpy's pure-Python RSA (about 6.5 ms a 2048-bit signature) never runs,
    and neither does its per-message parse of the PEM key."""
    signer = _signer(key_files["pkcs8-2048"])

    def forbidden(*args: object) -> None:
        raise AssertionError("dkimpy's pure-Python RSA or key parser was called")

    monkeypatch.setattr(dkim, "RSASSA_PKCS1_v1_5_sign", forbidden)
    monkeypatch.setattr(dkim, "parse_pem_private_key", forbidden)
    assert signer.sign(SHAPED[0]).startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")


def test_t_is_now_unless_given(key_files: dict[str, Path]) -> None:
    signer = _signer(key_files["pkcs8-2048"])
    before = int(time.time())
    header = signer.header(SHAPED[0]).decode()
    t = int(header.split(" t=", 1)[1].split(";", 1)[0])
    assert before <= t <= int(time.time())


def _openssl_key(path: Path, command: str, *args: str) -> None:
    _openssl(command, "-out", str(path), *args)  # genrsa takes the size last


# The words a user gets for each key that cannot sign, as they were with dkim.sign (nothing changed):
# dkimpy's parser still reads the key first, so an EC, Ed25519 or encrypted key is refused as before.
REFUSALS = {
    "missing": "cannot read the DKIM key {key} (notifier.dkim.key_file): No such file or directory; nothing was sent. "
               "Make it readable by the notifier, or generate one (docs/notifier.md, \"DKIM\")",
    "empty": "the DKIM key {key} (notifier.dkim.key_file) is not a PEM RSA private key (Private key not found); "
             "nothing was sent. Generate one with `openssl genrsa -out FILE 2048`",
    "512 bits": "the DKIM key {key} has 512 bits; receivers refuse keys under 1024 bits (RFC 8301), so nothing was "
                "sent. Generate a 2048-bit key",
    "ec": "the DKIM key {key} (notifier.dkim.key_file) is not a PEM RSA private key (Unparsable private key (are "
          "your sure it is encoded in PKCS#1 or PKCS#8 standard ?):\nUnexpected tag (got 06, expecting 05)); nothing "
          "was sent. Generate one with `openssl genrsa -out FILE 2048`",
    "ed25519": "the DKIM key {key} (notifier.dkim.key_file) is not a PEM RSA private key (Unparsable private key "
               "(are your sure it is encoded in PKCS#1 or PKCS#8 standard ?):\nData truncated at byte 5); nothing was "
               "sent. Generate one with `openssl genrsa -out FILE 2048`",
    "encrypted": "the DKIM key {key} (notifier.dkim.key_file) is not a PEM RSA private key (Unparsable private key "
                 "(are your sure it is encoded in PKCS#1 or PKCS#8 standard ?):\nUnexpected tag (got 30, expecting "
                 "02)); nothing was sent. Generate one with `openssl genrsa -out FILE 2048`",
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_key_that_cannot_sign_is_refused_with_the_same_words(tmp_path: Path, case: str) -> None:
    key = tmp_path / "dkim.pem"
    if case == "empty":
        key.write_bytes(b"")
    elif case == "512 bits":
        _openssl_key(key, "genrsa", "512")
    elif case == "ec":
        _openssl_key(key, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    elif case == "ed25519":
        _openssl_key(key, "genpkey", "-algorithm", "ed25519")
    elif case == "encrypted":  # the notifier runs from cron: no one is there to type a passphrase
        _openssl_key(key, "genrsa", "-aes256", "-passout", "pass:secret", "2048")
    with pytest.raises(DkimKeyError) as refused:
        signer_from(DkimConfig(key, SELECTOR, DOMAIN))
    assert str(refused.value) == REFUSALS[case].format(key=key)
