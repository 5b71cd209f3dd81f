"""Benchmark of the playground in headless Chromium: start-up, training speed, transfer size.

Run by `python3 build.py bench --browser` (in the tooling venv, after a build). Prints cold and
warm time to first output, a two-moons MLP training step in Pyodide and in CPython measured in
this same run with their ratio, and what the page transfers, by component.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
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
