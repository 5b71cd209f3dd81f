"""The lessons in the page: every lesson's solution, starter and mistakes through the automation
API (the very checks the Check button runs, in the browser's Python), and the page flow a
learner goes through (open, pick, edit, Check, hint, Show solution and restore, pass, progress
after a reload, deep link, Open in playground)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

import build
from tests.lesson_files import LESSONS, expected_hint

CHECK_MS = 120_000  # lesson 8 trains a network: generous on two shared cores


def check(page: Page, lesson: str, code: str) -> dict:
    return page.evaluate("([id, code]) => window.adPlayground.checkLesson(id, code)",
                         [lesson, code])


def failed_hints(result: dict) -> list[str]:
    return [c["hint"] or "" for c in result["checks"] if not c["passed"]]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_every_lesson_through_the_automation_api(booted, lesson):
    page = booted.page
    listed = page.evaluate("() => window.adPlayground.lessons()")
    assert {"id": lesson.name, "title": lesson.title} in listed
    page.set_default_timeout(CHECK_MS)
    solution = check(page, lesson.name, lesson.solution)
    assert solution["passed"], solution
    assert solution["summary"] == "All checks passed"
    assert all(set(c) >= {"name", "passed", "message", "hint"} for c in solution["checks"])
    starter = check(page, lesson.name, lesson.starter)
    assert not starter["passed"] and starter["checks"], starter
    assert re.fullmatch(r"\d+ of \d+ checks passed", starter["summary"])
    for mistake in lesson.mistakes:
        code = mistake.read_text()
        result = check(page, lesson.name, code)
        want = expected_hint(code)
        assert not result["passed"], f"{mistake.name} passed every check"
        assert any(want in hint for hint in failed_hints(result)), (mistake.name, result)


def test_check_lesson_answers_bad_calls_without_throwing(booted):
    page = booted.page
    unknown = check(page, "99-no-such-lesson", "print(1)")
    assert not unknown["passed"] and "no lesson" in unknown["error"]
    wrong = page.evaluate("() => window.adPlayground.checkLesson(1, null)")
    assert not wrong["passed"] and "must be strings" in wrong["error"]


def test_a_learner_goes_through_a_lesson(page: Page, ui, site_url):
    first = LESSONS[0]
    page.goto(site_url)
    page.wait_for_function("() => window.adPlayground !== undefined")
    draft = "print('my playground draft')\n"
    ui.type_code(draft)

    page.get_by_role("button", name="Lessons", exact=True).click()
    lessons = page.get_by_role("list", name="All lessons")
    expect(lessons.get_by_role("listitem")).to_have_count(len(LESSONS))
    expect(lessons.get_by_role("listitem").first).to_contain_text("not started")
    lessons.get_by_role("link", name=first.title).click()
    expect(page).to_have_url(re.compile(r"\?lesson=" + first.name + "$"))
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=first.title)).to_be_visible()
    expect(pane.locator(".katex").first).to_be_visible()  # the math, typeset at build time
    editor = page.get_by_role("textbox")
    expect(editor).to_contain_text("answer = None")
    show_solution = pane.get_by_role("button", name="Show solution", exact=True)
    expect(show_solution).to_be_disabled()  # not before a first Check

    # A wrong attempt: backward called twice.
    ui.type_code(first.solution.replace("y.backward()\n", "y.backward()\ny.backward()\n"))
    pane.get_by_role("button", name="Check", exact=True).click()
    summary = pane.get_by_role("status")
    expect(summary).to_have_text(re.compile(r"^\d+ of \d+ checks passed$"), timeout=CHECK_MS)
    results = pane.get_by_role("list", name="Check results")
    expect(results).to_contain_text("fail")
    expect(results).to_contain_text("That is twice the gradient: did you call backward twice?")
    expect(pane).to_contain_text("Progress: tried")

    # Show solution asks first; the learner's code stays restorable.
    expect(show_solution).to_be_enabled()
    show_solution.click()
    page.get_by_role("button", name="Replace with the solution").click()
    expect(editor).to_contain_text("answer = float(x.grad)")
    expect(editor).not_to_contain_text("y.backward()y.backward()")
    page.get_by_role("button", name="Restore my code").click()
    expect(editor).to_contain_text("y.backward()y.backward()")
    page.get_by_role("button", name="Restore my code").click()  # and back to the solution
    expect(editor).not_to_contain_text("y.backward()y.backward()")

    pane.get_by_role("button", name="Check", exact=True).click()
    expect(summary).to_have_text("All checks passed", timeout=CHECK_MS)
    expect(pane).to_contain_text("Progress: passed")

    # A reload keeps the lesson (its deep link), its code and its progress.
    page.reload()
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=first.title)).to_be_visible()
    expect(editor).to_contain_text("answer = float(x.grad)")
    expect(pane).to_contain_text("Progress: passed")
    pane.get_by_role("button", name="All lessons").click()
    expect(page.get_by_role("list", name="All lessons").get_by_role("listitem").first) \
        .to_contain_text("passed")
    # The playground's draft was never touched by the lesson.
    expect(editor).to_contain_text("my playground draft")
    page.get_by_role("button", name="Back to the playground").click()
    expect(pane).to_be_hidden()

    # A deep link to another lesson opens it at its starter code.
    second = LESSONS[1]
    page.goto(f"{site_url}?lesson={second.name}")
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=second.title)).to_be_visible()
    expect(pane).to_contain_text("Progress: not started")

    # Open in playground copies the lesson's code; the draft stays restorable.
    ui.type_code(second.solution)
    pane.get_by_role("button", name="Open in playground").click()
    expect(pane).to_be_hidden()
    expect(page).not_to_have_url(re.compile(r"lesson="))
    expect(editor).to_contain_text(second.solution.splitlines()[0])
    page.get_by_role("button", name="Restore my draft").click()
    expect(editor).to_contain_text("my playground draft")
    # The lesson kept its own code.
    page.goto(f"{site_url}?lesson={second.name}")
    expect(editor).to_contain_text(second.solution.splitlines()[-1])


def test_build_py_checks_files_against_a_lesson_headlessly():
    first = LESSONS[0]
    command = [sys.executable, str(build.ROOT / "build.py"), "run", "--lesson", first.name]
    passed = subprocess.run([*command, str(first.path / "solution.py")], capture_output=True,
                            text=True, timeout=600)
    assert passed.returncode == 0, passed.stderr[-3000:]
    assert "solution.py: All checks passed" in passed.stdout
    mistake = first.path / "mistakes" / "backward_twice.py"
    failed = subprocess.run([*command, "--json", str(first.path / "starter.py"), str(mistake)],
                            capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1, failed.stderr[-3000:]
    starter, twice = json.loads(failed.stdout)
    assert not starter["passed"] and re.fullmatch(r"\d+ of \d+ checks passed", starter["summary"])
    assert any(expected_hint(mistake.read_text()) in (c["hint"] or "")
               for c in twice["checks"] if not c["passed"])


def test_a_shared_attempt_opens_in_its_lesson_without_replacing_the_learners_code(
        page: Page, ui, site_url):
    lesson = LESSONS[1]
    page.goto(f"{site_url}?lesson={lesson.name}")
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=lesson.title)).to_be_visible()
    ui.type_code("# my own attempt\n")
    page.get_by_role("button", name="Share").click()
    expect(page).to_have_url(re.compile(r"\?lesson=" + lesson.name + "#v1\\."))
    shared = page.evaluate("() => window.adPlayground.shareLink()")
    ui.type_code("# my newer attempt\n")  # saved as the lesson's code, not the link's

    other = page.context.new_page()
    other.goto(shared)
    pane = other.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=lesson.title)).to_be_visible()
    expect(other.get_by_role("textbox")).to_have_text("# my own attempt")
    expect(other.get_by_role("status").filter(has_text="shared attempt")).to_be_visible()
    other.goto(f"{site_url}?lesson={lesson.name}")  # the learner's own code is still theirs
    expect(other.get_by_role("textbox")).to_have_text("# my newer attempt")


def test_blocked_storage_is_said_and_the_lesson_goes_on(page: Page, ui, site_url):
    page.add_init_script("""Storage.prototype.setItem = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };""")
    lesson = LESSONS[0]
    page.goto(f"{site_url}?lesson={lesson.name}")
    pane = page.get_by_role("region", name="Lesson")
    expect(pane).to_be_visible()
    ui.type_code(lesson.solution)
    pane.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved: this browser's storage is full "
                                                      "or blocked", timeout=CHECK_MS)
    expect(page.get_by_role("region", name="Lesson").get_by_role("status")) \
        .to_have_text("All checks passed", timeout=CHECK_MS)


def test_a_lessons_figure_is_drawn_on_every_run_and_check(page: Page, ui, site_url):
    lesson = next(lesson for lesson in LESSONS if "show_backward" in lesson.solution)
    page.goto(f"{site_url}?lesson={lesson.name}")
    pane = page.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name=lesson.title)).to_be_visible()
    for _ in range(2):  # the second import of `playground` in a worker draws too
        ui.run()
        figure = ui.output.get_by_role("figure", name="L = (a*b + c) * f")
        expect(figure).to_have_attribute("data-state", "drawn", timeout=20_000)
    pane.get_by_role("button", name="Check", exact=True).click()
    expect(pane.get_by_role("status")).to_have_text(re.compile(r"checks passed$"),
                                                    timeout=CHECK_MS)
    figure = ui.output.get_by_role("figure", name="L = (a*b + c) * f")
    expect(figure).to_have_attribute("data-state", "drawn", timeout=20_000)
