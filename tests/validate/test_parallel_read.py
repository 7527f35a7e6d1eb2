"""Partner files read on every core (rewards_build/reading.py) give exactly what a one-at-a-time read
gives: the same problems at the same places, in the same order, and the same program. What a
reviewer would notice if it broke: a problem lost or told twice, the "offer id belongs to another
partner" message on the wrong one of the two files, or a validate that hangs when a worker dies."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from rewards_build import reading
from rewards_build.model import Content
from rewards_build.pipeline import load_config, load_content
from rewards_build.problems import Problem

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sixty generated partners and, among them, every kind of broken partner file."""
    root = tmp_path_factory.mktemp("parallel")
    generate(root, 60, TODAY)
    partners = root / "content" / "partners"
    files = sorted(partners.glob("*.yml"))
    (partners / "aaa-yaml.yml").write_text("id: aaa-yaml\nname: [unclosed\n", encoding="utf-8")
    text = files[10].read_text(encoding="utf-8")
    (partners / files[10].stem.replace("-", "-z", 1)).with_suffix(".yml").write_text(
        text.replace(f"id: {files[10].stem}", f"id: {files[10].stem.replace('-', '-z', 1)}", 1), encoding="utf-8")
    (partners / files[20].name).write_text(text.replace("name: ", "nom: ", 1), encoding="utf-8")
    (partners / files[30].name).write_text(
        files[30].read_text(encoding="utf-8").replace("mpn_id: ", "mpn_id: 0755 #", 1), encoding="utf-8")
    (partners / "zzz-empty.yml").write_text("", encoding="utf-8")
    return root


def load(root: Path, jobs: int) -> tuple[Content | None, list[Problem]]:
    config, problems = load_config(root / "site.yml")
    assert config is not None, problems
    return load_content(config.content_dir, TODAY, root=config.root, jobs=jobs)


def test_every_core_reads_what_one_reads(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = load(tree, 1)
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)
    monkeypatch.setattr(reading, "CHUNK", 7)  # many chunks, so that their order matters
    two = load(tree, 2)
    assert one[1], "the tree must hold problems for this test to mean anything"
    assert [str(p) for p in two[1]] == [str(p) for p in one[1]]
    messages = "\n".join(str(p) for p in one[1])
    assert "belongs to" in messages or "already" in messages  # the rule across partners ran
    assert "0755" in messages and "nom" in messages


def test_every_core_models_what_one_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path, 40, TODAY)
    one = load(tmp_path, 1)
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)
    monkeypatch.setattr(reading, "CHUNK", 3)
    two = load(tmp_path, 2)
    assert one[0] is not None and two[0] == one[0]
    assert list(two[0].partners) == list(one[0].partners)


_READ_CHUNK = reading._read_chunk


def _dies_on_the_third(first: int, last: int) -> object:
    if first == 14:
        os._exit(9)  # as the kernel's out-of-memory killer would leave it
    return _READ_CHUNK(first, last)


def test_a_killed_worker_leaves_the_rest_to_this_process(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = load(tree, 1)
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)
    monkeypatch.setattr(reading, "CHUNK", 7)
    monkeypatch.setattr(reading, "_read_chunk", _dies_on_the_third)
    two = load(tree, 2)
    assert [str(p) for p in two[1]] == [str(p) for p in one[1]]


def test_validate_reads_on_every_core_as_users_run_it(tmp_path: Path) -> None:
    generate(tmp_path, reading.PARALLEL_FROM + 50, TODAY)
    done = subprocess.run([sys.executable, "-m", "rewards_build", "validate", "--today", TODAY.isoformat()],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{reading.PARALLEL_FROM + 50} partners" in done.stderr


def test_a_whole_program_diff_reads_both_sides_with_many_partners(tmp_path: Path) -> None:
    # rewards diff reads BASE in a daemonic process, which may not start workers of its own: it reads
    # one file at a time there, while HEAD is read on every core.
    generate(tmp_path, reading.PARALLEL_FROM + 50, TODAY)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    program = tmp_path / "content" / "program.yml"
    program.write_text(program.read_text(encoding="utf-8").replace("threshold_usd: 50000,", "threshold_usd: 40000,"),
                       encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "rewards_build", "diff", "--today", TODAY.isoformat()],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "tier t50k threshold: $50,000 -> $40,000" in done.stdout
    assert "Traceback" not in done.stderr
