"""The loaded-content cache (rewards_build/loadcache.py): a run on unchanged files reads the model
back; any change to what the load reads is seen; nothing in or around the cache file can run code,
hang the run or serve stale content. `racy_ns=0` lets a test trust stamps it has just written (the
real window, 2 s, is tested on its own)."""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewards_build import loadcache
from rewards_build.pipeline import load_all as load_uncached
from tests.conftest import TODAY


def load(folder: Path, today: dt.date = TODAY, racy_ns: int = 0, err: io.StringIO | None = None
         ) -> loadcache.LoadResult:
    return loadcache.load_all(Path("site.yml"), today, folder=folder, racy_ns=racy_ns, err=err or io.StringIO())


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("content-*.pickle"))


def forbid_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the content was loaded from the files, not from the cache")
    monkeypatch.setattr(loadcache, "load_content", refuse)


def test_unchanged_files_come_from_the_cache(mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = load(cache)
    assert first.content is not None and not first.problems
    assert len(cache_files(cache)) == 1
    assert oct(cache.stat().st_mode & 0o777) == "0o700" and oct(cache_files(cache)[0].stat().st_mode & 0o777) == "0o600"
    forbid_loading(monkeypatch)
    again = load(cache)
    assert again.content == first.content and again.config == first.config


# Same-size edits that change the model: size alone would not tell them apart.
EDITS = {
    "content/program.yml": ("program_year: FY24", "program_year: FY25"),
    "content/benefits/spotlight.yml": ("title: Solution spotlight", "title: Solution spotlighT"),
    "content/tips/offer-name.md": ("title: Put your core value", "title: Put your main value"),
    "content/toolkit/badges.md": ("title: Marketplace badges", "title: Marketplace badgeZ"),
    "content/partners/acme.yml": ("name: Acme Software", "name: Acme Softwarz"),
    "site.yml": ("title: Mini rewards", "title: Mini rewardZ"),
}


@pytest.mark.parametrize("rel", sorted(EDITS))
@pytest.mark.parametrize("times", ["new", "put back"])
def test_an_edit_to_any_file_the_load_reads_is_seen(mini: Path, tmp_path: Path, rel: str, times: str) -> None:
    cache = tmp_path / "cache"
    before = load(cache)
    path = mini / rel
    old, new = EDITS[rel]
    st = path.stat()
    text = path.read_text()
    assert old in text and len(old) == len(new)
    path.write_text(text.replace(old, new))
    if times == "put back":  # `touch -r` or a tool that keeps times: only the change time tells
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = load(cache)
    assert after == load_uncached(Path("site.yml"), TODAY)
    assert after != before


def test_added_and_removed_files_are_seen(mini: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(cache)
    tip = mini / "content/tips/offer-name.md"
    shutil.copy(tip, tip.with_name("second-tip.md"))
    added = load(cache)
    assert added.content is not None and [t.id for t in added.content.tips] == ["offer-name", "second-tip"]
    tip.unlink()
    removed = load(cache)
    assert removed.content is not None and [t.id for t in removed.content.tips] == ["second-tip"]


def test_another_day_or_other_code_is_a_miss(mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    load(cache)
    calls: list[object] = []
    real = loadcache.load_content
    monkeypatch.setattr(loadcache, "load_content", lambda *a, **k: calls.append(a) or real(*a, **k))
    load(cache, TODAY + dt.timedelta(days=1))  # the load checks dates against today
    assert len(calls) == 1
    module = tmp_path / "code" / "rewards_build" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text("")
    monkeypatch.setattr(loadcache, "code_files", lambda: [module])
    load(cache)
    load(cache)
    assert len(calls) == 2  # the code changed, then the same code again: a hit
    module.write_text("x = 1")
    load(cache)
    assert len(calls) == 3


def test_files_written_just_before_the_load_are_not_cached(mini: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(cache, racy_ns=loadcache.RACY_NS)  # the fixture was copied a moment ago
    assert cache_files(cache) == []


def test_a_load_with_problems_is_not_cached(mini: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    partner = mini / "content/partners/acme.yml"
    partner.write_text(partner.read_text().replace("account_email: pc-admin@acme.test", "account_email: 12"))
    result = load(cache)
    assert result.problems and result.content is None
    assert cache_files(cache) == []
    assert load(cache).problems == result.problems  # reported afresh


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_a_link_or_special_file_in_content_turns_the_cache_off(mini: Path, tmp_path: Path, kind: str) -> None:
    cache = tmp_path / "cache"
    tip = mini / "content/tips/offer-name.md"
    if kind == "symlink":
        moved = mini / "offer-name.md"
        tip.rename(moved)
        tip.symlink_to(moved)
    else:
        os.mkfifo(mini / "content/tips/pipe.md")
    load(cache)
    assert cache_files(cache) == []


def test_turned_off_by_an_empty_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(loadcache.ENV, "")
    assert loadcache.cache_folder() is None
    monkeypatch.setenv(loadcache.ENV, str(tmp_path))
    assert loadcache.cache_folder() == tmp_path
    monkeypatch.delenv(loadcache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert loadcache.cache_folder() == tmp_path / "xdg" / "rewards"


class RunsCode:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch ran-code",))


def _forged(path: Path, header: bytes, payload: bytes) -> None:
    path.write_bytes(header + payload)
    path.chmod(0o600)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other key", "runs code", "not content", "empty"])
def test_a_damaged_or_forged_cache_file_is_a_miss(mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  damage: str) -> None:
    cache = tmp_path / "cache"
    good = load(cache)
    [path] = cache_files(cache)
    data = path.read_bytes()
    header = data[:len(loadcache._MAGIC) + loadcache._KEY_BYTES]
    payloads = {"garbage": b"\x80\x05not a pickle", "truncated": data[len(header):len(header) + 1000],
                "runs code": pickle.dumps(RunsCode(), protocol=5), "not content": pickle.dumps((1, 2), protocol=5),
                "empty": b""}
    if damage == "other key":
        _forged(path, loadcache._MAGIC + bytes(32), data[len(header):])
    else:
        _forged(path, header, payloads[damage])
    assert load(cache) == good
    assert not (mini / "ran-code").exists()


@pytest.mark.parametrize("kind", ["fifo", "symlink", "others can write"])
def test_the_cache_file_is_never_followed_waited_on_or_trusted_when_others_can_write_it(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    cache = tmp_path / "cache"
    good = load(cache)
    [path] = cache_files(cache)
    elsewhere = tmp_path / "elsewhere.pickle"
    path.rename(elsewhere)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink":
        path.symlink_to(elsewhere)
    else:
        elsewhere.rename(path)
        path.chmod(0o666)
    calls: list[object] = []
    real = loadcache.load_content
    monkeypatch.setattr(loadcache, "load_content", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert load(cache) == good  # a FIFO opened for reading would block here
    assert len(calls) == 1


@pytest.mark.parametrize("kind", ["others can write", "a file"])
def test_an_unsafe_cache_folder_is_not_used_and_said_so(mini: Path, tmp_path: Path, kind: str) -> None:
    cache = tmp_path / "cache"
    if kind == "a file":
        cache.write_text("")
    else:
        cache.mkdir()
        cache.chmod(0o777)
    err = io.StringIO()
    result = load(cache, err=err)
    assert result == load_uncached(Path("site.yml"), TODAY)
    assert f"cache folder {cache}" in err.getvalue() and "loading without it" in err.getvalue()
    assert not list(tmp_path.glob("cache/content-*"))


def test_rewards_notify_reads_the_cache_and_sees_an_edit(mini: Path, tmp_path: Path) -> None:
    """As cron runs it, whole processes: the first run saves the model (its files are older than the
    racy window), the second reads it back, and an edit made after that is seen by the third."""
    cache = tmp_path / "cache"
    env = {**os.environ, loadcache.ENV: str(cache), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}

    def notify(outbox: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rewards_build", "notify", "--dry-run", "--today",
                               TODAY.isoformat(), "--outbox", str(tmp_path / outbox)],
                              cwd=mini, env=env, capture_output=True, text=True, check=False)

    time.sleep(loadcache.RACY_NS / 1e9 + 0.1)
    first = notify("first")
    assert first.returncode == 0, first.stderr
    [path] = cache_files(cache)
    stamp = path.stat().st_mtime_ns
    second = notify("second")
    assert (second.returncode, second.stdout) == (0, first.stdout.replace("first", "second"))
    assert path.stat().st_mtime_ns == stamp  # read, not written again
    partner = mini / "content/partners/acme.yml"
    partner.write_text(partner.read_text().replace("email: bo@acme.test", "email: bx@acme.test"))
    third = notify("third")
    assert third.returncode == 0, third.stderr
    sent_to = " ".join(p.read_text() for p in (tmp_path / "third").rglob("*.eml"))
    assert "bx@acme.test" in sent_to and "bo@acme.test" not in sent_to
