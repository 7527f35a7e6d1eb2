"""The catalog-wide search box in headless Chromium (Debian's, through Playwright): typing filters this
language's index (benefits, tips, toolkit pages), the keyboard moves through the results and Enter opens
the first; it keeps working once the network is gone; without JavaScript the box is not there at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, LAYOUT_SHIFT_JS, static_server

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium package is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    with static_server(built_site) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert errors == []
    context.close()


def results(page) -> list[str]:
    page.locator(".search-results").wait_for(state="visible")
    return page.locator(".search-results .search-title").all_inner_texts()


def test_an_english_query_finds_the_benefit_and_enter_opens_it(page, base_url: str) -> None:
    page.goto(base_url + "toolkit/index.html")
    box = page.get_by_role("searchbox", name="Search benefits, tips and guides")
    box.fill("blog feature")
    assert results(page)[0] == "Marketplace blog feature"
    box.press("Enter")
    page.wait_for_url("**/benefits/marketplace-blog-feature/index.html")
    assert page.locator("h1").inner_text() == "Marketplace blog feature"


def test_a_korean_query_finds_the_korean_page_and_enter_opens_it(page, base_url: str, built_site: Path) -> None:
    index = json.loads((built_site / "ko" / "search.json").read_text(encoding="utf-8"))
    title = next(i["title"] for i in index["items"] if i["url"] == "benefits/azure-sponsorship-poc/index.html")
    assert title == "배포 및 개념 증명용 Azure 스폰서십"
    page.goto(base_url + "ko/index.html")
    box = page.locator("#site-search")
    box.fill("개념 증명")  # two Korean words, in any order of the title
    assert results(page)[0] == title
    box.press("Enter")
    page.wait_for_url("**/ko/benefits/azure-sponsorship-poc/index.html")
    assert page.locator("h1").inner_text() == title
    assert page.evaluate("document.documentElement.lang") == "ko"


def test_the_keyboard_moves_through_results_and_escape_closes_them(page, base_url: str) -> None:
    page.goto(base_url)
    box = page.locator("#site-search")
    box.focus()
    page.keyboard.type("azure")
    found = results(page)
    assert len(found) >= 2 and all("Azure" in title for title in found[:2])
    assert "Results: " in page.locator("#site-search-status").inner_text()  # read out by screen readers
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent").startswith(found[0])
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent").startswith(found[1])
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.press("Escape")
    assert not page.locator(".search-results").is_visible()
    box.fill("zzzz-nothing")
    assert page.locator(".search-results").inner_text() == "No result"


def test_tips_and_toolkit_pages_are_found_too(page, base_url: str, built_site: Path) -> None:
    index = json.loads((built_site / "search.json").read_text(encoding="utf-8"))
    tip = next(i for i in index["items"] if i["url"].startswith("tips/"))
    guide = next(i for i in index["items"] if i["url"].startswith("toolkit/"))
    page.goto(base_url + "benefits/index.html")
    for item in (tip, guide):
        page.locator("#site-search").fill(item["title"])
        assert results(page)[0] == item["title"]
        page.locator(".search-results a").first.click()
        page.wait_for_url("**/" + item["url"])
        page.go_back()


def test_it_keeps_working_without_the_network(page, base_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "tips/index.html")
    with page.expect_response("**/search.json"):
        page.locator("#site-search").focus()  # the index is fetched once, when the box is first used
    page.context.set_offline(True)
    page.locator("#site-search").fill("forums")
    assert results(page)[0] == "Community forums"
    assert all(url.startswith(base_url) for url in requests), requests  # nothing leaves the site


def test_without_javascript_there_is_no_box(browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url)
    assert page.locator("form.search").count() == 1
    assert not page.locator("form.search").is_visible()
    context.close()


def test_the_box_moves_nothing(page, base_url: str) -> None:
    """Shown from the first paint (the head script's class), the results opening over the page."""
    page.goto(base_url + "benefits/index.html")
    assert page.locator("form.search").is_visible()
    assert page.evaluate(LAYOUT_SHIFT_JS) < 0.01
    before = page.locator("main").bounding_box()
    page.locator("#site-search").fill("azure")
    results(page)
    assert page.locator("main").bounding_box() == before
