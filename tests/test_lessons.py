"""Every lesson in CPython, through the same checks the page runs (web/python/lessoncheck.py):
its solution passes every check, its starter fails at least one, and each of its mistakes
fails with the hint it names. Also what a lesson folder must hold."""

from __future__ import annotations

import pytest

import lessoncheck
from tests.lesson_files import LESSONS, expected_hint

MIN_LESSONS = 8  # the course the issue asks for


def run(lesson, code: str) -> list[dict]:
    return lessoncheck.check_code(code, lesson.checks)


def test_the_course_has_its_lessons_in_order():
    assert len(LESSONS) >= MIN_LESSONS, [lesson.name for lesson in LESSONS]
    numbers = [int(lesson.name[:2]) for lesson in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_lesson_folder(lesson):
    assert lesson.title, "lesson.md starts with '# Title'"
    assert len(lessoncheck.load_checks(lesson.checks)) >= 2, "a lesson checks more than one thing"
    assert lesson.mistakes, "each lesson has wrong solutions that prove its checks"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_solution_passes_every_check(lesson):
    for attempt in range(3):  # hidden cases are random: the solution passes them all, every time
        results = run(lesson, lesson.solution)
        failed = [r for r in results if not r["passed"]]
        assert not failed, (attempt, failed)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_starter_fails_a_check(lesson):
    results = run(lesson, lesson.starter)
    assert any(not r["passed"] for r in results)
    for r in results:
        if not r["passed"]:
            assert r["message"], r


MISTAKES = [(lesson, m) for lesson in LESSONS for m in lesson.mistakes]


@pytest.mark.parametrize("lesson,mistake", MISTAKES,
                         ids=[f"{lesson.name}/{m.stem}" for lesson, m in MISTAKES])
def test_mistake_fails_with_its_hint(lesson, mistake):
    code = mistake.read_text()
    want = expected_hint(code)
    for _ in range(2):  # on other random cases too
        results = run(lesson, code)
        hints = [r["hint"] or "" for r in results if not r["passed"]]
        assert hints, "the mistake passed every check"
        assert any(want in h for h in hints), (want, [r for r in results if not r["passed"]])


def test_a_check_that_raises_is_a_failed_check_not_a_crash():
    checks = ("from lessoncheck import check\n"
              "@check('boom')\n"
              "def boom(ns):\n"
              "    return 1 / 0\n")
    results = lessoncheck.check_code("x = 1", checks)
    assert results[1] == {"name": "boom", "passed": False, "hint": results[1]["hint"],
                          "message": "Expected it to run; it raised ZeroDivisionError: "
                                     "division by zero."}


def test_code_that_raises_fails_the_first_check_and_the_rest_check_what_it_defined():
    checks = ("from lessoncheck import check, need\n"
              "@check('x')\ndef x(ns):\n    need(ns, 'x')\n"
              "@check('y')\ndef y(ns):\n    need(ns, 'y')\n")
    results = lessoncheck.check_code("x = 1\nraise ValueError('nope')\ny = 2\n", checks)
    assert [r["passed"] for r in results] == [False, True, False]
    assert "ValueError: nope (line 2)" in results[0]["message"]
    assert results[2]["message"] == "Expected your code to define `y`."
