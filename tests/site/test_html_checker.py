"""The Nu Html Checker (npm `vnu-jar`, run with Debian's java) finds no error and no warning on any page
of the example site, in either language: one java run over the whole built folder (`make quality-tools`
installs the checker from tools/quality/package-lock.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from site_helpers import REPO

VNU_JAR = REPO / "tools" / "quality" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java") or "/usr/bin/java"


def check(folder: Path) -> list[dict]:
    """Every message the checker has about the HTML files under a folder (errors, warnings and info)."""
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR.relative_to(REPO)} is missing: run `make quality-tools`")
    run = subprocess.run([JAVA, "-jar", str(VNU_JAR), "--format", "json", "--skip-non-html", str(folder)],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stderr or run.stdout)  # vnu writes its report to stderr
    return report["messages"]


def describe(messages: list[dict], root: Path) -> str:
    return "\n".join(
        f"{m['url'].split(root.name + '/', 1)[-1]}:{m.get('lastLine', '?')}: {m['type']}"
        f"{'/' + m['subType'] if m.get('subType') else ''}: {m['message']}" for m in messages)


def test_every_page_in_both_languages_has_no_error_and_no_warning(built_site: Path) -> None:
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    assert "index.html" in pages and "ko/index.html" in pages and "ko/404.html" in pages
    assert any(p.startswith("partners/") and p.count("/") == 2 for p in pages)
    assert len([p for p in pages if p.startswith("ko/")]) * 2 == len(pages), "every page exists under /ko/ too"
    messages = check(built_site)
    assert messages == [], describe(messages, built_site)


def test_the_checker_does_report_a_broken_page(tmp_path: Path) -> None:
    """The check above means something: the same run flags an error and a warning it is shown."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title><script type="text/javascript"></script></head>'
        "<body><p>An unclosed division<div></p></body></html>", encoding="utf-8")
    (tmp_path / "site" / "feed.xml").write_text("<not-html", encoding="utf-8")  # skipped: not HTML
    kinds = {(m["type"], m.get("subType", "")) for m in check(tmp_path / "site")}
    assert ("error", "") in kinds and ("info", "warning") in kinds, kinds
