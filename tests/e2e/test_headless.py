"""The headless ways in: `build.py run` from a terminal, and the page's automation API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

import build

EXAMPLES = sorted((build.WEB_DIR / "examples").glob("*.py"))


def build_py_run(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(build.ROOT / "build.py"), "run", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_every_gallery_example_runs_headless_with_its_expected_output(examples):
    expected = {example.file: example.prints for example in examples}
    assert {p.name for p in EXAMPLES} == set(expected), \
        "every example needs its lines in the table in conftest.py"
    result = build_py_run("--json", *EXAMPLES)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads(result.stdout)
    assert [Path(r["file"]).name for r in runs] == [p.name for p in EXAMPLES]
    for run in runs:
        name = Path(run["file"]).name
        assert run["ok"] and run["error"] is None and not run["timedOut"], (name, run["error"])
        for line in expected[name]:
            assert line in run["stdout"], f"{name} did not print {line!r}:\n{run['stdout'][-2000:]}"
        assert run["durationMs"] > 0


def test_run_streams_output_and_exits_1_with_the_traceback(tmp_path):
    ok = tmp_path / "ok.py"
    ok.write_text("import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n")
    bad = tmp_path / "bad.py"
    bad.write_text("total = 0\nfor i in range(3):\n    total += 10 / (1 - i)\n")
    result = build_py_run(ok, bad)
    assert result.returncode == 1
    assert f"==> {ok} <==\nto stdout\n==> {bad} <==" in result.stdout
    assert "to stderr" in result.stderr
    assert 'File "<editor>", line 3, in <module>' in result.stderr
    assert "ZeroDivisionError: division by zero" in result.stderr
    assert "pyodide" not in result.stderr.split("ZeroDivisionError")[0].lower(), \
        "frames not the user's must be trimmed"


def test_run_times_out_with_124_stops_the_program_and_goes_on(tmp_path):
    loop = tmp_path / "loop.py"
    loop.write_text("while True:\n    pass\n")
    after = tmp_path / "after.py"
    after.write_text("print('the next file still runs')\n")
    result = build_py_run(loop, after, "--timeout", "2")
    assert result.returncode == 124
    assert "timed out after 2 s" in result.stderr
    assert "the next file still runs" in result.stdout


def test_run_says_which_file_is_missing(tmp_path):
    result = build_py_run(tmp_path / "nope.py")
    assert result.returncode == 2 and "no such file" in result.stderr and "nope.py" in result.stderr


def test_automation_api_runs_code_and_reads_and_sets_the_editor(booted, site_url: str):
    page = booted.page
    ready = page.evaluate("() => window.adPlayground.ready")
    assert ready["versions"]["numpy"] == "2.0.2" and "ad" in ready["versions"]
    result = page.evaluate("""() => window.adPlayground.run(
        "import sys\\nprint('out')\\nprint('err', file=sys.stderr)\\nx = [1]\\nx[5]")""")
    assert result["stdout"] == "out\n" and result["stderr"] == "err\n"
    assert result["ok"] is False and result["timedOut"] is False and result["durationMs"] > 0
    assert result["error"]["name"] == "IndexError" and result["error"]["line"] == 5
    assert "list index out of range" in result["error"]["message"]
    expect(booted.output).to_contain_text("IndexError")

    streamed = page.evaluate("""async () => {
        const pieces = [];
        const r = await window.adPlayground.run("print('a')\\nprint('b')",
                                                { onOutput: (s, t) => pieces.push([s, t]) });
        return { pieces, ok: r.ok };
    }""")
    assert streamed["ok"] and "".join(t for s, t in streamed["pieces"] if s == "stdout") == "a\nb\n"

    timed = page.evaluate("() => window.adPlayground.run('while True: pass', { timeoutMs: 500 })")
    assert timed["timedOut"] is True and timed["error"]["kind"] == "interrupted"

    code = "print('set through the API')  # ünïcode ✓\n"
    page.evaluate("code => window.adPlayground.setCode(code)", code)
    assert page.evaluate("() => window.adPlayground.getCode()") == code
    link = page.evaluate("() => window.adPlayground.shareLink()")
    assert link.startswith(site_url) and "#v1." in link
    page.evaluate("() => window.adPlayground.setCode('something else')")
    page.evaluate("link => window.adPlayground.openLink(link)", link)
    assert page.evaluate("() => window.adPlayground.getCode()") == code
    with pytest.raises(Exception, match="link"):
        page.evaluate("() => window.adPlayground.openLink('#v1.not-a-real-link')")
