"""What an operator runs, run as the operator runs it: `rewards unsubscribe-server` as its own process
on a loopback port (RFC 8058 one-click POST, and the GET page), and the cron line of docs/notifier.md
with sh against a fresh clone (a shell error there must not read as notify's exit)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import UNSUBSCRIBE_SECRET

from notifier import unsubscribe

REPO = Path(__file__).resolve().parents[2]
REWARDS = Path(sys.executable).parent / "rewards"  # the console script the venv installs
ONE_CLICK = b"List-Unsubscribe=One-Click"


def deployment(folder: Path) -> None:
    """The repository's site.yml in a folder of its own, with the folders it names (the receiver reads
    no content)."""
    shutil.copy(REPO / "site.yml", folder / "site.yml")
    for name in ("content", "templates"):
        (folder / name).mkdir()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`rewards unsubscribe-server --port 0` on the repository's site.yml, copied into a folder of its own;
    yields its address and the record it appends to (beside the ledger, var/)."""
    deployment(tmp_path)
    env = {**os.environ, "REWARDS_UNSUBSCRIBE_SECRET": UNSUBSCRIBE_SECRET}
    p = subprocess.Popen([str(REWARDS), "unsubscribe-server", "--site", str(tmp_path / "site.yml"), "--host",
                          "127.0.0.1", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        assert p.stderr is not None
        line = p.stderr.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+)/, recording to (\S+)", line)
        assert found, line
        yield found[1], Path(found[2])
    finally:
        p.terminate()
        p.wait(10)


def call(url: str, body: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_unsubscribe_server_command_records_a_one_click_post_and_a_get_only_shows_the_form(
        server: tuple[str, Path], tmp_path: Path) -> None:
    base, record = server
    assert record == tmp_path / "var" / "unsubscribed.jsonl"
    signer = unsubscribe.Signer("https://rewards.example.com/unsubscribe", UNSUBSCRIBE_SECRET.encode())
    link = signer.link("contoso", "Ada@Contoso.example")
    local = f"{base}/unsubscribe?{link.partition('?')[2]}"

    status, page = call(local)
    assert status == 200 and '<form method="post"' in page
    assert not record.exists()  # a GET (a mail scanner) unsubscribes no one

    assert call(local, ONE_CLICK)[0] == 200
    [optout] = unsubscribe.read(record)
    assert (optout.partner, optout.contact, optout.purpose) == (
        "contoso", unsubscribe.contact_ref("ada@contoso.example"), "tips")

    forged = local.replace("partner=contoso", "partner=fabrikam")
    assert call(forged, ONE_CLICK)[0] == 400 and len(unsubscribe.read(record)) == 1


def test_the_unsubscribe_server_command_refuses_to_start_without_its_secret(tmp_path: Path) -> None:
    deployment(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "REWARDS_UNSUBSCRIBE_SECRET"}
    done = subprocess.run([str(REWARDS), "unsubscribe-server", "--site", str(tmp_path / "site.yml"), "--port", "0"],
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 2 and "REWARDS_UNSUBSCRIBE_SECRET is empty" in done.stderr


# --- the cron line ---------------------------------------------------------------------------------------


def cron_command() -> str:
    """The command of the documented cron line (the five schedule fields left out)."""
    text = (REPO / "docs" / "notifier.md").read_text(encoding="utf-8")
    block = text.split("```cron\n", 1)[1].split("```", 1)[0]
    [line] = [x for x in block.splitlines() if x[:1].isdigit()]
    return line.split(None, 5)[5]


def run_cron(command: str, clone: Path, password: Path, shell: str) -> subprocess.CompletedProcess[str]:
    command = command.replace("/srv/marketplace-rewards", str(clone)).replace("/etc/rewards/smtp-password",
                                                                               str(password))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(clone.parent)}  # what cron gives a job
    return subprocess.run([shell, "-c", command], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone of the repository (no var/), with the environment's venv as its .venv."""
    if shutil.which("git") is None:
        pytest.skip("needs git to make a fresh clone")
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(tmp_path / "clone")], check=True,
                   capture_output=True)
    (tmp_path / "clone" / ".venv").symlink_to(REPO / ".venv")
    return tmp_path / "clone"


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_the_documented_cron_line_works_on_a_fresh_clone(clone: Path, tmp_path: Path, shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"needs {shell}")
    password = tmp_path / "smtp-password"
    password.write_text("not-used\n")
    assert not (clone / "var").exists()
    done = run_cron(cron_command(), clone, password, shell)
    log = (clone / "var" / "notify.log").read_text()
    # A fresh clone has no ledger: notify itself refuses (exit 2), says why in the log, and cron mails one line.
    assert "notify: no ledger at" in log and "rewards notify --init-ledger" in log, log
    assert done.stdout.strip() == f"rewards notify exited 2: see {clone}/var/notify.log", done
    assert done.stderr == ""


@pytest.mark.parametrize("break_it", ["no folder", "var is a file", "no venv"])
def test_a_shell_error_in_the_cron_line_does_not_read_as_notifys_exit(
        clone: Path, tmp_path: Path, break_it: str) -> None:
    password = tmp_path / "smtp-password"
    password.write_text("not-used\n")
    if break_it == "no folder":
        shutil.rmtree(clone)
    elif break_it == "var is a file":
        (clone / "var").write_text("")
    else:
        (clone / ".venv").unlink()
    done = run_cron(cron_command(), clone, password, "sh")
    assert done.returncode != 0
    assert "rewards notify did not start" in done.stdout and "exited" not in done.stdout, done
    assert done.stderr or break_it == "no venv"  # the shell's own words, which cron mails along
