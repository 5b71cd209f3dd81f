"""Nothing moves while the page starts: the layout a visitor sees at the first paint is the one
main.ts lays out (early.js marks an embed, a phone's playground and a chosen theme before it),
and the boot status never pushes the toolbar onto another row and back. Measured as Chrome
measures it for Core Web Vitals (the layout-shift entries of a PerformanceObserver), for a
returning and a first visitor (whose welcome early.js draws from the first paint), for a lesson's
address and the list of lessons (whose pane early.js draws empty until the text comes), and for
an embed, from the first paint until Python is ready. Before these fixes: 0.15 to 0.57 (a first
visit 0.05 to 0.19, a lesson 0.18 to 0.43)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import BOOT_MS, PageGuard

# Every layout shift the page makes, with what moved (for the failure message).
WATCH = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    const moved = (e.sources || []).map((s) => {
      const what = s.node ? s.node.nodeName + (s.node.id ? "#" + s.node.id : "") : "?";
      return `${what} y ${s.previousRect.y} -> ${s.currentRect.y}`;
    });
    window.__shifts.push({ value: e.value, moved });
  }
}).observe({ type: "layout-shift", buffered: true });
"""
# "good" in Core Web Vitals is below 0.1; the page, laid out once, makes about 0.001.
LIMIT = 0.02


@pytest.mark.parametrize("address,width,height", [
    ("", 1400, 900), ("", 1280, 800), ("", 820, 1180), ("", 390, 844),
    ("first", 1400, 900), ("first", 390, 844),
    ("?lesson=01-the-seed", 1400, 900), ("?lesson=01-the-seed", 820, 1180),
    ("?lessons", 1280, 800), ("?lesson=01-the-seed", 390, 844),
    ("?embed=1", 800, 400), ("?embed=1", 390, 400),
], ids=["1400", "1280", "820", "phone", "first-1400", "first-phone", "lesson-1400",
        "lesson-820", "list-1280", "lesson-phone", "embed", "embed-phone"])
def test_nothing_moves_while_the_page_starts(browser: Browser, page_guard: PageGuard,
                                             site_url: str, address: str, width: int,
                                             height: int):
    context = browser.new_context(service_workers="block", viewport={"width": width,
                                                                     "height": height})
    context.on("request", page_guard.on_request)
    try:
        page = context.new_page()
        page.on("pageerror", page_guard.on_page_error)
        page.add_init_script(WATCH)
        if address == "":  # a returning visitor: the welcome was for the first visit
            page.goto(site_url)
            page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)
        page.goto(site_url + ("" if address == "first" else address))
        if address == "first":
            expect(page.get_by_role("heading", name="New here?")).to_be_visible()
        if "lesson" in address:
            expect(page.locator(".lesson-title")).to_be_visible()
        if "embed" not in address:
            page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)
            page.evaluate("async () => { await window.adPlayground.ready; }")
        else:
            page.wait_for_selector(".cm-content")
            page.wait_for_timeout(1000)  # an embed boots nothing: its layout is done by now
        shifts = page.evaluate("window.__shifts")
        total = sum(shift["value"] for shift in shifts)
        assert total < LIMIT, f"the page moved by {total:.3f} while starting: {shifts}"
    finally:
        context.close()
    page_guard.check()
