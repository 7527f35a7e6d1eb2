"""The site on a phone, in the dark, on paper and in Korean, measured in headless Chromium: no page
wider than a 390 px screen, no layout shift while the page loads, readable state colours in both
colour schemes, an address naming a tab keeps the partner's alerts in view, print shows every panel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, CONTRAST_JS, LAYOUT_SHIFT_JS, static_server

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium package is not installed", allow_module_level=True)

PHONE = {"width": 390, "height": 844}
CONTENT = Path(__file__).resolve().parents[2] / "content"
# One page of every type (a partner page once per tab, and in Korean), for the layout-shift test.
PAGE_TYPES = ["", "benefits/", f"benefits/{sorted(CONTENT.glob('benefits/*.yml'))[0].stem}/", "partners/",
              "partners/adatum-awaiting-contact/", "partners/adatum-awaiting-contact/#sales-marketing",
              "partners/adatum-awaiting-contact/#technical", "ko/partners/northwind-no-contact/#sales-marketing",
              "tips/", "toolkit/", f"toolkit/{sorted(CONTENT.glob('toolkit/*.md'))[0].stem}/", "how-to/", "404.html"]
TABS = ("overview", "sales-marketing", "technical")
# Every element whose colour says something: tier alerts, benefit states, offer and request statuses,
# and the buttons that act on them.
COLOURED = ".badge, .state, .status, .button, .tablist a"


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


def partner_ids(built_site: Path) -> list[str]:
    return sorted(p.stem for p in (built_site / "api/partners").glob("*.json"))


def every_page(built_site: Path) -> list[str]:
    """Every HTML page the build wrote, in both languages; a partner page once per tab."""
    paths = []
    for file in sorted(built_site.rglob("*.html")):
        path = file.relative_to(built_site).as_posix().removesuffix("index.html")
        partner = re.search(r"(^|/)partners/[^/]+/$", path)
        paths += [f"{path}#{tab}" for tab in TABS] if partner else [path]
    return paths


def test_no_page_is_wider_than_a_390_px_phone(browser, built_site: Path, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    too_wide = {}
    paths = every_page(built_site)
    assert len(paths) > 100
    for path in paths:
        page.goto(base_url + path)
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    context.close()
    assert too_wide == {}


def test_benefit_rows_are_cards_on_a_phone_with_their_buttons_on_screen(browser, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(base_url + "partners/adatum-awaiting-contact/#sales-marketing")
    rows = page.locator("#sales-marketing table.benefits tbody tr")
    assert rows.count() > 0
    header = page.locator("#sales-marketing table.benefits thead").first.bounding_box()
    assert header is not None and header["width"] <= 1 and header["height"] <= 1  # for screen readers only
    buttons = page.locator("#sales-marketing table.benefits .button:visible")
    assert buttons.count() > 0
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Each cell says what it is, since the header row is out of sight.
    assert rows.first.locator("td").first.get_attribute("data-label") == "State"
    context.close()


@pytest.mark.parametrize("path", PAGE_TYPES)
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}])
def test_nothing_moves_while_the_page_loads_even_when_the_script_is_slow(browser, base_url: str, path: str,
                                                                        viewport: dict) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()

    def slow_script(route) -> None:
        page.wait_for_timeout(400)  # the page is painted before site.js arrives, as on a slow phone
        route.continue_()

    page.route("**/site.js", slow_script)
    page.goto(base_url + path, wait_until="load")
    shift = page.evaluate(LAYOUT_SHIFT_JS)
    context.close()
    assert shift < 0.05, f"cumulative layout shift {shift:.3f} on {path}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_state_badge_and_button_has_4_5_to_1_contrast(browser, built_site: Path, base_url: str,
                                                            scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    failures: dict[str, float] = {}
    paths = ["", "partners/"] + [f"partners/{pid}/" for pid in partner_ids(built_site)]
    for path in paths + ["ko/" + p for p in paths]:
        page.goto(base_url + path)
        page.emulate_media(color_scheme=scheme)
        measured = page.locator(COLOURED).evaluate_all(
            f"(elements) => elements.map((e) => [e.className, e.textContent.trim(), ({CONTRAST_JS})(e)])")
        assert measured, path
        for cls, text, ratio in measured:
            if ratio < 4.5:
                key = f"{cls} {text!r} on {path}"
                failures[key] = min(ratio, failures.get(key, 99))
    context.close()
    assert failures == {}


def test_an_address_naming_a_tab_opens_it_with_the_header_and_alerts_in_view(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "partners/adatum-awaiting-contact/#sales-marketing", wait_until="load")
    page.wait_for_timeout(200)
    tab = page.get_by_role("tab", name="Sales and marketing benefits")
    assert tab.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-sales-marketing"  # the tab, not the panel
    assert page.evaluate("window.scrollY") == 0
    assert page.locator(".top").is_visible() and page.locator(".alert").first.is_visible()
    for selector in (".top", ".alerts", "#tab-sales-marketing"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900, selector
    # A target inside a panel (an alert's action) is still scrolled to.
    page.goto(base_url + "partners/northwind-no-contact/#assign-contact", wait_until="load")
    page.wait_for_timeout(200)
    box = page.locator("#assign-contact").bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_printing_a_partner_page_prints_every_panel_without_navigation_or_filters(browser, base_url: str,
                                                                                  javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(base_url + "partners/adatum-awaiting-contact/#technical")
    page.emulate_media(media="print")
    for panel in TABS:
        assert page.locator(f"#{panel}").is_visible(), panel
        assert page.locator(f"#{panel} > h2").first.is_visible(), panel  # each printed panel keeps its title
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.locator(".tablist").is_visible()
    if javascript:  # folded rows (locked benefits) open for printing, and fold again after
        locked = page.locator("details.rows-locked table").first
        assert not locked.is_visible()
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert locked.is_visible()
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert not locked.is_visible()
    page.goto(base_url + "partners/")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert page.locator("table.partners tbody tr:visible").count() > 0
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_korean_words_and_buttons_do_not_break_mid_syllable(browser, base_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    for path in ("ko/partners/adatum-awaiting-contact/#sales-marketing", "ko/", "ko/benefits/"):
        page.goto(base_url + path)
        assert page.evaluate("getComputedStyle(document.querySelector('main')).wordBreak") == "keep-all"
        # A button's label is on one line: its text's boxes all share one top.
        for button in page.locator("main .button:visible").all():
            lines = button.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                                    "return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }")
            assert lines == 1, f"{button.inner_text()!r} wraps on {path} at {width} px"
    context.close()
