"""`rewards serve`: serves the built site, rebuilds when content changes, and tells the page to reload."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from site_helpers import REPO, SiteCopy


def _get(url: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_serve_rebuilds_on_change_and_pages_reload(site_copy: SiteCopy, tmp_path: Path) -> None:
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rewards_build", "serve", "--site", str(site_copy.site_yml), "--out", str(out),
         "--today", "2026-11-24", "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found and line.startswith("Serving"):
                port = int(found.group(1))
        assert port, "the server did not start"
        base = f"http://127.0.0.1:{port}/"

        status, html = _get(base + "partners/trey-list-only/")
        assert status == 200 and "/__reload" in html  # the reload script is added on the fly
        assert "/__reload" not in (out / "partners/trey-list-only/index.html").read_text()  # not on disk
        assert _get(base + "no/such/page/")[0] == 404

        _, generation = _get(base + "__reload?v=")
        partner = site_copy.content / "partners/trey-list-only.yml"
        partner.write_text(partner.read_text().replace("\nname: ", "\nname: Renamed ", 1))
        _, after = _get(base + f"__reload?v={generation}")  # long poll: returns once rebuilt
        assert after != generation
        assert "Renamed" in _get(base + "partners/trey-list-only/")[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_static_server_pointed_at_the_output_path_serves_each_new_build(site_copy: SiteCopy,
                                                                          tmp_path: Path) -> None:
    """`python -m http.server -d _site`, as docs/site.md suggests: the output path is a link switched
    to each new build, and the server, which opens files through it, serves the new pages at once."""
    out = tmp_path / "site"
    result, log = site_copy.build(out, jobs=1)
    assert result.exit_code == 0, log
    proc = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "-b", "127.0.0.1", "-d", str(out), "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        found = re.search(r"port (\d+)", proc.stdout.readline())
        assert found, "the server did not start"
        page = f"http://127.0.0.1:{found.group(1)}/partners/trey-list-only/index.html"
        status, html = _get(page)
        assert status == 200 and "Renamed" not in html
        partner = site_copy.content / "partners/trey-list-only.yml"
        partner.write_text(partner.read_text().replace("\nname: ", "\nname: Renamed ", 1))
        result, log = site_copy.build(out, jobs=1)
        assert result.exit_code == 0 and result.mode == "partial", log
        assert "Renamed" in _get(page)[1]
        partner.write_text(partner.read_text().replace("\nname: Renamed ", "\nname: Renamed Again ", 1))
        result, log = site_copy.build(out, jobs=1)  # one more: the build it started with is removed now
        assert result.mode == "partial", log
        assert "Renamed Again" in _get(page)[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
