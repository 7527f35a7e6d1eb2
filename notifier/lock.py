"""An exclusive, non-blocking lock so that two overlapping cron runs never both send.

flock(2) on a file beside the ledger: the kernel releases it when the process ends, however it
ends (kill -9 included), so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class LockHeld(Exception):
    """Another run holds the lock."""

    def __init__(self, path: Path, holder: str):
        super().__init__(f"another notify run holds {path}" + (f" (pid {holder})" if holder else ""))
        self.path = path
        self.holder = holder


class RunLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self.existed = False  # a run held this lock before (its pid is in the file): the folder has history

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        # Only a run that held the lock writes its pid: a file another run created a moment ago, then
        # failed to lock, is empty and says nothing about history (two runs started at once).
        self.existed = bool(os.pread(fd, 32, 0).strip())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_path_for(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")
