"""Running code the way a person does: Run early, watch output stream, read a traceback, Stop.

Most tests share one booted page (`booted`); the first and the last need a page of their own.
"""

import re

from playwright.sync_api import Page, expect


def test_run_pressed_while_loading_runs_when_ready_and_streams_live(page: Page, ui, site_url: str):
    page.goto(site_url)
    runtime = page.get_by_role("status", name="Python runtime")
    expect(runtime).to_contain_text("runtime")  # progress by stage: runtime, numpy, ad
    # The editor is usable before Python is: type and press Run right away.
    ui.type_code("import sys, time\n"
                 "print('to stderr', file=sys.stderr)\n"
                 "for i in range(3):\n"
                 "    print(f'tick {i}')\n"
                 "    time.sleep(1)\n")
    page.get_by_role("button", name="Run").click()
    expect(ui.status).to_have_text(re.compile("Waiting for Python|Running"))
    # Each line shows while the program is still running.
    expect(ui.output).to_contain_text("tick 0", timeout=ui.boot_ms)
    expect(ui.status).to_have_text("Running…")
    expect(ui.output).not_to_contain_text("tick 2")
    expect(ui.output).to_contain_text("tick 1")
    expect(ui.status).to_have_text(re.compile(r"^Finished in [34]\.\d\d s$"), timeout=10_000)
    expect(ui.output).to_have_text("to stderr\ntick 0\ntick 1\ntick 2\n")
    expect(runtime).to_contain_text("Python ready")
    # stderr is styled apart from stdout.
    colors = page.evaluate("""() => [...document.querySelectorAll('[role=log] span')]
        .map(s => [s.textContent.trim().split('\\n')[0], getComputedStyle(s).color])""")
    by_text = dict(colors)
    assert by_text["to stderr"] != by_text["tick 0"]


def test_traceback_is_trimmed_to_the_users_code_and_the_line_is_marked(booted):
    page = booted.page
    booted.run("def f(x):\n    return 1 / x\n\nprint('before')\nf(0)\n",
               re.compile(r"ZeroDivisionError \(line 2\) after \d+ ms"))
    log = booted.output
    expect(log).to_contain_text("before")
    expect(log).to_contain_text('File "<editor>", line 5, in <module>')
    expect(log).to_contain_text('File "<editor>", line 2, in f')
    expect(log).to_contain_text("ZeroDivisionError: division by zero")
    for noise in ("_playground_driver", "pyodide", "webloop", "asyncio", "worker"):
        expect(log).not_to_contain_text(noise)
    expect(page.locator(".cm-errorLine")).to_have_text("    return 1 / x")
    # Editing clears the mark; a syntax error marks its own line.
    booted.run("x = 1\ny = (2,\nprint(x)\n", re.compile(r"SyntaxError \(line 2\)"))
    expect(page.locator(".cm-errorLine")).to_have_text("y = (2,")
    expect(booted.output).not_to_contain_text("Traceback")  # a SyntaxError has no frames to show


def test_each_run_starts_fresh(booted):
    booted.run("from ad import Tensor\nsecret = 42\n"
               "Tensor.__add__ = lambda a, b: 'patched'\nprint('set')\n")
    expect(booted.output).to_have_text("set\n")
    booted.run("from ad import tensor\nprint((tensor(1.0) + tensor(2.0)).data)\nprint(secret)\n",
               re.compile("NameError"))
    expect(booted.output).to_contain_text("3.0")
    expect(booted.output).to_contain_text("NameError: name 'secret' is not defined")


def test_stop_interrupts_an_endless_loop_and_the_page_stays_responsive(booted):
    page = booted.page
    booted.run("print('warm')\n")
    booted.type_code("print('spinning')\nwhile True:\n    pass\n")
    page.get_by_role("button", name="Run").click()
    expect(booted.output).to_contain_text("spinning")
    expect(booted.status).to_have_text("Running…")
    # Typing stays responsive while Python spins in its worker.
    page.get_by_role("textbox").press("Control+End")
    page.keyboard.insert_text("# still typing")
    expect(page.get_by_role("textbox")).to_contain_text("# still typing", timeout=1000)
    page.get_by_role("button", name="Stop").click()
    expect(booted.status).to_have_text(re.compile(r"^Stopped after"), timeout=3000)
    expect(booted.output).to_contain_text("KeyboardInterrupt")
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()
    booted.run("print('next run works')\n")
    expect(booted.output).to_have_text("next run works\n")


def test_stop_replaces_a_worker_that_ignores_the_interrupt(booted):
    page = booted.page
    booted.run("print('warm')\n")
    stubborn = ("print('ignoring Ctrl+C')\n"
                "while True:\n"
                "    try:\n"
                "        while True:\n"
                "            pass\n"
                "    except KeyboardInterrupt:\n"
                "        pass\n")
    booted.type_code(stubborn)
    page.get_by_role("button", name="Run").click()
    expect(booted.output).to_contain_text("ignoring Ctrl+C")
    page.get_by_role("button", name="Stop").click()
    expect(booted.status).to_have_text(re.compile(r"^Stopped after"), timeout=5000)
    expect(booted.output).to_contain_text("Python was restarted")
    booted.run("import numpy\nprint('fresh worker', numpy.__version__)\n")
    expect(booted.output).to_contain_text("fresh worker 2.0.2")


def test_a_fatal_runtime_error_is_recovered_from(booted):
    # The same path as an out-of-memory abort in the wasm runtime.
    booted.run("import pyodide_js\n"
               "pyodide_js._api.fatal_error(Exception('simulated fatal error'))\n",
               re.compile("Python crashed and was restarted"))
    expect(booted.output).to_contain_text("The Python runtime failed")
    booted.run("print('alive again')\n")
    expect(booted.output).to_have_text("alive again\n")


def test_an_output_flood_is_capped_and_the_run_goes_on(booted):
    page = booted.page
    booted.run("for i in range(300_000):\n    print('line', i)\nimport sys\n"
               "print('the end', file=sys.stderr)\n", re.compile(r"^Finished in"))
    log = booted.output
    expect(log).to_contain_text("Output passed 500,000 characters")
    expect(log).to_contain_text("more characters of output were not shown")
    expect(log).to_contain_text("line 1")
    # The page answered throughout; it still does.
    assert page.evaluate("1 + 1") == 2
    length = page.evaluate("document.querySelector('[role=log]').textContent.length")
    assert 500_000 <= length < 510_000


def test_output_and_errors_are_text_never_html(booted):
    page = booted.page
    payload = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
    booted.run(f"print({payload!r})\nraise ValueError({payload!r})\n", re.compile("ValueError"))
    log = booted.output
    expect(log).to_contain_text(payload)
    expect(log.locator("img, script")).to_have_count(0)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None


def test_without_cross_origin_isolation_stop_swaps_in_a_standby_worker(page: Page, ui,
                                                                       site_url: str):
    # A static host without COOP/COEP headers: no SharedArrayBuffer, so no interrupt buffer.
    page.add_init_script(
        "Object.defineProperty(globalThis, 'crossOriginIsolated', { value: false })")
    page.goto(site_url)
    ui.run("print('warm')\n")
    page.wait_for_timeout(5000)  # the standby worker boots in the background meanwhile
    ui.type_code("while True:\n    pass\n")
    page.get_by_role("button", name="Run").click()
    expect(ui.status).to_have_text("Running…")
    page.get_by_role("button", name="Stop").click()
    expect(ui.status).to_have_text(re.compile(r"^Stopped after"), timeout=1000)
    expect(ui.output).to_contain_text("Python was restarted")
    # The standby worker was ready: the next run does not wait for a boot.
    ui.type_code("print('straight away')\n")
    page.get_by_role("button", name="Run").click()
    expect(ui.output).to_have_text("straight away\n", timeout=2500)
