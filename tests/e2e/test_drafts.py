"""The user's own draft is sacred: links and examples opened one after another, a storage that is
nearly full, and two tabs of the playground never cost it; earlier drafts can be put back."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DRAFT_KEY = "ad-playground:draft"


def stored_draft(page: Page) -> str | None:
    return page.evaluate(f"() => localStorage.getItem('{DRAFT_KEY}')")


def get_code(page: Page) -> str:
    return page.evaluate("() => window.adPlayground.getCode()")


def link_for(page: Page, code: str) -> str:
    """A share link for `code`, made through the page (the editor shows `code` afterwards)."""
    page.evaluate("code => window.adPlayground.setCode(code)", code)
    return page.evaluate("() => window.adPlayground.shareLink()")


def test_links_opened_one_after_another_never_displace_the_draft(page: Page, ui, site_url: str):
    page.goto(site_url)
    draft = "print('my draft')\n"
    ui.type_code(draft)
    page.wait_for_function(f"d => localStorage.getItem('{DRAFT_KEY}') === d", arg=draft)
    link_a = link_for(page, "print('link A')\n")
    link_b = link_for(page, "print('link B')\n")
    for link in (link_a, link_b):  # pasted into the address bar of the open page
        page.evaluate("fragment => { location.hash = fragment; }", link.split("#", 1)[1])
        expect(page.get_by_role("status").filter(has_text="Your own draft is kept")).to_be_visible()
    page.evaluate("link => window.adPlayground.openLink(link)",
                  link_for(page, "print('link C')\n"))
    assert get_code(page) == "print('link C')\n"
    assert stored_draft(page) == draft
    # The draft is listed under Earlier drafts and comes back from there.
    picker = page.get_by_role("combobox", name="Earlier drafts")
    expect(picker.get_by_role("option", name=re.compile(r"^Your draft: print\('my draft'\)")))\
        .to_have_count(1)
    picker.select_option(label="Your draft: print('my draft') (2 lines)")
    assert get_code(page) == draft
    page.reload()
    assert get_code(page) == draft


def test_editing_a_link_keeps_the_old_draft_in_the_history(page: Page, ui, site_url: str):
    page.goto(site_url)
    draft = "print('first draft')\n"
    ui.type_code(draft)
    page.wait_for_function(f"d => localStorage.getItem('{DRAFT_KEY}') === d", arg=draft)
    link = link_for(page, "print('from a link')\n")
    page.goto("about:blank")
    page.goto(link)
    ui.type_code("print('from a link, edited')\n")
    page.wait_for_function(f"() => localStorage.getItem('{DRAFT_KEY}') !== {draft!r}")
    picker = page.get_by_role("combobox", name="Earlier drafts")
    option = picker.get_by_role("option", name=re.compile(r"print\('first draft'\)"))
    picker.select_option(label=option.inner_text())
    assert get_code(page) == draft
    option = picker.get_by_role("option", name=re.compile(r"from a link, edited"))
    expect(option).to_have_count(1)  # and the edited link code is kept in turn


FILL_STORAGE = """() => {
    let size = 1 << 20, i = 0;
    while (size >= 16) {
        try { localStorage.setItem(`filler-${i++}`, "f".repeat(size)); }
        catch { size = size >> 1; }
    }
}"""


def test_a_full_storage_never_costs_the_draft(page: Page, ui, site_url: str):
    page.goto(site_url)
    big = "# a big draft\n" + "x = 1\n" * 170_000  # about 1 MB
    page.evaluate("code => window.adPlayground.setCode(code)", big)
    page.get_by_role("textbox").press("Control+End")
    page.keyboard.insert_text("print('end')\n")
    draft = big + "print('end')\n"
    page.wait_for_function(f"d => localStorage.getItem('{DRAFT_KEY}') === d", arg=draft)
    page.evaluate(FILL_STORAGE)
    link = page.evaluate("""async () => {
        const fragment = await window.adPlayground.shareLink();
        return fragment;
    }""")
    assert link  # the draft's own link; now open someone else's
    page.evaluate("fragment => { location.hash = fragment; }",
                  link_for(page, "print('shared')\n").split("#", 1)[1])
    expect(page.get_by_role("status").filter(has_text="Your own draft is kept")).to_be_visible()
    page.get_by_role("textbox").press("Control+End")
    page.keyboard.insert_text("print('typing on the link')\n")
    alert = page.get_by_role("alert").filter(has_text="Storage is full")
    expect(alert).to_contain_text("this code is not autosaved over it")
    with page.expect_download() as download:
        alert.get_by_role("button", name="Download .py").click()
    with open(download.value.path(), encoding="utf-8") as f:
        assert f.read() == "print('shared')\nprint('typing on the link')\n"
    page.reload()  # leaving the page saves what is pending: never over the draft
    assert stored_draft(page) == draft
    assert get_code(page) == draft


def test_two_tabs_notice_each_other_instead_of_overwriting(page: Page, ui, site_url: str):
    page.goto(site_url)
    ui.type_code("print('tab one')\n")
    page.wait_for_function(f"d => localStorage.getItem('{DRAFT_KEY}') === d",
                           arg="print('tab one')\n")
    other = page.context.new_page()
    other.goto(site_url)
    other.get_by_role("textbox").click()
    other.keyboard.press("Control+A")
    other.keyboard.insert_text("print('tab two')\n")
    other.wait_for_function(f"d => localStorage.getItem('{DRAFT_KEY}') === d",
                            arg="print('tab two')\n")
    alert = page.get_by_role("alert").filter(has_text="changed in another tab")
    expect(alert).to_be_visible()
    page.get_by_role("textbox").press("Control+End")
    page.keyboard.insert_text("print('more in tab one')\n")
    page.evaluate("() => window.dispatchEvent(new Event('pagehide'))")  # save what is pending
    assert stored_draft(page) == "print('tab two')\n"
    alert.get_by_role("button", name="Keep this tab's code").click()
    assert stored_draft(page) == "print('tab one')\nprint('more in tab one')\n"
    picker = page.get_by_role("combobox", name="Earlier drafts")
    expect(picker.get_by_role("option", name=re.compile(r"print\('tab two'\)"))).to_have_count(1)
    other.close()
