"""Benchmark of the playground in headless Chromium: start-up, training speed, transfer size.

Run by `python3 build.py bench --browser` (in the tooling venv, after a build). Prints cold and
warm time to first output, a two-moons MLP training step in Pyodide and in CPython measured in
this same run with their ratio, what the page transfers, by component, and, per package a run
can import, the time its first use spends loading it and the bytes that takes (empty cache, then
a second visit), and the editor's first completion (the completion worker's start).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

import headless  # beside this file; it imports build.py, which `build.py bench` puts on PYTHONPATH

build = headless.build
ROOT = build.ROOT

# The same code runs in the page and in CPython: a 2-16-16-1 tanh MLP, full batch of 200 points.
TRAINING_STEP = """
import time
import numpy as np
import ad
from ad import nn, optim
from ad.nn import functional as F

rng = np.random.default_rng(0)
n = 100
t = rng.uniform(0, np.pi, n)
X = np.concatenate([np.stack([np.cos(t), np.sin(t)], 1),
                    np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)])
X += rng.normal(scale=0.1, size=X.shape)
y = np.concatenate([np.zeros(n), np.ones(n)])[:, None]
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
opt = optim.Adam(model.parameters(), lr=0.05)
Xc, yc = ad.constant(X), ad.constant(y)

def step():
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(Xc), yc)
    loss.backward()
    opt.step()

for _ in range(20):
    step()
times = []
for _ in range(REPEATS):
    t0 = time.perf_counter()
    for _ in range(STEPS):
        step()
    times.append((time.perf_counter() - t0) / STEPS)
times.sort()
print("STEP_US", times[len(times) // 2] * 1e6)
"""

FIRST_OUTPUT = """async () => {
  await window.adPlayground.ready;
  const result = await window.adPlayground.run("print('first output')");
  return { ms: performance.now(), ok: !result.error && result.stdout.includes("first output") };
}"""


def component(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if "/pyodide/" in path:
        if name.startswith("numpy-"):
            return "numpy wheel"
        if name.startswith("ad-"):
            return "ad wheel"
        if name == "pyodide-lock.json":
            return "pyodide lock (with ad)"
        return "Pyodide core"
    if name.endswith(".js"):
        return "our JS"
    if name.endswith(".css"):
        return "our CSS"
    return "HTML and other"


# What a run imports to use each package the site serves on import (see build.RUNTIME_PACKAGES).
FIRST_USE = {"matplotlib": "import matplotlib.pyplot", "scipy": "import scipy.optimize",
             "scikit-learn": "import sklearn.datasets", "pandas": "import pandas",
             "micropip": "import micropip", "sqlite3": "import sqlite3"}
LOAD = """async (code) => {
  await window.adPlayground.ready;
  const result = await window.adPlayground.run(code);
  return { ok: !result.error, error: result.error, packages: result.packages,
           durationMs: result.durationMs };
}"""


def package_bytes(sizes: dict) -> int:
    return sum(size for url, size in sizes.items() if "/pyodide/" in url
               and url.endswith((".whl", ".zip")) and "python_stdlib" not in url)


def measure_first_use(playwright, url: str, code: str) -> dict:
    """Load time and bytes of a package's first use on an empty profile, then on a second visit
    (the browser's cache warm); the import's own time (durationMs) is not load time.

    NOTE: a profile on disk, as a visitor's browser has: the in-memory cache of a plain
    Playwright context keeps no file over a few MB (matplotlib's and scipy's wheels, the wasm),
    so a second visit there would fetch them again where a real browser does not.
    """
    profile = tempfile.TemporaryDirectory(prefix="ad-bench-profile-")
    context = playwright.chromium.launch_persistent_context(
        profile.name, executable_path=build.find_browser(), args=headless.CHROMIUM_ARGS,
        headless=True)
    out = {}
    for visit in ("cold", "warm"):
        page = context.new_page()
        sizes = {}
        page.goto(url)
        page.wait_for_function("window.adPlayground !== undefined")
        page.evaluate("() => window.adPlayground.ready")
        page.on("requestfinished", lambda r, sizes=sizes: sizes.__setitem__(
            r.url, r.sizes()["responseBodySize"]))
        result = page.evaluate(LOAD, code)
        if not result["ok"] or result["packages"] is None:
            raise RuntimeError(f"{code!r} did not load its packages: {result['error']}")
        page.close()
        out[visit] = {"ms": result["packages"]["ms"], "bytes": package_bytes(sizes),
                      "names": result["packages"]["names"], "size": result["packages"]["bytes"],
                      "import_ms": result["durationMs"]}
    context.close()
    profile.cleanup()
    return out


def measure_first_completion(playwright, url: str) -> dict:
    """From typing `np.zer` in a fresh page to jedi's list (its worker boots on that first use,
    when the dot is typed)."""
    profile = tempfile.TemporaryDirectory(prefix="ad-bench-profile-")
    context = playwright.chromium.launch_persistent_context(
        profile.name, executable_path=build.find_browser(), args=headless.CHROMIUM_ARGS,
        headless=True)
    page = context.new_page()
    sizes = {}
    page.goto(url)
    page.evaluate("() => window.adPlayground.ready")
    page.get_by_role("textbox").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("import numpy as np\n")
    page.on("requestfinished", lambda r: sizes.__setitem__(r.url, r.sizes()["responseBodySize"]))
    started = page.evaluate("performance.now()")
    page.keyboard.type("np.zer")  # NOTE: the list renders its first 100 names only; np. has 600
    page.get_by_role("option").filter(has_text="zeros").first.wait_for(timeout=120_000)
    ms = page.evaluate("performance.now()") - started
    context.close()
    profile.cleanup()
    return {"ms": ms, "bytes": sum(sizes.values())}


def measure_visit(context, url: str, sizes: dict | None) -> float:
    page = context.new_page()
    if sizes is not None:
        def record(request) -> None:
            size = request.sizes()
            sizes[request.url] = size["responseBodySize"] + size["responseHeadersSize"]
        page.on("requestfinished", record)
    page.goto(url)
    page.wait_for_function("window.adPlayground !== undefined")
    result = page.evaluate(FIRST_OUTPUT)
    # Like a visitor who stays a moment: the page stores its interpreter snapshot after Python
    # is ready, and the next visit restores it (see web/src/worker/snapshot.ts).
    page.wait_for_function(headless.SNAPSHOT_STORED, timeout=20_000)
    page.close()
    if not result["ok"]:
        raise RuntimeError("the page did not print its first output")
    return result["ms"]


def pyodide_step_us(playground, steps: int, repeats: int) -> float:
    code = TRAINING_STEP.replace("REPEATS", str(repeats)).replace("STEPS", str(steps))
    result = playground.run(code, timeout_s=600)
    if result.get("error"):
        raise RuntimeError(result["error"].get("traceback"))
    return float(result["stdout"].split("STEP_US")[1].split()[0])


def cpython_step_us(steps: int, repeats: int) -> float:
    code = TRAINING_STEP.replace("REPEATS", str(repeats)).replace("STEPS", str(steps))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "py")}).stdout
    return float(out.split("STEP_US")[1].split()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py bench --browser")
    parser.add_argument("--visits", type=int, default=3,
                        help="cold and warm visits to time (median)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    site = build.SITE_DIR
    cold, warm, sizes = [], [], {}
    with headless.served_site(site) as url, sync_playwright() as playwright:
        browser = headless.launch_chromium(playwright)
        for visit in range(args.visits):
            context = browser.new_context()  # an empty profile: nothing cached
            cold.append(measure_visit(context, url, sizes if visit == 0 else None))
            warm.append(measure_visit(context, url, None))  # second visit: the HTTP cache is warm
            context.close()
        playground = headless.Playground(browser.new_page(), url)
        py_steps, cp_steps = [], []
        for _ in range(3):  # interleaved, so machine noise hits both alike
            py_steps.append(pyodide_step_us(playground, args.steps, args.repeats))
            cp_steps.append(cpython_step_us(args.steps, args.repeats))
        browser.close()
        first_use = {name: measure_first_use(playwright, url, code)
                     for name, code in FIRST_USE.items()}
        completion = measure_first_completion(playwright, url)

    print(f"Playground in headless Chromium ({build.find_browser()}), "
          f"site {site.relative_to(ROOT)}/, served from localhost")
    print(f"  cold start to first output (empty profile): "
          f"median {statistics.median(cold) / 1000:.2f} s  "
          f"(runs: {', '.join(f'{c / 1000:.2f}' for c in cold)})   target < 4 s")
    print(f"  warm start to first output (second visit):  "
          f"median {statistics.median(warm) / 1000:.2f} s  "
          f"(runs: {', '.join(f'{w / 1000:.2f}' for w in warm)})   target < 2 s")
    py, cp = statistics.median(py_steps), statistics.median(cp_steps)
    print(f"  two-moons MLP step (2-16-16-1, batch 200, Adam): Pyodide {py:.0f} us, "
          f"CPython {cp:.0f} us, ratio {py / cp:.2f}x")
    by_component = defaultdict(int)
    for request_url, size in sizes.items():
        by_component[component(request_url)] += size
    print("  transferred on a cold visit, by component:")
    for name, size in sorted(by_component.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<24} {size / 1024:>9.1f} KiB")
    print(f"    {'total':<24} {sum(by_component.values()) / 1024:>9.1f} KiB")
    mb = lambda n: f"{n / 2**20:.1f} MB"  # noqa: E731
    print("  first use of a package (a run that imports it; loading only, not the import):")
    for name, m in first_use.items():
        cold, warm = m["cold"], m["warm"]
        print(f"    {name:<13} {len(cold['names']):>2} packages {mb(cold['size']):>8}: "
              f"empty cache {cold['ms'] / 1000:.2f} s, {mb(cold['bytes'])} transferred; "
              f"second visit {warm['ms'] / 1000:.2f} s, {mb(warm['bytes'])} transferred; "
              f"then the import itself {cold['import_ms'] / 1000:.2f} s")
    print(f"  first completion (typing `np.zer`; the jedi worker boots): "
          f"{completion['ms'] / 1000:.2f} s, {mb(completion['bytes'])} transferred "
          "(the runtime's own files come from the cache the page's boot filled)")
    ours = [p for p in site.rglob("*")
            if p.suffix in (".js", ".css", ".html") and "pyodide" not in p.parts]
    eager = [p for p in ours if "chunks" not in p.parts or any(p.name in u for u in sizes)]
    gz = lambda paths: sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths) / 1024
    print(f"  our JS, CSS and HTML gzipped: {gz(eager):.1f} KiB loaded at start-up, "
          f"{gz(ours):.1f} KiB in all (target < 250 KiB); "
          f"lazily loaded chunks not fetched at start: "
          f"{sorted(p.name for p in set(ours) - set(eager)) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
