"""When everything is compared (program.yml or another catalog file changed), BASE borrows HEAD's
partners for the partner files that are the same at both revisions (`sides.with_partners_of`). These
tests hold that shortcut to the answer of reading BASE whole: the same output in every format, for a
catalog change mixed with partner files added, changed and removed, and BASE's exact problems when
the borrowed files do not fit BASE's catalog, an offer id clashes, or BASE reads another folder."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rewards_build.cli import main
from rewards_build.diff import sides

from .gitrepo import REPO, edit, git

PARTNERS = Path("content/partners")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy2(REPO / "site.yml", root / "site.yml")
    shutil.copytree(REPO / "content", root / "content")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    yield root


def outputs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
            ) -> dict[str, tuple[int, str]]:
    """`rewards diff` in every format, as it runs, and with BASE read whole (the borrowing refused)."""
    found = {}
    for how in ("borrowed", "whole"):
        with monkeypatch.context() as m:
            if how == "whole":
                m.setattr(sides, "with_partners_of", lambda *_: None)
            for fmt in ("text", "markdown", "json"):
                code = main(["diff", *args, "--format", fmt, "--today", "2026-11-24"])
                out = re.sub(r"\b[0-9a-f]{9}\b", "<sha>", capsys.readouterr().out)
                out = re.sub(r"rewards-diff-[\w\\]+", "<tmp>", out)  # BASE is read in a temporary folder
                found[f"{how} {fmt}"] = (code, out)
    return found


def same_either_way(found: dict[str, tuple[int, str]]) -> None:
    for fmt in ("text", "markdown", "json"):
        assert found[f"borrowed {fmt}"] == found[f"whole {fmt}"], fmt


def test_a_catalog_change_with_partners_added_changed_and_removed_reads_as_a_whole_base_does(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    edit(repo / "content/program.yml", "threshold_usd: 50000", "threshold_usd: 30000")
    edit(repo / PARTNERS / "contoso-activated-contacted.yml", "billed_sales_usd: ", "billed_sales_usd: 9")
    (repo / PARTNERS / "trey-list-only.yml").unlink()
    text = (repo / PARTNERS / "northwind-no-contact.yml").read_text(encoding="utf-8")
    (repo / PARTNERS / "zz-no-contact.yml").write_text(text.replace("northwind-", "zz-"), encoding="utf-8")
    found = outputs(capsys, monkeypatch)
    same_either_way(found)
    code, out = found["borrowed json"]
    doc = json.loads(out)
    assert code == 3
    moved = {p["id"]: p for p in doc["partners"]}
    assert {"contoso-activated-contacted", "trey-list-only", "zz-no-contact"} <= set(moved)
    assert (moved["trey-list-only"]["status"], moved["zz-no-contact"]["status"]) == ("removed", "added")


def test_borrowed_files_that_do_not_fit_base_make_base_invalid_with_its_own_located_problems(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # BASE is broken main: a partner activates a benefit BASE's catalog lacks; HEAD adds the benefit.
    benefit = repo / "content/benefits/co-sell-guidance.yml"
    partner = repo / PARTNERS / "contoso-activated-contacted.yml"
    edit(partner, "activations:\n", "activations:\n  - benefit: brand-new\n    offer: "
                                    f"{_first_offer(partner)}\n    date: 2026-11-01\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken")
    shutil.copy2(benefit, repo / "content/benefits/brand-new.yml")
    edit(repo / "content/benefits/brand-new.yml", "id: co-sell-guidance", "id: brand-new")
    found = outputs(capsys, monkeypatch)
    same_either_way(found)
    doc = json.loads(found["borrowed json"][1])
    assert doc["base"]["valid"] is False
    assert any("contoso-activated-contacted.yml:" in p and "no benefit 'brand-new'" in p
               for p in doc["base"]["problems"]), doc["base"]


def test_an_offer_id_clash_between_a_base_only_file_and_a_borrowed_one_is_told_as_a_whole_load_tells_it(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # At BASE, a partner file (removed at HEAD) claims Northwind's offer ids, Northwind's file being
    # the same at both revisions.
    text = (repo / PARTNERS / "northwind-no-contact.yml").read_text(encoding="utf-8")
    clash = repo / PARTNERS / "zz-clash.yml"
    clash.write_text(text.replace("id: northwind-no-contact", "id: zz-clash"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "clash")
    clash.unlink()
    edit(repo / "content/program.yml", "threshold_usd: 50000", "threshold_usd: 30000")
    found = outputs(capsys, monkeypatch)
    same_either_way(found)
    assert json.loads(found["borrowed json"][1])["base"]["valid"] is False


def test_a_base_whose_site_yml_reads_another_folder_is_read_whole(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "mv", "content", "data")
    edit(repo / "site.yml", "content_dir: content", "content_dir: data")
    git(repo, "commit", "-q", "-am", "data")
    git(repo, "mv", "data", "content")
    edit(repo / "site.yml", "content_dir: data", "content_dir: content")
    edit(repo / "content/program.yml", "threshold_usd: 50000", "threshold_usd: 30000")
    found = outputs(capsys, monkeypatch)
    same_either_way(found)
    assert found["borrowed text"][0] == 3


def _first_offer(path: Path) -> str:
    match = re.search(r"\n  - id: ([a-z0-9-]+)", path.read_text(encoding="utf-8"))
    assert match, path
    return match.group(1)
