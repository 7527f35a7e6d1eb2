"""Lighthouse 12 (npm, tools/quality; run with Debian's node and chromium) on the example site served on
loopback: home, a partner page, the catalog and the partners index, desktop and mobile presets, score 100
in performance, accessibility, best practices and SEO.

What is left out, and why:
- the web server's audits (text compression, cache lifetime): a static site cannot set them, the server
  does; they carry no weight in Lighthouse 12's categories anyway, and are removed before scoring;
- `is-crawlable` on pages that say `noindex` on purpose (partner pages and the partners index, unless
  `index_partners: true`: docs/site.md, Privacy), after checking that the meta robots tag is the only cause.

Performance on a loaded 2-core machine: the score is made of timings (FCP, LCP, TBT, speed index,
simulated from the trace), which a busy machine only makes worse, never better. So what does not depend
on the clock is asserted on the first run (layout shift under 0.05, no long task, the other three
categories), and the performance score is the best of up to three runs, each failure message quoting
the metrics and the load average. Run with `-s` to print the scores (the table in docs/site.md).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, static_server
from site_helpers import REPO

LIGHTHOUSE = REPO / "tools" / "quality" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
SERVER_AUDITS = frozenset({"uses-text-compression", "uses-long-cache-ttl"})  # the web server's job
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {
    "home": "index.html",
    "partner": "partners/adatum-awaiting-contact/index.html",
    "catalog": "benefits/index.html",
    "partners index": "partners/index.html",
}
TRIES = 3  # performance only: timings on a busy machine only get worse


@pytest.fixture(scope="module")
def served(built_site: Path) -> Iterator[str]:
    if not LIGHTHOUSE.exists():
        pytest.fail(f"{LIGHTHOUSE.relative_to(REPO)} is missing: run `make quality-tools`")
    with static_server(built_site) as base:
        yield base


def lighthouse(url: str, preset: str, out: Path) -> dict:
    """One Lighthouse CLI run; its JSON report."""
    args = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
            f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}"]
    if preset == "desktop":
        args.append("--preset=desktop")  # the CLI's default is mobile (a phone, simulated slow 4G and CPU)
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    run = subprocess.run(args, env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


def score(report: dict, category: str, ignore: frozenset[str]) -> float:
    """A category's score as Lighthouse computes it (weighted mean of its scored audits), without `ignore`."""
    total = weight = 0.0
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] == 0 or ref["id"] in ignore or audit["score"] is None:
            continue
        total += ref["weight"] * audit["score"]
        weight += ref["weight"]
    return round(total / weight, 2) if weight else 1.0


def ignored(report: dict) -> frozenset[str]:
    """The server's audits, and `is-crawlable` where the only thing blocking crawlers is our noindex."""
    crawl = report["audits"]["is-crawlable"]
    sources = [item["source"]["snippet"] if isinstance(item["source"], dict) else item["source"]
               for item in (crawl.get("details") or {}).get("items", [])]
    if crawl["score"] == 0 and sources == ['<meta name="robots" content="noindex" />']:
        return SERVER_AUDITS | {"is-crawlable"}
    return SERVER_AUDITS


def failing(report: dict, category: str, ignore: frozenset[str]) -> list[str]:
    out = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and ref["id"] not in ignore and audit["score"] is not None and audit["score"] < 1:
            out.append(f"{ref['id']} {audit['score']} {audit.get('displayValue', '')}".strip())
    return out


@pytest.mark.parametrize("preset", ["desktop", "mobile"])
@pytest.mark.parametrize("page", list(PAGES))
def test_lighthouse_scores_100(served: str, built_site: Path, tmp_path: Path, page: str, preset: str) -> None:
    url = served + PAGES[page]
    report = lighthouse(url, preset, tmp_path / "report.json")
    assert report["configSettings"]["formFactor"] == preset
    ignore = ignored(report)
    noindex = '<meta name="robots" content="noindex">' in (built_site / PAGES[page]).read_text(encoding="utf-8")
    assert ("is-crawlable" in ignore) == noindex, "only pages that are noindex on purpose may fail is-crawlable"

    # Not a matter of timing: asserted on the first run.
    cls = report["audits"]["cumulative-layout-shift"]["numericValue"]
    assert cls < 0.05, f"{page} ({preset}): layout shift {cls:.3f}"
    for category in ("accessibility", "best-practices", "seo"):
        assert score(report, category, ignore) == 1, f"{page} ({preset}) {category}: {failing(report, category, ignore)}"

    # Timings: the best of up to TRIES runs.
    runs = [report]
    while score(runs[-1], "performance", ignore) < 1 and len(runs) < TRIES:
        runs.append(lighthouse(url, preset, tmp_path / f"report-{len(runs)}.json"))
    best = max(runs, key=lambda r: score(r, "performance", ignore))
    metrics = {ref["id"]: best["audits"][ref["id"]].get("displayValue", "")
               for ref in best["categories"]["performance"]["auditRefs"] if ref["weight"]}
    scores = {c: score(best if c == "performance" else report, c, ignore) for c in CATEGORIES}
    print(f"\n| {page} | {preset} | " + " | ".join(f"{round(scores[c] * 100)}" for c in CATEGORIES)
          + f" | {metrics.get('largest-contentful-paint', '')} | {cls:.3f} | {len(runs)} | {sorted(ignore - SERVER_AUDITS)}")
    assert scores["performance"] == 1, (
        f"{page} ({preset}) performance {scores['performance']} after {len(runs)} runs, load average "
        f"{os.getloadavg()}: {metrics}")
