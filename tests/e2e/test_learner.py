"""The learner's path through the lessons (issue 23), as a learner meets it in the page: a hint
ladder under each failed check (More help, then Show solution), hints with code set as code,
the task and the lesson's buttons in view whatever is scrolled or checked, a Check that stops by
itself when the code loops, a welcome on the first visit only, Course complete after the last
lesson, and a theme switch that says what it is and whether it is on. Each test is named after
the issue's point. Screenshots land in build/test-artifacts/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import PageGuard
from tests.lesson_files import LESSONS

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
CHECK_MS = 60_000  # a Check takes a few seconds; two shared cores
LIMIT_S = 30  # CHECK_LIMIT_MS in web/src/lessons.ts
PROGRESS_KEY = "ad-playground:lesson-progress"
FIRST = LESSONS[0]
TWICE = FIRST.solution.replace("y.backward()\n", "y.backward()\ny.backward()\n")
assert TWICE != FIRST.solution


def open_lesson(page: Page, site_url: str, lesson) -> Locator:
    page.goto(f"{site_url}?lesson={lesson.name}")
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=lesson.title, exact=True)).to_be_visible()
    return pane


def check(pane: Locator, expected: str | re.Pattern = re.compile(r"checks passed$")) -> None:
    pane.get_by_role("button", name="Check", exact=True).click()
    expect(pane.get_by_role("status")).to_have_text(expected, timeout=CHECK_MS)


def api_check(page: Page, lesson: str, code: str) -> dict:
    page.wait_for_function("() => window.adPlayground !== undefined")
    return page.evaluate("([id, code]) => window.adPlayground.checkLesson(id, code)",
                         [lesson, code])


def tab_to(page: Page, target: Locator, most: int = 30) -> None:
    """Press Tab until `target` has the keyboard focus (it must get there)."""
    for _ in range(most):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def focus_ring(locator: Locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).outlineStyle")


# ---- 23.1: the ladder: a nudge, More help for the next step, and after the last, the solution

def test_23_1_a_failed_check_shows_its_nudge_and_more_help_climbs_to_show_solution(
        page: Page, ui, site_url):
    pane = open_lesson(page, site_url, FIRST)
    ui.type_code(TWICE)
    ladders = {c["name"]: c["hints"] for c in api_check(page, FIRST.name, TWICE)["checks"]
               if not c["passed"]}
    name, hints = next((n, h) for n, h in ladders.items() if len(h) >= 2)
    check(pane, re.compile(r"^\d+ of \d+ checks passed$"))
    results = pane.get_by_role("list", name="Check results")
    item = results.get_by_role("listitem").filter(has_text=name).first
    steps = item.get_by_role("list", name=f"Hints for “{name}”")
    # Only the nudge at first.
    expect(steps.get_by_role("listitem")).to_have_count(1)
    expect(steps).to_contain_text(f"Hint 1 of {len(hints)}")
    expect(steps).not_to_contain_text(hints[1].replace("`", ""))
    # More help (its name says which check) by keyboard: each press shows the next step.
    more = item.get_by_role("button", name=f"More help with “{name}”")
    tab_to(page, more)
    assert focus_ring(more) == "solid"
    for shown in range(2, len(hints) + 1):
        page.keyboard.press("Enter")
        expect(steps.get_by_role("listitem")).to_have_count(shown)
        expect(steps.get_by_role("listitem").nth(shown - 1)).to_contain_text(
            f"Hint {shown} of {len(hints)}")
    # After the last step the next help is the solution, offered there and highlighted above.
    expect(more).to_have_count(0)
    solution = item.get_by_role("button", name=f"Show solution (no more hints for “{name}”)")
    expect(solution).to_be_focused()
    expect(pane.get_by_role("button", name="Show solution", exact=True)).to_be_enabled()
    expect(pane.get_by_role("button", name="Show solution", exact=True)).to_have_class(
        re.compile("suggested"))
    # What was revealed stays, in every failed check, until the next Check.
    other = results.get_by_role("listitem").filter(has_text="fail").filter(has_not_text=name)
    if other.count() > 0:
        expect(other.first.get_by_role("button", name=re.compile("^More help"))).to_be_visible()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Replace with the solution").click()
    expect(page.get_by_role("textbox")).to_contain_text("answer = float(x.grad)")
    expect(steps.get_by_role("listitem")).to_have_count(len(hints))
    check(pane, "All checks passed")
    expect(results.get_by_role("button")).to_have_count(0)


# ---- 23.3: hints are plain text with `code`: code is set as code, nothing as markup

def test_23_3_hints_set_backticked_code_as_code_and_never_read_markup(page: Page, ui, site_url):
    pane = open_lesson(page, site_url, FIRST)
    ui.type_code('def f(x):\n    raise ValueError("<b>bold</b> <img src=x onerror=alert(1)>")\n')
    check(pane, re.compile(r"^\d+ of \d+ checks passed$"))
    results = pane.get_by_role("list", name="Check results")
    # "The checks look for `answer` by its name": answer in a code element, no backticks shown.
    nudge = results.get_by_role("listitem").filter(has_text="answer is dy/dx").get_by_role(
        "list", name=re.compile("^Hints for"))
    expect(nudge.locator("code").first).to_have_text("answer")
    expect(nudge).not_to_contain_text("`")
    # The learner's error text reaches the page as text only.
    expect(results).to_contain_text("<b>bold</b> <img src=x onerror=alert(1)>")
    expect(results.locator("b, img")).to_have_count(0)


# ---- 23.6: the task and Check in view on opening, after a failed Check, after scrolling

def in_view(page: Page, pane: Locator, what: str) -> None:
    task = pane.get_by_role("region", name="Your task")
    for locator, name in ((task.get_by_role("listitem").first, "the task's first item"),
                          (task.get_by_role("heading", name="Your task"), "the task's heading"),
                          (pane.get_by_role("button", name="Check", exact=True), "Check"),
                          (pane.get_by_role("button", name="Show solution", exact=True),
                           "Show solution"),
                          (pane.get_by_role("button", name="All lessons"), "All lessons")):
        expect(locator, f"{name} {what}").to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("size", [(1400, 900), (820, 1180)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_23_6_the_task_and_check_stay_in_view_on_opening_checking_and_scrolling(
        page: Page, ui, site_url, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    lessons = LESSONS if width == 1400 else LESSONS[:8]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lesson in lessons:
        pane = open_lesson(page, site_url, lesson)
        in_view(page, pane, f"when {lesson.name} opens at {width}x{height}")
        number = lesson.name[:2]
        if width == 1400 and number in ("01", "03", "05"):
            page.screenshot(path=str(ARTIFACTS / f"lesson-{number}-{width}x{height}.png"))
        check(pane, re.compile(r"^\d+ of \d+ checks passed$"))  # the starter fails
        in_view(page, pane, f"after a failed Check of {lesson.name}")
        results = pane.get_by_role("list", name="Check results")
        # The results open at the first failure, the one to read.
        expect(results.get_by_role("listitem").filter(has_text="✗ fail").first) \
            .to_be_in_viewport()
        if width == 1400 and number in ("01", "03", "05"):
            page.screenshot(path=str(ARTIFACTS / f"lesson-{number}-{width}x{height}-failed.png"))
        # Read the text to its end, as a learner does: the mouse wheel over it.
        text = pane.get_by_role("region", name="Explanation")
        text.hover()
        for _ in range(40):
            page.mouse.wheel(0, 400)
            if text.evaluate("e => e.scrollTop + e.clientHeight >= e.scrollHeight - 1"):
                break
        assert text.evaluate("e => e.scrollTop + e.clientHeight >= e.scrollHeight - 1")
        # Only the text scrolled: not the page (KaTeX's hidden MathML once stretched it).
        assert page.evaluate("document.scrollingElement.scrollTop") == 0
        expect(text.locator(":scope > *").last).to_be_in_viewport()
        in_view(page, pane, f"after scrolling the text of {lesson.name} to its end")


def test_23_6_the_lesson_text_scrolls_by_keyboard_too(page: Page, site_url):
    page.set_viewport_size({"width": 1400, "height": 900})
    pane = open_lesson(page, site_url, FIRST)
    text = pane.get_by_role("region", name="Explanation")
    tab_to(page, text)
    assert focus_ring(text) == "solid"
    page.keyboard.press("End")
    page.wait_for_function(
        "e => e.scrollTop > 0 && e.scrollTop + e.clientHeight >= e.scrollHeight - 1",
        arg=text.element_handle())
    in_view(page, pane, "after End in the text")


# ---- 23.7: a Check has a time limit; stale results go; Show solution survives Stop

LOOP = "while True:\n    pass\n"


def test_23_7_a_check_that_loops_stops_by_itself_and_says_the_code_took_too_long(
        page: Page, ui, site_url):
    pane = open_lesson(page, site_url, FIRST)
    ui.type_code(FIRST.solution)
    check(pane, "All checks passed")
    results = pane.get_by_role("list", name="Check results")
    expect(results).to_contain_text("pass")
    ui.type_code(LOOP)
    pane.get_by_role("button", name="Check", exact=True).click()
    # The last Check's passes go the moment this one starts.
    expect(pane.get_by_role("status")).to_have_text("Checking…")
    expect(results).to_be_hidden()
    summary = pane.get_by_role("status")
    expect(summary).to_contain_text(f"took longer than {LIMIT_S} s", timeout=(LIMIT_S + 30) * 1000)
    expect(summary).to_contain_text("loop")
    expect(summary).to_have_attribute("data-state", "error")
    expect(pane.get_by_role("button", name="Show solution", exact=True)).to_be_enabled()
    expect(pane.get_by_role("button", name="Check", exact=True)).to_be_enabled()
    expect(ui.status).to_have_text(re.compile(r"^Stopped after 3\d"))


def test_23_7_after_stop_show_solution_stays_available(page: Page, ui, site_url):
    pane = open_lesson(page, site_url, LESSONS[1])
    show_solution = pane.get_by_role("button", name="Show solution", exact=True)
    expect(show_solution).to_be_disabled()  # never checked
    ui.type_code(LOOP)
    pane.get_by_role("button", name="Check", exact=True).click()
    expect(pane.get_by_role("status")).to_have_text("Checking…")
    stop = page.get_by_role("button", name="Stop", exact=True)
    expect(stop).to_be_enabled(timeout=CHECK_MS)
    page.wait_for_timeout(500)  # the loop is running
    stop.click()
    expect(pane.get_by_role("status")).to_have_text(re.compile("^Stopped"), timeout=CHECK_MS)
    expect(show_solution).to_be_enabled()
    expect(pane).to_contain_text("Progress: tried")
    page.reload()  # and after a reload: the learner has tried
    expect(page.get_by_role("region", name="Lesson").get_by_role(
        "button", name="Show solution", exact=True)).to_be_enabled()


# ---- 23.9: a welcome on the first visit only; Course complete after the last lesson

def welcome(page: Page) -> Locator:
    return page.get_by_role("region", name="New here?")


def test_23_9_a_first_visit_is_welcomed_once_and_start_the_lessons_opens_them(
        page: Page, site_url):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(site_url)
    expect(welcome(page)).to_be_visible()
    expect(welcome(page)).to_contain_text("lessons")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "welcome-1400x900.png"))
    start = welcome(page).get_by_role("button", name="Start the lessons")
    tab_to(page, start)
    assert focus_ring(start) == "solid"
    page.keyboard.press("Enter")
    lessons = page.get_by_role("list", name="All lessons")
    expect(lessons.get_by_role("listitem")).to_have_count(len(LESSONS))
    expect(page.get_by_role("heading", name="Lessons", exact=True)).to_be_focused()
    expect(welcome(page)).to_have_count(0)
    page.goto(site_url)  # a returning visitor: no welcome
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
    page.wait_for_function("() => window.adPlayground !== undefined")
    expect(welcome(page)).to_have_count(0)


def test_23_9_not_now_closes_the_welcome_for_good(page: Page, site_url):
    page.goto(site_url)
    not_now = welcome(page).get_by_role("button", name="Not now")
    not_now.click()
    expect(welcome(page)).to_have_count(0)
    expect(page.get_by_role("textbox")).to_be_focused()
    page.reload()
    page.wait_for_function("() => window.adPlayground !== undefined")
    expect(welcome(page)).to_have_count(0)


def test_23_9_no_welcome_over_a_link_a_lesson_an_embed_or_for_a_returning_visitor(
        browser: Browser, page_guard: PageGuard, site_url):
    context, page = page_guard.watch(browser)
    page.goto(site_url)
    page.wait_for_function("() => window.adPlayground !== undefined")
    link = page.evaluate("() => window.adPlayground.shareLink()")
    context.close()
    returning = f"localStorage.setItem('ad-playground:draft', {json.dumps('print(1)')})"
    blocked = """Storage.prototype.setItem = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };"""
    cases = [(link, None, False), (f"{site_url}?lesson={FIRST.name}", None, False),
             (f"{site_url}?lessons", None, False), (f"{site_url}?embed=1", None, False),
             (site_url, returning, False), (site_url, blocked, True)]
    for url, script, shown in cases:
        context, page = page_guard.watch(browser)
        if script is not None:
            page.add_init_script(script)
        page.goto(url)
        page.wait_for_function("() => window.adPlayground !== undefined || "
                               "document.documentElement.dataset.embed !== undefined")
        page.wait_for_timeout(300)
        expect(welcome(page), f"{url} {script}").to_have_count(1 if shown else 0)
        if shown:  # storage blocked: the welcome still closes, and nothing throws
            welcome(page).get_by_role("button", name="Not now").click()
            expect(welcome(page)).to_have_count(0)
        context.close()
        page_guard.check()


def test_23_9_course_complete_after_the_last_lesson_and_in_the_list(page: Page, ui, site_url):
    page.set_viewport_size({"width": 1400, "height": 900})
    last = LESSONS[-1]
    progress = {lesson.name: "passed" for lesson in LESSONS[:-1]}
    page.add_init_script(f"""if (!sessionStorage.getItem('seeded')) {{
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem({json.dumps(PROGRESS_KEY)}, {json.dumps(json.dumps(progress))});
    }}""")
    pane = open_lesson(page, site_url, last)
    expect(pane.get_by_role("region", name="Course complete")).to_have_count(0)
    ui.type_code(last.solution)
    check(pane, "All checks passed")
    done = pane.get_by_role("region", name="Course complete")
    expect(done).to_be_visible()
    expect(done).to_contain_text(f"You passed all {len(LESSONS)} lessons")
    expect(done).to_contain_text("README")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "course-complete-1400x900.png"))
    # On the list too, and the pointers lead on.
    pane.get_by_role("button", name="All lessons").click()
    expect(pane.get_by_role("region", name="Course complete")).to_be_visible()
    pane.get_by_role("button", name="Write your own op").click()
    expect(pane).to_be_hidden()
    expect(page.get_by_role("textbox")).to_contain_text("gradcheck")
    page.goto(f"{site_url}?lesson={last.name}")  # the last lesson, passed, says it again
    expect(page.get_by_role("region", name="Course complete")).to_be_visible()
    page.get_by_role("button", name="Browse the examples").click()
    expect(page.get_by_role("combobox", name="Examples")).to_be_focused()


def test_23_9_the_last_lesson_passed_with_others_left_says_which_to_do(page: Page, ui, site_url):
    last = LESSONS[-1]
    pane = open_lesson(page, site_url, last)
    ui.type_code(last.solution)
    check(pane, "All checks passed")
    end = pane.get_by_role("region", name="End of the course")
    expect(end).to_contain_text(f"You passed 1 of {len(LESSONS)} lessons")
    expect(pane.get_by_role("region", name="Course complete")).to_have_count(0)


# ---- 23.10: no font-cache notice; the theme switch reads right

def test_23_10_importing_matplotlib_prints_no_notice(booted):
    result = booted.page.evaluate("""() => window.adPlayground.run(
        "import matplotlib.pyplot as plt\\nplt.plot([1, 2])\\nplt.show()\\nprint('drawn')",
        {timeoutMs: 120000})""")
    assert result["ok"], result
    assert result["stderr"] == "", result["stderr"]
    expect(booted.output).to_contain_text("drawn")
    expect(booted.output).not_to_contain_text("font cache")


def test_23_10_the_theme_switch_is_named_dark_theme_and_says_whether_it_is_on(
        page: Page, site_url):
    page.emulate_media(color_scheme="dark")
    page.goto(site_url)
    switch = page.get_by_role("switch", name="Dark theme")
    expect(switch).to_have_attribute("aria-checked", "true")  # the page is dark: on
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    tab_to(page, switch)
    assert focus_ring(switch) == "solid"
    page.keyboard.press("Space")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    # The state shows without colour: the knob moves from right to left.
    knob = switch.evaluate("e => getComputedStyle(e, '::after').backgroundImage")
    page.keyboard.press("Space")
    expect(switch).to_have_attribute("aria-checked", "true")
    assert switch.evaluate("e => getComputedStyle(e, '::after').backgroundImage") != knob
