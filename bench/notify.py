"""Benchmark `rewards notify` end to end against Postfix's smtp-sink, beside its floor, and print a table.

    python bench/notify.py [--partners 10000] [--connections 2] [--rate 5000] [--no-pipelining]

Steps: generate N partners (bench/generate.py), load and validate them once per process (not timed),
then, each in a fresh process so that its peak memory is its own:
- floor: plan, compose and serialise every message (the bytes that would go on the wire); no ledger,
  no network;
- send: the real run (`notifier.notify.notify`) against smtp-sink on loopback, with a fresh ledger:
  pending records, SMTP transactions through the connection pool, sent records;
- re-plan: the same run again the same day, when everything is already sent (nothing must go out).
Memory: RSS after loading the content, and the peak; the difference is what notifying costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TODAY = dt.date(2026, 11, 24)
SINK = "/usr/sbin/smtp-sink"


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the planning and composing workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def worker(kind: str, site_path: Path) -> dict[str, float]:
    """One measurement, in this (fresh) process. Loading is not timed."""
    import io

    from notifier.compose import Composer
    from notifier.notify import Options, notify
    from notifier.plan import History
    from notifier.produce import produce
    from rewards_build.pipeline import load_all

    loaded = load_all(site_path, TODAY)
    if loaded.problems or loaded.content is None or loaded.config is None:
        raise SystemExit(f"generated content has problems: {loaded.problems[:3]}")
    site, content = loaded.config, loaded.content
    rss_loaded = _rss_kb("VmRSS")
    now = lambda: dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)  # noqa: E731
    count, nbytes = 0, 0
    wall, cpu = time.perf_counter(), _cpu()
    if kind == "floor":  # the same planning and composing as the run, on the same workers
        composer = Composer(site, content, now)
        for prepared in produce(content, site.notifier, History(), TODAY, composer):
            nbytes += len(prepared.data)
            count += 1
    else:
        out, err = io.StringIO(), io.StringIO()
        code = notify(site, content, Options(TODAY, json=True), now=now, stdout=out, stderr=err)
        report = json.loads(out.getvalue())
        count = report["sent"] if kind == "send" else report["planned"]
        if code != 0:
            raise SystemExit(f"notify exited {code}: {err.getvalue()[-2000:]}")
    return {"count": count, "bytes": nbytes, "wall": time.perf_counter() - wall,
            "cpu": _cpu() - cpu, "rss_loaded_mb": rss_loaded / 1024, "peak_mb": _rss_kb("VmHWM") / 1024}


def _measure(kind: str, site: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, str(site)], check=True,
                         capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _configure(site: Path, port: int, connections: int, rate: float, pipelining: bool) -> None:
    text = site.read_text(encoding="utf-8")
    for key, value in (("host", "127.0.0.1"), ("port", str(port)), ("tls", "none"),
                       ("connections", str(connections)), ("pipelining", "true" if pipelining else "false"),
                       ("rate_limit_per_second", str(rate))):
        text, found = re.subn(rf"(?m)^(\s+{key}:).*$", rf"\g<1> {value}", text, count=1)
        if not found:
            raise SystemExit(f"site.yml has no {key}: line for the benchmark to set")
    site.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, nargs="+", default=[10_000])
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--rate", type=float, default=5000, help="rate_limit_per_second for the run")
    parser.add_argument("--no-pipelining", action="store_true",
                        help="smtp.pipelining: false (one command at a time, as aiosmtplib does it)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each row N times, keep the fastest")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SITE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    if not Path(SINK).exists():
        raise SystemExit(f"{SINK} is missing: DEBIAN_FRONTEND=noninteractive apt-get install -y postfix")
    from bench.generate import generate

    print("$ python bench/notify.py " + " ".join(sys.argv[1:]))
    print(f"{args.connections} SMTP connections, PIPELINING {'off' if args.no_pipelining else 'on'}, "
          f"rate limit {args.rate:g}/s, {os.cpu_count()} CPUs, "
          f"load average before: {os.getloadavg()[0]:.1f}")
    print()
    print(f"| {'partners':>8} | {'run':<33} | {'messages':>8} | {'wall s':>6} | {'msg/s':>6} | {'CPU ms/msg':>10} | "
          f"{'RSS loaded MB':>13} | {'peak MB':>7} | {'notify MB':>9} |")
    print(f"|{'-' * 9}:|{'-' * 35}|{'-' * 9}:|{'-' * 7}:|{'-' * 7}:|{'-' * 11}:|{'-' * 14}:|{'-' * 8}:|{'-' * 10}:|")
    summaries = []
    for n in args.partners:
        with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
            site = generate(Path(tmp), n, TODAY)
            port = _free_port()
            _configure(site, port, args.connections, args.rate, not args.no_pipelining)
            sink_cmd = [SINK, *(["-u", "nobody"] if os.geteuid() == 0 else []), f"127.0.0.1:{port}", "1000"]
            sink = subprocess.Popen(sink_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(0.3)
                floors, sends, replans = [], [], []
                for _ in range(args.repeat):  # alternate, so that a busy moment does not hit one row only
                    floors.append(_measure("floor", site))
                    shutil.rmtree(Path(tmp) / "var", ignore_errors=True)
                    sink_cpu0 = _proc_cpu(sink.pid)
                    sends.append(_measure("send", site))
                    sink_cpu = _proc_cpu(sink.pid) - sink_cpu0
                    replans.append(_measure("replan", site))
                floor, send, replan = (min(runs, key=lambda m: m["wall"]) for runs in (floors, sends, replans))
            finally:
                sink.terminate()
                sink.wait()
        for label, m in (("floor: plan+compose+serialise", floor), ("send: notify to smtp-sink", send),
                         ("re-plan: everything already sent", replan)):
            _row(n, label, m)
        summaries.append(
            f"{n:,} partners: send over floor (wall) {100 * (send['wall'] / floor['wall'] - 1):+.0f}% "
            f"(target <= +30%), CPU {100 * (send['cpu'] / floor['cpu'] - 1):+.0f}%; "
            f"end to end {send['count'] / send['wall']:.0f} msg/s (target >= 500); "
            f"re-plan {replan['wall']:.2f} s (target < 3 s); smtp-sink used {sink_cpu:.1f} s CPU")
    print()
    for line in summaries:
        print(line)
    print(f"load average after: {os.getloadavg()[0]:.1f} (other work on the machine slows every row alike)")


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _row(n: int, label: str, m: dict[str, float]) -> None:
    count = int(m["count"])
    rate = f"{count / m['wall']:6.0f}" if count else f"{'-':>6}"
    cpu = f"{1000 * m['cpu'] / count:10.3f}" if count else f"{'-':>10}"
    print(f"| {n:>8,} | {label:<33} | {count:>8,} | {m['wall']:6.2f} | {rate} | {cpu} | "
          f"{m['rss_loaded_mb']:13.0f} | {m['peak_mb']:7.0f} | {m['peak_mb'] - m['rss_loaded_mb']:9.0f} |")


if __name__ == "__main__":
    main()
