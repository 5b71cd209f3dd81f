"""Share links and autosave: links round-trip, bad links never cost the draft, storage failures
show."""

import random
import re

from playwright.sync_api import Page, expect


def editor_text(page: Page) -> str:
    """The whole text, as a person gets it: select all, copy, read the clipboard."""
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    return page.evaluate("navigator.clipboard.readText()")


def wait_for_autosave(page: Page, code: str) -> None:
    page.wait_for_function("code => localStorage.getItem('ad-playground:draft') === code", arg=code)


def snippet(lines: int) -> str:
    rng = random.Random(4)
    body = [f"# {lines} lines: ünïcødé, 漢字, emoji 🙂, RTL שלום, "
            "and <b>markup</b> that must stay text"]
    for i in range(lines - 2):
        comment = "<img src=x onerror=alert(1)>" if i % 50 == 0 else "λ" * (i % 7)
        body.append(f"v{i} = {rng.random():.12f}  # {comment}")
    body.append("print('sum', round(sum(v for k, v in dict(globals()).items() "
                "if k.startswith('v')), 6))")
    return "\n".join(body) + "\n"


def test_a_300_line_snippet_round_trips_through_a_link(page: Page, ui, site_url: str, browser):
    page.goto(site_url)
    code = snippet(300)
    ui.type_code(code)
    page.get_by_role("button", name="Share").click()
    notice = page.get_by_role("alert").filter(has_text="Link copied")
    expect(notice).to_contain_text(re.compile(r"\(\d{1,3}(,\d{3})* characters\)"))
    expect(notice).to_contain_text("may be cut by chat apps")
    link = page.url
    assert re.search(r"#v1\.[A-Za-z0-9_-]+$", link), link
    assert page.evaluate("navigator.clipboard.readText()") == link
    shown = re.search(r"\(([\d,]+) characters\)", notice.inner_text()).group(1)
    length = int(shown.replace(",", ""))
    assert length == len(link) > 2000
    # A long link offers the code as a file instead.
    with page.expect_download() as download:
        notice.get_by_role("button", name="Download .py").click()
    assert download.value.suggested_filename == "playground.py"
    with open(download.value.path(), encoding="utf-8") as f:
        assert f.read() == code

    # Someone else opens it: the code is there, exactly, and has not run.
    other = browser.new_context()
    other.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        friend = other.new_page()
        friend.goto(link)
        opened = friend.get_by_role("status").filter(has_text="Opened the code from a shared link")
        expect(opened).to_be_visible()
        assert editor_text(friend) == code
        expect(friend.get_by_role("status", name="Python runtime")).to_contain_text(
            "Python ready", timeout=ui.boot_ms)
        expect(friend.get_by_role("log", name="Output")).to_have_text("")
        expect(friend.locator("img")).to_have_count(0)
        friend.get_by_role("button", name="Run").click()
        expect(friend.get_by_role("log", name="Output")).to_contain_text("sum ", timeout=ui.boot_ms)
    finally:
        other.close()


def test_a_short_link_says_its_length_and_opening_one_keeps_the_draft(page: Page, ui,
                                                                      site_url: str):
    page.goto(site_url)
    ui.type_code("print('shared code')\n")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_have_text(
        re.compile(r"Link copied to the clipboard \(\d+ characters\)\."))
    link = page.url
    # Editing afterwards takes the stale link out of the address bar and autosaves the draft.
    draft = "print('my own draft')\n"
    ui.type_code(draft)
    wait_for_autosave(page, draft)
    assert "#" not in page.url

    page.goto("about:blank")
    page.goto(link)
    assert editor_text(page) == "print('shared code')\n"
    notice = page.get_by_role("status").filter(has_text="Your own draft is kept")
    notice.get_by_role("button", name="Restore my draft").click()
    assert editor_text(page) == draft
    # The restore swapped: the link's code is now the one kept.
    page.reload()
    assert editor_text(page) == draft


def test_a_broken_link_shows_why_and_keeps_the_draft(page: Page, ui, site_url: str):
    page.goto(site_url)
    draft = "print('precious draft')\n"
    ui.type_code(draft)
    wait_for_autosave(page, draft)
    page.get_by_role("button", name="Share").click()
    good = page.url.split("#", 1)[1]
    base = site_url.split("#", 1)[0]

    page.goto("about:blank")
    page.goto(base + "#v1.%%%garbage!!")
    expect(page.get_by_role("alert")).to_contain_text("damaged")
    expect(page.get_by_role("alert")).to_contain_text("Your own code is still in the editor")
    assert editor_text(page) == draft

    # Links pasted into the address bar of the open page are read as well.
    cases = {
        good[:-6]: "damaged",                                    # cut short
        "v9." + good[3:]: "format v9, which this version",       # from a newer playground
        "hello-world": "unrecognised format",                    # not ours at all
    }
    for fragment, message in cases.items():
        page.goto(base + "#" + fragment)
        expect(page.get_by_role("alert")).to_contain_text(message)
        assert editor_text(page) == draft
    page.goto(base + "#" + good)
    opened = page.get_by_role("status").filter(has_text="Opened the code from a shared link")
    expect(opened).to_be_visible()
    assert editor_text(page) == draft  # the link holds the same code


def test_the_draft_survives_a_reload_and_a_broken_storage_is_announced(page: Page, ui,
                                                                        site_url: str):
    page.goto(site_url)
    draft = "# autosaved\nprint(1 + 1)\n"
    ui.type_code(draft)
    wait_for_autosave(page, draft)
    page.reload()
    assert editor_text(page) == draft

    page.add_init_script("""Storage.prototype.setItem = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };""")
    page.reload()
    assert editor_text(page) == draft
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("print('still typing')\n")
    expect(page.get_by_role("alert")).to_contain_text("Not saved")
    assert editor_text(page) == draft + "print('still typing')\n"
    page.get_by_role("button", name="Run").click()
    expect(ui.output).to_have_text("2\nstill typing\n", timeout=ui.boot_ms)
