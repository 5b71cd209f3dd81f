"""The Examples picker: every example runs cleanly, and loading one never loses the user's code."""

import re

from playwright.sync_api import Page, expect


def test_every_example_runs_cleanly(booted, examples):
    page = booted.page
    picker = page.get_by_role("combobox", name="Examples")
    options = [o for o in picker.locator("option").all_inner_texts() if o != "Examples…"]
    assert options == [example.title for example in examples], options
    for example in examples:
        booted.run(example=example.title, expected_status=re.compile(r"^Finished in"))
        for line in example.prints:
            expect(booted.output).to_contain_text(line)
        expect(booted.output).not_to_contain_text("Traceback")


def test_loading_an_example_keeps_the_users_code_restorable(page: Page, ui, site_url: str):
    page.goto(site_url)
    mine = "# my work in progress\nprint('mine')\n"
    ui.type_code(mine)
    picker = page.get_by_role("combobox", name="Examples")
    picker.select_option(label="Broadcasting and its gradients")
    expect(page.get_by_role("textbox")).to_contain_text("Broadcasting")
    # The code the user wrote is their draft (links and examples say so in the same words).
    notice = page.get_by_role("status").filter(has_text="Your own draft is kept")
    notice.get_by_role("button", name="Restore my draft").click()
    expect(page.get_by_role("textbox")).to_have_text(re.compile(r"^# my work in progress"))
    # Undo works too: the example comes back, then the user's code again.
    page.keyboard.press("Control+Z")
    expect(page.get_by_role("textbox")).to_contain_text("Broadcasting")
    page.keyboard.press("Control+Z")
    expect(page.get_by_role("textbox")).to_have_text(re.compile(r"^# my work in progress"))
