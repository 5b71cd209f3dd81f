"""The course's benchmark: lesson 15's tiny GPT trained on names, as a learner's Run does it, in
the page (Pyodide in Chromium) and in CPython, measured in the same run.

Prints the time per training step in both and their ratio, the training's total time (target:
at most 60 s in the page), the held-out loss against the bigram baseline the lesson computes
first, a few sampled names, and how long the lesson's Check takes in the page (it skips the
training). The code run is the lesson's own solution.py, unchanged: what a learner's Run does.

Entry point for web/bench.py: `course_section(playground)`, given a `headless.Playground` on the
served site; it prints its lines as it goes and returns them. Standalone, after a build (on a
shared machine under `flock /tmp/ad-heavy.lock`):
    PYTHONPATH=. .venv/bin/python web/bench_course.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import headless  # beside this file; it imports build.py (the repository root on PYTHONPATH)

build = headless.build
LESSON = build.LESSONS_DIR / "15-tiny-gpt"
TARGET_S = 60  # the limit for the training in the page
# The solution's own report: "2500 steps in 31.0 s; held-out loss 2.000 (bigram 2.345)".
REPORT = re.compile(r"(\d+) steps in ([\d.]+) s; held-out loss ([\d.]+) \(bigram ([\d.]+)\)")


def parse(stdout: str) -> dict:
    found = REPORT.search(stdout)
    if found is None:
        raise RuntimeError(f"lesson 15's solution printed no training report:\n{stdout}")
    steps, seconds, loss, bigram = found.groups()
    names = stdout.split("new names:", 1)[1].splitlines()[0] if "new names:" in stdout else ""
    return {"steps": int(steps), "seconds": float(seconds), "loss": float(loss),
            "bigram": float(bigram), "names": [n.strip() for n in names.split(",") if n.strip()]}


def in_page(playground, code: str) -> dict:
    """The solution run as the page's Run runs it; its report, and the whole run's time."""
    result = playground.run(code, timeout_s=300)
    if result.get("error"):
        raise RuntimeError(f"lesson 15 failed in the page: {result['error'].get('traceback')}")
    return {**parse(result["stdout"]), "run_s": result["durationMs"] / 1000}


def in_cpython(code: str) -> dict:
    """The same code in CPython (this venv's), with the engine and the page modules on the path."""
    path = os.pathsep.join(str(build.ROOT / p) for p in ("py", "web/python"))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=600, env={**os.environ, "PYTHONPATH": path})
    return {**parse(done.stdout), "run_s": time.perf_counter() - started}


def check_in_page(playground, code: str) -> float:
    """Seconds the lesson's Check takes on the solution in the page (checkLesson)."""
    started = time.perf_counter()
    result = playground.check_lesson(LESSON.name, code)
    if not result.get("passed"):
        raise RuntimeError(f"lesson 15's solution failed its checks in the page: {result}")
    return time.perf_counter() - started


def course_section(playground, say=print) -> list[str]:
    """Lesson 15's training in the page and in CPython; prints (with `say`) and returns lines."""
    code = (LESSON / "solution.py").read_text()
    page, cpython = in_page(playground, code), in_cpython(code)
    check_s = check_in_page(playground, code)
    page_ms = page["seconds"] / page["steps"] * 1e3
    cp_ms = cpython["seconds"] / cpython["steps"] * 1e3
    lines = [
        "  course: lesson 15's tiny GPT on names (1 block, C=24, 4 heads, T=12; Adam, batch 32), "
        f"{page['steps']} steps in the page, {cpython['steps']} in CPython",
        f"    per training step: Pyodide {page_ms:.1f} ms, CPython {cp_ms:.1f} ms, "
        f"ratio {page_ms / cp_ms:.2f}x",
        f"    training: Pyodide {page['seconds']:.1f} s (the whole Run {page['run_s']:.1f} s), "
        f"CPython {cpython['seconds']:.1f} s   target <= {TARGET_S} s in the page"
        + ("" if page["seconds"] <= TARGET_S else "   OVER"),
        f"    held-out loss: {page['loss']:.3f} in the page, {cpython['loss']:.3f} in CPython; "
        f"bigram baseline {page['bigram']:.3f}",
        f"    sampled in the page: {', '.join(page['names'][:10])}",
        f"    Check on the solution (no training): {check_s:.1f} s in the page",
    ]
    for line in lines:
        say(line)
    return lines


def main() -> int:
    from playwright.sync_api import sync_playwright

    with headless.served_site(build.SITE_DIR) as url, sync_playwright() as playwright:
        browser = headless.launch_chromium(playwright)
        try:
            course_section(headless.Playground(browser.new_page(), url))
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
