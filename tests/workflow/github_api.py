"""A loopback stand-in for the part of GitHub's REST API our workflow scripts call, served over TLS so
that the real `gh` CLI talks to it as it talks to GitHub Enterprise (`GH_HOST`, `/api/v3/...`).

GitHub itself cannot be reached from the test machine; everything on our side of the wire (the
scripts, `gh`, its pagination, its way of reading `-F body=@file`) is the real thing. The stand-in
answers like GitHub does where the scripts depend on it: issue comments listed a page at a time with a
`Link: <...>; rel="next"` header, created with 201, updated by id; pull requests listed by head branch
and state, opened with 201, edited by number; 401 without a token, and any status a test asks for (to
see how a script fails).
"""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PAGE = 2  # comments per page: small, so that a test with a few comments crosses pages


@dataclass
class Comment:
    id: int
    body: str


@dataclass
class Pull:
    number: int
    head: str  # branch
    base: str
    title: str
    body: str
    state: str = "open"


@dataclass
class GitHub:
    """What the stand-in holds, and what it saw: tests read and arrange these directly."""

    repository: str = "acme/content"
    host: str = ""  # "localhost:PORT", for GH_HOST
    comments: dict[int, list[Comment]] = field(default_factory=dict)  # issue / pull request number -> comments
    pulls: list[Pull] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    fail_with: int | None = None  # answer every request with this status
    next_id: int = 1000

    def add(self, number: int, body: str) -> Comment:
        self.next_id += 1
        comment = Comment(self.next_id, body)
        self.comments.setdefault(number, []).append(comment)
        return comment

    def url(self, number: int) -> str:
        return f"https://{self.host}/{self.repository}/pull/{number}"

    def env(self, cert: Path) -> dict[str, str]:
        return {"GH_HOST": self.host, "GH_ENTERPRISE_TOKEN": "test-token", "GITHUB_REPOSITORY": self.repository,
                "SSL_CERT_FILE": str(cert), "GH_NO_UPDATE_NOTIFIER": "1", "GH_PROMPT_DISABLED": "1",
                "NO_COLOR": "1"}


_REPO = r"^/api/v3/repos/[\w.-]+/[\w.-]+"
_COMMENTS = re.compile(_REPO + r"/issues/(\d+)/comments$")
_COMMENT = re.compile(_REPO + r"/issues/comments/(\d+)$")
_PULLS = re.compile(_REPO + r"/pulls$")
_PULL = re.compile(_REPO + r"/pulls/(\d+)$")


def _handler(state: GitHub) -> type[BaseHTTPRequestHandler]:
    def state_pulls(wanted: str) -> list[Pull]:
        return [p for p in state.pulls if wanted == "all" or p.state == wanted]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, object]:
            length = int(self.headers.get("Content-Length") or 0)
            loaded = json.loads(self.rfile.read(length) or b"{}")
            assert isinstance(loaded, dict)
            return loaded

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            state.requests.append((method, url.path))
            if state.fail_with is not None:
                self._answer(state.fail_with, {"message": "Server Error" if state.fail_with >= 500 else "Forbidden"})
                return
            if self.headers.get("Authorization") != "token test-token":
                self._answer(401, {"message": "Bad credentials"})
                return
            if (m := _COMMENTS.match(url.path)) and method == "GET":
                comments = state.comments.get(int(m.group(1)), [])
                page = int(parse_qs(url.query).get("page", ["1"])[0])
                start = (page - 1) * PAGE
                headers = {}
                if start + PAGE < len(comments):
                    headers["Link"] = f'<https://{state.host}{url.path}?page={page + 1}>; rel="next"'
                self._answer(200, [{"id": c.id, "body": c.body} for c in comments[start:start + PAGE]], headers)
            elif (m := _COMMENTS.match(url.path)) and method == "POST":
                body = self._body()["body"]
                assert isinstance(body, str)
                comment = state.add(int(m.group(1)), body)
                self._answer(201, {"id": comment.id, "body": comment.body})
            elif _PULLS.match(url.path) and method == "GET":
                query = parse_qs(url.query)
                head = query.get("head", [""])[0].split(":")[-1]
                wanted = query.get("state", ["open"])[0]
                self._answer(200, [self._pull(p) for p in state_pulls(wanted) if not head or p.head == head])
            elif _PULLS.match(url.path) and method == "POST":
                body = self._body()
                number = 40 + len(state.pulls) + 2
                pull = Pull(number, str(body["head"]), str(body["base"]), str(body["title"]), str(body["body"]))
                state.pulls.append(pull)
                self._answer(201, self._pull(pull))
            elif (m := _PULL.match(url.path)) and method == "PATCH":
                body = self._body()
                for pull in (p for p in state.pulls if p.number == int(m.group(1))):
                    pull.title = str(body.get("title", pull.title))
                    pull.body = str(body.get("body", pull.body))
                    self._answer(200, self._pull(pull))
                    return
                self._answer(404, {"message": "Not Found"})
            elif (m := _COMMENT.match(url.path)) and method == "PATCH":
                wanted = int(m.group(1))
                for comment in (c for cs in state.comments.values() for c in cs if c.id == wanted):
                    body = self._body()["body"]
                    assert isinstance(body, str)
                    comment.body = body
                    self._answer(200, {"id": comment.id, "body": comment.body})
                    return
                self._answer(404, {"message": "Not Found"})
            else:
                self._answer(404, {"message": "Not Found"})

        def _pull(self, pull: Pull) -> dict[str, object]:
            return {"number": pull.number, "html_url": state.url(pull.number), "title": pull.title, "body": pull.body,
                    "state": pull.state, "head": {"ref": pull.head}, "base": {"ref": pull.base}}

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

    return Handler


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (openssl, as an operator would make one)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


@contextmanager
def serve(cert: Path, key: Path, repository: str = "acme/content") -> Iterator[GitHub]:
    state = GitHub(repository)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.host = f"localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
