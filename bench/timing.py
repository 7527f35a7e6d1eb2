"""Whole-process measurements for the benchmarks: wall, CPU and peak memory of one command, as a user runs it.

Every row of bench/validate.py and bench/build.py is a command started afresh (interpreter start-up,
imports and loading included), because that is what a user and cron wait for. The disk is synced
before each run (not timed), so that one run's writeback does not land on the next; the CPU time and
the peak resident set come from wait4(), which reports the command and every process it waited for
(the build's workers), so each run's figures are its own.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Run:
    wall: float  # seconds, start to exit
    cpu: float  # user + system seconds of the command and the processes it waited for
    peak_mb: float  # the largest resident set of any one of those processes
    output: str  # stdout and stderr, for errors and the command's own summary


def whole(cmd: Sequence[str | Path], *, cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> Run:
    """Run one command to its end after a sync; raise SystemExit with its output on an unexpected exit code."""
    os.sync()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd))}: exit {proc.returncode}\n{text[-4000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def tree_bytes(root: Path) -> tuple[int, int]:
    """Files and bytes under root (following the output link, not links inside)."""
    files = size = 0
    for folder, _dirs, names in os.walk(root.resolve()):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(folder, name)).st_size
    return files, size


def spread(values: Sequence[float], digits: int = 2) -> str:
    """'median (min-max)' of a few runs, hyperfine style; just the value for one run."""
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def paired(numerators: Sequence[float], denominators: Sequence[float]) -> str:
    """The median of run-by-run ratios (each pair ran back to back), with their range."""
    return spread([a / b for a, b in zip(numerators, denominators, strict=True)])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"
