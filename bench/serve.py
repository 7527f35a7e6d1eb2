"""Benchmark `rewards serve`: from saving a partner file to its new page on disk, as a person editing
with the preview open waits for it.

    python bench/serve.py [--partners 10000] [--repeat 10]

Generates N partners (bench/generate.py), builds the site once, starts `rewards serve` (a real
process, with its file watcher), then `--repeat` times: renames one partner (a different partner each
time, in its file, written in one go as an editor saves) and polls that partner's English page every
millisecond until the new name is in it. The time from the write to the new page being readable is
the latency. Prints its median and range, the first edit apart (it pays for the first partial
build's imports and template compiling inside the server), and the load average. Target (issue 13):
at most 0.2 s at 10,000 partners.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

TODAY = dt.date(2026, 11, 24)
REWARDS = [sys.executable, "-m", "rewards_build"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(check: object, timeout: float) -> float:
    """Poll `check()` every millisecond; the moment it first held (perf_counter), or SystemExit."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():  # type: ignore[operator]
            return time.perf_counter()
        time.sleep(0.001)
    raise SystemExit(f"gave up after {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = Path(tmp)
        site = generate(root, args.partners, TODAY)
        out = root / "out"
        subprocess.run([*REWARDS, "build", "--site", str(site), "--out", str(out), "--today", TODAY.isoformat()],
                       check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen([*REWARDS, "serve", "--site", str(site), "--out", str(out), "--today",
                                   TODAY.isoformat(), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _wait_for(lambda: _listening(port), 120)
            time.sleep(1.0)  # the watcher is set up after the server answers
            load_before = os.getloadavg()
            files = sorted((root / "content" / "partners").glob("*.yml"))
            latencies = []
            for i in range(args.repeat + 1):
                path = files[(i * 7919) % len(files)]
                page = out / "partners" / path.stem / "index.html"
                text = path.read_text(encoding="utf-8")
                old = next(line for line in text.splitlines() if line.startswith("name: "))
                name = f"Renamed {i} {path.stem}"
                new = f"name: {name}"
                started = time.perf_counter()
                path.write_text(text.replace(old, new, 1), encoding="utf-8")
                seen = _wait_for(lambda page=page, name=name: _shows(page, name), 60)
                latencies.append(seen - started)
                time.sleep(0.5)  # let the server settle before the next edit
            load_after = os.getloadavg()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    first, rest = latencies[0], latencies[1:]
    print(f"$ python bench/serve.py --partners {args.partners} --repeat {args.repeat}")
    print(f"{args.partners:,} partners, {os.cpu_count()} CPUs; load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f}\n")
    print("| edit | median s | min s | max s | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| first edit after start | {first:.3f} | | | |")
    print(f"| next {len(rest)} edits | {statistics.median(rest):.3f} | {min(rest):.3f} | {max(rest):.3f} | 0.2 s |")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _shows(page: Path, name: str) -> bool:
    try:
        return name in page.read_text(encoding="utf-8")
    except OSError:
        return False


if __name__ == "__main__":
    main()
