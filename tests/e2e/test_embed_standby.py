"""Ten embeds on a page must not hold ten interpreters: an embed starts Python only when used,
and keeps the next run's interpreter ready only while it is in view."""

from __future__ import annotations

from playwright.sync_api import expect
from test_embed import fragment, host, two_origin_guard, watched  # noqa: F401 - fixtures

FINISHED = "Finished"


def test_an_embed_keeps_an_interpreter_ready_only_while_in_view(watched, host,  # noqa: F811
                                                                 site_url):
    page, _ = watched
    frames = "".join(
        f'<iframe src="{site_url}?embed=1#{fragment(f"print({i})")}" title="Snippet {i}" '
        'width="100%" height="420"></iframe><div style="height: 1600px"></div>'
        for i in range(3))
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(host.page("tall.html", frames))
    assert page.workers == []  # three embeds, no interpreter
    first = page.frame_locator("iframe").nth(0)
    first.get_by_role("button", name="Run").click()
    expect(first.get_by_role("status", name="Run status")).to_contain_text(FINISHED,
                                                                            timeout=60_000)
    expect(first.get_by_role("log", name="Output")).to_have_text("0\n")
    # The run's worker is gone; the next run's is made while the embed is in view.
    _wait_for_workers(page, 1)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # out of view
    _wait_for_workers(page, 0)
    page.evaluate("window.scrollTo(0, 0)")  # back: ready again for the reader's next Run
    _wait_for_workers(page, 1)


def _wait_for_workers(page, count: int, timeout_ms: int = 30_000) -> None:
    """Until the page (its frames included) has `count` workers: Playwright has no wait for it."""
    waited = 0
    while len(page.workers) != count:
        if waited >= timeout_ms:
            raise AssertionError(f"expected {count} worker(s), the page has "
                                 f"{[w.url for w in page.workers]}")
        page.wait_for_timeout(100)
        waited += 100
