"""Every interpreter (one per run) is restored from the snapshot the site ships (made by
build.py), checked against the digest compiled into the worker, instead of booting Python.
Where the site does not serve it, or serves other bytes, Python boots in full and the page says
why; nothing the page or a run writes in the browser is ever restored."""

from __future__ import annotations

import gzip
import re

from playwright.sync_api import Page, expect

from web.headless import wait_until

SITE_SNAPSHOT = "**/pyodide/interpreter-*.snapshot.gz"  # the one the site ships (build.py)


def ready(page: Page) -> dict:
    page.wait_for_function("window.adPlayground !== undefined")
    return page.evaluate("() => window.adPlayground.ready")


def run(page: Page, code: str, timeout_ms: int | None = None) -> dict:
    return page.evaluate("([code, timeoutMs]) => window.adPlayground.run(code, { timeoutMs })",
                         [code, timeout_ms])


DRAW = ("import random, numpy, ad\nprint(random.random(), numpy.random.rand())\n"
        "print(ad.tensor([1.0, 2.0]).sum().item())")


def test_every_interpreter_is_restored_from_the_sites_snapshot_and_reseeded(page: Page,
                                                                            site_url: str):
    fetched = []
    page.context.on("requestfinished", lambda r: fetched.append(r.url))
    draws = []
    for visit in range(2):
        if visit == 0:
            page.goto(site_url)
        else:
            page.reload()
        info = ready(page)
        assert (info["boot"], info["why"]) == ("site", None), info
        for _ in range(2):  # two runs: two interpreters restored from the same snapshot
            result = run(page, DRAW)
            assert result["ok"], result["error"]
            first, second, total = result["stdout"].split()
            assert total == "3.0"
            draws.append((first, second))
    assert len({d[0] for d in draws}) == 4 and len({d[1] for d in draws}) == 4, \
        "each interpreter must reseed random and numpy.random, not replay the snapshot's state"
    assert any(re.search(r"/pyodide/interpreter-[0-9a-f]{16}\.snapshot\.gz$", url)
               for url in fetched)
    stopped = run(page, "while True:\n    pass\n", timeout_ms=1000)  # Stop still interrupts
    assert stopped["timedOut"] and stopped["error"]["kind"] == "interrupted"
    assert run(page, "print('after stop')")["stdout"] == "after stop\n"
    # The page keeps nothing of its own to restore: no Cache Storage, no snapshot records.
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    assert page.evaluate("() => Object.keys(localStorage).filter((k) => k.includes('snapshot'))"
                         ) == []


def test_where_the_site_does_not_serve_its_snapshot_python_boots_in_full_and_says_so(
        page: Page, site_url: str):
    page.context.route(SITE_SNAPSHOT, lambda route: route.fulfill(status=404, body="not here"))
    page.goto(site_url)
    info = ready(page)
    assert (info["boot"], info["why"]) == ("full", "the site did not serve its snapshot"), info
    expect(page.locator("#boot")).to_contain_text(
        "started in full: the site did not serve its snapshot")
    for _ in range(2):
        assert run(page, "import ad; print('booted in full')")["stdout"] == "booted in full\n"


def test_a_site_snapshot_that_does_not_match_the_build_is_never_restored(page: Page,
                                                                         site_url: str):
    # Whatever the host (or a cache in between) serves, only the bytes whose SHA-256 the
    # worker's code names are restored; Python then boots in full.
    junk = gzip.compress(bytes(range(256)) * 4096)
    page.context.route(SITE_SNAPSHOT, lambda route: route.fulfill(
        status=200, body=junk, headers={"content-type": "application/octet-stream"}))
    page.goto(site_url)
    info = ready(page)
    assert (info["boot"], info["why"]) == (
        "full", "the site's snapshot does not match this build"), info
    assert run(page, "print('booted in full')")["stdout"] == "booted in full\n"


def test_what_an_older_page_kept_is_deleted(page: Page, site_url: str):
    # An earlier version kept a 20 MB snapshot of its own and matplotlib's font list in Cache
    # Storage, with records in localStorage: this one reads none of it, and frees it.
    page.goto(site_url + "favicon.svg")
    page.evaluate("""async () => {
        for (const name of ["ad-playground-python", "ad-playground-matplotlib"]) {
          const cache = await caches.open(name);
          await cache.put("/x", new Response("old"));
        }
        localStorage.setItem("ad-playground:snapshot", "{}");
        localStorage.setItem("ad-playground:site-snapshot", "{}");
    }""")
    page.goto(site_url)
    ready(page)
    wait_until(page, "async () => (await caches.keys()).length === 0", 10)
    assert page.evaluate("() => Object.keys(localStorage).filter((k) => k.includes('snapshot'))"
                         ) == []
