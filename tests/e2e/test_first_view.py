"""The page's own content comes first: a lesson's first view fetches that lesson only (not the
whole course), and Python's runtime (25 MB: worker, wasm, the interpreter snapshot) starts
downloading once that view is drawn, so on a slow link the lesson's text never shares the line
with it. Before: every lesson came in one 786 kB file, fetched after the snapshot's download
had begun (Lighthouse's simulated mobile LCP for lesson 1: 39 s; after: 8 s, uncompressed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import BOOT_MS, PageGuard

LESSON = "03-chain-rule"


def is_pythons(url: str) -> bool:
    """A request for Python's runtime: the worker's module or a file of the runtime."""
    return "/pyodide/" in url or url.endswith("/worker.js")


@pytest.fixture
def context(browser: Browser, page_guard: PageGuard) -> Iterator[BrowserContext]:
    context = browser.new_context(service_workers="block")
    context.on("request", page_guard.on_request)
    yield context
    context.close()
    page_guard.check()


def held_lesson(page: Page) -> list[Route]:
    """The lesson's file is held back (each request kept here until the test lets it go)."""
    held: list[Route] = []
    page.route(f"**/lessons/{LESSON}.json", lambda route: held.append(route))
    return held


def test_a_lesson_comes_alone_and_before_pythons_download(context: BrowserContext,
                                                          site_url: str):
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    held = held_lesson(page)
    page.goto(f"{site_url}?lesson={LESSON}")
    page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)
    while not held:
        page.wait_for_timeout(50)
    page.wait_for_timeout(1500)  # long enough for the runtime's download to have begun
    assert [u for u in requested if is_pythons(u)] == [], "Python was fetched before the lesson"
    held[0].continue_()
    expect(page.get_by_role("heading", name="The chain rule through a graph")).to_be_visible()
    page.evaluate("async () => { await window.adPlayground.ready; }")
    lessons = sorted(u.rsplit("/lessons/", 1)[1] for u in requested if "/lessons/" in u)
    assert lessons == [f"{LESSON}.json", "index.json"]
    assert any(is_pythons(u) for u in requested)


def test_python_loads_even_when_the_lesson_never_comes(context: BrowserContext, site_url: str):
    page = context.new_page()
    held = held_lesson(page)
    page.goto(f"{site_url}?lesson={LESSON}")
    page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)
    page.evaluate("async () => { await window.adPlayground.ready; }")  # after 5 s at most
    result = page.evaluate("async () => await window.adPlayground.run('print(6 * 7)')")
    assert result["stdout"] == "42\n"
    for route in held:
        route.abort()


def test_a_lesson_that_does_not_exist_is_not_fetched(context: BrowserContext, site_url: str):
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{site_url}?lesson=../app")
    expect(page.get_by_text("There is no lesson “../app”")).to_be_visible()
    expect(page.get_by_role("list", name="All lessons")).to_be_visible()
    assert [u for u in requested if "/lessons/" in u] == [f"{site_url}lessons/index.json"]
