"""An output path that is, contains or is inside the sources is refused before anything is written.

`output_dir: content` (or `.`, `templates`, a folder inside either, or a folder holding site.yml)
would write the site into the files it is built from, and a later full build would delete what it
does not produce. The build refuses with one clear message and exit 2, from site.yml and from --out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from site_helpers import TODAY, SiteCopy

from rewards_build import cli


def _everything(root: Path) -> dict[str, tuple[bool, bytes]]:
    """Every name under the copy's folder (and beside it), with each file's bytes."""
    found: dict[str, tuple[bool, bytes]] = {}
    for dirpath, dirs, files in os.walk(root.parent):
        for name in dirs + files:
            path = Path(dirpath) / name
            found[str(path.relative_to(root.parent))] = (path.is_dir(), b"" if path.is_dir() else path.read_bytes())
    return found


def _set_output_dir(copy: SiteCopy, value: str) -> None:
    text = copy.site_yml.read_text()
    assert "output_dir: _site\n" in text
    copy.site_yml.write_text(text.replace("output_dir: _site\n", f"output_dir: {value}\n"))


REFUSED = {
    "content": "content",
    ".": "the folder of site.yml",
    "content/partners": "content",
    "content/site": "content",
    "templates": "templates",
    "templates/site/out": "templates",
    "..": "the folder of site.yml",
}


@pytest.mark.parametrize("value", list(REFUSED))
def test_output_dir_in_the_sources_is_refused_before_anything_is_written(
        value: str, site_copy: SiteCopy, capsys: pytest.CaptureFixture[str]) -> None:
    _set_output_dir(site_copy, value)
    before = _everything(site_copy.root)
    code = cli.main(["build", "--site", str(site_copy.site_yml), "--today", TODAY.isoformat(), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert "output_dir" in line and REFUSED[value] in line and "would write the site into" in line, line
    assert _everything(site_copy.root) == before


@pytest.mark.parametrize("where", ["content", "content/benefits/x", "templates/site", ".", "..",
                                   "content/../templates"])
def test_out_in_the_sources_is_refused_before_anything_is_written(
        where: str, site_copy: SiteCopy, capsys: pytest.CaptureFixture[str]) -> None:
    before = _everything(site_copy.root)
    code = cli.main(["build", "--site", str(site_copy.site_yml), "--out", str(site_copy.root / where),
                     "--today", TODAY.isoformat(), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith("rewards build: --out ") and "would write the site into" in line, line
    assert _everything(site_copy.root) == before


def test_out_through_a_symlink_into_the_content_is_refused(site_copy: SiteCopy, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "link").symlink_to(site_copy.content / "tips")
    before = _everything(site_copy.root)
    code = cli.main(["build", "--site", str(site_copy.site_yml), "--out", str(tmp_path / "link" / "site"),
                     "--today", TODAY.isoformat(), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert _everything(site_copy.root) == before


def test_serve_refuses_an_output_in_the_sources_too(site_copy: SiteCopy, capsys: pytest.CaptureFixture[str]) -> None:
    before = _everything(site_copy.root)
    code = cli.main(["serve", "--site", str(site_copy.site_yml), "--out", str(site_copy.content),
                     "--today", TODAY.isoformat(), "--port", "0"])
    assert code == 2
    assert "would write the site into" in capsys.readouterr().err
    assert _everything(site_copy.root) == before


def test_an_output_beside_the_sources_is_fine(site_copy: SiteCopy, capsys: pytest.CaptureFixture[str]) -> None:
    _set_output_dir(site_copy, "_site_content")  # a name that merely starts like a source folder
    code = cli.main(["build", "--site", str(site_copy.site_yml), "--today", TODAY.isoformat(), "--jobs", "1"])
    assert code == 0, capsys.readouterr().err
    assert (site_copy.root / "_site_content" / "index.html").is_file()
