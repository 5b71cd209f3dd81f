"""The editor and the layout as a person meets them: keyboard, accessible names, panes, themes."""

import re

from playwright.sync_api import Page, expect


def clear_editor(page: Page) -> None:
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")


def test_the_page_names_its_controls(page: Page, site_url: str):
    page.goto(site_url)
    for name in ("Run", "Stop", "Share"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_disabled()
    expect(page.get_by_role("textbox")).to_be_editable()
    expect(page.get_by_role("log", name="Output")).to_be_visible()
    expect(page.get_by_role("combobox", name="Examples")).to_be_visible()
    expect(page).to_have_title(re.compile("ad playground"))


def test_editing_keys_indent_close_brackets_undo_search_and_run(page: Page, ui, site_url: str):
    page.goto(site_url)
    editor = page.get_by_role("textbox")
    clear_editor(page)
    page.keyboard.type("def f(x")  # the closing bracket comes by itself
    page.keyboard.press("End")
    page.keyboard.type(":")
    page.keyboard.press("Enter")  # auto-indent
    page.keyboard.type("return x * 2")
    page.keyboard.press("Enter")
    page.keyboard.press("Backspace")  # one unit of indentation
    page.keyboard.type("print(f(21")
    expect(editor).to_have_text("def f(x):    return x * 2print(f(21))")
    lines = page.evaluate("[...document.querySelectorAll('.cm-line')].map(l => l.textContent)")
    assert lines == ["def f(x):", "    return x * 2", "print(f(21))"], lines
    # Line numbers and bracket matching.
    expect(page.locator(".cm-lineNumbers .cm-gutterElement", has_text="3")).to_be_visible()
    expect(page.locator(".cm-matchingBracket").first).to_be_visible()
    # Ctrl+Enter runs from the editor.
    page.keyboard.press("Control+Enter")
    expect(ui.output).to_have_text("42\n", timeout=ui.boot_ms)
    # Undo history.
    page.keyboard.press("Control+Z")
    expect(editor).not_to_contain_text("print(f(21))")
    page.keyboard.press("Control+Shift+Z")
    expect(editor).to_contain_text("print(f(21))")
    # Search.
    page.keyboard.press("Control+F")
    find = page.get_by_role("textbox", name="Find")
    expect(find).to_be_focused()
    page.keyboard.type("return")
    expect(page.locator(".cm-searchMatch")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(find).to_have_count(0)


def test_escape_then_tab_leaves_the_editor(page: Page, site_url: str):
    page.goto(site_url)
    editor = page.get_by_role("textbox")
    clear_editor(page)
    page.keyboard.press("Tab")  # inside the editor, Tab indents
    expect(editor).to_be_focused()
    assert page.evaluate("document.querySelector('.cm-line').textContent") == "    "
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(editor).not_to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(editor).to_be_focused()


def test_panes_sit_side_by_side_resize_and_stack_on_narrow_screens(page: Page, site_url: str):
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(site_url)
    editor = page.get_by_role("region", name="Editor")
    results = page.get_by_role("region", name="Results")
    e, r = editor.bounding_box(), results.bounding_box()
    assert e["x"] + e["width"] <= r["x"] + 1 and abs(e["y"] - r["y"]) < 2
    splitter = page.get_by_role("separator", name="Resize the editor and the output")
    splitter.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(splitter).to_have_attribute("aria-valuenow", "60")
    assert editor.bounding_box()["width"] > e["width"] + 100
    box = splitter.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(300, box["y"] + 100, steps=5)
    page.mouse.up()
    expect(splitter).to_have_attribute("aria-valuenow", "25")

    # Stacked between 600 and 760 px; below 600 the panes take turns (test_phone.py).
    page.set_viewport_size({"width": 700, "height": 900})
    e, r = editor.bounding_box(), results.bounding_box()
    assert r["y"] >= e["y"] + e["height"] - 1 and abs(e["x"] - r["x"]) < 2
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()


def test_the_theme_follows_the_system_and_the_toggle(page: Page, site_url: str):
    page.emulate_media(color_scheme="light")
    page.goto(site_url)
    html = page.locator("html")
    toggle = page.get_by_role("switch", name="Dark theme")
    expect(html).to_have_attribute("data-theme", "light")
    expect(toggle).to_have_attribute("aria-checked", "false")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    expect(html).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-checked", "true")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
    # The user's choice wins over the system, and is remembered.
    toggle.click()
    expect(html).to_have_attribute("data-theme", "light")
    page.reload()
    expect(html).to_have_attribute("data-theme", "light")
    expect(page.get_by_role("switch", name="Dark theme")).to_have_attribute("aria-checked", "false")
