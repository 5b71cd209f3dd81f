"""Running code the way a person does: Run early, watch output stream, read a traceback, Stop."""

import re

from playwright.sync_api import Page, expect

BOOT_S = 60  # generous: two cores, Pyodide boots in ~3 s here


def type_code(page: Page, code: str) -> None:
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def run_status(page: Page):
    return page.get_by_role("status", name="Run status")


def output(page: Page):
    return page.get_by_role("log", name="Output")


def run(page: Page, code: str, expected_status=re.compile(r"^Finished in \d")) -> None:
    type_code(page, code)
    page.get_by_role("button", name="Run").click()
    expect(run_status(page)).to_have_text(expected_status, timeout=BOOT_S * 1000)


def test_run_pressed_while_loading_runs_when_ready_and_streams_live(page: Page, site_url: str):
    page.goto(site_url)
    runtime = page.get_by_role("status", name="Python runtime")
    expect(runtime).to_contain_text("runtime")  # progress by stage: runtime, numpy, ad
    # The editor is usable before Python is: type and press Run right away.
    type_code(page, "import sys, time\n"
                    "print('to stderr', file=sys.stderr)\n"
                    "for i in range(3):\n"
                    "    print(f'tick {i}')\n"
                    "    time.sleep(1)\n")
    page.get_by_role("button", name="Run").click()
    expect(run_status(page)).to_have_text(re.compile("Waiting for Python|Running"))
    # Each line shows while the program is still running.
    expect(output(page)).to_contain_text("tick 0", timeout=BOOT_S * 1000)
    expect(run_status(page)).to_have_text("Running…")
    expect(output(page)).not_to_contain_text("tick 2")
    expect(output(page)).to_contain_text("tick 1")
    expect(run_status(page)).to_have_text(re.compile(r"^Finished in [34]\.\d\d s$"), timeout=10_000)
    expect(output(page)).to_have_text("to stderr\ntick 0\ntick 1\ntick 2\n")
    expect(runtime).to_contain_text("Python ready")
    # stderr is styled apart from stdout.
    colors = page.evaluate("""() => [...document.querySelectorAll('[role=log] span')]
        .map(s => [s.textContent.trim().split('\\n')[0], getComputedStyle(s).color])""")
    by_text = dict(colors)
    assert by_text["to stderr"] != by_text["tick 0"]


def test_traceback_is_trimmed_to_the_users_code_and_the_line_is_marked(page: Page, site_url: str):
    page.goto(site_url)
    run(page, "def f(x):\n    return 1 / x\n\nprint('before')\nf(0)\n", re.compile(r"ZeroDivisionError \(line 2\) after \d+ ms"))
    log = output(page)
    expect(log).to_contain_text("before")
    expect(log).to_contain_text('File "<editor>", line 5, in <module>')
    expect(log).to_contain_text('File "<editor>", line 2, in f')
    expect(log).to_contain_text("ZeroDivisionError: division by zero")
    for noise in ("_playground_driver", "pyodide", "webloop", "asyncio", "worker"):
        expect(log).not_to_contain_text(noise)
    expect(page.locator(".cm-errorLine")).to_have_text("    return 1 / x")
    # Editing clears the mark; a syntax error marks its own line.
    run(page, "x = 1\ny = (2,\nprint(x)\n", re.compile(r"SyntaxError \(line 2\)"))
    expect(page.locator(".cm-errorLine")).to_have_text("y = (2,")
    expect(output(page)).not_to_contain_text("Traceback")  # a SyntaxError has no frames to show


def test_each_run_starts_fresh(page: Page, site_url: str):
    page.goto(site_url)
    run(page, "from ad import Tensor\nsecret = 42\nTensor.__add__ = lambda a, b: 'patched'\nprint('set')\n")
    expect(output(page)).to_have_text("set\n")
    run(page, "from ad import tensor\nprint((tensor(1.0) + tensor(2.0)).data)\nprint(secret)\n", re.compile("NameError"))
    expect(output(page)).to_contain_text("3.0")
    expect(output(page)).to_contain_text("NameError: name 'secret' is not defined")


def test_stop_interrupts_an_endless_loop_and_the_page_stays_responsive(page: Page, site_url: str):
    page.goto(site_url)
    run(page, "print('warm')\n")
    type_code(page, "print('spinning')\nwhile True:\n    pass\n")
    page.get_by_role("button", name="Run").click()
    expect(output(page)).to_contain_text("spinning")
    expect(run_status(page)).to_have_text("Running…")
    # Typing stays responsive while Python spins in its worker.
    page.get_by_role("textbox").press("Control+End")
    page.keyboard.insert_text("# still typing")
    expect(page.get_by_role("textbox")).to_contain_text("# still typing", timeout=1000)
    page.get_by_role("button", name="Stop").click()
    expect(run_status(page)).to_have_text(re.compile(r"^Stopped after"), timeout=3000)
    expect(output(page)).to_contain_text("KeyboardInterrupt")
    expect(page.get_by_role("button", name="Stop")).to_be_disabled()
    run(page, "print('next run works')\n")
    expect(output(page)).to_have_text("next run works\n")


def test_stop_replaces_a_worker_that_ignores_the_interrupt(page: Page, site_url: str):
    page.goto(site_url)
    run(page, "print('warm')\n")
    stubborn = ("print('ignoring Ctrl+C')\n"
                "while True:\n"
                "    try:\n"
                "        while True:\n"
                "            pass\n"
                "    except KeyboardInterrupt:\n"
                "        pass\n")
    type_code(page, stubborn)
    page.get_by_role("button", name="Run").click()
    expect(output(page)).to_contain_text("ignoring Ctrl+C")
    page.get_by_role("button", name="Stop").click()
    expect(run_status(page)).to_have_text(re.compile(r"^Stopped after"), timeout=5000)
    expect(output(page)).to_contain_text("Python was restarted")
    run(page, "import numpy\nprint('fresh worker', numpy.__version__)\n")
    expect(output(page)).to_contain_text("fresh worker 2.0.2")


def test_a_fatal_runtime_error_is_recovered_from(page: Page, site_url: str):
    page.goto(site_url)
    # The same path as an out-of-memory abort in the wasm runtime.
    run(page, "import pyodide_js\npyodide_js._api.fatal_error(Exception('simulated fatal error'))\n",
        re.compile("Python crashed and was restarted"))
    expect(output(page)).to_contain_text("The Python runtime failed")
    run(page, "print('alive again')\n")
    expect(output(page)).to_have_text("alive again\n")


def test_an_output_flood_is_capped_and_the_run_goes_on(page: Page, site_url: str):
    page.goto(site_url)
    run(page, "for i in range(300_000):\n    print('line', i)\nimport sys\nprint('the end', file=sys.stderr)\n",
        re.compile(r"^Finished in"))
    log = output(page)
    expect(log).to_contain_text("Output passed 500,000 characters")
    expect(log).to_contain_text("more characters of output were not shown")
    expect(log).to_contain_text("line 1")
    # The page answered throughout; it still does.
    assert page.evaluate("1 + 1") == 2
    length = page.evaluate("document.querySelector('[role=log]').textContent.length")
    assert 500_000 <= length < 510_000


def test_output_and_errors_are_text_never_html(page: Page, site_url: str):
    page.goto(site_url)
    payload = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
    run(page, f"print({payload!r})\nraise ValueError({payload!r})\n", re.compile("ValueError"))
    log = output(page)
    expect(log).to_contain_text(payload)
    expect(log.locator("img, script")).to_have_count(0)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None


def test_without_cross_origin_isolation_stop_swaps_in_a_standby_worker(page: Page, site_url: str):
    # A static host without COOP/COEP headers: no SharedArrayBuffer, so no interrupt buffer.
    page.add_init_script("Object.defineProperty(globalThis, 'crossOriginIsolated', { value: false })")
    page.goto(site_url)
    run(page, "print('warm')\n")
    page.wait_for_timeout(5000)  # the standby worker boots in the background meanwhile
    type_code(page, "while True:\n    pass\n")
    page.get_by_role("button", name="Run").click()
    expect(run_status(page)).to_have_text("Running…")
    page.get_by_role("button", name="Stop").click()
    expect(run_status(page)).to_have_text(re.compile(r"^Stopped after"), timeout=1000)
    expect(output(page)).to_contain_text("Python was restarted")
    # The standby worker was ready: the next run does not wait for a boot.
    type_code(page, "print('straight away')\n")
    page.get_by_role("button", name="Run").click()
    expect(output(page)).to_have_text("straight away\n", timeout=2500)
