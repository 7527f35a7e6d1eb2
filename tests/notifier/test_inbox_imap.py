"""The bounce inbox over IMAP (TLS from the first byte, certificate verified), against a real Dovecot
started by the test on a loopback port with its own configuration, users and mail in a temporary
folder. `make test` installs Debian's dovecot-imapd (as it installs postfix for the bounce test);
where it is missing these tests are skipped and say so."""

from __future__ import annotations

import dataclasses
import imaplib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from builders import TODAY, contact, content, partner, site
from conftest import Handler, Server, ledger_rows, run_notify, start_server
from test_inbox import BOB, BOUNCES, dsn, suppressed, verp

from notifier.notify import Options
from rewards_build.config import SiteConfig

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD, PASSWORD_ENV = "bouncer", "imap-test-password", "REWARDS_TEST_IMAP_PASSWORD"
DATA = content(partner(contacts=(contact(), contact("Bob Builder", BOB))))

CONF = """\
base_dir = {base}/run
state_dir = {base}/run
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/users
}}
userdb {{
  driver = passwd-file
  args = {base}/users
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
"""


@dataclasses.dataclass
class Imap:
    port: int
    cert: Path

    def client(self) -> imaplib.IMAP4_SSL:
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.port, timeout=10,
                                 ssl_context=ssl.create_default_context(cafile=str(self.cert)))
        imap.login(USER, PASSWORD)
        return imap

    def count(self, folder: str) -> int:
        imap = self.client()
        try:
            typ, data = imap.select(f'"{folder}"', readonly=True)
            return int(data[0] or 0) if typ == "OK" else -1
        finally:
            imap.logout()


@pytest.fixture
def dovecot(monkeypatch: pytest.MonkeyPatch) -> Iterator[Imap]:
    if not DOVECOT.exists():
        pytest.skip("needs Dovecot (apt-get install dovecot-imapd), which make test does not install: the IMAP "
                    "path is tested where it is installed")
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    base = Path(tempfile.mkdtemp(prefix="rewards-dovecot-", dir="/tmp"))  # its mail user must enter it
    base.chmod(0o755)
    (base / "run").mkdir()
    (base / "mail").mkdir()
    shutil.chown(base / "mail", 65534, 65534)  # nobody: Dovecot refuses to act as root for a mail user
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(base / "key.pem"), "-out",
                    str(base / "cert.pem")], check=True, capture_output=True)
    (base / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:65534:65534::{base}/mail/{USER}\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = base / "dovecot.conf"
    conf.write_text(CONF.format(base=base, port=port))
    # The daemon keeps its inherited descriptors: no pipes, or waiting for them would wait for it to end.
    subprocess.run([str(DOVECOT), "-c", str(conf)], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    # The notifier verifies the server's certificate like any other: trust the test's own, as an operator
    # with a private CA would (OpenSSL reads SSL_CERT_FILE).
    monkeypatch.setenv("SSL_CERT_FILE", str(base / "cert.pem"))
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield Imap(port, base / "cert.pem")
    finally:
        subprocess.run([str(DOVECOT), "-c", str(conf), "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    s = await start_server(Handler(pipelining=True))
    yield s
    s.server.close()


def imap_site(root: Path, smtp_port: int, imap_port: int) -> SiteConfig:
    return site(root, smtp_port, bounces={"address": BOUNCES, "imap": {
        "host": "127.0.0.1", "port": imap_port, "user": USER, "password_env": PASSWORD_ENV}})


async def test_a_bounce_read_over_imap_suppresses_and_is_moved_to_the_processed_folder(
        dovecot: Imap, server: Server, root: Path) -> None:
    config = imap_site(root, server.port, dovecot.port)
    first = await run_notify(config, DATA, Options(TODAY))
    assert first.code == 0, first.err
    bob_id = next(str(r["message_id"]) for r in ledger_rows(config) if r["contact"] == BOB)
    imap = dovecot.client()
    try:
        imap.append("INBOX", None, None, dsn(verp(bob_id), BOB))
        imap.append("INBOX", None, None, b"From: someone@else.example\r\nSubject: hello\r\n\r\nnot a report\r\n")
    finally:
        imap.logout()

    second = await run_notify(config, DATA, Options(TODAY))

    assert second.code == 0, second.err
    assert f"hard bounce of {bob_id} to {BOB}" in second.err
    assert suppressed(config) == [BOB]
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 2)
    third = await run_notify(config, DATA, Options(TODAY))  # nothing left to read
    assert "inbox" not in third.err


async def test_a_refused_imap_login_is_one_message_and_the_run_still_sends(
        dovecot: Imap, server: Server, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    config = imap_site(root, server.port, dovecot.port)
    result = await run_notify(config, DATA, Options(TODAY))
    assert result.code == 1
    assert "cannot read the bounce inbox imaps://127.0.0.1" in result.err and "Traceback" not in result.err
    assert len(server.handler.received) == 2
