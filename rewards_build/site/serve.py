"""`rewards serve`: the built site on localhost, rebuilt incrementally when content, templates or
site.yml change, with the browser reloading itself.

The files on disk are exactly what `rewards build` writes; the server adds a tiny reload script to
each HTML response, which asks /__reload (a long poll) whether a newer build exists.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchfiles import watch

from .. import clock
from ..pipeline import load_config
from ..report import print_problems
from .build import build, output_path
from .i18n import LOCALE_DIR

RELOAD_SCRIPT = b"""<script>(function(){var v=null;function poll(){fetch("/__reload?v="+(v===null?"":v))
.then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload();return}v=t;poll()})
.catch(function(){setTimeout(poll,1000)})}poll()})();</script>"""


class Generation:
    """The number of the latest successful build; waiters wake when it changes."""

    def __init__(self) -> None:
        self.value = 0
        self.changed = threading.Condition()

    def bump(self) -> None:
        with self.changed:
            self.value += 1
            self.changed.notify_all()

    def wait_past(self, seen: str, timeout: float = 25.0) -> int:
        with self.changed:
            if seen == str(self.value):
                self.changed.wait(timeout)
            return self.value


def make_handler(root: Path, generation: Generation,
                 live_reload: bool = True) -> Callable[..., http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/__reload"):
                seen = self.path.partition("v=")[2]
                body = str(generation.wait_past(seen)).encode()
                self._send(200, "text/plain", body)
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                if not self.path.split("?", 1)[0].endswith("/"):
                    super().do_GET()  # http.server redirects to the address with a trailing slash
                    return
                path = path / "index.html"
            if live_reload and path.suffix == ".html" and path.is_file():
                html = path.read_bytes().replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1)
                self._send(200, "text/html; charset=utf-8", html)
                return
            if not path.exists():
                missing = root / "404.html"
                self._send(404, "text/html; charset=utf-8", missing.read_bytes() if missing.exists() else b"")
                return
            super().do_GET()

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return functools.partial(Handler, directory=str(root))


def serve(site_path: Path, *, today: dt.date | None, out: Path | None, host: str, port: int,
          jobs: int | None = None) -> int:
    config, problems = load_config(site_path)
    if config is None:
        print_problems(problems, sys.stderr)
        return 2
    # The output path itself, not where it points: it is a link switched to each new build, and the
    # handler opens every file through it, so each request sees the live build.
    root = output_path(out or config.output_dir)

    def rebuild() -> int:
        # The real date is read at this edge, at each rebuild (a server left running overnight moves on).
        return build(site_path, today or clock.today(), out=root, jobs=jobs, stream=sys.stderr).exit_code

    first = rebuild()
    if first == 2:  # site.yml unusable, or an output inside the sources: nothing to serve
        return 2
    if first != 0 and not root.exists():
        return 1
    generation = Generation()
    server = http.server.ThreadingHTTPServer((host, port), make_handler(root, generation))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving {root} at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)", file=sys.stderr)
    watched = [p for p in (config.content_dir, config.templates_dir, config.path, LOCALE_DIR) if p.exists()]
    try:
        for _changes in watch(*watched, debounce=200, raise_interrupt=False):
            if rebuild() == 0:
                generation.bump()
    finally:
        server.shutdown()
    return 0
