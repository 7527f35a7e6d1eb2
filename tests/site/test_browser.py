"""End to end in headless Chromium: what a partner does on the site, and that content never runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, static_server
from site_helpers import copy_site

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
    page.console_errors = errors
    yield page
    context.close()


def test_partner_journey_home_to_overdue_alert_tabs_and_korean(page, base_url: str) -> None:
    page.goto(base_url)
    assert page.locator("h1").inner_text() == "Marketplace Rewards"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()

    search = page.get_by_label("Find a partner")
    search.fill("adatum")
    visible = page.locator("table.partners tbody tr:visible")
    assert visible.count() == 1
    visible.get_by_role("link").click()

    assert page.locator("h1").inner_text() == "A. Datum Identity"
    alert = page.locator(".alert.kind-contact-overdue")
    assert alert.is_visible()
    assert "Activation overdue for contact" in alert.inner_text()

    overview_tab = page.get_by_role("tab", name="Overview")
    sales_tab = page.get_by_role("tab", name="Sales and marketing benefits")
    assert overview_tab.get_attribute("aria-selected") == "true"
    assert not page.locator("#sales-marketing").is_visible()
    sales_tab.click()  # what follows a click waits for the page's script (a busy machine delays it)
    playwright_api.expect(sales_tab).to_have_attribute("aria-selected", "true")
    playwright_api.expect(page.locator("#sales-marketing")).to_be_visible()
    playwright_api.expect(page.locator("#overview")).to_be_hidden()
    assert "day 10, contact overdue" in page.locator("#sales-marketing").inner_text()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="Technical benefits").get_attribute("aria-selected") == "true"

    page.get_by_role("navigation", name="Language").get_by_role("link", name="한국어").click()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.url.endswith("/ko/partners/adatum-awaiting-contact/index.html")
    assert page.locator("#alerts-title").inner_text() == "알림"
    assert page.console_errors == []


def test_assign_contact_step_shows_the_yaml_and_links_to_the_partner_file_in_the_editor(page, base_url: str) -> None:
    page.goto(base_url + "partners/northwind-no-contact/#sales-marketing")
    assert page.locator("#sales-marketing").is_visible()
    step = page.locator("#sales-marketing .step")
    assert "marketing_contacts:\n  - name: " in step.locator("pre code").inner_text()
    link = step.get_by_role("link", name="Open partners/northwind-no-contact.yml in the editor")
    assert link.get_attribute("href") == ("https://github.com/example/marketplace-rewards/edit/main/"
                                          "content/partners/northwind-no-contact.yml")
    assert page.console_errors == []


def test_a_row_shows_its_snippet_and_the_copy_button_copies_it(browser, base_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base_url + "partners/adatum-awaiting-contact/#sales-marketing")
    row = page.locator("#sales-adatum-identity-guard tr", has_text="Featured category placement")
    row.get_by_text("Activate", exact=True).click()
    code = row.locator(".snippet pre code")
    playwright_api.expect(code).to_be_visible()
    expected = code.inner_text()
    assert "benefit: featured-category-placement" in expected and "date: 2026-11-24" in expected
    button = row.locator("button.copy")
    assert button.inner_text() == "Copy"
    button.click()
    playwright_api.expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code.text_content()
    context.close()


def test_the_assign_contact_alert_opens_the_tab_with_the_assign_step(page, base_url: str) -> None:
    page.goto(base_url + "partners/northwind-no-contact/")
    assert not page.locator("#assign-contact").is_visible()
    page.locator(".alert.kind-assign-contact").get_by_role("link", name="Assign a marketing contact").click()
    playwright_api.expect(page.locator("#assign-contact")).to_be_visible()
    playwright_api.expect(page.get_by_role("tab", name="Sales and marketing benefits")).to_have_attribute(
        "aria-selected", "true")
    assert page.console_errors == []


def test_catalog_filters_by_category(page, base_url: str) -> None:
    page.goto(base_url + "benefits/")
    items = page.locator("ul.catalog li.item")
    total = items.count()
    page.get_by_label("Category").select_option("technical")
    shown = page.locator("ul.catalog li.item:visible")
    assert 0 < shown.count() < total
    for i in range(shown.count()):
        assert shown.nth(i).get_attribute("data-category") == "technical"
    assert page.console_errors == []


def test_without_javascript_lists_are_complete_and_all_sections_show(browser, built_site: Path,
                                                                     base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "partners/")
    rows = page.locator("table.partners tbody tr")
    assert rows.count() == len(list((built_site / "api/partners").glob("*.json")))
    assert not page.locator("form[data-filter]").is_visible()
    page.goto(base_url + "partners/adatum-awaiting-contact/")
    for panel in ("#overview", "#sales-marketing", "#technical"):
        assert page.locator(panel).is_visible()
    page.get_by_role("link", name="Technical benefits").click()
    assert page.url.endswith("#technical")
    assert page.locator("button.copy:visible").count() == 0  # nothing to copy with: the YAML is selectable text
    assert page.locator("#overview .snippet pre").count() == 1  # the opt-out snippet, folded in <details>
    context.close()


XSS = '<script>window.__xss = "script"; alert(1)</script>'
MARKDOWN_XSS = f"""Safe text.

{XSS}

<img src="x.png" onerror="window.__xss = 'onerror'; alert(2)">

[click me](javascript:window.__xss='link';alert(3))

<a href="javascript:alert(4)" onclick="window.__xss='onclick'">also me</a>
"""


def test_content_with_xss_payloads_runs_no_script(browser, tmp_path: Path) -> None:
    copy = copy_site(tmp_path / "repo")
    benefit = copy.content / "benefits/marketplace-blog-feature.yml"
    text = benefit.read_text()
    start = text.index("description: |")
    end = text.index("\n", text.index("\n  ", start) + 1)
    indented = "\n".join("  " + line if line else "" for line in MARKDOWN_XSS.splitlines())
    benefit.write_text(text[:start] + "description: |\n" + indented + text[end:])
    partner = copy.content / "partners/adatum-awaiting-contact.yml"
    partner.write_text(partner.read_text().replace(
        "name: A. Datum Identity\n", "name: '<img src=x onerror=alert(5)><script>alert(6)</script>Evil'\n"))
    toolkit = sorted((copy.content / "toolkit").glob("*.md"))[0]
    toolkit.write_text(toolkit.read_text() + "\n\n" + MARKDOWN_XSS)
    out = tmp_path / "site"
    result, log = copy.build(out)
    assert result.exit_code == 0, log

    html = (out / "benefits/marketplace-blog-feature/index.html").read_text()
    assert "<script>window.__xss" not in html and "onerror" not in html and "javascript:" not in html

    dialogs: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with static_server(out) as url:
        for path in ("benefits/marketplace-blog-feature/", "partners/adatum-awaiting-contact/", "partners/",
                     f"toolkit/{toolkit.stem}/", "ko/benefits/marketplace-blog-feature/"):
            page.goto(url + path)
            for link in page.locator("main a").all():
                href = link.get_attribute("href") or ""
                assert not href.lower().startswith("javascript:")
            for text_link in page.get_by_text("click me").all() + page.get_by_text("also me").all():
                text_link.click()
            assert page.evaluate("window.__xss") is None
        page.goto(url + "partners/adatum-awaiting-contact/")
        assert page.locator("h1").inner_text() == "<img src=x onerror=alert(5)><script>alert(6)</script>Evil"
    context.close()
    assert dialogs == []


def _group_titles(page, table: str) -> list[tuple[str, list[str]]]:
    """Each group of an offer's benefits, in page order: its caption and its rows' titles."""
    return page.locator(f"{table} table.benefits").evaluate_all(
        "(tables) => tables.map((t) => [t.caption.textContent.trim(),"
        " [...t.tBodies[0].rows].map((r) => r.cells[0].textContent.trim())])")


def test_a_partners_benefits_lead_with_what_needs_action_sorted_by_title_with_locked_rows_folded(
        page, base_url: str) -> None:
    page.goto(base_url + "partners/adatum-awaiting-contact/#sales-marketing")
    groups = _group_titles(page, "#sales-adatum-identity-guard")
    captions = [caption for caption, _ in groups]
    assert captions[0] == "Needs action (1)" and captions[-1].startswith("Locked (")
    assert [c.split(" (")[0] for c in captions] == ["Needs action", "Available", "Done or closed", "Locked"]
    assert groups[0][1] == ["Marketplace blog feature"]  # the activation the rewards team is overdue on
    for caption, titles in groups:
        assert titles == sorted(titles, key=str.casefold), caption
    # "In-depth customer review" sorts under I, where a reader looks for it, not as customer-review.
    locked_titles = groups[-1][1]
    assert "In-depth customer review" in locked_titles
    assert locked_titles.index("In-depth customer review") > locked_titles.index("Customer success story")
    # Locked rows are folded away, each with its reason once opened.
    locked = page.locator("#sales-adatum-identity-guard details.rows-locked")
    assert not locked.locator("table").is_visible()
    locked.locator("summary").click()
    row = locked.locator("tr", has_text="In-depth customer review")
    assert "Locked: needs the $50K tier" in row.inner_text()
    assert page.locator(".as-of time").get_attribute("datetime") == "2026-11-24"
    assert page.locator(".as-of").inner_text() == "As of Nov 24, 2026"


def test_korean_pages_sort_benefits_by_their_korean_titles(page, base_url: str) -> None:
    page.goto(base_url + "ko/partners/adatum-awaiting-contact/#sales-marketing")
    for caption, titles in _group_titles(page, "#sales-adatum-identity-guard"):
        assert titles == sorted(titles, key=str.casefold), caption
    available = dict(_group_titles(page, "#sales-adatum-identity-guard"))
    titles = next(t for c, t in available.items() if c.startswith("사용 가능"))
    assert "카테고리 추천 노출" in titles  # Featured category placement, placed by its Korean title
    assert page.locator(".as-of").inner_text() == "2026. 11. 24. 기준"


def test_the_overview_shows_the_growth_stage_and_what_moves_the_partner_on(page, base_url: str) -> None:
    page.goto(base_url + "partners/proseware-top-tier/")
    current = page.locator(".stages li[aria-current=step]")
    assert current.count() == 1 and current.inner_text() == "Scale: close deals and grow"
    page.goto(base_url + "partners/trey-list-only/")
    assert page.locator(".stages li[aria-current=step]").inner_text() == "Awareness: win your first customers"
    tier = page.locator("#overview .tier").inner_text()
    assert "only a transact offer has" in tier and "A transact offer would unlock: " in tier
    assert "more to reach" not in tier and "Azure sponsorship" not in tier  # no goal a list offer cannot reach
    assert "What's new blog mention" in tier


def test_sponsorship_amounts_are_shown_once_for_the_company_not_on_each_offers_row(page, base_url: str) -> None:
    page.goto(base_url + "partners/proseware-top-tier/#technical")
    panel = page.locator("#technical")
    assert panel.locator("table.benefits").count() > 2  # several offers, each with sponsorship rows
    assert "$300,000" not in "".join(panel.locator("table.benefits").all_inner_texts())
    assert panel.inner_text().count("$300,000") == 1
    assert "one amount for the company, shared by all its offers" in panel.inner_text()
