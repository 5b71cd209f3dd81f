"""The course's second part (lessons 9 on), beyond what tests/test_lesson_checks.py proves for
every lesson: each failure its checks raise carries a ladder of hints, each lesson keeps its task
section, the solutions run in plain CPython, and the tiny GPT trains on Run (below its bigram
baseline, names printed) but not on Check."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import ad
import build
import lessoncheck
from tests.lesson_files import LESSONS

COURSE = [lesson for lesson in LESSONS if int(lesson.name[:2]) >= 9]
GPT = next(lesson for lesson in COURSE if lesson.name.endswith("tiny-gpt"))
RUNS = "Your code runs without an error"  # lessoncheck's own first check, not the lesson's
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(str(build.ROOT / p) for p in ("py",
                                                                                  "web/python"))}


def test_the_course_goes_on_to_a_transformer():
    assert len(LESSONS) >= 16
    assert [lesson.name for lesson in COURSE][:9] == [
        "09-gradient-checking", "10-backprop-ninja", "11-embeddings", "12-layernorm",
        "13-self-attention", "14-transformer-block", "15-tiny-gpt", "16-gradients-of-gradients",
        "17-forward-mode"]


WRONG = [(lesson, name) for lesson in COURSE
         for name in ["starter.py", *(f"mistakes/{m.name}" for m in lesson.mistakes)]]


@pytest.mark.parametrize("lesson,name", WRONG, ids=[f"{lesson.name}/{name}"
                                                    for lesson, name in WRONG])
def test_every_failure_has_a_ladder_of_hints(lesson, name):
    results = lessoncheck.check_code(lesson.read(name), lesson.checks)
    failed = [r for r in results if not r["passed"] and r["name"] != RUNS]
    assert failed
    for r in failed:
        assert len(r["hints"]) >= 2, r
        assert all(h and "\n" not in h for h in r["hints"]), r


@pytest.mark.parametrize("lesson", COURSE, ids=lambda lesson: lesson.name)
def test_each_course_lesson_has_three_mistakes_and_a_numbered_task(lesson):
    assert len(lesson.mistakes) >= 3
    text = lesson.read("lesson.md")
    task = text.split("\n## Your task\n", 1)[1]
    assert re.search(r"^1\. ", task, re.M) and re.search(r"^2\. ", task, re.M), task


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_inline_formulas_stay_on_one_line(lesson):
    """marked reads an inline $...$ split across lines as text: the page showed raw TeX."""
    for number, line in enumerate(lesson.read("lesson.md").splitlines(), 1):
        if line.strip() != "$$":
            assert line.count("$") % 2 == 0, f"lesson.md line {number}: {line}"


@pytest.mark.parametrize("lesson", [lesson for lesson in COURSE if lesson is not GPT],
                         ids=lambda lesson: lesson.name)
def test_the_solution_runs_in_plain_cpython(lesson, tmp_path):
    done = subprocess.run([sys.executable, lesson.path / "solution.py"], capture_output=True,
                          text=True, env=ENV, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_the_tiny_gpt_trains_on_run_below_its_bigram_baseline(tmp_path):
    if not (build.SITE_DIR / build.NAMES_DATA["site"]).exists():
        pytest.fail("the name list is missing: run `python3 build.py build`")
    done = subprocess.run([sys.executable, GPT.path / "solution.py"], capture_output=True,
                          text=True, env=ENV, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    found = re.search(r"(\d+) steps in ([\d.]+) s; held-out loss ([\d.]+) \(bigram ([\d.]+)\)",
                      done.stdout)
    assert found, done.stdout
    steps, _, loss, bigram = (float(v) for v in found.groups())
    assert steps == 2500 and float(bigram) == pytest.approx(2.345, abs=1e-3)
    assert loss < bigram - 0.2, done.stdout  # clearly below: about 2.00 against 2.345
    names = done.stdout.split("new names:")[1].split("\n")[0].split(",")
    assert len(names) == 20 and all(n.strip().isalpha() for n in names), names


def test_the_tiny_gpt_does_not_train_on_check(monkeypatch):
    steps = []
    step = ad.optim.Adam.step
    monkeypatch.setattr(ad.optim.Adam, "step", lambda self: steps.append(1) or step(self))
    results = lessoncheck.check_code(GPT.solution, GPT.checks)
    assert all(r["passed"] for r in results), results
    assert 0 < len(steps) <= 100  # the checks' own 80 steps, not the lesson's 2,500
