"""A lesson done with the keyboard alone (issue 26): from the playground to the lesson list, lesson
1 opened, a wrong answer typed, Check, the hints read, More help up to Show solution, the
solution checked, then the next lesson. Only page.keyboard: no click, no mouse. At every stop the
focus is visible (a focus ring in the element's computed style) and on screen.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.lesson_files import LESSONS

BOOT_MS = 60_000
CHECK_MS = 120_000

# What has the focus, and whether a person can see it: the element (for the editor, CodeMirror's
# content element, whose ring CodeMirror leaves to the pane around it), its ring and its box.
FOCUS = """() => {
  const el = document.activeElement;
  if (el === null || el === document.body || el === document.documentElement) {
    return { what: "nothing (the page itself)", ring: "", visible: false, onScreen: false };
  }
  const name = (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 60);
  const role = el.getAttribute("role");
  const what = `${el.tagName.toLowerCase()}${role ? `[${role}]` : ""} "${name}"`;
  const ringOf = (e) => {
    const s = getComputedStyle(e);
    if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) {
      return `outline ${s.outlineWidth} ${s.outlineStyle}`;
    }
    return s.boxShadow !== "none" ? `box-shadow ${s.boxShadow}` : "";
  };
  let ring = ringOf(el);
  const editor = el.closest(".cm-editor");
  if (ring === "" && editor !== null) {
    // The editor's ring is drawn around the editor (its pane), not around its text.
    const pane = editor.closest(".editor-pane");
    const around = pane === null ? "" : ringOf(pane);
    if (around !== "") ring = `editor pane: ${around}`;
  }
  const r = el.getBoundingClientRect();
  const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
  let onScreen = right - left >= 1 && bottom - top >= 1;
  if (onScreen) {
    // Not covered by something else either: the middle of its visible part is its own.
    const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
    onScreen = hit !== null && (el.contains(hit) || hit.contains(el));
  }
  return { what, ring, visible: el.matches(":focus-visible") && ring !== "", onScreen };
}"""


def focus(page: Page) -> dict:
    return page.evaluate(FOCUS)


def assert_focus_visible(page: Page) -> str:
    """The focused element shows a focus ring and is on screen; returns what it is."""
    now = focus(page)
    assert now["visible"], f"focus not visible on {now['what']} (ring: {now['ring'] or 'none'})"
    assert now["onScreen"], f"focus off screen (or covered): {now['what']}"
    return now["what"]


def has_focus(page: Page, role: str, name: str | re.Pattern | None) -> bool:
    target = page.get_by_role(role, name=name, exact=True) if isinstance(name, str) \
        else page.get_by_role(role, name=name)
    return target.evaluate_all("els => els.includes(document.activeElement)")


def press(page: Page, key: str) -> str:
    """Press `key`, then check that the focus is visible where it landed."""
    page.keyboard.press(key)
    return assert_focus_visible(page)


def tab_to(page: Page, role: str, name: str | re.Pattern | None, max_presses: int = 60, *,
           backwards: bool = False) -> None:
    """Press Tab (Shift+Tab with `backwards`) until the element with this role and accessible
    name has the focus, checking at every stop that the focus can be seen."""
    key = "Shift+Tab" if backwards else "Tab"
    stops = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        now = focus(page)
        stops.append(now["what"])
        if has_focus(page, role, name):
            assert_focus_visible(page)
            return
        assert now["visible"], (f"focus not visible on {now['what']} (ring: "
                                f"{now['ring'] or 'none'}); stops: {stops}")
        assert now["onScreen"], f"focus off screen (or covered): {now['what']}; stops: {stops}"
    raise AssertionError(f"no {role} named {name!r} after {max_presses} presses of {key}; "
                         "stops:\n  " + "\n  ".join(stops))


def test_a_lesson_with_the_keyboard_only(page: Page, site_url: str):
    first, second = LESSONS[0], LESSONS[1]
    page.goto(site_url)
    page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)

    # The lesson list, from the header's Lessons button.
    tab_to(page, "button", "Lessons")
    page.keyboard.press("Enter")
    lessons = page.get_by_role("list", name="All lessons")
    expect(lessons.get_by_role("listitem")).to_have_count(len(LESSONS))
    expect(page.get_by_role("heading", name="Lessons")).to_be_focused()
    assert_focus_visible(page)
    tab_to(page, "link", first.title)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?lesson=" + first.name + "$"))
    pane = page.get_by_role("region", name="Lesson")
    heading = pane.get_by_role("heading", name=first.title)
    expect(heading).to_be_focused()
    assert_focus_visible(page)

    # The explanation scrolls with the keyboard once it has the focus.
    tab_to(page, "region", "Explanation")
    text = pane.get_by_role("region", name="Explanation")
    if text.evaluate("e => e.scrollHeight > e.clientHeight"):
        page.keyboard.press("PageDown")
        expect.poll(lambda: text.evaluate("e => e.scrollTop")).to_be_greater_than(0)

    # A wrong answer, typed: answer = 10 is y's value, not its gradient.
    editor = page.get_by_role("textbox", name="Python code")
    tab_to(page, "textbox", "Python code")
    expect(editor).to_contain_text("answer = None")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("answer = 10")
    expect(editor).to_contain_text("answer = 10")
    assert_focus_visible(page)
    # Esc then Tab leaves the editor; Shift+Tab goes back up to the lesson's buttons.
    page.keyboard.press("Escape")
    tab_to(page, "button", "Check", backwards=True)
    press(page, "Enter")
    summary = pane.get_by_role("status")
    expect(summary).to_have_text(re.compile(r"^\d+ of \d+ checks passed$"), timeout=CHECK_MS)
    results = pane.get_by_role("list", name="Check results")
    expect(results).to_contain_text("That is y's value, f(2) = 10, not its gradient")
    assert_focus_visible(page)  # the focus was not lost while Check ran

    # The results and the hint ladder: More help until it ends in Show solution.
    more = re.compile(r"^More help with “answer is dy.dx")
    hints = results.get_by_role("list", name=re.compile(r"^Hints for “answer is dy.dx"))
    tab_to(page, "button", more)
    expect(hints.get_by_text("Hint 1 of 2")).to_be_in_viewport()
    press(page, "Enter")
    expect(hints.get_by_text("Hint 2 of 2")).to_be_in_viewport()
    last = pane.get_by_role("button", name=re.compile(r"^Show solution \(no more hints"))
    expect(last).to_be_focused()
    assert_focus_visible(page)
    press(page, "Enter")
    confirm = page.get_by_role("button", name="Replace with the solution")
    expect(confirm).to_be_visible()
    tab_to(page, "button", "Replace with the solution", backwards=True)
    page.keyboard.press("Enter")
    expect(editor).to_contain_text("answer = float(x.grad)")
    expect(editor).to_be_focused()  # the focus went on to the solution, not lost with the notice
    assert_focus_visible(page)

    # Check again: all pass.
    page.keyboard.press("Escape")
    tab_to(page, "button", "Check", backwards=True)
    press(page, "Enter")
    expect(summary).to_have_text("All checks passed", timeout=CHECK_MS)
    expect(pane).to_contain_text("Progress: passed")
    assert_focus_visible(page)

    # On to the next lesson.
    tab_to(page, "button", "Next lesson", backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?lesson=" + second.name + "$"))
    expect(pane.get_by_role("heading", name=second.title)).to_be_focused()
    assert_focus_visible(page)


def test_stop_from_the_keyboard_hands_the_focus_to_run(page: Page, site_url: str):
    """Stop is disabled once its run has ended: the focus goes on to Run, not to the page."""
    page.goto(site_url)
    page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)
    page.evaluate("() => window.adPlayground.setCode('while True:\\n    pass\\n')")
    tab_to(page, "button", "Run")
    page.keyboard.press("Enter")
    stop = page.get_by_role("button", name="Stop")
    expect(stop).to_be_enabled(timeout=BOOT_MS)
    tab_to(page, "button", "Stop")
    page.keyboard.press("Enter")
    expect(stop).to_be_disabled(timeout=BOOT_MS)
    expect(page.get_by_role("button", name="Run")).to_be_focused()
    assert_focus_visible(page)


def test_dismissing_a_notice_from_the_keyboard_hands_the_focus_on(page: Page, site_url: str):
    """A notice's × removes the notice with the focus in it: the focus goes on, not to the page."""
    page.goto(site_url + "#v1.%%%garbage!!")  # a damaged link: a notice says so
    page.wait_for_function("() => window.adPlayground !== undefined", timeout=BOOT_MS)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("damaged")
    tab_to(page, "button", "Dismiss")
    page.keyboard.press("Enter")
    expect(alert).to_have_count(0)
    assert focus(page)["what"] != "nothing (the page itself)"
    assert_focus_visible(page)
