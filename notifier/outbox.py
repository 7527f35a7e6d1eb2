"""Dry run: each message as an .eml file, and an index.html showing every message (both parts).

Nothing connects to a server and the ledger is not touched. Files are written to a temporary name
and renamed into place; the folder's earlier .eml files are removed first so it shows this run only.
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
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.eml"):
            old.unlink()

    def write(self, prepared: Prepared) -> Path:
        self.count += 1
        name = f"{self.count:05d}-{_slug(prepared.partner_id)}-{_slug(prepared.to.lower())}.eml"
        path = self.folder / name
        _write_atomic(path, prepared.data)
        if len(self.previews) < MAX_PREVIEWED:
            self.previews.append(_preview(name, prepared))
        return path

    def finish(self, today: dt.date) -> Path:
        html = self.env.get_template("outbox.html.j2").render(
            count=self.count, today=today.isoformat(), messages=self.previews
        )
        index = self.folder / "index.html"
        _write_atomic(index, html.encode("utf-8"))
        return index


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
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
