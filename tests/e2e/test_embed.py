"""Embeds: the playground in another site's page (a cross-origin iframe, no COOP/COEP there),
the embed code Share copies, and the notebook it downloads."""

from __future__ import annotations

import ast
import base64
import contextlib
import functools
import html.parser
import http.server
import io
import json
import re
import threading
import time
import urllib.request
import zipfile
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

BOOT_MS = 60_000  # as conftest.py: two cores, Pyodide boots in ~3 s here
FINISHED = re.compile(r"^Finished in \d")
HELLO = "from ad import tensor\nx = tensor([1.0, 2.0])\nprint('hello from', (x * 2).data)\n"
FAILS = "print('before')\nfrom ad import tensor\ny = tensor([[1.0, 2.0]]) @ tensor([[1.0, 2.0]])\n"
SPIN = "print('spinning')\nwhile True:\n    pass\n"


def fragment(code: str) -> str:
    """A share link's fragment, as the page writes it: v1. + base64url(deflate-raw(UTF-8))."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(code.encode()) + packer.flush()
    return "v1." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def unpack(fragment_text: str) -> str:
    assert fragment_text.startswith("v1."), fragment_text
    payload = fragment_text[3:]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(raw, -15).decode()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def host(tmp_path, site_url):
    """Another local origin (another site, even: localhost, not 127.0.0.1) serving host pages
    with no COOP/COEP/CSP; `host.page(name, body)` writes one and returns its URL."""
    folder = tmp_path / "host"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_address[1]}"

    class Host:
        def __init__(self):
            self.origin = origin

        def page(self, name: str, body: str) -> str:
            (folder / name).write_text(
                "<!doctype html><meta charset=utf-8><title>Course notes</title>"
                "<script>window.received = [];"
                "addEventListener('message', (e) => window.received.push({origin: e.origin, "
                "data: e.data, from: [...document.querySelectorAll('iframe')]"
                ".findIndex((f) => f.contentWindow === e.source)}));</script>"
                f"<h1>Course notes</h1>{body}")
            return f"{origin}/{name}"

    yield Host()
    server.shutdown()
    server.server_close()


@pytest.fixture
def two_origin_guard(page_guard, host):
    """Makes conftest's page guard (off-origin requests, page errors, CSP reports fail the test)
    for a page of the host's origin with embeds of the site: both origins, and nothing else."""
    base = type(page_guard)

    class TwoOriginGuard(base):
        def on_request(self, request) -> None:
            if request.url.startswith(host.origin + "/"):
                return
            super().on_request(request)

    return lambda: TwoOriginGuard(page_guard.origin)


@pytest.fixture
def watched(browser: Browser, two_origin_guard):
    """A fresh browser context watched for off-origin requests, errors and CSP reports, with
    every request it made (frames and workers included) listed."""
    guard = two_origin_guard()
    context, page = guard.watch(browser)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    yield page, requests
    context.close()
    guard.check()


def iframe(site_url: str, code: str, title: str, query: str = "embed=1") -> str:
    return (f'<iframe src="{site_url}?{query}#{fragment(code)}" title="{title}" '
            'width="100%" height="420"></iframe>')


def boots(requests: list[str]) -> int:
    """Interpreters started: each worker fetches the Pyodide runtime once."""
    return sum(1 for r in requests if urlsplit(r).path.endswith("/pyodide.asm.wasm"))


def embed_status(frame: FrameLocator):
    return frame.get_by_role("status", name="Run status")


def test_two_embeds_on_another_site_boot_only_when_used(watched, host, site_url):
    page, requests = watched
    url = host.page("notes.html", iframe(site_url, HELLO, "Snippet one", "embed=1&autoheight=1")
                    + "<p>Between the snippets.</p>" + iframe(site_url, FAILS, "Snippet two"))
    page.goto(url)
    one, two = page.frame_locator("iframe >> nth=0"), page.frame_locator("iframe >> nth=1")
    # Both show their code, compactly, and wait for the reader: no interpreter at load.
    for frame, code in ((one, HELLO), (two, FAILS)):
        expect(frame.get_by_role("textbox")).to_contain_text(code.splitlines()[0])
        runtime = frame.get_by_role("status", name="Python runtime")
        expect(runtime).to_have_text(re.compile("Python loads when you run the code"))
        expect(frame.get_by_role("button", name="Run")).to_be_visible()
        expect(frame.get_by_role("link", name="Open in playground")).to_be_visible()
        expect(frame.get_by_role("combobox", name="Examples")).to_have_count(0)
        expect(frame.get_by_role("switch", name="Dark theme")).to_have_count(0)
        expect(frame.get_by_role("button", name="Share")).to_have_count(0)
    assert boots(requests) == 0
    assert not any(urlsplit(r).path.endswith("/worker.js") for r in requests)

    # Run in the first: its output; the second stays asleep.
    one.get_by_role("button", name="Run").click()
    expect(embed_status(one)).to_have_text(FINISHED, timeout=BOOT_MS)
    expect(one.get_by_role("log", name="Output")).to_have_text("hello from [2. 4.]\n")
    expect(two.get_by_role("status", name="Python runtime")).to_have_text(
        re.compile("Python loads when you run the code"))
    # The run's interpreter, and at most the next run's (kept ready while the embed is in view).
    assert boots(requests) in (1, 2)
    frame_one = page.locator("iframe").nth(0).element_handle().content_frame()
    assert frame_one.evaluate("crossOriginIsolated") is False
    assert frame_one.evaluate("typeof window.adPlayground") == "undefined"

    # The second, run by the keyboard from its editor: a traceback, and its line marked.
    two.get_by_role("textbox").click()
    page.keyboard.press("Control+Enter")
    expect(embed_status(two)).to_have_text(re.compile(r"^\w+Error \(line 3\)"), timeout=BOOT_MS)
    log = two.get_by_role("log", name="Output")
    expect(log).to_contain_text("before")
    expect(log).to_contain_text('line 3, in <module>')
    marked = two.locator(".cm-errorLine")
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("title", "The error happened here")
    expect(marked).to_contain_text("y = tensor([[1.0, 2.0]]) @")
    assert 2 <= boots(requests) <= 4

    # The parent heard nothing but the height of the embed that asked to report it.
    received = page.evaluate("window.received")
    assert received, "the autoheight embed sent no height"
    site_origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    for message in received:
        assert message["origin"] == site_origin
        assert message["from"] == 0
        assert set(message["data"]) == {"type", "height"}
        assert message["data"]["type"] == "ad-playground:height"
        assert isinstance(message["data"]["height"], int) and message["data"]["height"] > 100


def test_stop_works_in_an_embed_without_cross_origin_isolation(watched, host, site_url):
    page, _ = watched
    page.goto(host.page("spin.html", iframe(site_url, SPIN, "Spinning snippet")))
    frame = page.frame_locator("iframe")
    frame.get_by_role("button", name="Run").click()
    log = frame.get_by_role("log", name="Output")
    expect(log).to_contain_text("spinning", timeout=BOOT_MS)
    expect(embed_status(frame)).to_have_text("Running…")
    frame.get_by_role("button", name="Stop").click()
    expect(embed_status(frame)).to_have_text(re.compile(r"^Stopped after"), timeout=5000)
    expect(log).to_contain_text("Python was restarted")
    expect(frame.get_by_role("button", name="Stop")).to_be_disabled()
    # The same embed runs again, edited, in a fresh interpreter.
    frame.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("print('after the stop')\n")
    frame.get_by_role("button", name="Run").click()
    expect(embed_status(frame)).to_have_text(FINISHED, timeout=BOOT_MS)
    expect(log).to_have_text("after the stop\n")


def test_open_in_playground_opens_the_full_page_on_the_embeds_code(watched, host, site_url):
    page, _ = watched
    page.goto(host.page("open.html", iframe(site_url, HELLO, "Snippet")))
    frame = page.frame_locator("iframe")
    frame.get_by_role("textbox").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("print('edited in the embed')\n")
    link = frame.get_by_role("link", name="Open in playground")
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.click()
    full = opened.value
    full.wait_for_load_state()
    url = urlsplit(full.url)
    assert url.path == urlsplit(site_url).path and "embed" not in parse_qs(url.query)
    assert unpack(url.fragment) == HELLO + "print('edited in the embed')\n"
    # The full page, with the code from the link, not run.
    expect(full.get_by_role("combobox", name="Examples")).to_be_visible()
    expect(full.get_by_role("textbox")).to_contain_text("print('edited in the embed')")
    expect(full.get_by_role("status").filter(has_text="shared link")).to_contain_text("not run")
    expect(full.get_by_role("log", name="Output")).to_have_text("")
    full.close()


def test_embed_options_and_the_users_draft_untouched(page: Page, ui, site_url: str):
    page.goto(site_url)
    draft = "print('my own draft')\n"
    ui.type_code(draft)
    page.wait_for_function("c => localStorage.getItem('ad-playground:draft') === c", arg=draft)

    # Read-only and dark, on the same origin: runs nothing, shows the link's code only.
    page.goto(f"{site_url}?embed=1&theme=dark&readonly=1#{fragment(HELLO)}")
    editor = page.get_by_role("textbox")
    expect(editor).to_contain_text("hello from")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(editor).to_have_attribute("aria-readonly", "true")
    expect(editor).not_to_be_editable()
    editor.click()
    page.keyboard.insert_text("# typed")
    expect(editor).not_to_contain_text("# typed")
    expect(page.get_by_role("combobox", name="Earlier drafts")).to_have_count(0)

    # Editable, following the system (light here): edits never reach the user's draft.
    page.emulate_media(color_scheme="light")
    page.goto(f"{site_url}?embed=1#{fragment(HELLO)}")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    ui.type_code('print("the embedding page\'s code, edited")\n')
    expect(page.get_by_role("link", name="Open in playground")).to_have_attribute(
        "href", re.compile(r"#v1\."))
    page.goto(site_url)
    expect(page.get_by_role("textbox")).to_contain_text("my own draft")
    assert page.evaluate("localStorage.getItem('ad-playground:draft')") == draft
    assert page.evaluate("localStorage.getItem('ad-playground:drafts')") in (None, "[]")


class IframeParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def more(page: Page, opened: bool) -> None:
    """On a phone the share menu is behind More (layout.ts): open or close its panel."""
    button = page.get_by_role("button", name="More", exact=True)
    if button.is_visible() and (button.get_attribute("aria-expanded") == "true") != opened:
        button.click()


def share_menu(page: Page, item: str) -> None:
    more(page, True)
    page.get_by_role("button", name="Embed or download").click()
    page.get_by_role("menuitem", name=item).click()


THIRTY = "# Thirty lines of output\nfor i in range(30):\n    print('line', i)\n"
STEPPER = """\
# A stepper: the backward pass, step by step
from ad import tensor
from playground import show_backward
x = tensor(1.0)
L = x * 2.0 + x * 3.0
show_backward(L)
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"


def screenshot(page: Page, name: str, at=None) -> None:
    """The viewport, scrolled to `at` (a locator) first. NOTE: not full_page: Chromium leaves
    the parts of cross-origin frames outside the viewport blank in a full-page capture."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if at is not None:
        at.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def embed_codes(page: Page, code: str) -> tuple[str, str]:
    """Copy embed code for `code`, as a teacher does it: the dialog's two forms, each copied by
    its own button (the clipboard read back), then the dialog closed."""
    more(page, False)
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    share_menu(page, "Copy embed code")
    dialog = page.get_by_role("dialog", name="Embed this code")
    copied = []
    for button in ("Copy fixed-height code", "Copy auto-height code"):
        dialog.get_by_role("button", name=button).click()
        expect(dialog.get_by_role("status")).to_contain_text("Copied the")
        copied.append(page.evaluate("navigator.clipboard.readText()"))
    fixed, auto = copied
    expect(dialog.get_by_role("textbox", name="Fixed height: embed code")).to_have_value(fixed)
    expect(dialog.get_by_role("textbox", name="Grows with its content: embed code")) \
        .to_have_value(auto)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Embed or download")).to_be_focused()
    return fixed, auto


def frame_fits_content(page: Page, index: int = 0) -> tuple[float, float]:
    """Wait until the host's frame `index` is as tall as the embed's content (within 3 px, the
    content not scrolling inside it); returns (frame height, content height)."""
    handle = page.locator("iframe").nth(index).element_handle()
    frame = handle.content_frame()
    deadline = time.monotonic() + 10
    while True:
        outer = handle.evaluate("f => f.clientHeight")
        inner = frame.evaluate("document.body.getBoundingClientRect().height")
        if abs(outer - inner) <= 3:
            # Nothing scrolls inside it. (Against its own viewport: Chromium resizes that of a
            # frame out of view only once it is drawn.)
            assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight + 3")
            return outer, inner
        if time.monotonic() > deadline:
            pytest.fail(f"the host's frame is {outer} px tall, its content {inner} px")
        page.wait_for_timeout(100)


def test_copy_embed_code_offers_both_forms_and_each_works_on_another_site(watched, host,
                                                                          site_url):
    page, _ = watched
    page.goto(site_url)
    code = "# Gradients of a product <b>\nfrom ad import tensor\nprint('snippet & co')\n"
    fixed, auto = embed_codes(page, code)

    # The fixed-height form: one <iframe>, sized to the code, titled by the first comment line.
    parser = IframeParser()
    parser.feed(fixed)
    assert [tag for tag, _ in parser.tags] == ["iframe"], fixed
    attrs = parser.tags[0][1]
    assert attrs["title"] == "ad playground: Gradients of a product <b>"
    assert attrs["loading"] == "lazy" and attrs["width"] == "100%"
    assert 44 + 4 * 21 + 160 <= int(attrs["height"]) <= 44 + 20 * 21 + 12 + 160
    src = urlsplit(attrs["src"])
    assert parse_qs(src.query) == {"embed": ["1"]}
    assert f"{src.scheme}://{src.netloc}{src.path}" == site_url
    assert unpack(src.fragment) == code

    # The auto-height form: the same frame with autoheight=1, and the host's script, which
    # takes heights only from the playground's origin and only for the frame that sent them.
    parser = IframeParser()
    parser.feed(auto)
    assert [tag for tag, _ in parser.tags] == ["iframe", "script"], auto
    auto_attrs = parser.tags[0][1]
    assert parse_qs(urlsplit(auto_attrs["src"]).query) == {"embed": ["1"], "autoheight": ["1"]}
    assert {k: v for k, v in auto_attrs.items() if k != "src"} == \
        {k: v for k, v in attrs.items() if k != "src"}
    site_origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    assert f'e.origin !== "{site_origin}"' in auto
    assert "frame.contentWindow !== e.source" in auto

    # Each pasted into another site's page: the code, and it runs.
    for name, snippet in (("fixed.html", fixed), ("auto.html", auto + auto)):
        page.goto(host.page(name, snippet))
        frame = page.frame_locator("iframe >> nth=0")
        expect(frame.get_by_role("textbox")).to_contain_text("# Gradients of a product <b>")
        frame.get_by_role("button", name="Run").click()
        expect(frame.get_by_role("log", name="Output")).to_have_text("snippet & co\n",
                                                                     timeout=BOOT_MS)
    # Pasted twice, the auto-height code sizes each frame to its own content.
    page.frame_locator("iframe >> nth=1").get_by_role("button", name="Run").click()
    expect(page.frame_locator("iframe >> nth=1").get_by_role("log", name="Output")) \
        .to_have_text("snippet & co\n", timeout=BOOT_MS)
    frame_fits_content(page, 0)
    frame_fits_content(page, 1)


@pytest.mark.parametrize("viewport", [(1400, 900), (390, 844)], ids=["wide", "phone"])
def test_an_auto_height_frame_grows_with_a_long_output_and_a_stepper(watched, host, site_url,
                                                                     viewport):
    page, _ = watched
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(site_url)
    _, thirty = embed_codes(page, THIRTY)
    _, stepper = embed_codes(page, STEPPER)
    page.goto(host.page("grows.html", f"{thirty}<p>Between the snippets.</p>{stepper}"))
    long, steps = page.frame_locator("iframe >> nth=0"), page.frame_locator("iframe >> nth=1")
    expect(long.get_by_role("button", name="Run")).to_be_visible()
    before, _ = frame_fits_content(page, 0)

    long.get_by_role("button", name="Run").click()
    expect(long.get_by_role("log", name="Output")).to_contain_text("line 29", timeout=BOOT_MS)
    after, content = frame_fits_content(page, 0)
    assert after > before + 29 * 15, (before, after)  # 30 lines, not one frame's worth
    expect(long.get_by_text("line 29")).to_be_in_viewport()  # the host page scrolls to it

    steps.get_by_role("button", name="Run").click()
    figure = steps.get_by_role("figure", name="computation graph")
    expect(figure).to_have_attribute("data-state", "drawn", timeout=BOOT_MS)
    drawn, _ = frame_fits_content(page, 1)
    following = figure.get_by_role("button", name="Next step")
    for _ in range(3):
        following.click()
    expect(figure.get_by_role("status")).to_contain_text("Step 3 of 3")
    stepped, _ = frame_fits_content(page, 1)
    assert stepped >= drawn > 300
    # The whole figure shows: its last row is inside the frame, not cut off.
    box = page.locator("iframe").nth(1).bounding_box()
    last = figure.bounding_box()
    assert last["y"] + last["height"] <= box["y"] + box["height"] + 1
    name = f"embed-autoheight-{viewport[0]}x{viewport[1]}"
    screenshot(page, f"{name}-print", page.locator("iframe").nth(0))
    screenshot(page, f"{name}-stepper", page.locator("iframe").nth(1))

    # The parent heard only heights, each at most the cap, from the playground's origin.
    site_origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    for message in page.evaluate("window.received"):
        assert message["origin"] == site_origin
        assert set(message["data"]) == {"type", "height"}
        assert 0 < message["data"]["height"] <= 4000


def test_the_compact_toolbar_fits_a_phone(watched, host, site_url):
    page, _ = watched
    page.set_viewport_size({"width": 390, "height": 844})
    frames = "".join(
        f'<iframe src="{site_url}?embed=1#{fragment(HELLO)}" title="At {width} px" '
        f'style="width: {width}px; height: 360px; display: block"></iframe>'
        for width in (320, 390))
    page.goto(host.page("phone.html", frames))
    for index in (0, 1):
        frame = page.frame_locator(f"iframe >> nth={index}")
        runtime = frame.get_by_role("status", name="Python runtime")
        expect(runtime).to_have_text(re.compile("Python loads when you run the code"))
        inner = page.locator("iframe").nth(index).element_handle().content_frame()
        # Nothing is cut off: the status label shows whole, and nothing sticks out sideways.
        label = inner.locator(".boot-label")
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        assert inner.evaluate("document.documentElement.scrollWidth") <= \
            inner.evaluate("innerWidth")
        # Run, Stop and Open in playground on one line, above the status.
        run = frame.get_by_role("button", name="Run").bounding_box()
        stop = frame.get_by_role("button", name="Stop").bounding_box()
        link = frame.get_by_role("link", name="Open in playground").bounding_box()
        status = runtime.bounding_box()
        assert abs(run["y"] - stop["y"]) < 2 and run["x"] < stop["x"]
        assert abs((link["y"] + link["height"] / 2) - (run["y"] + run["height"] / 2)) < 4
        assert status["y"] >= run["y"] + run["height"] - 1
    screenshot(page, "embed-toolbar-phone-390x844")


def test_download_notebook_and_py_beside_the_link(page: Page, ui, site_url: str):
    page.goto(site_url)
    code = "from playground import show\nimport ad\nshow(ad.tensor([1.0, 2.0]))\n"
    ui.type_code(code)
    with page.expect_download() as download:
        share_menu(page, "Download notebook")
    assert download.value.suggested_filename == "playground.ipynb"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)  # Jupyter's own schema
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata.kernelspec.name == "python3"
    install, body = nb.cells
    assert install.cell_type == body.cell_type == "code"
    assert body.source == code
    # The install cell is Python (with top-level await, as notebooks allow), names the site's
    # wheel and playground module, and both are served.
    compile(install.source, "install", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    wheel = re.search(r'WHEEL = "([^"]+)"', install.source).group(1)
    module = re.search(r'PLAYGROUND = "([^"]+)"', install.source).group(1)
    assert wheel.startswith(site_url + "dist/ad-") and wheel.endswith("-py3-none-any.whl")
    assert module == site_url + "python/playground.py"
    with urllib.request.urlopen(wheel) as response, contextlib.closing(
            zipfile.ZipFile(io.BytesIO(response.read()))) as whl:
        assert "ad/__init__.py" in whl.namelist()
    with urllib.request.urlopen(module) as response:
        assert b"def show" in response.read()

    with page.expect_download() as download:
        share_menu(page, "Download .py")
    assert download.value.suggested_filename == "playground.py"
    assert Path(download.value.path()).read_text(encoding="utf-8") == code
    # Keyboard: the menu opens with ArrowDown and closes with Escape, back on its button.
    button = page.get_by_role("button", name="Embed or download")
    button.focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Copy embed code")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_be_hidden()
    expect(button).to_be_focused()


def test_an_embed_transfers_no_more_than_the_full_page(browser, site_url, host, two_origin_guard):
    def transferred(goto, run) -> int:
        guard = two_origin_guard()
        origin = guard.origin
        context, page = guard.watch(browser)
        sizes: list[int] = []

        def finished(request) -> None:
            if request.url.startswith(origin + "/"):
                s = request.sizes()
                sizes.append(s["responseBodySize"] + s["responseHeadersSize"])

        context.on("requestfinished", finished)
        try:
            goto(page)
            run(page)
            # Both make the next run's interpreter after a run: counted whole in both.
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1000)
            page.wait_for_load_state("networkidle")
        finally:
            context.close()
        guard.check()
        return sum(sizes)

    def run_full(page: Page) -> None:
        page.get_by_role("textbox").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(HELLO)
        page.get_by_role("button", name="Run").click()
        expect(page.get_by_role("status", name="Run status")).to_have_text(FINISHED,
                                                                          timeout=BOOT_MS)

    def run_embed(page: Page) -> None:
        frame = page.frame_locator("iframe")
        frame.get_by_role("button", name="Run").click()
        expect(embed_status(frame)).to_have_text(FINISHED, timeout=BOOT_MS)

    full = transferred(lambda p: p.goto(site_url), run_full)
    page_url = host.page("bytes.html", iframe(site_url, HELLO, "Snippet"))
    embed = transferred(lambda p: p.goto(page_url), run_embed)
    assert full > 1_000_000  # the runtime itself was counted
    assert embed <= full, f"the embed transferred {embed:,} bytes, the full page {full:,}"
    print(json.dumps({"full_page_bytes": full, "embed_bytes": embed}))
