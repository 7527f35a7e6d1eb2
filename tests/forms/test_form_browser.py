"""The form links in a real browser (Debian's Chromium through Playwright): a partner's button opens its
snippet and, beside it, the form link, filled in for that row. Run as a script, this file retakes the
screenshots in docs/images/forms-*.png:

    .venv/bin/python tests/forms/test_form_browser.py
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "site"))
sys.path.insert(0, str(HERE))

from browser import CHROMIUM, CHROMIUM_ARGS, static_server  # noqa: E402
from form_helpers import REPO, TODAY  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from rewards_build.site.build import build  # noqa: E402

IMAGES = REPO / "docs/images"


def _site(base: Path) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.yml", base / "site.yml")
    shutil.copytree(REPO / "content", base / "content")
    shutil.copytree(REPO / "templates", base / "templates")
    result = build(base / "site.yml", out=base / "out", stream=io.StringIO(), progress=False, today=TODAY)
    assert result.exit_code == 0
    return base / "out"


def _page(out: Path) -> Iterator[tuple[Page, str]]:
    with static_server(out) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1100, "height": 900}), url
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, str]]:
    yield from _page(_site(tmp_path_factory.mktemp("forms-browser")))


def test_the_activate_button_shows_the_form_link_filled_in_for_its_row(page: tuple[Page, str]) -> None:
    p, url = page
    p.goto(url + "partners/adatum-awaiting-contact/#sales-marketing")
    link = p.locator('a.form-link[href*="benefit=rewards-testimonial"]').first
    assert not link.is_visible()  # inside the closed button
    link.locator("xpath=ancestor::details[1]/summary").click()
    assert link.is_visible()
    assert link.inner_text() == "Ask with a form (no YAML)"
    href = link.get_attribute("href") or ""
    assert href.startswith("https://github.com/example/marketplace-rewards/issues/new?template=activate.yml&")
    assert "partner=adatum-awaiting-contact&offer=adatum-identity-guard&benefit=rewards-testimonial" in href


def test_the_korean_page_labels_the_link_in_korean(page: tuple[Page, str]) -> None:
    p, url = page
    p.goto(url + "ko/partners/adatum-awaiting-contact/#sales-marketing")
    assert p.locator("a.form-link").first.text_content() == "양식으로 요청 (YAML 없이)"


def screenshots(out: Path) -> None:
    for p, url in _page(out):
        p.goto(url + "partners/adatum-awaiting-contact/#sales-marketing")
        link = p.locator('a.form-link[href*="benefit=rewards-testimonial"]').first
        link.locator("xpath=ancestor::details[1]/summary").click()
        link.hover()
        link.locator("xpath=ancestor::tr[1]").screenshot(path=str(IMAGES / "forms-partner-actions.png"))
        p.goto(url + "partners/tailspin-silent-offer/")
        link = p.locator('.alert a.form-link[href*="template=owner-left.yml"]').first
        link.locator("xpath=ancestor::details[1]/summary").click()
        link.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' alert ')][1]").screenshot(
            path=str(IMAGES / "forms-alert-actions.png"))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        screenshots(_site(Path(scratch) / "site"))
    print(f"wrote {IMAGES}/forms-partner-actions.png and forms-alert-actions.png")
