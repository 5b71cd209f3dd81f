"""Fixtures that drive the built site in Chromium the way a person does.

The site is served by build.py's own server, from a sub-path as a static host would. Every
request that leaves the local origin, every uncaught page error and every Content Security
Policy report fails the test that caused it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import build
from web.headless import launch_chromium, served_site

SITE_DIR = Path(os.environ.get("AD_SITE_DIR") or build.SITE_DIR)
BASE_PATH = "/playground/"  # a sub-path proves the site uses relative URLs only


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def site_url(tmp_path_factory) -> str:
    if not (SITE_DIR / "index.html").exists():
        pytest.fail(f"{SITE_DIR} has no index.html: run `python3 build.py build` first "
                    "(`python3 build.py test` builds before testing)")
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "w") as log_file, served_site(SITE_DIR, BASE_PATH, log_file) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Browser:
    if build.find_browser() is None:
        pytest.fail("no Chromium found: install one (apt-get install chromium) or set AD_CHROMIUM; "
                    "`python3 build.py test` installs Debian's chromium when run as root")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


class PageGuard:
    """What a page did that it must not: leave the origin, throw, or break the CSP."""

    def __init__(self, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        self.console: list[str] = []

    def on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if f"{url.scheme}://{url.netloc}" != self.origin:
            self.problems.append(f"request left the local origin: {request.method} {request.url}")

    def on_console(self, message) -> None:
        self.console.append(f"{message.type}: {message.text}")
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught error in the page: {error}")


@pytest.fixture
def page_guard(site_url) -> PageGuard:
    url = urlsplit(site_url)
    return PageGuard(f"{url.scheme}://{url.netloc}")


@pytest.fixture
def page(browser: Browser, site_url: str, page_guard: PageGuard) -> Page:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page_guard.origin)
    context.on("request", page_guard.on_request)
    page = context.new_page()
    page.on("console", page_guard.on_console)
    page.on("pageerror", page_guard.on_page_error)
    page.on("worker", lambda worker: worker.on("console", page_guard.on_console))
    yield page
    context.close()
    if page_guard.problems:
        pytest.fail("the page misbehaved:\n  " + "\n  ".join(page_guard.problems)
                    + "\nconsole:\n  " + "\n  ".join(page_guard.console[-30:]))
