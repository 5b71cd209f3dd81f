"""Benchmark of the playground in headless Chromium: start-up against the floor, input latency
while Python boots, training speed, transfer size.

Run by `python3 build.py bench --browser` (in the tooling venv, after a build; on a shared
machine under `flock /tmp/ad-heavy.lock`). Prints:
- time to first output of the playground and of the floor (a bare page: Pyodide from the same
  site in a module worker, numpy loaded, one line printed), measured side by side in one run,
  rounds interleaved, for a cold visit (empty profile) and a second visit (same profile), with
  their ratios and the stage breakdown;
- keypress -> next frame in the editor while Python boots;
- a two-moons MLP training step in Pyodide and in CPython, measured in this same run, and their
  ratio; what the page transfers, by component;
- per package a run can import, the time its first use spends loading it and the bytes that
  takes (empty cache, then a second visit), and the editor's first completion (the completion
  worker's start);
- the stepper (show_backward) on a ~500-node graph: each step's input -> next painted frame
  (Next step clicks, slider arrow keys, whole-range slider jumps), and ad.replay of a
  1,000-node graph timed inside Pyodide.
- runs: Run click -> first output with the page idle, 20 runs back to back and 20 fast clicks
  (each run's wait, whether each interpreter was fresh), the idle page's memory with its
  workers, and a first and a second run importing matplotlib.
- course: lesson 15's tiny GPT trained as a learner's Run does (bench_course.py): time per
  step in Pyodide against CPython, the total (target at most 60 s), the held-out loss against
  the bigram baseline, and the lesson's Check.
`--only SECTION` (startup, training, packages, stepper, runs, course; repeatable) runs just
those.

NOTE: every visit launches Chromium on a persistent profile (a user-data-dir on disk), as a
returning visitor's browser is. Playwright's new_context() is off the record: V8 never uses its
WebAssembly code cache there, which makes a second visit ~2 s slower than any visitor sees.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import bench_course  # beside this file, as headless.py is
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


# ---- start-up against the floor (persistent profiles) ----

# The floor: the least a page must do to print a line with numpy imported, from the same site
# (the same Pyodide files, the same server and headers). Its page marks what it hears from its
# worker with the playground's mark names (web/src/runner.ts), so both break down alike.
FLOOR_FILES = {
    "floor.html": """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>floor: Pyodide + numpy in a module worker</title>
  <script type="module" src="floor-page.js"></script>
</head>
<body><pre id="out"></pre></body>
</html>
""",
    "floor-page.js": """performance.mark("ad:worker-start");
const worker = new Worker(new URL("./floor-worker.js", import.meta.url), { type: "module" });
window.floor = new Promise((resolve) => {
  worker.addEventListener("message", (e) => {
    if (e.data.stage !== "line") {
      performance.mark(`ad:${e.data.stage}-done`);
      return;
    }
    document.getElementById("out").textContent = e.data.text;
    resolve({ ms: performance.now(), text: e.data.text });
  });
  worker.addEventListener("error", (e) =>
    resolve({ ms: performance.now(), text: `error: ${e.message}` }));
});
""",
    "floor-worker.js": """const base = self.location.href;
const { loadPyodide } = await import(new URL("./pyodide/pyodide.mjs", base).href);
const py = await loadPyodide({
  indexURL: new URL("./pyodide/", base).href,
  stdout: (text) => self.postMessage({ stage: "line", text }),
});
self.postMessage({ stage: "runtime" });
await py.loadPackage("numpy", { messageCallback: () => {}, errorCallback: () => {} });
py.runPython("import numpy");
self.postMessage({ stage: "numpy" });
py.runPython("print('floor', numpy.__version__)");
""",
}

# The boot marks (performance.mark "ad:*"), first of each name: the standby worker marks too.
MARKS = """() => {
  const marks = {};
  for (const m of performance.getEntriesByType("mark")) {
    const name = m.name.slice(3);
    if (m.name.startsWith("ad:") && !(name in marks)) marks[name] = m.startTime;
  }
  return marks;
}"""
STAGES = ("page", "runtime", "numpy", "ad", "output")

# Keypress -> the next frame, for every key typed into the page (installed before its scripts).
LATENCY_PROBE = """
window.__adKeys = [];
addEventListener("keydown", (event) => {
  const pressed = event.timeStamp;
  requestAnimationFrame(() => window.__adKeys.push(performance.now() - pressed));
}, true);
"""

# NOTE: a freshly launched Chromium spends ~2 s of CPU building its own UI (the omnibox popup's
# WebUI) in another renderer; on 2 cores that would land inside the visit. A returning
# visitor's browser is already running: wait it out before each visit.
SETTLE_S = 4.0
DWELL_S = 2.0  # a visitor stays after the first output (the page stores its snapshot meanwhile)


def floor_site(site: Path, root: Path) -> Path:
    """The built site plus the floor page, hard-linked into `root` (no copy of 30 MB)."""
    dest = root / "site"

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(site, dest, copy_function=link)
    for name, text in FLOOR_FILES.items():
        (dest / name).write_text(text)
    return dest


def _busy_ticks() -> int:
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait


def _tree_ticks(root_pid: int) -> dict[int, int]:
    """CPU ticks of every process in root_pid's tree, by pid."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
            except (OSError, IndexError, ValueError):
                continue
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _) in table.items():
        children[ppid].append(pid)
    ours, todo = {}, [root_pid]
    while todo:
        pid = todo.pop()
        if pid in table:
            ours[pid] = table[pid][1]
        todo.extend(children.get(pid, []))
    return ours


class LoadMeter:
    """CPU seconds other processes (other users of the machine) used during a visit."""

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = os.path.exists("/proc/stat")

    def start(self) -> None:
        if self.available:
            self.t0, self.busy0 = time.monotonic(), _busy_ticks()
            self.ours0 = _tree_ticks(os.getpid())

    def stop(self) -> float | None:
        """Cores' worth of CPU others used meanwhile (0.5 = half a core), or None off Linux."""
        if not self.available:
            return None
        # NOTE: per pid, so a process of ours that ended meanwhile is not counted as others'.
        ours = sum(t - self.ours0.get(pid, 0) for pid, t in _tree_ticks(os.getpid()).items())
        others = max(0, _busy_ticks() - self.busy0 - ours) / self.tick
        return others / max(1e-3, time.monotonic() - self.t0)


class Profile:
    """A browser profile on disk; every visit launches Chromium on it anew, as a returning
    visitor's browser would have its HTTP cache, Cache Storage and V8 code cache."""

    def __init__(self, playwright, root: Path):
        self.playwright = playwright
        self.dir = tempfile.mkdtemp(prefix="profile-", dir=root)

    def visit(self, work, init_script: str | None = None):
        context = self.playwright.chromium.launch_persistent_context(
            self.dir, executable_path=build.find_browser(), args=headless.CHROMIUM_ARGS,
            headless=True)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            if init_script:
                page.add_init_script(init_script)
            time.sleep(SETTLE_S)
            return work(page)
        finally:
            context.close()

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def stage_times(marks: dict, output_ms: float) -> dict:
    """The boot's stages as durations (ms): page (navigation -> worker start), runtime, numpy,
    ad (None for the floor), output (from the last stage to the first output on the page)."""
    t = {"page": marks.get("worker-start")}
    t["runtime"] = _span(marks, "worker-start", "runtime-done")
    t["numpy"] = _span(marks, "runtime-done", "numpy-done")
    t["ad"] = _span(marks, "numpy-done", "ad-done")
    last = marks.get("ad-done", marks.get("numpy-done"))
    t["output"] = None if last is None else output_ms - last
    return t


def _span(marks: dict, a: str, b: str) -> float | None:
    return marks[b] - marks[a] if a in marks and b in marks else None


def visit_playground(page, url: str, sizes: dict | None = None) -> dict:
    if sizes is not None:
        def record(request) -> None:
            size = request.sizes()
            sizes[request.url] = size["responseBodySize"] + size["responseHeadersSize"]
        page.on("requestfinished", record)
    page.goto(url)
    headless.wait_until(page, "() => window.adPlayground !== undefined")
    result = page.evaluate(FIRST_OUTPUT)
    if not result["ok"]:
        raise RuntimeError("the page did not print its first output")
    marks = page.evaluate(MARKS)
    boot = page.evaluate("() => window.adPlayground.status().boot")
    time.sleep(DWELL_S)  # like a visitor who stays a moment
    return {"ms": result["ms"], "stages": stage_times(marks, result["ms"]), "boot": boot}


def visit_floor(page, url: str) -> dict:
    page.goto(url + "floor.html")
    headless.wait_until(page, "() => window.floor !== undefined")
    result = page.evaluate("() => window.floor")
    if not result["text"].startswith("floor"):
        raise RuntimeError(f"the floor page printed {result['text']!r}")
    marks = page.evaluate(MARKS)
    time.sleep(DWELL_S)
    return {"ms": result["ms"], "stages": stage_times(marks, result["ms"])}


def visit_typing(page, url: str) -> dict:
    """Type into the editor from the moment it shows until Python is ready; each key's latency
    (keydown -> the next animation frame) while the runtime boots."""
    page.goto(url)
    editor = page.get_by_role("textbox", name="Python code")  # CodeMirror's content
    editor.wait_for(timeout=30_000)
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    typed, started = 0, time.monotonic()
    while page.evaluate("() => window.adPlayground === undefined || "
                        "window.adPlayground.status().phase === 'booting'"):
        page.keyboard.press("#" if typed == 0 else "x")
        typed += 1
        page.wait_for_timeout(30)
        if time.monotonic() - started > 120:
            raise TimeoutError("Python did not become ready while typing")
    latencies = page.evaluate("() => window.__adKeys")
    if len(latencies) < typed:
        raise RuntimeError(f"typed {typed} keys, the page saw {len(latencies)}")
    return {"latencies": latencies}


def startup_vs_floor(playwright, site: Path, rounds: int, sizes: dict) -> dict:
    """Cold and second visits of the playground and of the floor, interleaved round by round
    (who goes first alternates), each pair of visits in its own fresh profile; plus a cold visit
    that types while Python boots."""
    results = {kind: {"playground": [], "floor": []} for kind in ("cold", "second")}
    results["typing"], results["load"], results["boot"] = [], [], []
    meter = LoadMeter()
    with tempfile.TemporaryDirectory(prefix="ad-bench-") as tmp:
        root = Path(tmp)
        with headless.served_site(floor_site(site, root)) as url:
            for r in range(rounds):
                subjects = ["playground", "floor"] if r % 2 == 0 else ["floor", "playground"]
                for subject in subjects:
                    profile = Profile(playwright, root)
                    try:
                        for kind in ("cold", "second"):
                            meter.start()
                            if subject == "floor":
                                res = profile.visit(lambda p: visit_floor(p, url))
                            else:
                                record = sizes if r == 0 and kind == "cold" else None
                                res = profile.visit(lambda p: visit_playground(p, url, record))
                                if kind == "second":
                                    results["boot"].append(res["boot"])
                            results["load"].append(meter.stop())
                            results[kind][subject].append(res)
                    finally:
                        profile.close()
                profile = Profile(playwright, root)
                try:
                    meter.start()
                    results["typing"].append(
                        profile.visit(lambda p: visit_typing(p, url), init_script=LATENCY_PROBE))
                    results["load"].append(meter.stop())
                finally:
                    profile.close()
                pg, fl = results["cold"]["playground"][-1], results["cold"]["floor"][-1]
                pg2, fl2 = results["second"]["playground"][-1], results["second"]["floor"][-1]
                print(f"  round {r + 1}/{rounds}: cold {pg['ms'] / 1000:.2f} s vs floor "
                      f"{fl['ms'] / 1000:.2f} s; second visit {pg2['ms'] / 1000:.2f} s "
                      f"({results['boot'][-1]}) vs floor {fl2['ms'] / 1000:.2f} s", flush=True)
    return results


def _stage_median(visits: list[dict], name: str) -> str:
    values = [v["stages"][name] for v in visits if v["stages"][name] is not None]
    return f"{name} {statistics.median(values):.0f}" if values else f"{name} -"


def report_startup(results: dict) -> None:
    med = statistics.median
    floor_cold = med(v["ms"] for v in results["cold"]["floor"])
    print("  time to first output, persistent profiles, median of "
          f"{len(results['cold']['floor'])} interleaved rounds (s; stages in ms: "
          "page = navigation -> worker start, runtime, numpy, ad, output = ready -> first output)")
    targets = {"cold": ("playground / floor cold", 1.0), "second": ("playground / floor cold", 0.5)}
    for kind in ("cold", "second"):
        for subject in ("playground", "floor"):
            visits = results[kind][subject]
            ms = [v["ms"] for v in visits]
            stages = "  ".join(_stage_median(visits, name) for name in STAGES)
            print(f"    {kind:<6} {subject:<10} {med(ms) / 1000:6.2f}   ({stages};"
                  f" runs {', '.join(f'{m / 1000:.2f}' for m in ms)})")
        label, target = targets[kind]
        ratio = med(v["ms"] for v in results[kind]["playground"]) / floor_cold
        same = med(v["ms"] for v in results[kind]["playground"]) / med(
            v["ms"] for v in results[kind]["floor"])
        print(f"    {kind:<6} ratio {label}: {ratio:.2f}x (target <= {target}x); "
              f"to the floor's own {kind} visit: {same:.2f}x")
    print(f"    second visits booted from: {', '.join(results['boot'])}")
    keys = sorted(k for visit in results["typing"] for k in visit["latencies"])
    if keys:
        pick = lambda q: keys[min(len(keys) - 1, int(q * len(keys)))]
        print(f"  input latency while Python boots (cold visit, keydown -> next frame, "
              f"{len(keys)} keys): median {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms, "
              f"max {keys[-1]:.0f} ms   target: smooth (< 50 ms)")
    load = [x for x in results["load"] if x is not None]
    if load:
        print(f"  machine load from other processes during the visits: median {med(load):.2f} "
              f"cores, max {max(load):.2f} (of {os.cpu_count()})")


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


SECTIONS = ("startup", "training", "packages", "stepper", "runs", "course")


# ---- runs: what a fresh interpreter per run costs a person clicking Run ----

# Stamps the first output of the next run: a MutationObserver on the Output pane (the text a
# person sees), armed just before the click; the click's own time comes from the event.
ARM_FIRST_OUTPUT = """() => {
  const pane = document.getElementById("output");
  window.__adFirst = null;
  const button = document.getElementById("run");
  const clicked = (e) => { window.__adClicked = e.timeStamp; };
  button.addEventListener("click", clicked, { once: true, capture: true });
  const seen = new MutationObserver(() => {
    if (window.__adFirst === null && pane.textContent.includes("RUN_MARK")) {
      window.__adFirst = performance.now() - window.__adClicked;
      seen.disconnect();
    }
  });
  seen.observe(pane, { childList: true, subtree: true, characterData: true });
}"""

# A run whose output says whether its interpreter is fresh: `builtins.runs` counts the runs an
# interpreter has seen (a reused one prints 2, 3, ...).
FRESH_RUN = """import builtins
builtins.runs = getattr(builtins, "runs", 0) + 1
print("RUN_MARK", builtins.runs)
"""

MATPLOTLIB_RUN = """import time
t0 = time.perf_counter()
import matplotlib.pyplot as plt
print("RUN_MARK import", round((time.perf_counter() - t0) * 1000))
plt.plot([1, 2, 3])
"""


def _idle(page) -> None:
    """Wait until no run is in progress and the next run's interpreter is ready (a page
    without that status field: a fixed pause), then a moment more, as a person reading the
    output would."""
    headless.wait_until(page, """() => {
        const s = window.adPlayground.status();
        return !s.running && (s.standby === undefined || s.standby === "ready");
    }""", 300)
    page.wait_for_timeout(RUNS_IDLE_MS)


RUNS_IDLE_MS = 1500


def click_run(page, code: str) -> dict:
    """Put `code` in the editor, press Run as a person does; click -> first output (ms), and
    the run's end as the page reports it."""
    page.get_by_role("textbox", name="Python code").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    page.evaluate(ARM_FIRST_OUTPUT)
    page.get_by_role("button", name="Run", exact=True).click()
    headless.wait_until(page, "() => window.__adFirst !== null", 300)
    first = page.evaluate("() => window.__adFirst")
    headless.wait_until(page, "() => !window.adPlayground.status().running", 300)
    return {"first_ms": first, "text": page.get_by_role("log", name="Output").inner_text()}


# 20 runs back to back through the automation API, each started the moment the one before
# settled (faster than any person clicks): per run, call -> settled, and whether it was fresh.
BURST = """async ([code, count]) => {
  const api = window.adPlayground;
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await api.run(code);
    out.push({ ms: performance.now() - t0, stdout: r.stdout, error: r.error });
  }
  return out;
}"""

# Clicks as fast as a person clicks (150 ms apart): every click starts a run (stopping the one
# before, if any); all must settle, the last must finish.
CLICKS = """async ([count, gapMs]) => {
  const api = window.adPlayground;
  const button = document.getElementById("run");
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    button.click();
    await new Promise((r) => setTimeout(r, gapMs));
  }
  while (api.status().running) await new Promise((r) => setTimeout(r, 20));
  return performance.now() - t0;
}"""

MEMORY = """async () => {
  if (typeof performance.measureUserAgentSpecificMemory !== "function") return null;
  const m = await performance.measureUserAgentSpecificMemory();
  const workers = m.breakdown.filter((b) => b.attribution.some((a) =>
    a.scope === "DedicatedWorkerGlobalScope"));
  return { bytes: m.bytes, workers: workers.reduce((n, b) => n + b.bytes, 0),
           workerCount: new Set(workers.flatMap((b) => b.attribution.map((a) => a.url))).size };
}"""


def measure_runs(playwright, url: str, rounds: int) -> dict:
    """Click -> first output of a run with the page idle (a standby ready), 20 runs back to
    back, 20 fast clicks, the page's memory with its standby, and a second matplotlib run."""
    browser = playwright.chromium.launch(
        executable_path=build.find_browser(), headless=True,
        # measureUserAgentSpecificMemory answers at once instead of after the next GC (~20 s)
        args=[*headless.CHROMIUM_ARGS, "--enable-blink-features=ForceEagerMeasureMemory"])
    page = browser.new_page()
    page.goto(url)
    page.evaluate("() => window.adPlayground.ready")
    out: dict = {"idle": []}
    for _ in range(rounds):
        _idle(page)
        out["idle"].append(click_run(page, FRESH_RUN)["first_ms"])
    _idle(page)
    burst = page.evaluate(BURST, [FRESH_RUN, 20])
    out["burst"] = [b["ms"] for b in burst]
    out["burst_fresh"] = sum(b["stdout"].strip() == "RUN_MARK 1" for b in burst)
    out["burst_errors"] = [b["error"]["message"] for b in burst if b["error"]]
    _idle(page)
    page.get_by_role("textbox", name="Python code").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(FRESH_RUN)
    out["clicks_ms"] = page.evaluate(CLICKS, [20, 150])
    out["clicks_last"] = page.get_by_role("log", name="Output").inner_text()
    _idle(page)
    out["memory"] = page.evaluate(MEMORY)
    _idle(page)
    first = click_run(page, MATPLOTLIB_RUN)
    _idle(page)
    second = click_run(page, MATPLOTLIB_RUN)
    out["matplotlib"] = [first, second]
    browser.close()
    return out


def report_runs(m: dict) -> None:
    idle = sorted(m["idle"])
    print(f"  Run click -> first output, page idle: median {statistics.median(idle):.0f} ms "
          f"(min {idle[0]:.0f}, max {idle[-1]:.0f}, {len(idle)} runs)")
    burst = m["burst"]
    print(f"  20 runs back to back (automation API, each as soon as the last settled): "
          f"median {statistics.median(burst):.0f} ms per run, max {max(burst):.0f} ms, total "
          f"{sum(burst) / 1000:.1f} s; fresh interpreters {m['burst_fresh']} of {len(burst)}; "
          f"errors {m['burst_errors'] or 'none'}")
    last = m["clicks_last"].strip().splitlines()
    print(f"  20 Run clicks 150 ms apart: all settled {m['clicks_ms'] / 1000:.1f} s after the "
          f"first; the last run printed {last[0] if last else 'nothing'!r}")
    mem = m["memory"]
    if mem is not None:
        print(f"  memory of the idle page: {mem['bytes'] / 2**20:.0f} MiB, of which workers "
              f"{mem['workers'] / 2**20:.0f} MiB ({mem['workerCount']} worker(s))")
    else:
        print("  memory: performance.measureUserAgentSpecificMemory is not available")
    for label, r in zip(("first", "second"), m["matplotlib"]):
        line = next((x for x in r["text"].splitlines() if "RUN_MARK import" in x), "")
        loaded = next((x for x in r["text"].splitlines() if x.startswith("Loaded")), "nothing")
        print(f"  {label} run importing matplotlib.pyplot: click -> first output "
              f"{r['first_ms']:.0f} ms (import {line.split()[-1] if line else '?'} ms; "
              f"packages: {loaded})")


# ---- the stepper at ~500 nodes, and ad.replay at 1,000, in the page ----

# 1 + 4 * ROUNDS nodes: x, then per round a constant, Mul, Add and Tanh (x feeds every Add: a
# shared leaf); 3 * ROUNDS backward steps.
STEPPER_ROUNDS = 125  # 501 nodes
SMALL_ROUNDS = 8  # 33 nodes
STEPPER_GRAPH = """
import time
from ad import tensor
from playground import show_backward
x = tensor(0.5)
h = x
for _ in range(ROUNDS):
    h = (h * 0.9 + x).tanh()
t0 = time.perf_counter()
show_backward(h, title="TITLE")
print("SHOW_MS", (time.perf_counter() - t0) * 1e3)
"""

# ad.replay timed where it runs for a visitor: Pyodide, inside a run.
REPLAY_1000 = """
import time
import ad
from ad import tensor
x = tensor(0.5)
h = x
for _ in range(250):
    h = (h * 0.9 + x).tanh()
nodes = len(ad.graph(h)["nodes"])
times = []
for _ in range(REPEATS):
    t0 = time.perf_counter()
    r = ad.replay(h)
    times.append(time.perf_counter() - t0)
times.sort()
print("REPLAY", nodes, len(r.steps), times[len(times) // 2] * 1e3, times[0] * 1e3)
"""

# Input -> the next painted frame, for each step taken in the figure: from the event's time to a
# task queued by the next animation frame's callback (which runs after that frame's style,
# layout and paint); and the script's share: the event's time to the end of its handlers (the
# click's, or the input event's a slider key causes). Clicks are the buttons; keydowns are the
# slider's arrow, Home and End keys.
STEP_PROBE = """(figure) => {
  window.__adSteps = [];
  let pending = null;
  const start = (event) => {
    const t0 = event.timeStamp;
    const sample = { frame: null, script: null };
    pending = { t0, sample };
    requestAnimationFrame(() => setTimeout(() => {
      sample.frame = performance.now() - t0;
      window.__adSteps.push(sample);
    }));
  };
  const handled = () => {
    if (pending !== null) pending.sample.script = performance.now() - pending.t0;
    pending = null;
  };
  for (const type of ["click", "keydown"]) figure.addEventListener(type, start, true);
  for (const type of ["click", "input"]) window.addEventListener(type, handled);
}"""


def open_stepper(page, rounds: int) -> tuple:
    """Type STEPPER_GRAPH (`rounds` rounds) into the editor and Run it, as a person does; the
    drawn figure and what it took."""
    title = f"stepper benchmark, {rounds} rounds"
    page.get_by_role("textbox", name="Python code").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(STEPPER_GRAPH.replace("ROUNDS", str(rounds)).replace("TITLE", title))
    page.get_by_role("button", name="Run", exact=True).click()
    output = page.get_by_role("log", name="Output")
    figure = output.get_by_role("figure", name=title)
    figure.locator(".graph-svg").wait_for(timeout=120_000)  # drawn (marked in the same task)
    status = figure.get_by_role("status")
    return figure, {
        "show_ms": float(output.inner_text().split("SHOW_MS")[1].split()[0]),
        "layout_ms": float(figure.locator(".graph-svg").get_attribute("data-layout-ms")),
        "draw_ms": float(figure.get_attribute("data-draw-ms")),
        "nodes": figure.locator(".graph-node").evaluate_all(
            "(gs) => new Set(gs.map((g) => g.dataset.id)).size"),
        "total": int(status.inner_text().split(" of ")[1].split(":")[0]),
    }


def time_steps(page, figure, total: int, steps: int, jumps: int) -> dict:
    """From step 0: `steps` Next step clicks, then `steps` slider arrow keys, then `jumps` slider
    jumps across all `total` steps (End, Home, ...); each one's timings (STEP_PROBE)."""
    if total < 2 * steps:
        raise RuntimeError(f"the benchmark graph has {total} backward steps; it needs {2 * steps}")
    figure.evaluate(STEP_PROBE)
    status = figure.get_by_role("status")

    def timed(act, count: int) -> list[dict]:
        before = page.evaluate("() => window.__adSteps.length")
        for i in range(count):
            act(i)
            headless.wait_until(page, f"() => window.__adSteps.length >= {before + i + 1}")
        return page.evaluate(f"() => window.__adSteps.slice({before})")

    out = {}
    following = figure.get_by_role("button", name="Next step")
    out["next"] = timed(lambda i: following.click(), steps)
    if not status.inner_text().startswith(f"Step {steps} of {total}:"):
        raise RuntimeError(f"after {steps} clicks of Next step the status reads "
                           f"{status.inner_text()!r}")
    slider = figure.get_by_role("slider", name="Backward step")
    slider.focus()
    out["slider"] = timed(lambda i: page.keyboard.press("ArrowRight"), steps)
    if slider.input_value() != str(2 * steps):
        raise RuntimeError(f"the slider did not move: it reads {slider.input_value()}")
    out["jump"] = timed(lambda i: page.keyboard.press("End" if i % 2 == 0 else "Home"), jumps)
    if jumps and not status.inner_text().startswith(
            f"Step {0 if jumps % 2 == 0 else total} of {total}"):
        raise RuntimeError(f"the slider jumps ended at {status.inner_text()!r}")
    return out


def measure_stepper(browser, url: str, steps: int, jumps: int, repeats: int) -> dict:
    """ad.replay of a 1,000-node graph in the page's Pyodide; the stepper on a ~500-node graph
    (STEPPER_ROUNDS) and, for scale, on a small one: each step's input -> next painted frame."""
    page = browser.new_page()
    playground = headless.Playground(page, url)
    page.evaluate("() => window.adPlayground.ready")
    result = playground.run(REPLAY_1000.replace("REPEATS", str(repeats)), timeout_s=300)
    if result.get("error"):
        raise RuntimeError(result["error"].get("traceback"))
    nodes, replay_steps, replay_median, replay_best = result["stdout"].split("REPLAY")[1].split()
    out = {"replay": {"nodes": int(nodes), "steps": int(replay_steps),
                      "median_ms": float(replay_median), "best_ms": float(replay_best),
                      "repeats": repeats}}
    figure, small = open_stepper(page, SMALL_ROUNDS)
    small.update(time_steps(page, figure, small["total"], min(steps, small["total"] // 2), 0))
    figure, big = open_stepper(page, STEPPER_ROUNDS)
    big.update(time_steps(page, figure, big["total"], steps, jumps))
    page.close()
    return {**out, "small": small, "big": big}


def report_stepper(m: dict) -> None:
    def spread(samples: list[dict]) -> str:
        ms = sorted(s["frame"] for s in samples)
        script = sorted(s["script"] for s in samples if s["script"] is not None)
        pick = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
        return (f"{len(ms)}: median {pick(ms, 0.5):.1f} ms, p95 {pick(ms, 0.95):.1f} ms, max "
                f"{ms[-1]:.1f} ms (the script's share: median {pick(script, 0.5):.1f} ms, p95 "
                f"{pick(script, 0.95):.1f} ms)")

    big, small = m["big"], m["small"]
    print(f"  stepper (show_backward) on a {big['nodes']}-node graph, {big['total']} backward "
          f"steps: Python side (replay and the figure's data) {big['show_ms']:.0f} ms, layout "
          f"{big['layout_ms']:.0f} ms, drawn {big['draw_ms']:.0f} ms after it reached the page")
    print("    one step, input -> next painted frame   target: within a frame or two "
          "(~17-33 ms)")
    print(f"      Next step clicks, {spread(big['next'])}")
    print(f"      Backward step slider, arrow key, {spread(big['slider'])}")
    print(f"      slider jumps over all {big['total']} steps (End, Home), {spread(big['jump'])}")
    print(f"    for scale, a {small['nodes']}-node graph: Next step clicks, "
          f"{spread(small['next'])}")
    print(f"      slider, arrow key, {spread(small['slider'])}")
    r = m["replay"]
    print(f"  ad.replay of a {r['nodes']}-node graph ({r['steps']} steps) in Pyodide: median "
          f"{r['median_ms']:.1f} ms, best {r['best_ms']:.1f} ms of {r['repeats']}   "
          "target: well under 1 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py bench --browser")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of playground and floor visits (median)")
    parser.add_argument("--steps", type=int, default=50,
                        help="training steps per timing; stepper steps per kind of input")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only this section (repeatable): {', '.join(SECTIONS)}")
    parser.add_argument("--skip-startup", action="store_true",
                        help="leave out the start-up against the floor (and the sizes)")
    parser.add_argument("--skip-packages", action="store_true",
                        help="leave out the packages' first use and the first completion")
    args = parser.parse_args(argv)
    run = set(args.only or SECTIONS)
    run -= {"startup"} if args.skip_startup else set()
    run -= {"packages"} if args.skip_packages else set()
    from playwright.sync_api import sync_playwright

    site = build.SITE_DIR
    sizes: dict = {}
    print(f"Playground in headless Chromium ({build.find_browser()}), "
          f"site {site.relative_to(ROOT)}/, served from localhost; sections: "
          f"{', '.join(s for s in SECTIONS if s in run)}", flush=True)
    py_steps, cp_steps, first_use, completion, stepper, runs = [], [], {}, None, None, None
    course: list[str] = []
    with sync_playwright() as playwright:
        if "startup" in run:
            startup = startup_vs_floor(playwright, site, args.rounds, sizes)
            report_startup(startup)
        with headless.served_site(site) as url:
            browser = headless.launch_chromium(playwright)
            if "training" in run:
                playground = headless.Playground(browser.new_page(), url)
                for _ in range(3):  # interleaved, so machine noise hits both alike
                    py_steps.append(pyodide_step_us(playground, args.steps, args.repeats))
                    cp_steps.append(cpython_step_us(args.steps, args.repeats))
            if "stepper" in run:
                stepper = measure_stepper(browser, url, args.steps, jumps=10,
                                          repeats=4 * args.repeats)
            if "course" in run:
                course = bench_course.course_section(
                    headless.Playground(browser.new_page(), url), say=lambda line: None)
            browser.close()
            if "runs" in run:
                runs = measure_runs(playwright, url, args.rounds * 3)
            if "packages" in run:
                first_use = {name: measure_first_use(playwright, url, code)
                             for name, code in FIRST_USE.items()}
                completion = measure_first_completion(playwright, url)

    if py_steps:
        py, cp = statistics.median(py_steps), statistics.median(cp_steps)
        print(f"  two-moons MLP step (2-16-16-1, batch 200, Adam): Pyodide {py:.0f} us, "
              f"CPython {cp:.0f} us, ratio {py / cp:.2f}x   target < 2.5x")
    if stepper is not None:
        report_stepper(stepper)
    if runs is not None:
        report_runs(runs)
    if course:
        print("\n".join(course))
    if sizes:
        report_sizes(site, sizes)
    if completion is not None:
        report_packages(first_use, completion)
    return 0


def report_sizes(site: Path, sizes: dict) -> None:
    by_component = defaultdict(int)
    for request_url, size in sizes.items():
        # NOTE: Playwright reports no body size for some of the worker's fetches (streamed
        # responses: the wasm, the wheels); those count as the file's size on disk.
        path = site / urllib.parse.urlsplit(request_url).path.lstrip("/")
        if path.is_file():
            size = max(size, path.stat().st_size)
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


def report_packages(first_use: dict, completion: dict) -> None:
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


if __name__ == "__main__":
    sys.exit(main())
