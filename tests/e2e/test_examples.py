"""The Examples picker: every example runs cleanly, and loading one never loses the user's code."""

import re

from playwright.sync_api import Page, expect

BOOT_S = 60

# What each example must print: a marker that holds however the engine words its reports.
EXAMPLES = {
    "The seed's dot product (and what it gets wrong)": ["x.grad = [[0.0, 1.0, 1.0]]", "y.grad = [[1.0], [2.0], [3.0]]", "seed formulas fail"],
    "Your own Function: sigmoid + gradcheck": ["gradient check passed", "caught, as it should be"],
    "Broadcasting and its gradients": ["row: shape (3,)    grad shape (3,)", "expected row.grad"],
    "Train an MLP on two moons": ["step   0", "step 200"],
    "The graph of a small expression": ["dL/da = 6.0", "digraph"],
}


def type_code(page: Page, code: str) -> None:
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def test_every_example_runs_cleanly(page: Page, site_url: str):
    page.goto(site_url)
    picker = page.get_by_role("combobox", name="Examples")
    options = [o for o in picker.locator("option").all_inner_texts() if o != "Examples…"]
    assert options == list(EXAMPLES), options
    status = page.get_by_role("status", name="Run status")
    log = page.get_by_role("log", name="Output")
    for title, markers in EXAMPLES.items():
        picker.select_option(label=title)
        page.get_by_role("button", name="Run").click()
        expect(status).to_have_text(re.compile(r"^Finished in"), timeout=BOOT_S * 1000)
        for marker in markers:
            expect(log).to_contain_text(marker)
        expect(log).not_to_contain_text("Traceback")


def test_loading_an_example_keeps_the_users_code_restorable(page: Page, site_url: str):
    page.goto(site_url)
    mine = "# my work in progress\nprint('mine')\n"
    type_code(page, mine)
    page.get_by_role("combobox", name="Examples").select_option(label="Broadcasting and its gradients")
    expect(page.get_by_role("textbox")).to_contain_text("Broadcasting")
    notice = page.get_by_role("status").filter(has_text="Your previous code is kept")
    notice.get_by_role("button", name="Restore previous code").click()
    expect(page.get_by_role("textbox")).to_have_text(re.compile(r"^# my work in progress"))
    # Undo works too: the example comes back, then the user's code again.
    page.keyboard.press("Control+Z")
    expect(page.get_by_role("textbox")).to_contain_text("Broadcasting")
    page.keyboard.press("Control+Z")
    expect(page.get_by_role("textbox")).to_have_text(re.compile(r"^# my work in progress"))
