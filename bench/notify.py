"""Benchmark `rewards notify` as cron runs it, with DKIM signing on, against Postfix's smtp-sink.

    python bench/notify.py [--partners 2500 10000] [--repeat 3] [--connections 2] [--rate 5000]
                           [--no-pipelining] [--sample 1000]

Steps: generate N partners (bench/generate.py), make a 2048-bit DKIM key with the openssl command and
name it in the generated site.yml, start smtp-sink on loopback, then time whole processes, each from
its start to its exit (interpreter start-up, imports and loading the content included), alternated
`--repeat` times so that a busy moment does not hit one row only, keeping each row's median:
- load: start up and load the content, nothing else (what every row pays first);
- floor: start up, load, plan, compose and serialise every message, no DKIM; no ledger, no network;
- floor + DKIM: the same, each message signed (the floor the run is held to); `--key-bits` sizes the key;
- send: `rewards notify --init-ledger --json` to smtp-sink with a fresh ledger, DKIM on;
- re-plan: `rewards notify` again the same day, when everything is already sent: as cron runs it on
  unchanged content, reading the loaded-content cache the sending run saved (rewards_build/loadcache.py);
- re-plan, load cache off: the same with `REWARDS_CACHE_DIR=` (every file parsed and checked again).
The sending run starts with an empty cache folder each round, as the first run after a change does.
CPU is the process's and its reaped children's (the planning and composing workers), and peak MB the
largest resident set among them (wait4's rusage).

What signing costs: in one process, the first `--sample` messages composed without and with the
signer, alternately, each timed; the medians and their difference; and, for comparison in the same
run, dkimpy's own dkim.sign (its RSA in pure Python) over the first 200 of those messages unsigned.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TODAY = dt.date(2026, 11, 24)
SINK = "/usr/sbin/smtp-sink"
SELECTOR, DOMAIN = "bench", "rewards.example.com"
DKIMPY_SAMPLE = 200  # messages signed by dkim.sign itself for comparison (about 7 ms each)
UNSUBSCRIBE_SECRET = ("REWARDS_UNSUBSCRIBE_SECRET", "bench-secret")  # so tips carry List-Unsubscribe, signed too


def _load(site_path: Path):  # type: ignore[no-untyped-def]
    from rewards_build.pipeline import load_all

    loaded = load_all(site_path, TODAY)
    if loaded.problems or loaded.content is None or loaded.config is None:
        raise SystemExit(f"generated content has problems: {loaded.problems[:3]}")
    return loaded.config, loaded.content


def worker(kind: str, site_path: Path, sample: int) -> dict[str, float]:
    """One measurement in this fresh process: what the parent times is the whole process."""
    import gc

    import dkim  # type: ignore[import-untyped]

    from rewards_build.cli import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)  # as `rewards` runs: a floor is the product's own fastest way

    from notifier.compose import Composer
    from notifier.plan import History, plan
    from notifier.produce import produce
    from notifier.signing import CANONICALIZE, signer_from

    site, content = _load(site_path)
    now = lambda: dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)  # noqa: E731
    if kind == "load":
        return {"count": 0}
    signer = signer_from(site.notifier.dkim)
    if kind in ("floor", "floor-dkim"):  # the same planning and composing as the run, on the same workers
        composer = Composer(site, content, now, dkim=signer if kind == "floor-dkim" else None)
        count = sum(1 for _ in produce(content, site.notifier, History(), TODAY, composer))
        return {"count": count}
    # "signing": compose the first `sample` messages with and without the signer, alternately, one by one.
    plain, signed = Composer(site, content, now), Composer(site, content, now, dkim=signer)
    envelopes = [e for _, e in zip(range(sample), plan(content, site.notifier, History(), TODAY), strict=False)]
    for e in envelopes[:50]:  # warm the template and header caches of both
        plain.compose(e)
        signed.compose(e)
    without, with_dkim = [], []
    for e in envelopes:
        t0 = time.perf_counter()
        plain.compose(e)
        t1 = time.perf_counter()
        signed.compose(e)
        t2 = time.perf_counter()
        without.append(t1 - t0)
        with_dkim.append(t2 - t1)
    # dkimpy's own dkim.sign (pure-Python RSA) on the same unsigned messages, for the comparison in this run.
    assert site.notifier.dkim is not None and signer is not None
    pem = site.notifier.dkim.key_file.read_bytes()
    unsigned = [plain.compose(e).data for e in envelopes[:DKIMPY_SAMPLE]]
    dkimpy = []
    for data in unsigned:
        t0 = time.perf_counter()
        dkim.sign(data, signer.selector, signer.domain, pem, canonicalize=CANONICALIZE,
                  include_headers=list(signer.include))
        dkimpy.append(time.perf_counter() - t0)
    return {"count": len(envelopes), "without_ms": 1000 * statistics.median(without),
            "with_ms": 1000 * statistics.median(with_dkim), "dkimpy_ms": 1000 * statistics.median(dkimpy),
            "dkimpy_count": len(dkimpy)}


def _timed(cmd: list[str], cwd: Path, extra_env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a whole process; its wall time, CPU (with its reaped children), peak RSS and stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        env = {**os.environ, UNSUBSCRIBE_SECRET[0]: UNSUBSCRIBE_SECRET[1], **(extra_env or {})}
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{stderr[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "stdout": stdout}  # type: ignore[dict-item]


def _worker_run(kind: str, site: Path, sample: int = 0) -> dict[str, float]:
    m = _timed([sys.executable, __file__, "--worker", kind, str(site), str(sample)], REPO)
    return {**m, **json.loads(str(m.pop("stdout")).strip().splitlines()[-1])}


def _notify_run(site: Path, first: bool, cache: str) -> dict[str, float]:
    """`rewards notify` as the cron line runs it (the console script the venv installs); `cache`: its
    loaded-content cache folder ($REWARDS_CACHE_DIR; "" turns it off)."""
    rewards = Path(sys.executable).parent / "rewards"
    cmd = [str(rewards) if rewards.exists() else sys.executable, *([] if rewards.exists() else ["-m", "rewards_build"]),
           "notify", "--site", str(site), "--today", TODAY.isoformat(), "--json", *(["--init-ledger"] if first else [])]
    m = _timed(cmd, site.parent, {"REWARDS_CACHE_DIR": cache})
    report = json.loads(str(m.pop("stdout")))
    return {**m, "count": report["sent"] if first else report["planned"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _configure(site: Path, port: int, connections: int, rate: float, pipelining: bool, bits: int) -> None:
    text = site.read_text(encoding="utf-8")
    for key, value in (("host", "127.0.0.1"), ("port", str(port)), ("tls", "none"),
                       ("connections", str(connections)), ("pipelining", "true" if pipelining else "false"),
                       ("rate_limit_per_second", str(rate))):
        text, found = re.subn(rf"(?m)^(\s+{key}:).*$", rf"\g<1> {value}", text, count=1)
        if not found:
            raise SystemExit(f"site.yml has no {key}: line for the benchmark to set")
    pem = site.parent / "dkim.pem"  # as docs/notifier.md says: openssl genrsa -out FILE 2048
    subprocess.run(["openssl", "genrsa", "-out", str(pem), str(bits)], check=True, capture_output=True)
    text = text.replace("\nnotifier:\n", f"\nnotifier:\n  dkim: {{key_file: {pem}, selector: {SELECTOR}, "
                                         f"domain: {DOMAIN}}}\n", 1)
    site.write_text(text, encoding="utf-8")


ROWS = (("load", "start-up + load only"), ("floor", "floor: + plan, compose"),
        ("floor-dkim", "floor: + plan, compose, DKIM"), ("send", "send: rewards notify to smtp-sink"),
        ("replan", "re-plan: rewards notify, all sent"), ("replan-cold", "re-plan, load cache off"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, nargs="+", default=[2_500])
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--rate", type=float, default=5000, help="rate_limit_per_second for the run")
    parser.add_argument("--no-pipelining", action="store_true",
                        help="smtp.pipelining: false (one command at a time, as aiosmtplib does it)")
    parser.add_argument("--repeat", type=int, default=3, help="measure each row N times; the median is shown")
    parser.add_argument("--sample", type=int, default=1000, help="messages composed with and without signing")
    parser.add_argument("--key-bits", type=int, default=2048, choices=[1024, 2048, 3072],
                        help="the DKIM key's size (2048 is what docs/notifier.md recommends)")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "SITE", "SAMPLE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]), int(args.worker[2]))))
        return
    for tool in (SINK, shutil.which("openssl") or "openssl"):
        if not Path(tool).exists():
            raise SystemExit(f"{tool} is missing: DEBIAN_FRONTEND=noninteractive apt-get install -y postfix openssl")
    from bench.generate import generate

    print("$ python bench/notify.py " + " ".join(sys.argv[1:]))
    print(f"DKIM rsa-sha256 ({args.key_bits}-bit key), {args.connections} SMTP connections, PIPELINING "
          f"{'off' if args.no_pipelining else 'on'}, rate limit {args.rate:g}/s, {os.cpu_count()} CPUs; "
          f"uptime load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("Every row is a whole process (start-up and loading included), median of "
          f"{args.repeat}; the machine is shared with other engineers' jobs, which slow every row alike.")
    print()
    print(f"| {'partners':>8} | {'run':<34} | {'messages':>8} | {'wall s':>6} | {'msg/s':>6} | {'CPU s':>6} | "
          f"{'CPU ms/msg':>10} | {'peak MB':>7} |")
    print(f"|{'-' * 9}:|{'-' * 36}|{'-' * 9}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 11}:|{'-' * 8}:|")
    summaries = []
    for n in args.partners:
        with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
            site = generate(Path(tmp), n, TODAY)
            port = _free_port()
            _configure(site, port, args.connections, args.rate, not args.no_pipelining, args.key_bits)
            sink_cmd = [SINK, *(["-u", "nobody"] if os.geteuid() == 0 else []), f"127.0.0.1:{port}", "1000"]
            sink = subprocess.Popen(sink_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs: dict[str, list[dict[str, float]]] = {kind: [] for kind, _ in ROWS}
            try:
                time.sleep(0.3)
                signing = _worker_run("signing", site, args.sample)
                for _ in range(args.repeat):
                    for kind in ("load", "floor", "floor-dkim"):
                        runs[kind].append(_worker_run(kind, site))
                    shutil.rmtree(Path(tmp) / "var", ignore_errors=True)
                    # The sending run starts with no load cache, as the first run after a change
                    # does (it saves one); the re-plan reads it, as a cron run on unchanged content does.
                    cache = Path(tmp) / "load-cache"
                    shutil.rmtree(cache, ignore_errors=True)
                    runs["send"].append(_notify_run(site, True, str(cache)))
                    runs["replan"].append(_notify_run(site, False, str(cache)))
                    runs["replan-cold"].append(_notify_run(site, False, ""))
            finally:
                sink.terminate()
                sink.wait()
        rows = {kind: _median(r) for kind, r in runs.items()}
        counts = {rows["floor"]["count"], rows["floor-dkim"]["count"], rows["send"]["count"]}
        if len(counts) != 1:
            raise SystemExit(f"the rows disagree on the number of messages: {counts}")
        for kind, label in ROWS:
            _row(n, label, rows[kind])
        send, floor, floor_dkim, replan = rows["send"], rows["floor"], rows["floor-dkim"], rows["replan"]
        summaries += [
            f"{n:,} partners: end to end {send['count'] / send['wall']:.0f} msg/s (target >= 500); "
            f"send / floor with DKIM {send['wall'] / floor_dkim['wall']:.2f}x wall (target <= 1.3x), "
            f"{send['cpu'] / floor_dkim['cpu']:.2f}x CPU; re-plan {replan['wall']:.2f} s whole process (target <= 2 s; "
            f"{rows['replan-cold']['wall']:.2f} s with the load cache off)",
            f"{n:,} partners: DKIM signing costs {signing['with_ms'] - signing['without_ms']:.2f} ms a message "
            f"(median compose {signing['without_ms']:.2f} ms without, {signing['with_ms']:.2f} ms with, "
            f"{int(signing['count'])} messages, one process), against {signing['dkimpy_ms']:.2f} ms for dkimpy's "
            f"own dkim.sign ({int(signing['dkimpy_count'])} of them); whole processes: the floor with DKIM costs "
            f"{1000 * (floor_dkim['cpu'] - floor['cpu']) / floor['count']:.2f} ms more CPU a message and takes "
            f"{floor_dkim['wall'] / floor['wall']:.2f}x the floor's wall time",
        ]
    print()
    for line in summaries:
        print(line)
    print(f"uptime load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def _row(n: int, label: str, m: dict[str, float]) -> None:
    count = int(m["count"])
    rate = f"{count / m['wall']:6.0f}" if count else f"{'-':>6}"
    per = f"{1000 * m['cpu'] / count:10.3f}" if count else f"{'-':>10}"
    print(f"| {n:>8,} | {label:<34} | {count:>8,} | {m['wall']:6.2f} | {rate} | {m['cpu']:6.1f} | {per} | "
          f"{m['peak_mb']:7.0f} |")


if __name__ == "__main__":
    main()
