"""The playground offline, as a visitor has it: a first visit online, then no network at all.

The service worker (web/src/offline/) keeps the site, and the packages a run loaded, from the
first visit on; a second visit boots, runs, checks a lesson and imports them with the host gone.
Each test has a browser profile on disk (as a visitor's browser has) and a host of its own that
it can take off the network (its server stopped, the browser offline), switch to another build
of the site, or run without any headers (a bare static host). The other browser tests block
service workers (conftest.py): the page they test is the one a first visit gets.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import PageGuard
from playwright.sync_api import BrowserContext, Page, expect

import build
from tests.lesson_files import LESSONS
from web.headless import CHROMIUM_ARGS, wait_until

SITE_DIR = Path(os.environ.get("AD_SITE_DIR") or build.SITE_DIR)
BASE_PATH = "/offline/"
BOOT_S = 90
CACHE_PREFIX = "ad-offline "
# The service worker serves this page and its files (the first visit's page, once it took it).
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
READY = "async () => { const r = await window.adPlayground.ready; return r; }"
RUN = "code => window.adPlayground.run(code)"
CACHED = """async (url) => {
  for (const name of await caches.keys()) {
    if (!name.startsWith('ad-offline ')) continue;
    const found = await (await caches.open(name)).match(url);
    if (found) return {name, bytes: (await found.arrayBuffer()).byteLength};
  }
  return null;
}"""


class Host:
    """The site served on one local port for the whole test: `stop()` takes it off the network,
    `start()` brings it back, with another folder (a new build) if given."""

    def __init__(self, folder: Path, log_file, *, policy_headers: bool = True):
        self.folder, self.log_file, self.policy_headers = folder, log_file, policy_headers
        self.port = 0
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{BASE_PATH}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, folder: Path | None = None) -> None:
        self.folder = folder or self.folder
        self.server = build.make_server(self.folder, "127.0.0.1", self.port, BASE_PATH,
                                        log_file=self.log_file,
                                        policy_headers=self.policy_headers)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def hosted(tmp_path: Path, policy_headers: bool):
    with open(tmp_path / "server.log", "w") as log_file:
        host = Host(SITE_DIR, log_file, policy_headers=policy_headers)
        host.start()
        yield host
        host.stop()


@pytest.fixture
def host(tmp_path):
    yield from hosted(tmp_path, policy_headers=True)


@pytest.fixture
def plain_host(tmp_path):
    """`build.py serve --plain`: no COOP/COEP/CSP headers, as a bare static host."""
    yield from hosted(tmp_path, policy_headers=False)


class Visitor:
    """One browser profile on disk and the pages it opens, watched like conftest's pages."""

    def __init__(self, context: BrowserContext, host: Host):
        self.context, self.host = context, host
        self.guard = PageGuard(host.origin)
        context.on("request", self.guard.on_request)

    def visit(self, query: str = "") -> Page:
        """A new tab on the site (the tabs before it stay as they are)."""
        page = self.context.new_page()
        page.on("console", self.guard.on_console)
        page.on("pageerror", self.guard.on_page_error)
        page.on("worker", lambda worker: worker.on("console", self.guard.on_console))
        self.response = page.goto(self.host.url + query)
        return page

    def offline(self) -> None:
        self.host.stop()
        self.context.set_offline(True)

    def online(self, folder: Path | None = None) -> None:
        self.host.start(folder)
        self.context.set_offline(False)


@pytest.fixture
def visitor(browser, tmp_path, request):
    host = request.getfixturevalue("plain_host" if "plain" in request.node.name else "host")
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=build.find_browser(), args=CHROMIUM_ARGS,
        headless=True)
    visitor = Visitor(context, host)
    yield visitor
    context.close()
    visitor.guard.check()


def booted(page: Page) -> dict:
    # NOTE: a function, not an expression: Playwright runs an expression through the page's
    # eval, which the CSP the service worker sends as a header refuses (unsafe-eval).
    page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_S * 1000)
    return page.evaluate(READY)


def kept_for_offline(page: Page) -> None:
    """Wait until the service worker is installed, its cache complete, and serving this page."""
    wait_until(page, CONTROLLED, timeout_s=BOOT_S)


def run(page: Page, code: str) -> dict:
    return page.evaluate(RUN, code)


def test_a_second_visit_boots_runs_checks_a_lesson_and_imports_offline(visitor: Visitor):
    page = visitor.visit()
    assert booted(page)["boot"] == "site"
    kept_for_offline(page)
    first = run(page, "import scipy.special\nprint(scipy.special.expit(0.0))")
    assert first["ok"] and first["stdout"] == "0.5\n", first
    page.close()

    visitor.offline()
    page = visitor.visit()
    ready = booted(page)
    assert ready["boot"] == "site", ready  # from the site's snapshot, as online
    engine = run(page, "import ad\nx = ad.tensor([1., 2.])\n(x * x).sum().backward()\n"
                       "print(x.grad)")
    assert engine["ok"] and engine["stdout"] == "[2. 4.]\n", engine
    again = run(page, "import scipy.special\nprint(scipy.special.expit(0.0))")
    assert again["ok"] and again["stdout"] == "0.5\n", again
    assert again["packages"]["state"] == "loaded"
    # What no run loaded before cannot come: the run says so, and the page goes on.
    never = run(page, "import pandas")
    assert never["error"]["name"] == "ImportError", never
    assert "Could not load pandas" in never["error"]["message"]

    lesson = LESSONS[0]
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("list", name="All lessons").get_by_role("link", name=lesson.title).click()
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=lesson.title)).to_be_visible()
    expect(pane.locator(".katex").first).to_be_visible()
    checked = page.evaluate("([id, code]) => window.adPlayground.checkLesson(id, code)",
                            [lesson.name, lesson.solution])
    assert checked["passed"], checked


def copy_of_site(folder: Path) -> None:
    """The built site copied to `folder` (hard links where the file system allows)."""
    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(SITE_DIR, folder, copy_function=link_or_copy)


def rewrite(path: Path, text: str) -> None:
    path.unlink()  # NOTE: a hard link would share its new bytes with the original
    path.write_text(text)


def next_build(tmp_path: Path, name: str = "v2") -> Path:
    """The site as the next build makes it: its page changed (a mark on <html>) and its service
    worker made again for it, as build.py makes it for any set of files."""
    folder = tmp_path / name
    copy_of_site(folder)
    index = folder / "index.html"
    rewrite(index, index.read_text().replace('<html lang="en">',
                                             f'<html lang="en" data-build="{name}">', 1))
    (folder / "sw.js").unlink()
    made = build.service_worker(build.tree_files(folder), name, out=tmp_path / f"sw-{name}/sw.js")
    shutil.copy2(made, folder / "sw.js")
    return folder


def ad_caches(page: Page) -> list[str]:
    return page.evaluate("async () => (await caches.keys()).filter(n => n.startsWith("
                         f"{CACHE_PREFIX!r}))")


NO_INSTALL_UNDER_WAY = """async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  return registration.installing === null;
}"""


def test_a_new_build_is_announced_and_taken_on_reload_and_offline_after(visitor: Visitor,
                                                                         tmp_path):
    page = visitor.visit()
    booted(page)
    kept_for_offline(page)
    (first_cache,) = ad_caches(page)
    newer = next_build(tmp_path)
    visitor.host.stop()
    visitor.online(newer)  # the host now has the next build

    page.reload()  # the browser finds the new sw.js; the old version serves this page, whole
    notice = page.get_by_role("status").filter(has_text="A new version of the playground is ready")
    expect(notice).to_be_visible(timeout=BOOT_S * 1000)
    assert page.locator("html").get_attribute("data-build") is None
    other = visitor.visit()  # another tab, meanwhile: the old version too
    booted(other)
    assert other.locator("html").get_attribute("data-build") is None
    other.close()

    notice.get_by_role("button", name="Reload").click()  # the new version takes over
    expect(page.locator("html")).to_have_attribute("data-build", "v2", timeout=BOOT_S * 1000)
    assert booted(page)["boot"] == "site"
    wait_until(page, f"async () => (await caches.keys()).every(n => n !== {first_cache!r})")
    assert len(ad_caches(page)) == 1  # the old version's cache went whole
    page.close()

    visitor.offline()
    page = visitor.visit()
    expect(page.locator("html")).to_have_attribute("data-build", "v2")
    assert booted(page)["boot"] == "site"
    assert run(page, "print(6 * 7)")["stdout"] == "42\n"


def test_an_update_whose_files_do_not_match_is_never_used(visitor: Visitor, tmp_path):
    page = visitor.visit()
    booted(page)
    kept_for_offline(page)
    (first_cache,) = ad_caches(page)
    broken = next_build(tmp_path)
    # A host caught half-way through a deploy: one file is not what the new sw.js names.
    css = broken / "app.css"
    rewrite(css, css.read_text() + "\n/* half-deployed */\n")
    visitor.host.stop()
    visitor.online(broken)

    page.reload()
    booted(page)
    wait_until(page, NO_INSTALL_UNDER_WAY, timeout_s=BOOT_S)
    waiting = page.evaluate("async () => (await navigator.serviceWorker.getRegistration())"
                            ".waiting !== null")
    assert not waiting
    expect(page.get_by_text("A new version of the playground is ready")).to_have_count(0)
    assert ad_caches(page)[0] == first_cache and page.locator("html").get_attribute(
        "data-build") is None
    page.close()

    visitor.offline()  # the version the visitor had works whole
    page = visitor.visit()
    assert booted(page)["boot"] == "site"
    assert page.locator("html").get_attribute("data-build") is None
    assert run(page, "print(6 * 7)")["stdout"] == "42\n"


CORRUPT = """async (urls) => {
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const url of urls) await cache.put(url, new Response('not the file'));
  }
}"""


def test_a_corrupted_cached_file_is_refused_and_fetched_again(visitor: Visitor):
    page = visitor.visit()
    booted(page)
    kept_for_offline(page)
    assert run(page, "import scipy\nprint(scipy.__version__)")["stdout"] == "1.14.1\n"
    (wheel,) = (SITE_DIR / "pyodide").glob("scipy-*.whl")
    scipy_url = f"{visitor.host.url}pyodide/{wheel.name}"
    assert page.evaluate(CACHED, scipy_url)["bytes"] == wheel.stat().st_size
    # Anything of the origin can write to Cache Storage: the service worker trusts none of it.
    page.evaluate(CORRUPT, [scipy_url])
    page.close()

    visitor.offline()  # no good copy and no network: refused, dropped, and the run says so
    page = visitor.visit()
    assert booted(page)["boot"] == "site"
    refused = run(page, "import scipy")
    assert "Could not load scipy" in refused["error"]["message"], refused
    assert page.evaluate(CACHED, scipy_url) is None
    assert run(page, "print('the page goes on')")["ok"]

    # Online, a bad copy of the page's own code is replaced too, and the next visit has both.
    app_url = f"{visitor.host.url}app.js"
    page.evaluate(CORRUPT, [app_url])
    page.close()
    visitor.online()
    page = visitor.visit()
    assert booted(page)["boot"] == "site"
    assert run(page, "import scipy\nprint(scipy.__version__)")["stdout"] == "1.14.1\n"
    assert page.evaluate(CACHED, scipy_url)["bytes"] == wheel.stat().st_size
    assert page.evaluate(CACHED, app_url)["bytes"] == (SITE_DIR / "app.js").stat().st_size
    page.close()
    visitor.offline()
    page = visitor.visit()
    assert run(page, "import scipy\nprint(scipy.__version__)")["stdout"] == "1.14.1\n"


STOP_AT_ONCE = "() => window.adPlayground.run('while True:\\n    pass\\n', {timeoutMs: 1500})"


def test_a_plain_host_gets_isolation_and_the_policy_from_the_second_load(visitor: Visitor):
    # `build.py serve --plain`: no COOP/COEP/CSP headers, as a bare static host.
    page = visitor.visit()
    assert booted(page)["boot"] == "site"
    assert page.evaluate("crossOriginIsolated") is False
    stopped = page.evaluate(STOP_AT_ONCE)  # Stop ends the worker: no line to show
    assert stopped["timedOut"] and stopped["error"]["line"] is None, stopped
    kept_for_offline(page)

    response = page.reload()
    assert response.from_service_worker
    headers = response.headers
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cross-origin-embedder-policy"] == "require-corp"
    assert headers["content-security-policy"].startswith("default-src 'self';")
    assert headers["content-security-policy"].endswith("; frame-ancestors 'none'")
    assert booted(page)["boot"] == "site"
    assert page.evaluate("crossOriginIsolated") is True
    stopped = page.evaluate(STOP_AT_ONCE)  # now a KeyboardInterrupt, at the line it ran
    assert stopped["timedOut"] and stopped["error"]["name"] == "KeyboardInterrupt", stopped
    assert stopped["error"]["line"] in (1, 2), stopped
    assert run(page, "print('after stop')")["stdout"] == "after stop\n"

    visitor.visit("?embed=1")  # the embed may be framed by any site, as build.py serve says
    assert visitor.response.from_service_worker
    assert visitor.response.headers["content-security-policy"].endswith("; frame-ancestors *")


def test_an_embed_registers_no_service_worker(visitor: Visitor):
    page = visitor.visit("?embed=1")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("status", name="Run status")).to_have_text(
        re.compile(r"^Finished in \d"), timeout=BOOT_S * 1000)
    page.wait_for_timeout(1000)
    assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length"
                         ) == 0
    assert ad_caches(page) == []
