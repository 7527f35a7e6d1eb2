"""Every page made from content files links to them in the repository editor (issue 12): a reader who
sees something wrong can open the file behind it without knowing the layout of the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

EDIT = "https://github.com/example/marketplace-rewards/edit/main/content/"
CONTENT = Path(__file__).resolve().parents[2] / "content"


def hrefs(page: Path) -> set[str]:
    import re
    return set(re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("prefix", ["", "ko/"])
def test_the_home_page_links_to_program_yml_where_its_tiers_and_numbers_come_from(built_site: Path,
                                                                                  prefix: str) -> None:
    assert EDIT + "program.yml" in hrefs(built_site / prefix / "index.html")


@pytest.mark.parametrize("prefix", ["", "ko/"])
@pytest.mark.parametrize(("page", "files"), [("tips", "tips/*.md"), ("toolkit", "toolkit/*.md")])
def test_a_list_page_links_to_the_file_of_each_entry(built_site: Path, prefix: str, page: str, files: str) -> None:
    # The tips page shows every tip in full; the toolkit index lists every toolkit page.
    links = hrefs(built_site / prefix / page / "index.html")
    sources = sorted(CONTENT.glob(files))
    assert sources
    assert {EDIT + s.relative_to(CONTENT).as_posix() for s in sources} <= links


def test_each_benefit_toolkit_and_partner_page_links_to_its_own_file(built_site: Path) -> None:
    for kind, folder, suffix in (("benefits", "benefits", ".yml"), ("toolkit", "toolkit", ".md"),
                                 ("partners", "partners", ".yml")):
        for source in sorted(CONTENT.glob(f"{folder}/*{suffix}")):
            page = built_site / kind / source.stem / "index.html"
            assert EDIT + f"{folder}/{source.name}" in hrefs(page), page
