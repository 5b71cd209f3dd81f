"""Fixtures that drive the built site in Chromium the way a person does.

The site is served by build.py's own server, from a sub-path as a static host would. Every
request that leaves the local origin, every uncaught page error and every Content Security
Policy report fails the test that caused it.

Two kinds of page: `page` is a fresh one (its own browser context, nothing loaded yet) for tests
of boot, storage, links, the editor or the snapshot; `booted` is one page with Python ready that
the tests which only run code and read its output share, put back in order between them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error as PlaywrightError,
    Locator,
    Page,
    TimeoutError as PlaywrightTimeoutError,
    expect,
    sync_playwright,
)

import build
from web.headless import launch_chromium, served_site

SITE_DIR = Path(os.environ.get("AD_SITE_DIR") or build.SITE_DIR)
BASE_PATH = "/playground/"  # a sub-path proves the site uses relative URLs only
BOOT_MS = 60_000  # generous: two cores, and Pyodide boots in ~3 s here
FINISHED = re.compile(r"^Finished in \d")
PYTHON_READY = """() => window.adPlayground !== undefined
    && Object.values(window.adPlayground.status().stages).every((state) => state === "done")"""


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture can tell whether its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class Example(NamedTuple):
    file: str
    title: str  # as the Examples picker lists it
    prints: tuple[str, ...]  # lines it prints, in the page's Output and to `build.py run`'s stdout


# The gallery (web/examples/), in the picker's order, with what each example must print: markers
# that hold however the engine words its reports.
EXAMPLES = (
    Example("dot_product.py", "The seed's dot product (and what it gets wrong)",
            ("x.grad = [[0.0, 1.0, 1.0]]", "y.grad = [[1.0], [2.0], [3.0]]", "seed formulas fail",
             "SeedDotProduct", "gradcheck FAILED", "MISMATCH")),
    Example("custom_function.py", "Your own Function: sigmoid + gradcheck",
            ("gradcheck passed", "gradient check passed",
             "broken backward: caught, as it should be")),
    Example("broadcasting.py", "Broadcasting and its gradients",
            ("row: shape (3,)    grad shape (3,)", "expected row.grad: [6.0, 6.0, 6.0]")),
    Example("two_moons.py", "Train an MLP on two moons", ("step   0", "step 200", "accuracy 100%")),
    Example("graph.py", "The graph of a small expression",
            ("dL/da = 6.0", "7 nodes, 6 edges", "digraph")),
    Example("seed_recursion.py", "The seed's recursive backward: 3^d visits on y = y*y + y",
            ("   y1 |    27 | 1", "dy4/dx: seed 0.112119, ad 0.112119: the same answer",
             " 15 |       30 |               30 |         14,348,906 | -",
             "the closed form 3^d - 1 matches the counted recursion")),
    Example("gradient_penalty.py", "Gradients of gradients: a gradient penalty trains",
            ("matches the formula", "at [1, 2]: [[6.0, 1.0], [1.0, 12.0]]",
             "[5.0, -11.0] = H @ v: [5.0, -11.0]", "step 300", "the penalty held it near 1")),
    Example("jacobian_cost.py", "A Jacobian by forward and by reverse mode: the cost",
            ("forward jvps", "reverse passes", "forward and reverse mode gave the same Jacobians",
             "forward mode's cost grows with the inputs")),
    Example("cnn_digits.py", "A small CNN reads 8×8 digits (Conv2d, save/load)",
            ("step   0", "step 200", "above 90%, it reads digits",
             "loaded them into a fresh network: same predictions")),
)


@pytest.fixture(scope="session")
def examples() -> tuple[Example, ...]:
    """The gallery's examples and the lines each must print (one table for every test of them)."""
    return EXAMPLES


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
        self.allowed: set[str] = set()
        self.problems: list[str] = []
        self.console: list[str] = []

    def allow(self, origin: str) -> None:
        """Let requests to `origin` pass, for the rest of this test: only for a snippet that
        asks for it (micropip and the package index)."""
        self.allowed.add(origin)

    def on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        origin = f"{url.scheme}://{url.netloc}"
        if origin != self.origin and origin not in self.allowed:
            self.problems.append(f"request left the local origin: {request.method} {request.url}")

    def on_console(self, message) -> None:
        self.console.append(f"{message.type}: {message.text}")
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught error in the page: {error}")

    def watch(self, browser: Browser) -> tuple[BrowserContext, Page]:
        """A new browser context (an empty profile) and a page in it, both watched.
        NOTE: service workers blocked: each test sees the page a first visit gets (the one
        that registers the service worker), and its routes see every request; the service
        worker's own tests (test_offline.py) make their own profiles."""
        context = browser.new_context(service_workers="block")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.origin)
        context.on("request", self.on_request)
        page = context.new_page()
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)
        page.on("worker", lambda worker: worker.on("console", self.on_console))
        return context, page

    def check(self) -> None:
        """Fail the test if the page misbehaved; what it did is forgotten either way."""
        problems, console = self.problems[:], self.console[-30:]
        self.problems.clear()
        self.console.clear()
        self.allowed.clear()
        if problems:
            pytest.fail("the page misbehaved:\n  " + "\n  ".join(problems)
                        + "\nconsole:\n  " + "\n  ".join(console))


@pytest.fixture
def page_guard(site_url) -> PageGuard:
    url = urlsplit(site_url)
    return PageGuard(f"{url.scheme}://{url.netloc}")


@pytest.fixture
def page(browser: Browser, page_guard: PageGuard) -> Page:
    """A fresh page in its own browser context, nothing loaded yet."""
    context, page = page_guard.watch(browser)
    yield page
    context.close()
    page_guard.check()


class PlaygroundUi:
    """The playground as a person uses it: the editor, Run, the run status and the Output log."""

    boot_ms = BOOT_MS

    def __init__(self, page: Page):
        self.page = page

    @property
    def output(self) -> Locator:
        return self.page.get_by_role("log", name="Output")

    @property
    def status(self) -> Locator:
        return self.page.get_by_role("status", name="Run status")

    def type_code(self, code: str) -> None:
        """Replace the editor's text with `code`, as pasting it does (on a phone, the Code tab
        first brings the editor to the front)."""
        code_tab = self.page.get_by_role("tab", name="Code", exact=True)
        if code_tab.is_visible():
            code_tab.click()
        self.page.get_by_role("textbox").click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.insert_text(code)

    def run(self, code: str | None = None, expected_status: str | re.Pattern = FINISHED, *,
            example: str | None = None, wait: bool = True) -> None:
        """Load an example or type code (or neither), press Run and, with `wait`, wait until the
        run status says `expected_status`."""
        if example is not None:
            self.page.get_by_role("combobox", name="Examples").select_option(label=example)
        if code is not None:
            self.type_code(code)
        self.page.get_by_role("button", name="Run").click()
        if wait:
            expect(self.status).to_have_text(expected_status, timeout=self.boot_ms)


@pytest.fixture
def ui(page: Page) -> PlaygroundUi:
    """The fresh page, with the helpers a person's actions need (navigate it first)."""
    return PlaygroundUi(page)


class SharedPage:
    """One booted page that tests share: made on first use, and made anew after a test that
    failed or misbehaved, so one failure cannot spill into the next test."""

    def __init__(self, browser: Browser, site_url: str, guard: PageGuard):
        self.browser, self.site_url, self.guard = browser, site_url, guard
        self.context: BrowserContext | None = None
        self.ui: PlaygroundUi | None = None

    def get(self) -> PlaygroundUi:
        if self.ui is None:
            self.context, page = self.guard.watch(self.browser)
            page.goto(self.site_url)
            self.ui = PlaygroundUi(page)
        else:
            try:
                self.reset(self.ui)
            except (AssertionError, PlaywrightError) as e:
                self.discard()  # the next test starts on a new page
                pytest.fail(f"the shared page could not be put back in order after the last test "
                            f"that used it: {e}")
        # Python ready in the current worker (a test may have had it replaced).
        self.ui.page.wait_for_function(PYTHON_READY, timeout=BOOT_MS)
        return self.ui

    @staticmethod
    def reset(ui: PlaygroundUi) -> None:
        """Put the page back as a person would: no run going, output cleared, banners
        dismissed, the light theme."""
        page = ui.page
        stop = page.get_by_role("button", name="Stop", exact=True)
        if stop.is_enabled():
            stop.click()
            expect(stop).to_be_disabled(timeout=10_000)
        page.get_by_role("button", name="Clear", exact=True).click()
        expect(ui.output).to_have_text("")
        expect(ui.status).to_have_text("")
        dismiss = page.get_by_role("button", name="Dismiss")
        while dismiss.count() > 0:
            try:
                dismiss.first.click(timeout=2000)
            except PlaywrightTimeoutError:  # it went by itself (notices can time out)
                pass
        theme = page.get_by_role("switch", name="Dark theme")
        if theme.get_attribute("aria-checked") == "true":
            theme.click()
        expect(page.locator("html")).to_have_attribute("data-theme", "light")

    def discard(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.ui = None


@pytest.fixture(scope="session")
def shared_page(browser: Browser, site_url: str) -> SharedPage:
    url = urlsplit(site_url)
    shared = SharedPage(browser, site_url, PageGuard(f"{url.scheme}://{url.netloc}"))
    yield shared
    shared.discard()


@pytest.fixture
def booted(request, shared_page: SharedPage) -> PlaygroundUi:
    """A page with Python ready, shared with other tests: for tests that only run code and read
    what it printed or drew. Tests of boot, storage, links or the editor take a fresh `page`."""
    ui = shared_page.get()
    yield ui
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed or shared_page.guard.problems:
        shared_page.discard()
    shared_page.guard.check()
