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
def test_the_tips_page_links_to_each_tips_file(built_site: Path, prefix: str) -> None:
    links = hrefs(built_site / prefix / "tips" / "index.html")
    tips = sorted(CONTENT.glob("tips/*.md"))
    assert tips
    assert {EDIT + f"tips/{t.name}" for t in tips} <= links


@pytest.mark.parametrize("prefix", ["", "ko/"])
def test_the_toolkit_index_links_to_each_pages_file(built_site: Path, prefix: str) -> None:
    links = hrefs(built_site / prefix / "toolkit" / "index.html")
    pages = sorted(CONTENT.glob("toolkit/*.md"))
    assert pages
    assert {EDIT + f"toolkit/{t.name}" for t in pages} <= links


def test_each_benefit_toolkit_and_partner_page_links_to_its_own_file(built_site: Path) -> None:
    for kind, folder, suffix in (("benefits", "benefits", ".yml"), ("toolkit", "toolkit", ".md"),
                                 ("partners", "partners", ".yml")):
        for source in sorted(CONTENT.glob(f"{folder}/*{suffix}")):
            page = built_site / kind / source.stem / "index.html"
            assert EDIT + f"{folder}/{source.name}" in hrefs(page), page
