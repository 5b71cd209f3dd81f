"""Every visit restores Python from the interpreter snapshot the site ships (made by build.py),
checked against the digest in the worker's code, instead of booting it. Where the site does not
serve it (or a restore from it hung), Python boots in full, the page makes a snapshot of its
own, and later visits restore that one; a damaged snapshot is thrown away."""

from __future__ import annotations

import gzip
import re

from playwright.sync_api import Page
from test_isolation import SITE_SNAPSHOT, without_site_snapshot

from web.headless import SNAPSHOT_CACHE as CACHE, SNAPSHOT_STORED, wait_until


def ready(page: Page) -> dict:
    page.wait_for_function("window.adPlayground !== undefined")
    return page.evaluate("() => window.adPlayground.ready")


def run(page: Page, code: str, timeout_ms: int | None = None) -> dict:
    return page.evaluate("([code, timeoutMs]) => window.adPlayground.run(code, { timeoutMs })",
                         [code, timeout_ms])


def test_a_second_visit_restores_python_from_a_snapshot_of_its_own(page: Page, site_url: str):
    without_site_snapshot(page)
    page.goto(site_url)
    assert ready(page)["versions"]["boot"] == "full"
    wait_until(page, SNAPSHOT_STORED, 30)

    draws = []
    for _ in range(2):
        page.reload()
        info = ready(page)
        assert info["versions"]["boot"] == "snapshot"
        result = run(page, "import random, numpy, ad\nprint(random.random())\n"
                           "print(ad.tensor([1.0, 2.0]).sum().item())")
        assert result["ok"], result["error"]
        value, total = result["stdout"].split()
        assert total == "3.0"
        draws.append(value)
    assert draws[0] != draws[1], \
        "each restored visit must reseed random, not replay the snapshot's state"

    stopped = run(page, "while True:\n    pass\n", timeout_ms=1000)  # Stop still interrupts Python
    assert stopped["timedOut"] and stopped["error"]["kind"] == "interrupted"
    assert run(page, "print('after stop')")["stdout"] == "after stop\n"


def test_a_damaged_snapshot_is_discarded_and_python_boots_in_full(page: Page, site_url: str):
    without_site_snapshot(page)
    page.goto(site_url)
    ready(page)
    wait_until(page, SNAPSHOT_STORED, 30)
    # Damage it from a page of the same origin that runs no Python, so no worker of the
    # playground (its standby included) can store a good snapshot over the damaged one.
    page.goto(site_url + "favicon.svg")
    page.evaluate(f"""async () => {{
        const cache = await caches.open("{CACHE}");
        for (const key of await cache.keys()) {{  // every one, so none can be restored
          const junk = crypto.getRandomValues(new Uint8Array(4096));
          await cache.put(key, new Response(junk, {{ headers: {{ "x-snapshot-bytes": "4096" }} }}));
        }}
    }}""")
    page.goto(site_url)
    assert ready(page)["versions"]["boot"] == "full"
    assert run(page, "import ad; print('booted in full')")["stdout"] == "booted in full\n"
    wait_until(page, SNAPSHOT_STORED, 30)  # and a good snapshot replaces it
    size = page.evaluate(f"""async () => {{
        const cache = await caches.open("{CACHE}");
        const [key] = await cache.keys();
        return (await (await cache.match(key)).arrayBuffer()).byteLength;
    }}""")
    assert size > 1_000_000
    page.reload()  # ...which the next visit restores
    assert ready(page)["versions"]["boot"] == "snapshot"
    assert run(page, "print('restored')")["stdout"] == "restored\n"


def test_a_visit_that_finds_the_accepted_snapshot_gone_makes_a_new_one(page: Page,
                                                                       site_url: str):
    without_site_snapshot(page)
    # The site's Cache Storage was cleared (by the browser or the person) but not its
    # localStorage: the page's digest names a snapshot that is no longer there.
    page.goto(site_url)
    ready(page)
    wait_until(page, SNAPSHOT_STORED, 30)
    page.goto(site_url + "favicon.svg")
    page.evaluate(f"() => caches.delete('{CACHE}')")
    page.goto(site_url)
    versions = ready(page)["versions"]
    assert (versions["boot"], versions["snapshot"]) == ("full", "missing"), versions
    assert run(page, "print('booted in full')")["stdout"] == "booted in full\n"
    wait_until(page, SNAPSHOT_STORED, 30)  # a standby makes a new one, which the page accepts
    page.reload()
    assert ready(page)["versions"]["boot"] == "snapshot"
    assert run(page, "print('restored')")["stdout"] == "restored\n"


def test_every_visit_restores_python_from_the_sites_snapshot(page: Page, site_url: str):
    fetched = []
    page.context.on("requestfinished", lambda r: fetched.append(r.url))
    draws = []
    for visit in range(2):
        if visit == 0:
            page.goto(site_url)
        else:
            page.reload()
        versions = ready(page)["versions"]
        assert (versions["boot"], versions["snapshot"]) == ("site snapshot",
                                                             "site snapshot restored"), versions
        result = run(page, "import random, numpy, ad\nprint(random.random(), numpy.random.rand())\n"
                           "print(ad.tensor([1.0, 2.0]).sum().item())")
        assert result["ok"], result["error"]
        first, second, total = result["stdout"].split()
        assert total == "3.0"
        draws.append((first, second))
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1], \
        "each restored visit must reseed random and numpy.random, not replay the snapshot's state"
    assert any(re.search(r"/pyodide/interpreter-[0-9a-f]{16}\.snapshot\.gz$", url)
               for url in fetched)
    stopped = run(page, "while True:\n    pass\n", timeout_ms=1000)  # Stop still interrupts
    assert stopped["timedOut"] and stopped["error"]["kind"] == "interrupted"
    assert run(page, "print('after stop')")["stdout"] == "after stop\n"
    # It serves every visit: the page makes no snapshot of its own (no second boot in full).
    assert page.evaluate("() => localStorage.getItem('ad-playground:snapshot')") is None
    assert page.evaluate(f"async () => (await (await caches.open('{CACHE}')).keys()).length") == 0


def test_a_site_snapshot_that_does_not_match_the_build_is_never_restored(page: Page,
                                                                         site_url: str):
    # Whatever the host (or a cache in between) serves, only the bytes whose SHA-256 the
    # worker's code names are restored; Python then boots in full and the page makes its own.
    junk = gzip.compress(bytes(range(256)) * 4096)
    page.context.route(SITE_SNAPSHOT, lambda route: route.fulfill(
        status=200, body=junk, headers={"content-type": "application/octet-stream"}))
    page.goto(site_url)
    versions = ready(page)["versions"]
    assert (versions["boot"], versions["snapshot"]) == ("full", "made (site snapshot mismatch)")
    assert run(page, "print('booted in full')")["stdout"] == "booted in full\n"


def test_a_site_snapshot_whose_first_run_never_finished_is_not_restored_again(page: Page,
                                                                              site_url: str):
    page.goto(site_url)
    assert ready(page)["versions"]["boot"] == "site snapshot"
    # The first run on it hangs, and the person gives up and reloads.
    page.evaluate("() => { window.adPlayground.run('while True: pass'); }")
    page.wait_for_function("() => window.adPlayground.status().running")
    page.reload()
    assert ready(page)["versions"]["boot"] == "full"
    assert run(page, "print('booted in full')")["stdout"] == "booted in full\n"
    wait_until(page, SNAPSHOT_STORED, 30)  # the page makes a snapshot of its own instead
    page.reload()
    assert ready(page)["versions"]["boot"] == "snapshot"
