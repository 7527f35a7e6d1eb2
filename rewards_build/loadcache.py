"""The loaded content, kept between runs of `rewards notify`: a run whose inputs have not changed
since the last valid load reads the model back instead of parsing and checking every file again.

Cron runs the notifier on the same content over and over (a re-plan with nothing due is most runs),
and loading 10,000 partner files costs 3 s where reading the saved model back costs 0.5 s.

When the saved model is used, and only then: its key matches. The key covers everything the load
reads or depends on: the code (every file of the packages, by stamp), the Python version, today,
site.yml, program.yml and every entry of the content folders the loader reads (path, kind, size,
modification and change times, inode: `git checkout` and every editor change the change time,
which no tool can set back). A load that found problems is never saved, so problems are reported
afresh each run. A load whose files were written within `RACY_NS` of its scan is not saved either
(a later write in the same clock tick could leave a stamp as it was). A symbolic link or special
file among them: no cache (the loader's own checks decide about it, every run).

Where: `$REWARDS_CACHE_DIR`, else `$XDG_CACHE_HOME/rewards`, else `~/.cache/rewards` (as Hugo keeps
its cache), outside the content repository, so a pull request cannot add a file there. Set
`REWARDS_CACHE_DIR` to an empty value to turn the cache off. The folder must be ours and not
writable by others, or it is not used (said on stderr). The file is read by an unpickler that
knows only the model's classes and `datetime.date`, so even a forged file cannot run code; anything
wrong with it (damaged, foreign, truncated, another version) is a miss, and the content is loaded
from the files as if there were no cache. Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import os
import pickle
import stat
import sys
import time
from pathlib import Path
from typing import IO, Any, TextIO

from . import model
from .model import Content
from .pipeline import FOLDERS, LoadResult, load_config, load_content
from .stamps import RACY_NS, code_files

ENV = "REWARDS_CACHE_DIR"
_MAGIC = b"rewards loaded content v1\n"
_KEY_BYTES = 32
_MODEL_CLASSES = {name: value for name, value in vars(model).items()
                  if isinstance(value, type) and value.__module__ == model.__name__}
# Each record is saved as (its class, its field values) and rebuilt by `_rebuild`: dataclasses' own
# __setstate__ asks `fields()` again for every object (140,000 at 10,000 partners), twice the time.
_FIELDS: dict[type, tuple[str, ...]] = {cls: tuple(f.name for f in dataclasses.fields(cls))
           for cls in _MODEL_CLASSES.values() if dataclasses.is_dataclass(cls)}
_set = object.__setattr__  # the records are frozen: their own __setattr__ refuses


def _rebuild(cls: type, values: tuple[object, ...]) -> object:
    record: object = object.__new__(cls)
    for name, value in zip(_FIELDS[cls], values, strict=True):
        _set(record, name, value)
    return record


# What the unpickler may find: the model's own classes, dates and `_rebuild`. Nothing that runs code.
_ALLOWED: dict[tuple[str, str], object] = {
    ("datetime", "date"): dt.date, (__name__, "_rebuild"): _rebuild,
    **{(model.__name__, name): cls for name, cls in _MODEL_CLASSES.items()}}


def load_all(site_path: Path, today: dt.date, *, err: TextIO | None = None,
             folder: Path | None = None, racy_ns: int = RACY_NS) -> LoadResult:
    """`pipeline.load_all`, from the cache when the inputs are as they were at the last valid load.
    `folder`: the cache folder (default: `cache_folder()`); `racy_ns`: how recent a stamp may be."""
    err = err or sys.stderr
    config, problems = load_config(site_path)
    if config is None:
        return LoadResult(None, None, problems, config_error=True)
    scanned_at = time.time_ns()
    entry = _entry(site_path, config.content_dir, today, folder if folder is not None else cache_folder(), err)
    cached = _read(entry[0], entry[1]) if entry is not None else None
    if cached is not None:
        return LoadResult(config, cached, [])
    content, problems = load_content(config.content_dir, today, root=config.root)
    if entry is not None and content is not None and entry[2] < scanned_at - racy_ns:
        _write(entry[0], entry[1], content)
    return LoadResult(config, content, problems)


def _entry(site_path: Path, content_dir: Path, today: dt.date, where: Path | None,
           err: TextIO) -> tuple[Path, bytes, int] | None:
    """This site's cache file, the key its inputs make now and their latest stamp; None when there is
    no cache this run (turned off, an unsafe folder, or an input that cannot be stamped safely)."""
    if where is None or not _usable(where, err):
        return None
    stamps = _stamps(site_path, content_dir, today)
    if stamps is None:
        return None
    path = where / f"content-{hashlib.sha256(os.fsencode(site_path.resolve())).hexdigest()[:32]}.pickle"
    return path, hashlib.sha256(stamps[0]).digest(), stamps[1]


def cache_folder() -> Path | None:
    """Where the cache lives (None: turned off by an empty $REWARDS_CACHE_DIR)."""
    if ENV in os.environ:
        return Path(os.environ[ENV]) if os.environ[ENV] else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rewards"


def _usable(folder: Path, err: TextIO) -> bool:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(folder, follow_symlinks=False)
    except OSError as exc:
        print(f"rewards: cache folder {folder}: {exc.strerror}; loading without it", file=err)
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        print(f"rewards: cache folder {folder} is not a folder of this user that only it can write; "
              f"loading without it (or set {ENV} to another folder)", file=err)
        return False
    return True


def _stamps(site_path: Path, content_dir: Path, today: dt.date) -> tuple[bytes, int] | None:
    """(the key's material, the latest time among the stamps), or None when a file cannot be stamped
    safely (a link or special file, or one that vanished while we looked)."""
    parts = [f"{_MAGIC!r}\0{sys.version}\0{today.isoformat()}\0{site_path.resolve()}\0".encode()]
    latest = 0
    try:
        entries: list[tuple[str, os.stat_result | None]] = [(str(site_path), os.stat(site_path)),
                                                           (os.path.join(content_dir, "program.yml"), None)]
        for folder in FOLDERS:
            base = os.path.join(content_dir, folder)
            entries.append((base, None))
            if os.path.isdir(base) and not os.path.islink(base):
                with os.scandir(base) as found:
                    entries += sorted((e.path, e.stat(follow_symlinks=False)) for e in found
                                      if not e.name.startswith("."))
        entries += [(str(path), None) for path in code_files()]
        for name, st in entries:
            if st is None:
                try:
                    st = os.stat(name, follow_symlinks=False)
                except FileNotFoundError:
                    parts.append(f"{name}\0absent\0".encode())
                    continue
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                return None
            latest = max(latest, st.st_mtime_ns, st.st_ctime_ns)
            parts.append(f"{name}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\0"
                         .encode())
    except OSError:
        return None
    return b"".join(parts), latest


class _Records(pickle.Pickler):
    def reducer_override(self, obj: object) -> Any:
        names = _FIELDS.get(type(obj))
        if names is None:
            return NotImplemented
        return _rebuild, (type(obj), tuple([getattr(obj, name) for name in names]))


class _ModelOnly(pickle.Unpickler):
    def find_class(self, module_name: str, name: str) -> object:
        allowed = _ALLOWED.get((module_name, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module_name}.{name} is not part of the model")
        return allowed


def _read(path: Path, key: bytes) -> Content | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        try:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
                return None
            if f.read(len(_MAGIC) + _KEY_BYTES) != _MAGIC + key:
                return None
            content = _ModelOnly(io.BytesIO(f.read())).load()
        except Exception:  # whatever is wrong with a cache file, it is a miss
            return None
    return content if isinstance(content, Content) else None


def _write(path: Path, key: bytes, content: Content) -> None:
    """Best effort: a cache that cannot be written costs the next run a full load, nothing else."""
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        f: IO[bytes]
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key)
            _Records(f, protocol=5).dump(content)
        os.replace(temp, path)
    except (OSError, pickle.PicklingError, RecursionError):
        with contextlib.suppress(OSError):
            temp.unlink()
