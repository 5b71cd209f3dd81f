"""Each run starts from the interpreter as the page shipped it: what a run breaks in shared state
(builtins, sys, modules, numpy's settings, random, the files of the modules the page ships) is
put back, in the page and between the files of `build.py run`; hostile output and odd exceptions
are reported as the user's, capped."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from playwright.sync_api import expect

import build

BREAK_EVERYTHING = """\
import builtins, json, random, signal, sys, warnings
import numpy as np
random.seed(0)
np.random.seed(0)
builtins.print = lambda *args, **kwargs: None
del builtins.len
np.set_printoptions(precision=1)
np.seterr(all="raise")
np.sum = lambda *args, **kwargs: "patched"
json.dumps = lambda *args, **kwargs: "patched"
sys.modules["math"] = None
sys.path.insert(0, "/nowhere")
warnings.simplefilter("error")
signal.signal(signal.SIGINT, lambda *args: None)
sys.setrecursionlimit(5000)
sys.stdout = None
"""

CHECK_EVERYTHING = """\
import json, math, random, sys, warnings
import numpy as np
print("len", len([1, 2]))
print("array", np.array([1 / 3]))
print("sum", np.sum([1, 2]), "dumps", json.dumps(1), "sqrt", math.sqrt(4.0))
print("divide", np.array([1.0]) / 0)
warnings.warn("only a warning")
print("path", "/nowhere" in sys.path, "limit", sys.getrecursionlimit())
print("random", random.random() != random.Random(0).random(),
      np.random.rand() != np.random.RandomState(0).rand())
"""

EXPECTED = ("len 2\narray [0.33333333]\nsum 3 dumps 1 sqrt 2.0\ndivide [inf]\n"
            "path False limit 1000\nrandom True True\n")


def test_a_run_that_breaks_shared_state_does_not_break_the_next(booted):
    booted.run(BREAK_EVERYTHING)
    booted.run(CHECK_EVERYTHING)
    expect(booted.output).to_contain_text("len 2\narray [0.33333333]")
    result = booted.page.evaluate("code => window.adPlayground.run(code)", CHECK_EVERYTHING)
    assert result["stdout"] == EXPECTED, result
    assert "only a warning" in result["stderr"]
    # Stop still works: the run's SIGINT handler did not survive it.
    timed = booted.page.evaluate(
        "() => window.adPlayground.run('while True: pass', { timeoutMs: 500 })")
    assert timed["error"]["kind"] == "interrupted" and "restarted" not in timed["error"]["message"]


def test_a_run_whose_broken_builtins_break_its_own_error_is_the_users_error(booted):
    # The error is described after the run's builtins are put back: not a crash of the driver.
    result = booted.page.evaluate("code => window.adPlayground.run(code)",
                                  "import builtins\ndel builtins.len\nimport statistics\n")
    assert result["error"]["kind"] == "exception", result["error"]
    assert result["error"]["name"] == "NameError" and result["error"]["line"] == 3, result["error"]
    booted.run("print(len('abc'))\n")
    expect(booted.output).to_have_text("3\n")


# Rewrites the files of the engine and the page's modules on the worker's in-memory disk, so each
# would still work but mark itself PWNED (the engine ships py-compiled: a .pyc is written for
# it), drops an ad.py in the working directory (first on sys.path) and a cached .pyc beside a
# page module; then says what it wrote. The next run must import what the site shipped.
POISON_MODULES = """\
import importlib.util, marshal, os, sys
import ad, ad.core, ad.nn, playground, lessoncheck

def poison(module):
    path = module.__file__
    code = module.__spec__.loader.get_code(module.__name__)
    evil = f"PWNED = True\\nimport marshal\\nexec(marshal.loads({marshal.dumps(code)!r}))\\n"
    pyc = importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(compile(evil, path, "exec"))
    if path.endswith(".pyc"):  # flags 0, a zero mtime and size: never checked without source
        with open(path, "wb") as f:
            f.write(pyc)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(evil)
        cached = importlib.util.cache_from_source(path)
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        with open(cached, "wb") as f:
            f.write(pyc)
    return os.path.basename(path)

written = [poison(m) for m in (ad, ad.core, ad.nn, playground, lessoncheck)]
with open(os.path.join(os.getcwd(), "ad.py"), "w") as f:
    f.write("PWNED = True\\n")
print("poisoned", *written)
"""

CHECK_MODULES = """\
import ad, ad.core, ad.nn, playground, lessoncheck
print("pwned", [m.__name__ for m in (ad, ad.core, ad.nn, playground, lessoncheck)
                if hasattr(m, "PWNED")])
x = ad.tensor([1.0, 2.0])
(x * x).sum().backward()
print("grad", x.grad)
"""


def test_a_run_that_rewrites_the_shipped_modules_files_does_not_change_the_next(booted):
    booted.run(POISON_MODULES)
    expect(booted.output).to_have_text(
        "poisoned __init__.pyc core.pyc __init__.pyc playground.py lessoncheck.py\n")
    booted.run(CHECK_MODULES)
    expect(booted.output).to_have_text("pwned []\ngrad [2. 4.]\n")
    result = booted.page.evaluate("code => window.adPlayground.run(code)",
                                  CHECK_MODULES + "playground.show_graph(x * 2)\n")
    assert result["ok"] and result["stdout"] == "pwned []\ngrad [2. 4.]\n", result
    assert len(result["displays"]) == 1, result  # the shipped playground module draws


def test_state_does_not_leak_between_the_files_of_build_py_run(tmp_path):
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text(BREAK_EVERYTHING)
    second.write_text(CHECK_EVERYTHING)
    result = subprocess.run([sys.executable, str(build.ROOT / "build.py"), "run", "--json",
                             first, second], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads(result.stdout)
    assert runs[1]["stdout"] == EXPECTED, runs[1]


def test_output_is_capped_before_it_reaches_the_page(booted):
    page = booted.page
    result = page.evaluate("() => window.adPlayground.run(\"print('x' * 50_000_000)\")")
    assert result["ok"] and len(result["stdout"]) == 500_000
    assert result["dropped"] == 50_000_001 - 500_000
    assert result["durationMs"] < 5000, "a 50 MB print must not cross into JavaScript"
    booted.run("raise ValueError('y' * 10_000_000)", re.compile("ValueError"))
    length = page.evaluate("document.querySelector('[role=log]').textContent.length")
    assert length < 50_000
    expect(booted.output).to_contain_text("characters not shown")


def test_odd_streams_and_exceptions_are_the_users_errors_not_a_crash(booted):
    page = booted.page
    run = lambda code: page.evaluate("code => window.adPlayground.run(code)", code)  # noqa: E731
    gone = run("import sys\nprint('before')\nsys.stdout = None\nprint('ignored')\n")
    assert gone["ok"] and gone["stdout"] == "before\n", gone
    odd = run("class Odd(Exception):\n    def __str__(self):\n        raise ValueError('no')\n"
              "raise Odd()\n")
    assert odd["error"]["kind"] == "exception" and odd["error"]["name"] == "Odd", odd
    assert odd["error"]["line"] == 4
    raw = run("import sys\nsys.stdout.buffer.write('bytes ✓\\n'.encode())\n"
              "sys.stdout.buffer.write(b'\\xff\\n')\n")
    assert raw["ok"] and raw["stdout"] == "bytes ✓\n\ufffd\n", raw
    deep = run("import sys\nsys.setrecursionlimit(10**6)\n"
               "def f(n):\n    return f(n + 1)\nf(0)\n")
    assert deep["error"]["name"] == "RecursionError", deep
    assert "allows at most 100,000" in deep["stderr"]
    assert deep["durationMs"] < 5000
