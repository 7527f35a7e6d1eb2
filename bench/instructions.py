"""Instructions a partner's pages cost to render, counted by valgrind (deterministic, unlike time).

    python bench/instructions.py [--partners 150] [--rev A B ...]

This machine is shared, and a 5 % step in rendering is below the noise of any timing here. valgrind's
cachegrind counts the instructions a process executes, the same in a quiet minute and a busy one. One
process loads generated content (bench/generate.py) and renders N partners' pages and index rows
exactly as a build's worker does (`partner_pages`, `page_bytes`), without writing them; the same
process rendering none is subtracted, so loading and start-up drop out. With `--rev`, each named
commit is measured from a snapshot (`git archive`), so a change can be compared with what it replaces
in one run. A guide for the work, not a target: the targets are whole-process timings (bench/build.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 24)


def render(site_path: Path, n: int) -> None:
    """The measured process: load, then render the first n partners."""
    from rewards_build.pipeline import load_config, load_content
    from rewards_build.site.pages import Site, index_row
    from rewards_build.site.partner import partner_pages
    from rewards_build.site.render import Renderer, page_bytes

    config = load_config(site_path)[0]
    assert config is not None
    content, _ = load_content(config.content_dir, TODAY)
    assert content is not None
    site = Site(config, content, TODAY)
    renderer = Renderer(config.templates_dir, site.languages)
    for pid in sorted(content.partners)[:n]:
        pages, row = partner_pages(site, content.partners[pid])
        for page in pages:
            page_bytes(renderer, page)
        for lang in site.languages:
            renderer.render("_partner_row.html", lang, r=index_row(site, row, lang))


def _instructions(code: Path, site_path: Path, n: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--render", str(site_path), str(n)],
        cwd=code, env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if not found:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=150)
    parser.add_argument("--rev", nargs="*", default=[], help="commits to measure (default: the working tree)")
    parser.add_argument("--render", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        sys.path.insert(0, ".")
        render(Path(args.render[0]), int(args.render[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install -y valgrind")
    sys.path.insert(0, str(REPO))
    from bench.generate import generate

    print("$ python bench/instructions.py " + " ".join(sys.argv[1:]))
    with tempfile.TemporaryDirectory() as tmp:
        site_path = generate(Path(tmp) / "site", args.partners, TODAY)
        print("\n| code | instructions a partner (M) | x first |\n|---|---:|---:|")
        first = 0.0
        for i, rev in enumerate(args.rev or ["working tree"]):
            code, site = REPO, site_path
            if rev != "working tree":
                code = Path(tmp) / f"snap-{i}"
                code.mkdir()
                archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True)
                subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
                # The snapshot's own templates: a change may be in them.
                shutil.copytree(site_path.parent, Path(tmp) / f"site-{i}")
                site = Path(tmp) / f"site-{i}" / "site.yml"
                text = site.read_text(encoding="utf-8")
                site.write_text(text.replace(str(REPO / "templates"), str(code / "templates")), encoding="utf-8")
            subprocess.run([sys.executable, __file__, "--render", str(site), "1"], cwd=code, check=True,
                           env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"})  # compiles the templates once
            per = (_instructions(code, site, args.partners) - _instructions(code, site, 0)) / args.partners
            first = first or per
            print(f"| {rev} | {per / 1e6:.1f} | {per / first:.2f} |")


if __name__ == "__main__":
    main()
