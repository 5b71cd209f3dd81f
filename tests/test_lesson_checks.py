"""Every lesson in CPython, through the same checks the page runs (web/python/lessoncheck.py):
its solution passes every check, its starter fails at least one, and each of its mistakes
fails with the hint it names, in the first step of the ladder. Every failed check of the
starter, the mistakes and the solution with a line left out gives a ladder of at least two
plain-text steps, none showing a line of the solution. Also what a lesson folder must hold, and
how gradients() describes a wrong gradient."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess

import numpy as np
import pytest

import ad
import build
import lessoncheck
from tests.lesson_files import LESSONS, code_lines, expected_hint

MIN_LESSONS = 8  # the course the issue asks for


def run(lesson, code: str) -> list[dict]:
    return lessoncheck.check_code(code, lesson.checks)


@contextlib.contextmanager
def time_limit(seconds: float):
    """Stop code that runs away (a walk once per path) with a TimeoutError where it is: in the
    learner's code that is their error, in a check a failed check."""
    def stop(*_):
        raise TimeoutError(f"stopped after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
def test_mistake_fails_with_its_hint_as_the_first_step(lesson, mistake):
    code = mistake.read_text()
    want = expected_hint(code)
    for _ in range(2):  # on other random cases too
        results = run(lesson, code)
        failed = [r for r in results if not r["passed"]]
        assert failed, "the mistake passed every check"
        # the nudge, shown before More help, names the mistake; a later step is too late
        assert any(want in (r["hints"] or [""])[0] for r in failed), (want, failed)


def mutants(lesson) -> list[tuple[str, str]]:
    """The solution with one of its own lines (those the starter lacks) left out: the wrong
    answers nobody thought of, to show that every failure, foreseen or not, gets a ladder."""
    starter = set(code_lines(lesson.starter))
    lines = lesson.solution.splitlines()
    found = []
    for k, line in enumerate(lines):
        code = " ".join(line.split("#")[0].split())
        if not code or code in starter or code.endswith(":"):
            continue
        indent = len(line) - len(line.lstrip())
        block = next((lines[j].strip() for j in range(k - 1, -1, -1) if lines[j].strip()
                      and len(lines[j]) - len(lines[j].lstrip()) < indent), "")
        if block.startswith("while"):
            continue  # without its body a while loop never ends
        found.append((f"{lesson.name}/without line {k + 1}",
                      "\n".join([*lines[:k], " " * indent + "pass", *lines[k + 1:]]) + "\n"))
    return found


ATTEMPTS = [(lesson, name, code) for lesson in LESSONS for name, code in [
    (f"{lesson.name}/starter", lesson.starter),
    *[(f"{lesson.name}/{m.stem}", m.read_text()) for m in lesson.mistakes],
    *mutants(lesson)]]

EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*\w[^*]*?\*(?![\w*])|(?<![\w_])_[A-Za-z][^_]*?_(?!\w)")
CODE_SPAN = re.compile(r"`[^`]*`")  # code in backticks may hold * and _
DUNDER = re.compile(r"(?<![\w*])__[a-z][a-z0-9]*(?:_[a-z0-9]+)*__(?![\w*])")  # __format__
# h**2, (x - mu)**2, v ** -0.5: spaced on both sides or on neither (`a **b** c` is emphasis)
POWER = re.compile(r"(?<=[\w)\]])(?:\*\*| \*\* )(?=-?[\w(.])")


def markdown(text: str) -> re.Match | None:
    """The first Markdown emphasis in a hint, or None. Not emphasis: code in backticks, Python's
    dunder names (an error's `NoneType.__format__`, `__array_ufunc__`) and the power operator
    between operands (`h**2`, `)**2`)."""
    return EMPHASIS.search(POWER.sub("^", DUNDER.sub("name", CODE_SPAN.sub("code", text))))


def squeezed(text: str) -> str:
    return "".join(text.replace("`", "").split())


@pytest.mark.parametrize("lesson,name,code", ATTEMPTS, ids=[name for _, name, _ in ATTEMPTS])
def test_every_failed_check_gives_a_ladder_that_keeps_the_solution_back(lesson, name, code):
    answers = lesson.answer_lines
    with time_limit(3):  # a mutant may run for ever (a visited set left out)
        results = run(lesson, code)
    for r in results:
        if r["passed"]:
            continue
        hints = r["hints"]
        assert r["message"], r
        assert len(hints) >= 2, ("a failed check gives a nudge, then More help", r)
        assert r["hint"] == hints[0], r
        for text in [r["message"], *hints]:
            shown = [line for line in answers if squeezed(line) in squeezed(text)]
            assert not shown, (f"shows a line of the solution: {shown}", text)
            assert not markdown(text), ("hints are plain text, not Markdown", text)


def test_the_ladder_test_would_see_a_solution_line_and_markdown():
    lesson = next(lesson for lesson in LESSONS if "x.grad += grad @ y.data.T" in lesson.solution)
    assert "x.grad += grad @ y.data.T" in lesson.answer_lines
    assert "x.grad += grad @ y.data.T" not in code_lines(lesson.starter)
    assert squeezed("x.grad += grad @ y.data.T") in squeezed("type `x.grad += grad@y.data.T`")
    for text in ("the *other* input", "**bold**", "an _italic_ word", "__two words__",
                 "h**2 and **bold**", "a **b** c", "`x**2` and *this*",
                 "`__init__`, then _that_"):
        assert markdown(text), text
    for text in ("x * x + 3 * x", "dL_da and dL_db", "one_hot(targets)", "a*b + c",
                 "(1 - h**2) * dh", "sum(bndiff**2)", "((x - mu)**2).mean()", "x**-0.5",
                 "(v + 1e-5) ** -0.5",
                 "passed to NoneType.__format__ (line 47).", "(__array_ufunc__=None)",
                 "set in __init__", "`**kwargs` and `_private_`"):
        assert not markdown(text), text


def test_a_check_that_raises_is_a_failed_check_not_a_crash():
    checks = ("from lessoncheck import check\n"
              "@check('boom')\n"
              "def boom(ns):\n"
              "    return 1 / 0\n")
    results = lessoncheck.check_code("x = 1", checks)
    assert results[1] == {"name": "boom", "passed": False, "hint": results[1]["hints"][0],
                          "hints": results[1]["hints"],
                          "message": "Expected it to run; it raised ZeroDivisionError: "
                                     "division by zero."}
    assert len(results[1]["hints"]) >= 2


def test_a_hint_ladder_is_shown_a_step_at_a_time():
    checks = ("from lessoncheck import Failed, check\n"
              "@check('ladder')\n"
              "def ladder(ns):\n"
              "    raise Failed('Expected 1.', ['Which input?', 'Look at x.grad.'])\n"
              "@check('one hint')\n"
              "def one(ns):\n"
              "    raise Failed('Expected 2.', 'Only this.')\n"
              "@check('no hint')\n"
              "def none(ns):\n"
              "    raise Failed('Expected 3.')\n")
    _, ladder, one, none = lessoncheck.check_code("x = 1", checks)
    assert ladder["hint"] == "Which input?"
    assert ladder["hints"] == ["Which input?", "Look at x.grad."]
    assert (one["hint"], one["hints"]) == ("Only this.", ["Only this."])
    assert (none["hint"], none["hints"]) == (None, [])


def test_code_that_raises_fails_the_first_check_and_the_rest_check_what_it_defined():
    checks = ("from lessoncheck import check, need\n"
              "@check('x')\ndef x(ns):\n    need(ns, 'x')\n"
              "@check('y')\ndef y(ns):\n    need(ns, 'y')\n")
    results = lessoncheck.check_code("x = 1\nraise ValueError('nope')\ny = 2\n", checks)
    assert [r["passed"] for r in results] == [False, True, False]
    assert "ValueError: nope (line 2)" in results[0]["message"]
    assert results[2]["message"] == "Expected your code to define `y`."


TASK = "\n## Your task\n\n1. Do it.\n"  # every lesson ends with one (pinned above the editor)


def render(tmp_path, text: str, task: str = TASK) -> subprocess.CompletedProcess:
    lesson = tmp_path / "lessons" / "01-a-lesson"
    lesson.mkdir(parents=True)
    (lesson / "lesson.md").write_text(text + task)
    for name in ("starter.py", "solution.py", "checks.py"):
        (lesson / name).write_text("x = 1\n")
    return subprocess.run(["node", str(build.WEB_DIR / "lessons.mjs"), str(tmp_path / "lessons"),
                           str(tmp_path / "out")], capture_output=True, text=True,
                          cwd=build.ROOT, timeout=60)


def rendered(tmp_path) -> dict:
    """The one lesson render() made: listed in the index, whole in its own file."""
    out = tmp_path / "out"
    assert json.loads((out / "index.json").read_text())["lessons"] == [
        {"id": "01-a-lesson", "title": "A lesson"}]
    return json.loads((out / "01-a-lesson.json").read_text())


def test_the_build_typesets_lesson_math_and_refuses_raw_html(tmp_path):
    done = render(tmp_path, "# A lesson\n\nThe rule $y = x^2$ and\n\n$$\n\\frac{dy}{dx} = 2x\n$$\n")
    assert done.returncode == 0, done.stderr
    lesson = rendered(tmp_path)
    assert lesson["id"] == "01-a-lesson" and lesson["title"] == "A lesson"
    assert lesson["html"].count('class="katex"') == 2 and "<math" in lesson["html"]
    assert "math-display" in lesson["html"]
    # What scrolls sideways can be reached by keyboard, and says what it is when reached.
    assert '<div class="math-display" tabindex="0" role="group" aria-label="equation">' \
        in lesson["html"]


def test_the_build_makes_code_blocks_reachable_by_keyboard(tmp_path):
    done = render(tmp_path, "# A lesson\n\n```python\nx = 1\n```\n\n    y = 2\n")
    assert done.returncode == 0, done.stderr
    lesson = rendered(tmp_path)
    assert lesson["html"].count('<pre tabindex="0" role="group" aria-label="Python code"><code')\
        == 2, lesson["html"]
    assert lesson["task"] == "<ol>\n<li>Do it.</li>\n</ol>\n", lesson["task"]


@pytest.mark.parametrize("text,why", [
    ("# A lesson\n\n<script>alert(1)</script>\n", "raw HTML is not allowed"),
    ("# A lesson\n\nBad $\\frac{1}$ math.\n", "bad TeX"),
    ("A lesson without a title\n", "the first line must be"),
    ("# A lesson\n\nNo task at all.\n", "a lesson ends with a \"## Your task\" section"),
    ("# A lesson\n\n## Your task\n\n1. Do it.\n\n## More\n", "must be the last section"),
])
def test_the_build_stops_on_a_broken_lesson(tmp_path, text, why):
    done = render(tmp_path, text, task="" if "task" in text else TASK)
    assert done.returncode != 0 and why in done.stderr, done.stderr


# gradients(): how a wrong gradient is described. Each case is a backward for y = x * x (or
# x * C for the transpose), wrong in one way; the nudge must say so in plain words.
C = np.arange(16.0).reshape(4, 4) - 5  # not symmetric: a transposed gradient shows


class Square(ad.Function):
    def __init__(self, rule):
        self.rule = rule

    def forward(self, x):
        return ad.Variable(x.data * x.data)

    def backward(self, x, grad):
        x.grad += self.rule(x.data, grad)


class TimesC(ad.Function):
    def forward(self, x):
        return ad.Variable(x.data * C)

    def backward(self, x, grad):
        x.grad += (grad * C).T


def failure(fn, x, **kwargs) -> lessoncheck.Failed:
    with pytest.raises(lessoncheck.Failed) as caught:
        lessoncheck.gradients(lambda t: fn(t), x, what="it", names=["x"], **kwargs)
    failed = caught.value
    assert len(failed.hints) >= 2, failed.hints
    return failed


X = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4))  # away from 0: no element is 0 by chance


@pytest.mark.parametrize("rule,says", [
    (lambda x, g: 0 * x, "Nothing reached x: its gradient stayed 0"),
    (lambda x, g: -2 * x * g, "the wrong sign"),
    (lambda x, g: 4 * x * g, "exactly twice the right value"),
    (lambda x, g: 6 * x * g, "3 times too large (3 is the length of axis 0 of x, shape (3, 4))"),
    (lambda x, g: x * g / 2, "4 times too small (4 is the length of axis 1 of x"),
    (lambda x, g: 2 * x, "ignores the upstream gradient `grad`: the check sends an upstream "
                         "gradient that is not all ones, and yours is what it would be for an "
                         "upstream gradient of ones"),
    (lambda x, g: 6 * x, "ignores the upstream gradient"),
    (lambda x, g: 2 * x * g * np.array([[1], [1.5], [1]]), "4 of the 12 elements of the gradient "
                                                          "of x are wrong (whole row 1)"),
    (lambda x, g: 2 * x * g * np.inf, "are inf or NaN"),
    (lambda x, g: (2 * x + 1) * g, "Every element of the gradient of x is wrong, with no common "
                                   "factor: off by up to"),
])
def test_gradients_says_how_a_gradient_differs(rule, says):
    failed = failure(Square(rule), X)
    assert says in failed.hint, failed.hints
    assert "where the right values are up to" in failed.expected, failed.expected


def test_gradients_names_a_transposed_gradient():
    assert "the right gradient transposed" in failure(TimesC(), np.ones((4, 4))).hint


def test_gradients_sees_an_ignored_upstream_on_one_output_too():
    class Mean(ad.Function):  # a loss: one output, an upstream of one number
        def forward(self, x):
            return ad.Variable(np.mean(x.data))

        def backward(self, x, grad):
            x.grad += np.ones_like(x.data) / x.data.size  # without * grad

    failed = failure(Mean(), X)
    assert "ignores the upstream gradient `grad`: the check sends an upstream gradient of 0.7, " \
           "not 1" in failed.hint, failed.hints


def test_gradients_calls_no_single_number_a_constant_factor():
    failed = failure(Square(lambda x, g: (2 * x + 1) * g), np.array(0.8))  # upstream 0.7
    assert "times too" not in failed.hint, failed.hints
    assert "is 1.82; the right value is 1.12" in failed.hint, failed.hints


def test_a_likely_mistake_given_as_one_text_gets_a_second_step():
    failed = failure(Square(lambda x, g: 4 * x * g), X,
                     likely=[(lambda w, x: [4 * x * w], "Counted twice?")])
    assert failed.hints[0] == "Counted twice?" and "twice" in failed.hints[1], failed.hints


def test_gradients_shows_only_the_first_line_of_a_backwards_error():
    class Swapped(ad.Function):  # the seed's README: the engine's hint line shows the fix
        def forward(self, x, y):
            return ad.Variable(x.data @ y.data)

        def backward(self, x, y, grad):
            x.grad += x.data.T @ grad
            y.grad += grad @ y.data.T

    with pytest.raises(lessoncheck.Failed) as caught:
        lessoncheck.gradients(lambda a, b: Swapped()(a, b), np.ones((2, 3)), np.ones((3, 4)),
                              what="MatMul", names=["x", "y"])
    failed = caught.value
    assert len(failed.hints) >= 2
    for text in [failed.expected, *failed.hints]:
        assert "\n" not in text and "y.data.T" not in text and "x.data.T" not in text, text


def test_need_gives_a_ladder():
    for ns, kind in [({}, None), ({"Add": 1}, ad.Function)]:
        with pytest.raises(lessoncheck.Failed) as caught:
            lessoncheck.need(ns, "Add", kind)
        assert len(caught.value.hints) >= 2 and "`Add`" in caught.value.hint
