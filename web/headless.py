"""Drive the playground headlessly: one Chromium, the built site, the page's own runner.

`python3 build.py run FILE.py ...` runs this file (in the tooling venv), and the browser tests and
the browser benchmark use the same pieces: the Chromium flags, the served site and the page's
automation API (`window.adPlayground`, documented in the README).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
import os
import re
import sys
import threading
import time
import zlib
from pathlib import Path

# NOTE: build.py comes from the repository root, which build.py puts first on PYTHONPATH (and
# pytest.ini on the tests' path): the tooling venv also holds an unrelated package named `build`.
import build  # the server the site is served with, and where Chromium is

if not hasattr(build, "make_server"):
    raise SystemExit(f"{__file__} imported another `build` ({build.__file__}): start it with "
                     "`python3 build.py run FILE.py ...`, which puts the repository root on "
                     "PYTHONPATH")

CHROMIUM_ARGS = [
    "--no-sandbox",  # needed as root; the page is our own, served from localhost
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
EXIT_OK, EXIT_RAISED, EXIT_TIMEOUT = 0, 1, 124


def launch_chromium(playwright, executable: str | None = None):
    executable = executable or build.find_browser()
    if executable is None:
        raise RuntimeError("no Chromium found: install one (apt-get install chromium) "
                           "or set AD_CHROMIUM")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)


@contextlib.contextmanager
def served_site(site_dir: Path, base_path: str = "/", log_file=None):
    """The site on a free local port, for as long as the block runs; yields its URL."""
    server = build.make_server(site_dir, "127.0.0.1", 0, base_path, log_file=log_file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}{server.base_path}"
    finally:
        server.shutdown()
        server.server_close()


def wait_until(page, function: str, timeout_s: float = 60.0) -> None:
    """Wait until `function` (a JS function's source, possibly async) returns true.
    NOTE: not page.wait_for_function: it does not await a promise (any promise is truthy, so
    an async condition "holds" at once), and its polling may eval() strings the page's CSP (no
    'unsafe-eval') forbids; page.evaluate of a function awaits it and is exempt."""
    deadline = time.monotonic() + timeout_s
    while page.evaluate(function) is not True:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {function}")
        page.wait_for_timeout(20)


RUN_SCRIPT = """async ([code, timeoutMs, stream]) => {
  const api = window.adPlayground;
  await api.ready;
  const onOutput = stream ? (name, text) => window.__adOutput(name, text) : undefined;
  return await api.run(code, { timeoutMs, onOutput });
}"""


CHECK_SCRIPT = """async ([lesson, code]) => {
  const api = window.adPlayground;
  await api.ready;
  return await api.checkLesson(lesson, code);
}"""


EXERCISE_SCRIPT = """async ([link, code]) => {
  const api = window.adPlayground;
  await api.ready;
  return await api.checkExercise(link, code);
}"""

# As the page's exercisecodec.ts: the longest exercise link fragment, the most it may inflate to.
MAX_EXERCISE_LINK = 32_000
MAX_EXERCISE_TEXT = 400_000


def exercise_fragment(task: str, starter: str, checks: str) -> str:
    """An exercise link's fragment, as the page's Make an exercise writes it: "v1." +
    base64url(deflate-raw(UTF-8 JSON {kind, task, starter, checks})); put it after
    `<site>/?exercise#`."""
    data = {"kind": "ad-exercise", "task": task, "starter": starter, "checks": checks}
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    packed = packer.compress(text) + packer.flush()
    return "v1." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def read_exercise_link(link: str) -> dict:
    """The exercise an exercise link carries (`...?exercise#v1.` + base64url(deflate-raw(UTF-8
    JSON)), or just its fragment), as {task, starter, checks}; ValueError says what is wrong.
    The page decodes it again for the check: this only lets the command line fail early."""
    fragment = link[link.index("#") + 1:] if "#" in link else link
    match = re.fullmatch(r"v(\d+)\.([A-Za-z0-9_-]*)", fragment.strip())
    if match is None:
        raise ValueError("not an exercise link: it has no #v1.... fragment (copy the link that "
                         "Make an exercise gives, or its part from # on)")
    if match.group(1) != "1":
        raise ValueError(f"this exercise link uses format v{match.group(1)}, which this "
                         "version of the playground does not know")
    if len(fragment) > MAX_EXERCISE_LINK:
        raise ValueError(f"this exercise link is {len(fragment):,} characters long, more than "
                         f"the {MAX_EXERCISE_LINK:,} an exercise link may have")
    payload = match.group(2)
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        inflater = zlib.decompressobj(-15)
        text = inflater.decompress(packed, MAX_EXERCISE_TEXT + 1)
        if len(text) > MAX_EXERCISE_TEXT or inflater.unconsumed_tail:
            raise ValueError("this exercise link's exercise is too large to open")
        data = json.loads(text.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("this exercise link is damaged (perhaps cut short) and could not be "
                         "read") from None
    if not isinstance(data, dict) or data.get("kind") != "ad-exercise":
        raise ValueError("this link is not an exercise (perhaps a share link to code)")
    if not all(isinstance(data.get(key), str) for key in ("task", "starter", "checks")):
        raise ValueError("this exercise link is damaged: its task, starter code or checks are "
                         "missing")
    return {key: data[key] for key in ("task", "starter", "checks")}


def exercise_title(task: str) -> str:
    """The exercise's title, as the page shows it: the task's first line `# Title`."""
    match = re.match(r"[ \t]*#[ \t]+(.+?)[ \t#]*(?:\r?\n|$)", task.lstrip("\n"))
    return match.group(1).strip() if match else "Exercise"


class Playground:
    """One page of the playground, ready to run code through its automation API."""

    def __init__(self, page, url: str, ready_timeout_s: float = 120):
        self.page = page
        self._sink = None
        page.expose_function("__adOutput", lambda name, text: self._sink and self._sink(name, text))
        page.goto(url)
        page.wait_for_function("window.adPlayground !== undefined", timeout=ready_timeout_s * 1000)

    def run(self, code: str, timeout_s: float | None = None, on_output=None) -> dict:
        """Run code in a fresh namespace; the result has stdout, stderr, error, durationMs,
        timedOut (and the rest of the page's run result)."""
        self._sink = on_output
        try:
            timeout_ms = None if timeout_s is None else int(timeout_s * 1000)
            return self.page.evaluate(RUN_SCRIPT, [code, timeout_ms, on_output is not None])
        finally:
            self._sink = None

    def check_lesson(self, lesson: str, code: str) -> dict:
        """Check code against a lesson (the page's Check): passed, checks, summary, error."""
        return self.page.evaluate(CHECK_SCRIPT, [lesson, code])

    def check_exercise(self, link: str, code: str) -> dict:
        """Check code against an exercise link (its Check): passed, checks, summary, error."""
        return self.page.evaluate(EXERCISE_SCRIPT, [link, code])


def exit_code(results: list[dict]) -> int:
    if any(r.get("timedOut") for r in results):
        return EXIT_TIMEOUT
    if any(r.get("error") for r in results):
        return EXIT_RAISED
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build.py run",
        description="Run Python files in the playground in headless Chromium, one browser for all "
        "files, each in a fresh namespace. Exit status: 0 when all succeed, 1 when one raised, "
        "124 when one timed out. With --lesson ID or --exercise URL, check each file against "
        "that lesson or exercise instead (exit status 0 when every check of every file passes, "
        "1 otherwise; 2 for a link that cannot be read).")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.py")
    parser.add_argument("--timeout", type=float, default=120, metavar="S",
                        help="seconds per file (default 120)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document with every result instead of streaming")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--lesson", metavar="ID",
                       help="check the files against this lesson (e.g. 02-add-and-mul) "
                       "with the checks of its Check button")
    which.add_argument("--exercise", metavar="URL",
                       help="check the files against the exercise an exercise link carries "
                       "(...?exercise#v1...., from the page's Make an exercise), with the "
                       "checks of its Check button, in this build's page")
    parser.add_argument("--site", type=Path, default=build.SITE_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"build.py run: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    exercise = None
    if args.exercise is not None:
        try:
            exercise = read_exercise_link(args.exercise)
        except ValueError as e:
            print(f"build.py run --exercise: {e}", file=sys.stderr)
            return 2
    from playwright.sync_api import sync_playwright

    results = []
    with served_site(args.site, log_file=None) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright, os.environ.get("AD_CHROMIUM"))
        # A run is not a visit: no service worker downloading the site for a later one.
        playground = Playground(browser.new_page(service_workers="block"), url)
        if args.lesson is not None or exercise is not None:
            def check(code: str) -> dict:
                if exercise is None:
                    return playground.check_lesson(args.lesson, code)
                return playground.check_exercise(args.exercise, code)
            results = [{"file": str(path), **check(path.read_text(encoding="utf-8"))}
                       for path in args.files]
            browser.close()
            if exercise is not None and not args.json:
                print(f"Exercise: {exercise_title(exercise['task'])}")
            return _report_checks(results, args.json)
        for path in args.files:
            code = path.read_text(encoding="utf-8")
            if args.json:
                result = playground.run(code, args.timeout)
            else:
                if len(args.files) > 1:
                    print(f"==> {path} <==", flush=True)
                result = playground.run(code, args.timeout, on_output=_stream)
                _report(path, result, args.timeout)
            results.append({"file": str(path), **result})
        browser.close()
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    return exit_code(results)


def _report_checks(results: list[dict], as_json: bool) -> int:
    """Print each file's check results (or the JSON); 0 when every file passed every check."""
    if as_json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        for result in results:
            print(f"{result['file']}: {result['summary']}")
            for c in result["checks"]:
                print(f"  {'pass' if c['passed'] else 'FAIL'}  {c['name']}")
                if not c["passed"]:
                    print(f"        {c['message']}")
                    if c["hint"]:
                        print(f"        hint: {c['hint']}")
    return EXIT_OK if all(r["passed"] for r in results) else EXIT_RAISED


def _stream(name: str, text: str) -> None:
    target = sys.stderr if name == "stderr" else sys.stdout
    target.write(text)
    target.flush()


def _report(path: Path, result: dict, timeout: float) -> None:
    if result.get("timedOut"):
        print(f"{path}: timed out after {timeout:g} s and was stopped", file=sys.stderr)
    elif result.get("error"):
        error = result["error"]
        text = error.get("traceback") or f"{error['name']}: {error['message']}"
        print(text, file=sys.stderr, end="" if text.endswith("\n") else "\n")


if __name__ == "__main__":
    sys.exit(main())
