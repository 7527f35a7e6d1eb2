"""Dry run: each message as an .eml file, and an index.html showing every message (both parts).

Nothing connects to a server and the ledger is not touched. Files are written to a temporary name
and renamed into place; the folder's earlier .eml files are removed first so it shows this run only.
A folder that cannot be made or written (read-only, a full disk, a file in the way) is an
`OutboxError` saying which file and why; a temporary file cut short is removed.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import jinja2

from .produce import Prepared

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                 "List-Unsubscribe", "List-Unsubscribe-Post", "Content-Language")
MAX_PREVIEWED = 500  # index.html shows this many messages in full; every one still has its .eml


class OutboxError(Exception):
    """The outbox folder cannot be written; the message says which file, why, and what to do."""


@dataclass(frozen=True, slots=True)
class Preview:
    file: str
    to: str
    subject: str
    kinds: str
    headers: tuple[tuple[str, str], ...]
    text: str
    html: str


class Outbox:
    def __init__(self, folder: Path, templates: Path):
        self.folder = folder
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
        self.previews: list[Preview] = []
        self.count = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.eml"):
                old.unlink()
        except OSError as exc:
            raise self._error(exc) from exc

    def write(self, prepared: Prepared) -> Path:
        name = f"{self.count + 1:05d}-{_slug(prepared.partner_id)}-{_slug(prepared.to.lower())}.eml"
        path = self.folder / name
        try:
            _write_atomic(path, prepared.data)
        except OSError as exc:
            raise self._error(exc) from exc
        self.count += 1
        if len(self.previews) < MAX_PREVIEWED:
            self.previews.append(_preview(name, prepared))
        return path

    def finish(self, today: dt.date) -> Path:
        html = self.env.get_template("outbox.html.j2").render(
            count=self.count, today=today.isoformat(), messages=self.previews
        )
        index = self.folder / "index.html"
        try:
            _write_atomic(index, html.encode("utf-8"))
        except OSError as exc:
            raise self._error(exc) from exc
        return index

    def _error(self, exc: OSError) -> OutboxError:
        where = exc.filename or self.folder
        return OutboxError(f"cannot write the dry-run outbox {self.folder}: {exc.strerror} ({where}); "
                           f"{self.count} message(s) were written before that. Free some space, or choose another "
                           "folder with --outbox DIR (or notifier.outbox in site.yml); nothing was sent")


def _preview(name: str, prepared: Prepared) -> Preview:
    msg = email.message_from_bytes(prepared.data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    text = html = ""
    for part in msg.iter_parts():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    headers = tuple((h, str(msg[h])) for h in SHOWN_HEADERS if msg[h] is not None)
    return Preview(name, str(msg["To"]), str(msg["Subject"]), prepared.kinds, headers, text, html)


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value)[:60]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a file cut short by a full disk is not left behind
        raise
