"""One run, one interpreter: whatever a run does to its Python, its worker's JavaScript or the
browser's storage, the next run (in the same tab, and on the next visit) starts from the site's
snapshot and sees none of it. Each attack below is one that broke the playground when runs
shared an interpreter; each is performed here, then shown to leave no trace.

Python reaches the worker's JavaScript through Pyodide's `js` module; SCOPE unwraps the real
global scope, as a hostile snippet (or one from someone else's share link) would.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.lesson_files import LESSONS

SCOPE = ("import js\n"
         "scope = js.Object.getOwnPropertyDescriptor(js.globalThis, 'globalThis').value\n")


def run(page: Page, code: str, timeout_ms: int | None = 60_000) -> dict:
    return page.evaluate("([code, timeoutMs]) => window.adPlayground.run(code, { timeoutMs })",
                         [code, timeout_ms])


def check(page: Page, lesson: str, code: str) -> dict:
    return page.evaluate("([id, code]) => window.adPlayground.checkLesson(id, code)",
                         [lesson, code])


def fresh(page: Page) -> None:
    """The next run's interpreter is new: nothing a run left in builtins is there."""
    result = run(page, "import builtins\nprint(hasattr(builtins, 'left_by_a_run'))\n"
                       "builtins.left_by_a_run = True\n")
    assert result["stdout"] == "False\n", result


def test_every_run_gets_an_interpreter_no_run_has_touched(booted):
    page = booted.page
    for _ in range(3):
        fresh(page)
    status = page.evaluate("() => window.adPlayground.status()")
    assert status["standby"] in ("booting", "ready")


REACH = SCOPE + """\
out = []
for name in ("caches", "indexedDB", "Worker", "SharedWorker", "BroadcastChannel"):
    out.append(f"{name}: {'reachable' if js.Reflect.has(scope, name) else 'gone'}")
for name in ("storage", "serviceWorker"):
    out.append(f"navigator.{name}: "
               f"{'reachable' if js.Reflect.has(scope.navigator, name) else 'gone'}")
print(*out, sep="\\n")
"""


def test_1_a_run_cannot_reach_the_origins_storage_nor_start_a_context_that_could(page: Page,
                                                                                  site_url: str):
    page.goto(site_url)
    result = run(page, REACH)
    assert result["ok"], result["error"]
    assert "reachable" not in result["stdout"], result["stdout"]
    assert result["stdout"].count(": gone") == 7
    # What the last round's attack wrote there (matplotlib's font list in Cache Storage, from a
    # page of the origin that runs no Python) is never read: every plot still works.
    page.goto(site_url + "favicon.svg")
    page.evaluate("""async () => {
        const cache = await caches.open("ad-playground-matplotlib");
        const list = JSON.stringify({ _version: 330, ttflist: 5, afmlist: 5 });
        for (const key of await cache.keys()) await cache.delete(key);
        await cache.put(location.origin + "/x.json", new Response(list));
    }""")
    for _ in range(2):  # this visit and the next
        page.goto(site_url)
        result = run(page, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n"
                           "plt.title('after the poison')\nplt.show()\nprint('plotted')\n")
        assert result["ok"] and result["stdout"] == "plotted\n", result
        assert [d["kind"] for d in result["displays"]] == ["image"]


def test_2_a_run_that_wraps_the_drivers_entry_point_reaches_no_later_run(booted):
    page = booted.page
    result = run(page, """import sys
frame = sys._getframe()
while frame is not None and "_execute" not in frame.f_globals:
    frame = frame.f_back
driver = frame.f_globals
real = driver["_execute"]
async def spy(code, output, *args):
    output.write("stdout", "[spied] " + code[:20] + "\\n")
    return await real(code, output, *args)
driver["_execute"] = spy
print("wrapped")
""")
    assert result["stdout"] == "wrapped\n", result
    assert run(page, "print('mine')")["stdout"] == "mine\n"
    checked = check(page, LESSONS[0].name, LESSONS[0].starter)
    assert not checked["passed"]
    booted.run("print('typed')\n")
    expect(booted.output).to_have_text("typed\n")


def test_3_a_run_that_breaks_json_breaks_only_itself(booted):
    page = booted.page
    result = run(page, "import json\njson.dumps.__code__ = (lambda *a, **k: '{').__code__\n")
    assert result["error"] is not None  # its own answer could not be read: said, not hung
    assert run(page, "print('answered')", timeout_ms=30_000)["stdout"] == "answered\n"


def test_4_a_forged_traceback_formatter_reaches_no_later_error(booted):
    page = booted.page
    run(page, "import traceback\n"
              "traceback.TracebackException.format = lambda self, **k: iter(['FORGED\\n'])\n")
    result = run(page, "1 / 0")
    assert "ZeroDivisionError: division by zero" in result["error"]["traceback"]
    assert "FORGED" not in result["error"]["traceback"]


def test_5_files_a_run_writes_shadow_nothing_later(booted):
    page = booted.page
    result = run(page, """import os, numpy
open("fractions.py", "w").write("raise SystemExit('shadowed fractions')\\n")
folder = os.path.dirname(numpy.__file__)
open(os.path.join(folder, "evil.py"), "w").write("print('evil ran')\\n")
with open(os.path.join(folder, "__init__.py"), "a") as f:
    f.write("\\nprint('numpy was rewritten')\\n")
print("written")
""")
    assert result["stdout"] == "written\n", result
    result = run(page, "import os, fractions, numpy\nprint(fractions.Fraction(1, 3))\n"
                       "print(os.path.exists(os.path.join(os.path.dirname(numpy.__file__), "
                       "'evil.py')))\n")
    assert result["ok"] and result["stdout"] == "1/3\nFalse\n", result


def test_6_a_timer_a_run_leaves_behind_never_prints_into_a_later_run(booted):
    page = booted.page
    run(page, SCOPE + "from pyodide.ffi import create_proxy\n"
                      "scope.setInterval(create_proxy(lambda: print('[interval]')), 50)\n")
    result = run(page, "import time\ntime.sleep(0.5)\nprint('quiet')\n")
    assert result["stdout"] == "quiet\n", result


def test_7_a_getter_on_the_workers_object_prototype_hangs_nothing_later(booted):
    page = booted.page
    # Every object of the worker becomes a thenable that never settles: any `await` of one, in
    # the worker's own code too, hangs for ever.
    poison = SCOPE + ("from pyodide.ffi import create_proxy, to_js\n"
                      "never = create_proxy(lambda *args: None)\n"
                      "scope.Object.defineProperty(scope.Object.prototype, 'then', to_js(\n"
                      "    {'get': create_proxy(lambda *args: never), 'configurable': True},\n"
                      "    dict_converter=js.Object.fromEntries))\n"
                      "while True: pass\n")
    # A looping run, a run queued behind it and a check all settle...
    settled = page.evaluate("""async ([poison, lesson, code]) => {
        const api = window.adPlayground;
        const looping = api.run(poison, { timeoutMs: 3000 });
        const queued = api.run("print('queued')", { timeoutMs: 30000 });
        const checked = api.checkLesson(lesson, code);
        const [a, b, c] = await Promise.all([looping, queued, checked]);
        return [a.timedOut, b.stdout, c.error];
    }""", [poison, LESSONS[0].name, LESSONS[0].solution])
    assert settled == [True, "queued\n", None], settled
    # ...and so does the next print.
    assert run(page, "print(1)", timeout_ms=30_000)["stdout"] == "1\n"


def test_8_stop_during_package_loading_leaves_no_half_installed_package(booted):
    page = booted.page
    page.evaluate("() => { window.adPlayground.run('import sklearn'); }")
    page.wait_for_timeout(700)
    page.evaluate("() => window.adPlayground.stop()")
    result = run(page, "import sklearn, scipy.sparse.linalg\nprint(sklearn.__version__)\n",
                 timeout_ms=120_000)
    assert result["ok"], result["error"]


def test_9_patched_classes_and_interpreter_switches_reach_no_later_run(booted):
    page = booted.page
    run(page, "import random, time, gc\n"
              "random.Random.random = lambda self: 0.5\n"
              "time.sleep.__code__ = (lambda s: None).__code__\n"
              "gc.disable()\n")
    result = run(page, "import random, time, gc\n"
                       "print(len({random.random() for _ in range(5)}), gc.isenabled())\n"
                       "t = time.perf_counter(); time.sleep(0.2)\n"
                       "print(time.perf_counter() - t >= 0.19)\n")
    assert result["stdout"] == "5 True\nTrue\n", result


CHEATS = [
    "import lessoncheck\n"
    "lessoncheck.evaluate = lambda checks, ns, error=None: "
    "[{'name': 'all', 'passed': True, 'message': '', 'hint': None, 'hints': []}]\n",
    "import ad\nad.gradcheck = lambda *a, **k: type('R', (), {'passed': True})()\n",
    "import lessoncheck\nlessoncheck.gradients = lambda *a, **k: None\n",
]


@pytest.mark.parametrize("cheat", CHEATS, ids=["evaluate", "gradcheck", "gradients"])
def test_10_a_learners_code_that_replaces_the_checks_tools_still_fails_its_checks(booted, cheat):
    lesson = next(lesson for lesson in LESSONS if lesson.name.startswith("02-"))
    result = check(booted.page, lesson.name, cheat + lesson.starter)
    assert result["error"] is None, result
    assert not result["passed"], result["summary"]
