"""Print what docs/site.md quotes: layout shift (CLS) per page type and axe-core results, measured in Debian's
Chromium on the example content (today 2026-11-24).

    .venv/bin/python tools/browser/measure.py

CLS is the sum of layout-shift entries (PerformanceObserver, buffered) after load, at 390 and 1280 px, with
site.js arriving on time and 400 ms late (a slow phone: the page is painted before the script runs)."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests/site")]

from browser import CHROMIUM, CHROMIUM_ARGS, LAYOUT_SHIFT_JS, static_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from test_accessibility import AXE, RUN_AXE  # noqa: E402
from test_layout import PAGE_TYPES  # noqa: E402

from rewards_build.site.build import build  # noqa: E402

WIDTHS = (390, 1280)


def late(page):
    def handler(route) -> None:
        page.wait_for_timeout(400)
        route.continue_()
    return handler


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        result = build(REPO / "site.yml", dt.date(2026, 11, 24), out=out, stream=io.StringIO(), progress=False)
        assert result.exit_code == 0
        with static_server(out) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            print(f"load average {os.getloadavg()[0]:.1f}; Chromium {browser.version}")
            print(f"{'page':54} {'CLS 390':>8} {'slow':>8} {'CLS 1280':>8} {'slow':>8} {'axe':>4} {'unmeas':>6}")
            for path in PAGE_TYPES:
                shifts = []
                for width in WIDTHS:
                    for slow in (False, True):
                        context = browser.new_context(viewport={"width": width, "height": 844})
                        page = context.new_page()
                        if slow:
                            page.route("**/site.js", late(page))
                        page.goto(url + path, wait_until="load")
                        shifts.append(page.evaluate(LAYOUT_SHIFT_JS))
                        context.close()
                violations = unmeasured = 0
                context = browser.new_context()
                page = context.new_page()
                page.goto(url + path)
                page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    for scheme in ("light", "dark"):
                        page.emulate_media(color_scheme=scheme)
                        found = page.evaluate(RUN_AXE)
                        unmeasured += sum(1 for f in found if f.startswith("unmeasured"))
                        violations += sum(1 for f in found if not f.startswith("unmeasured"))
                context.close()
                cls = " ".join(f"{s:8.3f}" for s in shifts)
                print(f"{path or '(home)':54} {cls} {violations:4d} {unmeasured:6d}")
            browser.close()


if __name__ == "__main__":
    main()
