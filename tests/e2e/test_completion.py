"""The editor knows the API: completion after `.` and on Ctrl+Space (jedi in its own worker,
started on first use), the selected item's docs beside the list, signature help on `(`, docs on
hover; word completion when the completion worker cannot start."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

JEDI_MS = 60_000  # the first answer boots a second Pyodide and loads jedi: seconds, on 2 cores


def start(page: Page, site_url: str, code: str = "") -> None:
    """A fresh page with `code` in the editor and the cursor at its end."""
    page.goto(site_url)
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def options(page: Page):
    return page.get_by_role("listbox").get_by_role("option")


def test_completion_lists_the_api_of_ad_numpy_and_the_editors_own_names(page: Page,
                                                                        site_url: str):
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    start(page, site_url, "import ad\nimport numpy as np\nlearning_rate = 0.1\n")
    page.wait_for_function("window.adPlayground !== undefined")
    assert not any("jedi" in url or "/completion-" in url for url in requests), \
        "the completion worker must not start before it is used"

    page.keyboard.type("ad.te")
    page.keyboard.press("Control+Space")
    tensor = options(page).filter(has_text=re.compile(r"^tensor\b"))  # not tensordot
    expect(tensor).to_be_visible(timeout=JEDI_MS)
    expect(tensor).to_contain_text("(data, requires_grad=…, name=…)")  # the signature, in short
    expect(tensor.locator(".cm-completionIcon-function")).to_have_count(1)
    assert any("/jedi.js" in url for url in requests)
    # The selected item (the exact-case match comes first) has its docstring beside the list.
    expect(options(page).first).to_have_attribute("aria-selected", "true")
    expect(options(page).first).to_contain_text(re.compile(r"^tensor"))
    expect(page.locator(".cm-completionInfo")).to_contain_text("terminal leaf")
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)

    page.keyboard.press("Enter")
    page.keyboard.type("np.zer")
    page.keyboard.press("Control+Space")
    expect(options(page).filter(has_text=re.compile(r"^zeros\b")).first).to_be_visible()
    page.keyboard.press("Escape")

    page.keyboard.press("Enter")
    page.keyboard.type("learn")
    page.keyboard.press("Control+Space")
    learning_rate = options(page).filter(has_text="learning_rate")
    expect(learning_rate).to_be_visible()
    learning_rate.click()  # accepts it
    expect(page.locator(".cm-activeLine")).to_have_text("learning_rate")


def test_after_a_dot_the_list_opens_by_itself_and_knows_what_ad_returns(page: Page,
                                                                         site_url: str):
    start(page, site_url, "import ad\nx = ad.tensor([1.0, 2.0])\n")
    page.keyboard.type("x.")
    expect(options(page).filter(has_text=re.compile(r"^backward"))).to_be_visible(timeout=JEDI_MS)
    page.keyboard.type("gr")
    grad = options(page).filter(has_text=re.compile(r"^grad\b"))
    expect(grad).to_be_visible()
    expect(grad.locator(".cm-completionIcon-property")).to_have_count(1)  # not grad()
    expect(options(page).filter(has_text=re.compile(r"^backward"))).to_have_count(0)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.keyboard.type("ad.ten")  # typed in one go: the list opens all the same
    expect(options(page).filter(has_text=re.compile(r"^tensor\b"))).to_be_visible()


def test_signature_help_on_an_open_bracket_and_docs_on_hover(page: Page, site_url: str):
    start(page, site_url, "import numpy as np\n")
    page.keyboard.type("np.zeros(")
    help_tip = page.locator(".cm-tooltip.doc-call")  # the tooltip is the signature's own node
    expect(help_tip).to_contain_text("zeros(shape", timeout=JEDI_MS)
    expect(help_tip).to_contain_text("Return a new array of given shape")
    expect(help_tip.locator(".doc-current").first).to_have_text(re.compile(r"^shape"))
    page.keyboard.type("3, ")
    expect(help_tip.locator(".doc-current").first).to_have_text(re.compile(r"^dtype"))
    page.keyboard.press("Escape")
    expect(help_tip).to_have_count(0)
    # Docs on hover, now that the service runs.
    page.locator(".cm-content span").filter(has_text=re.compile(r"^zeros$")).first.hover()
    expect(page.locator(".cm-tooltip-hover")).to_contain_text("Return a new array of given",
                                                             timeout=10_000)


def test_without_the_completion_worker_the_editor_completes_words(page: Page, site_url: str):
    page.route(re.compile(r"/jedi\.js$"), lambda route: route.abort())
    start(page, site_url, "some_long_name = 1\nimport ad\n")
    page.keyboard.type("some")
    page.keyboard.press("Control+Space")
    expect(options(page).filter(has_text="some_long_name")).to_be_visible(timeout=JEDI_MS)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.keyboard.type("ad.")  # no jedi: nothing to list after a dot, and no error either
    expect(page.get_by_role("listbox")).to_have_count(0)
