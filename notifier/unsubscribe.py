"""Unsubscribing from tips, end to end: the signed link a tip carries, the receiver that answers it
(RFC 8058 one-click POST, and a GET that only shows a confirmation form, because mail scanners follow
links), the record the receiver appends to, and the YAML change that brings a recorded opt-out into
the content (`rewards notify --export-optouts`).

A link names the partner, the contact (a hash of the address, so the address is not in web logs),
the purpose ("tips") and an HMAC-SHA256 token of the three, keyed with the secret in the environment
variable `notifier.unsubscribe.secret_env` names. Anyone can recompute the contact hash; nobody
without the secret can make a token, and a token made for one partner, contact or purpose is refused
for another (compared in constant time).

Reminders and escalations are never unsubscribed from here: they are the program's obligations
(their footer says how to change the contact instead).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs, urlencode, urlsplit

from rewards_build.config import SiteConfig, UnsubscribeConfig
from rewards_build.model import Content

from .contact_patch import set_on_contacts

TIPS = "tips"  # the one purpose a link can unsubscribe from
PURPOSES = frozenset({TIPS})
MAX_BODY = 1024  # bytes of a POST body read at most (the one-click body is 26)


def contact_ref(address: str) -> str:
    """How a link names a contact: not the address itself (links end up in web server logs)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Request:
    """What one unsubscribe link asks for."""

    partner: str
    contact: str  # contact_ref of the address
    purpose: str


class Signer:
    """Makes and checks the tokens of unsubscribe links (HMAC-SHA256 over partner, contact, purpose)."""

    def __init__(self, url: str, secret: bytes):
        if not secret:
            raise ValueError("an unsubscribe secret cannot be empty")
        self.url = url
        self._secret = secret

    @staticmethod
    def from_env(config: UnsubscribeConfig, environ: Mapping[str, str] = os.environ) -> Signer:
        """The signer keyed with the secret in the environment variable site.yml names."""
        secret = environ.get(config.secret_env, "")
        if not secret:
            raise SecretMissing(f"notifier.unsubscribe is configured but ${config.secret_env} is empty")
        return Signer(config.url, secret.encode())

    def token(self, request: Request) -> str:
        message = "\x00".join((request.purpose, request.partner, request.contact)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def link(self, partner_id: str, address: str, purpose: str = TIPS, language: str = "en") -> str:
        """The link for one contact; `language` (the contact's) only chooses the wording of the pages
        the receiver shows, so it is outside the token."""
        request = Request(partner_id, contact_ref(address), purpose)
        fields = {"partner": request.partner, "contact": request.contact, "purpose": request.purpose,
                  "token": self.token(request)}
        if language != "en" and language in PAGE_WORDS:
            fields["lang"] = language
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(fields)}"

    def verify(self, query: str) -> Request | None:
        """The request a link's query string makes, or None when it is malformed, forged or altered."""
        fields = parse_qs(query, keep_blank_values=True)
        values = {name: fields.get(name, []) for name in ("partner", "contact", "purpose", "token")}
        if any(len(v) != 1 for v in values.values()):
            return None
        request = Request(values["partner"][0], values["contact"][0], values["purpose"][0])
        if request.purpose not in PURPOSES:
            return None
        return request if hmac.compare_digest(self.token(request), values["token"][0]) else None


class SecretMissing(Exception):
    """notifier.unsubscribe is configured, but its secret is not in the environment."""


def signer_from(config: UnsubscribeConfig | None, environ: Mapping[str, str] = os.environ) -> Signer | None:
    """The signer for this process, or None when no receiver is configured. Configured but without its
    secret: SecretMissing (the caller decides whether that stops it)."""
    return None if config is None else Signer.from_env(config, environ)


# --- the record: one JSON line per opt-out, appended ----------------------------------------------


@dataclass(frozen=True, slots=True)
class OptOut:
    at: str  # when the receiver recorded it (ISO 8601, UTC)
    partner: str
    contact: str  # contact_ref
    purpose: str


def append(path: Path, optout: OptOut) -> None:
    """One line, written with O_APPEND in one write and fsync'd: lines never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": optout.at, "partner": optout.partner, "contact": optout.contact,
                       "purpose": optout.purpose}, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> list[OptOut]:
    """Every opt-out recorded; a line that is not a whole record (cut short by a crash) is skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    found = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            found.append(OptOut(str(data["at"]), str(data["partner"]), str(data["contact"]), str(data["purpose"])))
        except (ValueError, KeyError, TypeError):
            continue
    return found


def unsubscribed(content: Content, optouts: Iterable[OptOut]) -> frozenset[tuple[str, str]]:
    """The recorded tip opt-outs as planning takes them: (partner id, address in lower case) of each
    contact of the content that a record names."""
    wanted = {(o.partner, o.contact) for o in optouts if o.purpose == TIPS}
    return frozenset(
        (partner.id, c.email.lower())
        for partner in content.partners.values() for c in partner.contacts
        if (partner.id, contact_ref(c.email)) in wanted
    )


# --- the YAML change (rewards notify --export-optouts) -------------------------------------------


def export_optouts(site: SiteConfig, content: Content, optouts: Iterable[OptOut]) -> tuple[str, list[str]]:
    """A unified diff (for `git apply`, paths relative to site.yml's folder) that writes `tips: false`
    into each partner file for every recorded opt-out the content does not show yet, and notes about
    the records it could not place."""
    by_partner: dict[str, dict[str, str]] = {}  # partner -> contact_ref -> when
    for o in optouts:
        if o.purpose == TIPS:
            by_partner.setdefault(o.partner, {}).setdefault(o.contact, o.at)
    patches, notes = [], []
    for partner_id, refs in sorted(by_partner.items()):
        partner = content.partners.get(partner_id)
        if partner is None:
            notes.append(f"{partner_id}: no such partner in the content; {len(refs)} opt-out(s) left out")
            continue
        addresses = [c.email for c in partner.contacts if contact_ref(c.email) in refs and c.tips]
        missing = set(refs) - {contact_ref(c.email) for c in partner.contacts}
        if missing:
            notes.append(f"{partner.source}: {len(missing)} opt-out(s) name a contact no longer in the file")
        if addresses:
            patch, unplaced = set_on_contacts(site, partner, "tips", {a.lower(): "false" for a in addresses})
            patches.append(patch)
            notes += [f"{partner.source}: add `tips: false` to {a} by hand (not written as a block mapping)"
                      for a in unplaced]
    return "".join(patches), notes


# --- the receiver (rewards unsubscribe-server) -----------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title></head>
<body style="font-family:-apple-system,'Segoe UI',Roboto,'Malgun Gothic',sans-serif;max-width:36em;margin:2em auto;
word-break:keep-all;overflow-wrap:break-word">
<h1>{title}</h1>
{body}
</body></html>
"""

# Every page the receiver shows, per language: (title, paragraph). The link's `lang` (the contact's
# language when the mail was written) chooses; else the browser's Accept-Language; else English.
PAGE_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "confirm": ("Stop receiving tips?",
                    "You will no longer receive the Marketplace Rewards program's best-practice tips at this address. "
                    "Reminders about your benefits and deadlines still come: they are part of the program."),
        "button": ("Stop receiving tips", ""),
        "done": ("You will receive no more tips",
                 "Done: the program's best-practice tips stop from the next mailing. Reminders about your benefits "
                 "and deadlines still come."),
        "invalid": ("This link is not valid",
                    "This unsubscribe link is not one the program sent, or it was changed. Use the link in the email "
                    "itself, or reply to the email and ask."),
        "not_found": ("Not found", "There is nothing here."),
        "bad_body": ("Bad request", "The request body is not accepted."),
        "not_one_click": ("Bad request", "An unsubscribe request posts List-Unsubscribe=One-Click."),
        "retry": ("Please try again later", "Your request could not be recorded just now. Please try again later."),
    },
    "ko": {
        "confirm": ("팁 메일 수신을 중단할까요?",
                    "이 주소로 Marketplace Rewards 프로그램의 모범 사례 팁을 더 이상 받지 않게 됩니다. "
                    "혜택과 기한에 관한 알림은 프로그램의 일부이므로 계속 발송됩니다."),
        "button": ("팁 메일 수신 중단", ""),
        "done": ("더 이상 팁 메일을 받지 않습니다",
                 "처리되었습니다. 다음 발송부터 프로그램의 모범 사례 팁이 중단됩니다. 혜택과 기한에 관한 알림은 계속 "
                 "발송됩니다."),
        "invalid": ("유효하지 않은 링크입니다",
                    "이 수신 거부 링크는 프로그램이 보낸 링크가 아니거나 변경되었습니다. "
                    "메일에 있는 링크를 그대로 사용하거나, 메일에 회신하여 요청해 주세요."),
        "not_found": ("페이지를 찾을 수 없습니다", "여기에는 아무것도 없습니다."),
        "bad_body": ("잘못된 요청입니다", "요청 본문을 처리할 수 없습니다."),
        "not_one_click": ("잘못된 요청입니다", "수신 거부 요청은 List-Unsubscribe=One-Click을 POST로 보내야 합니다."),
        "retry": ("잠시 후 다시 시도해 주세요", "지금은 요청을 기록할 수 없습니다. 잠시 후 다시 시도해 주세요."),
    },
}


def page_language(query: str, accept_language: str | None) -> str:
    """The language of the receiver's pages for one request."""
    asked = parse_qs(query).get("lang", [""])[0]
    if asked in PAGE_WORDS:
        return asked
    weighted = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.split("-")[0].lower()
        if primary in PAGE_WORDS and q > 0:
            weighted.append((-q, i, primary))
    return min(weighted)[2] if weighted else "en"


class Receiver:
    """What the HTTP handler needs: the signer, the record, the path it answers, and what it recorded."""

    def __init__(self, signer: Signer, record: Path, now: type[dt.datetime] = dt.datetime):
        self.signer = signer
        self.record = record
        self.path = urlsplit(signer.url).path or "/"
        self.now = now
        self.lock = threading.Lock()
        self.seen = {(o.partner, o.contact, o.purpose) for o in read(record)}

    def unsubscribe(self, request: Request) -> None:
        with self.lock:
            if (request.partner, request.contact, request.purpose) in self.seen:
                return  # a second click: recorded already
            at = self.now.now(dt.UTC).replace(microsecond=0).isoformat()
            append(self.record, OptOut(at, request.partner, request.contact, request.purpose))
            self.seen.add((request.partner, request.contact, request.purpose))


class Handler(BaseHTTPRequestHandler):
    server: ReceiverServer
    server_version = "rewards-unsubscribe"
    timeout = 10  # seconds a client may take to send its request (a stalled one holds only its thread)
    sys_version = ""

    def do_GET(self) -> None:
        """A confirmation page whose form POSTs: following a link never unsubscribes anyone."""
        url = urlsplit(self.path)
        if url.path != self.server.receiver.path:
            return self._answer(HTTPStatus.NOT_FOUND, "not_found")
        if self.server.receiver.signer.verify(url.query) is None:
            return self._answer(HTTPStatus.BAD_REQUEST, "invalid")
        action = html.escape(self.path, quote=True)
        button = html.escape(PAGE_WORDS[self._language()]["button"][0])
        self._answer(HTTPStatus.OK, "confirm", (
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{button}</button></form>'))

    def do_POST(self) -> None:
        """RFC 8058 one-click (and the confirmation form, which posts the same body)."""
        url = urlsplit(self.path)
        if url.path != self.server.receiver.path:
            return self._answer(HTTPStatus.NOT_FOUND, "not_found")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._answer(HTTPStatus.BAD_REQUEST, "bad_body")
        body = self.rfile.read(length).decode("ascii", "replace")
        if parse_qs(body).get("List-Unsubscribe") != ["One-Click"]:
            return self._answer(HTTPStatus.BAD_REQUEST, "not_one_click")
        request = self.server.receiver.signer.verify(url.query)
        if request is None:
            return self._answer(HTTPStatus.BAD_REQUEST, "invalid")
        try:
            self.server.receiver.unsubscribe(request)
        except OSError as exc:
            self.log_message("cannot record an opt-out in %s: %s", self.server.receiver.record, exc.strerror)
            return self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "retry")
        self._answer(HTTPStatus.OK, "done")

    def _language(self) -> str:
        return page_language(urlsplit(self.path).query, self.headers.get("Accept-Language"))

    def _answer(self, status: HTTPStatus, page: str, extra: str = "") -> None:
        """One of PAGE_WORDS' pages in the request's language, with `extra` markup after its paragraph."""
        lang = self._language()
        title, paragraph = PAGE_WORDS[lang][page]
        data = PAGE.format(lang=lang, title=html.escape(title), body=f"<p>{html.escape(paragraph)}</p>{extra}").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """One line per request on the server's log, without the query (it holds tokens)."""
        message = format % args
        if args and isinstance(args[0], str) and "?" in args[0]:
            message = message.replace(args[0], args[0].split("?", 1)[0] + "?…")
        self.server.log.write(f"{self.address_string()} {message}\n")
        self.server.log.flush()


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: Receiver, log: TextIO):
        self.receiver = receiver
        self.log = log
        super().__init__(address, Handler)


def serve(host: str, port: int, receiver: Receiver, log: TextIO) -> ReceiverServer:
    """A bound server (port 0: a free one; see server_address); call serve_forever on it."""
    return ReceiverServer((host, port), receiver, log)
