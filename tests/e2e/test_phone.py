"""The playground and a lesson on a phone (issue 26), at 390x844 and 360x740: a compact header
with More for the secondary actions, one pane at a time behind the tabs Lesson / Code / Output,
an editor with most of the screen, the lesson's buttons in reach, fields that a phone does not
zoom into, and nothing wider than the screen but figures, which scroll on their own.
Screenshots land in build/test-artifacts/phone-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import BOOT_MS, FINISHED, PageGuard, PlaygroundUi
from tests.lesson_files import LESSONS

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
CHECK_MS = 60_000
SIZES = [(390, 844), (360, 740)]
HELLO = "print('hello from a phone')\n"


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def phone(request, browser: Browser, page_guard: PageGuard):
    """A fresh page in a browser context of its own that is a phone of the given size."""
    width, height = request.param
    context = browser.new_context(service_workers="block", is_mobile=True, has_touch=True,
                                  viewport={"width": width, "height": height})
    context.on("request", page_guard.on_request)
    page = context.new_page()
    page.on("console", page_guard.on_console)
    page.on("pageerror", page_guard.on_page_error)
    yield page, width, height
    context.close()
    page_guard.check()


def tab(page: Page, name: str) -> Locator:
    return page.get_by_role("tablist", name="Show").get_by_role("tab", name=name, exact=True)


def select(page: Page, name: str) -> None:
    tab(page, name).click()
    expect(tab(page, name)).to_have_attribute("aria-selected", "true")


def no_sideways_scroll(page: Page, where: str) -> None:
    sizes = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert sizes[0] <= sizes[1], f"the page scrolls sideways ({where}): {sizes}"


def editor_box(page: Page) -> Locator:
    return page.locator("#editor")


def compact_header(page: Page, height: int) -> None:
    header = page.get_by_role("banner").bounding_box()
    assert header["height"] <= 0.1 * height, f"the header is {header['height']} px high"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_the_playground_on_a_phone(phone, site_url: str):
    page, width, height = phone
    ui = PlaygroundUi(page)
    page.goto(site_url)
    editor = page.get_by_role("textbox", name="Python code")
    expect(editor).to_be_visible()
    compact_header(page, height)
    # Code in front; no Lesson tab without a lesson.
    expect(tab(page, "Code")).to_have_attribute("aria-selected", "true")
    expect(tab(page, "Lesson")).to_be_hidden()
    expect(ui.output).to_be_hidden()
    assert editor_box(page).bounding_box()["height"] >= 0.4 * height
    no_sideways_scroll(page, "the code")

    # The editor is for code, not prose, and no field is small enough for the phone to zoom in.
    for name, value in (("autocapitalize", "off"), ("autocorrect", "off"),
                        ("spellcheck", "false")):
        expect(editor).to_have_attribute(name, value)
    assert editor.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16

    # More holds the secondary actions: a button that says whether it is open; Escape closes it.
    more = page.get_by_role("button", name="More", exact=True)
    examples = page.get_by_role("combobox", name="Examples")
    expect(examples).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    group = page.get_by_role("group", name="More actions")
    for control in (examples, page.get_by_role("combobox", name="Earlier drafts"),
                    page.get_by_role("button", name="Share", exact=True),
                    page.get_by_role("button", name="Embed or download"),
                    page.get_by_role("switch", name="Dark theme")):
        expect(control).to_be_visible()
        expect(group.locator(control)).to_have_count(1)
    for field in (examples, page.get_by_role("combobox", name="Earlier drafts")):
        assert field.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
    no_sideways_scroll(page, "More open")
    if width == 390:
        screenshot(page, f"phone-more-{width}x{height}")
    examples.focus()
    page.keyboard.press("Escape")
    expect(examples).to_be_hidden()
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")
    # The share menu is inside it.
    more.click()
    page.get_by_role("button", name="Embed or download").click()
    expect(page.get_by_role("menuitem", name="Download .py")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menuitem", name="Download .py")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(examples).to_be_hidden()

    # The tabs: a click or the arrow keys, and only the chosen pane shows.
    select(page, "Output")
    expect(ui.output).to_be_visible()
    expect(editor).to_be_hidden()
    no_sideways_scroll(page, "the output")
    tab(page, "Output").press("ArrowLeft")
    expect(tab(page, "Code")).to_be_focused()
    expect(tab(page, "Code")).to_have_attribute("aria-selected", "true")
    expect(editor).to_be_visible()
    tab(page, "Code").press("ArrowRight")
    expect(tab(page, "Output")).to_be_focused()
    expect(ui.output).to_be_visible()

    # Run from the code: the output comes to the front.
    ui.type_code(HELLO)
    expect(editor).to_be_visible()
    if width == 390:
        screenshot(page, f"phone-playground-{width}x{height}")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(tab(page, "Output")).to_have_attribute("aria-selected", "true")
    expect(ui.status).to_have_text(FINISHED, timeout=BOOT_MS)
    expect(ui.output).to_contain_text("hello from a phone")
    no_sideways_scroll(page, "after a run")
    if width == 390:
        screenshot(page, f"phone-playground-{width}x{height}-output")

    # An example from More: back to the code, the panel closed.
    more.click()
    examples.select_option(label="Broadcasting and its gradients")
    expect(examples).to_be_hidden()
    expect(tab(page, "Code")).to_have_attribute("aria-selected", "true")
    expect(editor).to_contain_text("# Broadcasting")


def test_a_lesson_on_a_phone(phone, site_url: str):
    page, width, height = phone
    ui = PlaygroundUi(page)
    page.goto(f"{site_url}?lesson=03-chain-rule")
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", level=2)).to_be_visible()
    compact_header(page, height)
    # The lesson opens in front, its buttons in view, the rest behind the tabs.
    expect(tab(page, "Lesson")).to_have_attribute("aria-selected", "true")
    check = pane.get_by_role("button", name="Check", exact=True)
    expect(check).to_be_in_viewport(ratio=1)
    expect(pane.get_by_role("region", name="Explanation")).to_be_visible()
    expect(page.get_by_role("textbox", name="Python code")).to_be_hidden()
    no_sideways_scroll(page, "the lesson's text")
    # Read to the end of the text: the buttons stay at the top of the pane.
    pane.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    expect(check).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    if width == 390:
        pane.evaluate("e => { e.scrollTop = 0; }")
        screenshot(page, f"phone-lesson-3-{width}x{height}-text")

    # Code: the editor, with Check still in reach above it.
    select(page, "Code")
    editor = page.get_by_role("textbox", name="Python code")
    expect(editor).to_be_visible()
    expect(pane.get_by_role("region", name="Explanation")).to_be_hidden()
    expect(check).to_be_in_viewport(ratio=1)
    assert editor_box(page).bounding_box()["height"] >= 0.4 * height
    no_sideways_scroll(page, "the lesson's code")
    if width == 390:
        screenshot(page, f"phone-lesson-3-{width}x{height}-code")

    # Check from the code: its results bring the lesson back to show them.
    check.click()
    expect(pane.get_by_role("status")).to_have_text(re.compile(r"checks passed$"),
                                                   timeout=CHECK_MS)
    expect(tab(page, "Lesson")).to_have_attribute("aria-selected", "true")
    expect(pane.get_by_role("list", name="Check results")).to_be_visible()

    # Run: the output in front, with lesson 3's stepper; only the figure scrolls sideways.
    select(page, "Code")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(tab(page, "Output")).to_have_attribute("aria-selected", "true")
    expect(ui.status).to_have_text(FINISHED, timeout=BOOT_MS)
    figure = ui.output.get_by_role("figure", name="L = (a*b + c) * f")
    expect(figure).to_have_attribute("data-state", "drawn", timeout=20_000)
    box = figure.get_by_role("textbox", name="Your prediction")
    assert box.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
    # Nothing of the figure's controls sticks out of it.
    assert figure.evaluate("""f => [...f.querySelectorAll("input, button")].every((e) => {
        const r = e.getBoundingClientRect(), box = f.getBoundingClientRect();
        return r.width === 0 || r.right <= box.right + 0.5;
    })""")
    no_sideways_scroll(page, "lesson 3's stepper")
    if width == 390:
        screenshot(page, f"phone-lesson-3-{width}x{height}")

    # The Lessons button brings the lesson back; All lessons lists them all.
    page.get_by_role("button", name="Lessons", exact=True).click()
    expect(tab(page, "Lesson")).to_have_attribute("aria-selected", "true")
    expect(check).to_be_visible()
    pane.get_by_role("button", name="All lessons").click()
    expect(pane.get_by_role("list", name="All lessons")).to_be_visible()
    expect(tab(page, "Lesson")).to_have_attribute("aria-selected", "true")
    no_sideways_scroll(page, "the list of lessons")
    if width == 390:
        screenshot(page, f"phone-lesson-list-{width}x{height}")
    # Back to the playground: no Lesson tab, the code in front.
    pane.get_by_role("button", name="Back to the playground").click()
    expect(tab(page, "Lesson")).to_be_hidden()
    expect(tab(page, "Code")).to_have_attribute("aria-selected", "true")


def test_every_lesson_fits_the_phones_width_with_check_in_view(phone, site_url: str):
    page, width, height = phone
    for lesson in LESSONS:
        page.goto(f"{site_url}?lesson={lesson.name}")
        pane = page.get_by_role("region", name="Lesson")
        expect(pane.get_by_role("heading", name=lesson.title, exact=True)).to_be_visible()
        expect(pane.get_by_role("button", name="Check", exact=True)).to_be_in_viewport(ratio=1)
        no_sideways_scroll(page, lesson.name)
        # Wide formulas and code scroll in their own boxes: the pane never does sideways.
        assert pane.evaluate("e => e.scrollWidth <= e.clientWidth"), lesson.name


def test_a_matplotlib_figure_keeps_its_size_and_scrolls(browser: Browser, page_guard: PageGuard,
                                                        site_url: str):
    context = browser.new_context(service_workers="block", is_mobile=True, has_touch=True,
                                  viewport={"width": 390, "height": 844})
    context.on("request", page_guard.on_request)
    page = context.new_page()
    page.on("pageerror", page_guard.on_page_error)
    try:
        ui = PlaygroundUi(page)
        page.goto(site_url)
        ui.run("import matplotlib.pyplot as plt\nplt.plot([0, 1, 4, 9])\n"
               "plt.title('squares')\nplt.show()\n")
        image = ui.output.get_by_role("img", name="squares")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.getBoundingClientRect().width") == 640
        # Its figure scrolls sideways, within the output.
        assert image.evaluate("""img => {
            const scroller = img.parentElement;
            return scroller.scrollWidth > scroller.clientWidth
                && ["auto", "scroll"].includes(getComputedStyle(scroller).overflowX);
        }""")
        no_sideways_scroll(page, "a matplotlib figure")
    finally:
        context.close()
    page_guard.check()
