"""A second visit restores the booted interpreter from a memory snapshot instead of booting
Python again; a damaged snapshot is thrown away and Python boots in full."""

from __future__ import annotations

from playwright.sync_api import Page

from web.headless import SNAPSHOT_CACHE as CACHE, SNAPSHOT_STORED, wait_until


def ready(page: Page) -> dict:
    page.wait_for_function("window.adPlayground !== undefined")
    return page.evaluate("() => window.adPlayground.ready")


def run(page: Page, code: str, timeout_ms: int | None = None) -> dict:
    return page.evaluate("([code, timeoutMs]) => window.adPlayground.run(code, { timeoutMs })",
                         [code, timeout_ms])


def test_a_second_visit_restores_python_from_a_snapshot(page: Page, site_url: str):
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
