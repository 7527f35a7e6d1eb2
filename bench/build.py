"""Benchmark `rewards build` against its floor, measured in the same run, and print a table.

    python bench/build.py [--partners 10000 30000] [--jobs 2] [--repeat 5]

The floor: a bare loop that reads the same partner YAML with PyYAML's C loader, turns it into the
model without any check, and renders the same templates (same page contexts from the same rules)
to the same files, on the same number of processes as the build, with no validation, no manifest,
no staging and no comparison with what is on disk. The build: `rewards build` as users run it,
validation included. Then no-op rebuilds and one-partner rebuilds of the built site (`--repeat`
runs each, a different partner each time: the median, and the range).

Each measurement runs in a fresh process so that its peak memory is its own; times are measured
around the work itself (interpreter start-up and imports excluded, the same for every row).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TODAY = dt.date(2026, 11, 24)
_FLOOR: dict = {}


def _floor_chunk(files: list[str]) -> int:
    import yaml

    from rewards_build.modelbuild import partner_from
    from rewards_build.site.partner import partner_pages
    from rewards_build.site.render import page_bytes

    site, renderer, out, loader = _FLOOR["site"], _FLOOR["renderer"], _FLOOR["out"], _FLOOR["loader"]
    count = 0
    for rel in files:
        data = yaml.load((site.config.content_dir / rel).read_bytes(), Loader=loader)
        pages, _row = partner_pages(site, partner_from(data, rel))
        for page in pages:
            target = out / page.output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page_bytes(renderer, page))
            count += 1
    return count


def run_floor(site_yml: Path, out: Path, jobs: int) -> dict:
    import yaml

    from rewards_build.pipeline import load_config, load_content
    from rewards_build.site.pages import Site, global_pages, listing_pages
    from rewards_build.site.render import Renderer, page_bytes

    class StrDates(yaml.CSafeLoader):  # dates stay text, as the model builder expects
        pass

    StrDates.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }
    started = time.perf_counter()
    config, _ = load_config(site_yml)
    assert config is not None
    shared, _ = load_content(config.content_dir, TODAY, partner_files=[])  # program, benefits, tips, toolkit
    assert shared is not None
    site = Site(config, shared, TODAY)
    renderer = Renderer(config.templates_dir, site.languages)
    files = sorted(f"partners/{p.name}" for p in (config.content_dir / "partners").glob("*.yml"))
    _FLOOR.update(site=site, renderer=renderer, out=out, loader=StrDates)
    chunks = [files[i:i + 64] for i in range(0, len(files), 64)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        count = sum(pool.imap_unordered(_floor_chunk, chunks))
    pages = global_pages(site) + listing_pages(site, [])
    for page in pages:
        target = out / page.output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page_bytes(renderer, page))
    return {"seconds": time.perf_counter() - started, "pages": count + len(pages)}


def run_build(site_yml: Path, out: Path, jobs: int) -> dict:
    import io

    from rewards_build.site.build import build

    log = io.StringIO()
    started = time.perf_counter()
    result = build(site_yml, TODAY, out=out, jobs=jobs, stream=log, progress=False)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(log.getvalue())
    return {"seconds": seconds, "pages": result.written + result.unchanged, "written": result.written,
            "mode": result.mode}


def _child(kind: str, site_yml: Path, out: Path, jobs: int) -> None:
    data = run_floor(site_yml, out, jobs) if kind == "floor" else run_build(site_yml, out, jobs)
    data["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(data))


def measure(kind: str, site_yml: Path, out: Path, jobs: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(site_yml), str(out), str(jobs)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    """The run of median time, with the range of all of them (hyperfine style)."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    row = dict(ordered[len(ordered) // 2])
    row["range"] = (ordered[0]["seconds"], ordered[-1]["seconds"]) if len(runs) > 1 else None
    return row


def bench(n: int, jobs: int, workdir: Path, repeat: int = 1) -> dict[str, dict]:
    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate

    site_yml = generate(workdir / f"content-{n}", n, TODAY)
    rows = {}
    rows["floor"] = measure("floor", site_yml, workdir / f"floor-{n}", jobs)
    rows["full"] = measure("full", site_yml, workdir / f"site-{n}", jobs)
    rows["no-op"] = _median([measure("noop", site_yml, workdir / f"site-{n}", jobs) for _ in range(repeat)])
    partners = sorted((site_yml.parent / "content" / "partners").glob("*.yml"))
    runs = []
    for i in range(repeat):  # a different partner each time, so each run has the same 5 files to write
        partner = partners[(n // 2 + i * 97) % n]
        partner.write_text(partner.read_text().replace("\nname: ", "\nname: Renamed ", 1))
        runs.append(measure("one", site_yml, workdir / f"site-{n}", jobs))
    rows["one partner"] = _median(runs)
    shutil.rmtree(workdir / f"floor-{n}", ignore_errors=True)
    shutil.rmtree(workdir / f"site-{n}", ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=5, help="runs of the no-op and one-partner rebuilds "
                        "(median shown, with the range)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, site_yml, out, jobs = args.child
        _child(kind, Path(site_yml), Path(out), int(jobs))
        return
    results: dict[int, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="rewards-bench-") as tmp:
        for n in args.partners:
            results[n] = bench(n, args.jobs, Path(tmp), args.repeat)
            _table(n, results[n])
    if len(results) > 1:
        small, large = min(results), max(results)
        ratio = results[large]["full"]["seconds"] / results[small]["full"]["seconds"]
        print(f"\nfull build, {large:,} vs {small:,} partners: x{ratio:.2f} for x{large / small:.0f} the partners "
              f"(target: at most x{3.3 * large / small / 3:.1f})")


def _table(n: int, rows: dict[str, dict]) -> None:
    floor = rows["floor"]["seconds"]
    print(f"\n{n:,} partners, {rows['full']['pages']:,} files, {os.cpu_count()} cores")
    print(f"{'run':<12} {'seconds':>8} {'x floor':>8} {'files/s':>9} {'written':>8} {'peak MB':>8} {'worker MB':>9}"
          f"  range s")
    for name, row in rows.items():
        pages_per_s = row["pages"] / row["seconds"] if name in ("floor", "full") else float("nan")
        written = row.get("written", row["pages"])
        spread = f"  {row['range'][0]:.2f}-{row['range'][1]:.2f}" if row.get("range") else ""
        print(f"{name:<12} {row['seconds']:>8.2f} {row['seconds'] / floor:>8.2f} {pages_per_s:>9.0f} "
              f"{written:>8} {row['rss_mb']:>8.0f} {row['worker_rss_mb']:>9.0f}{spread}")


if __name__ == "__main__":
    main()
