/**
 * Boot one interpreter: restore Python from the site's snapshot (or boot it in full when that
 * cannot be used, and say why), load numpy and ad, import the driver, load what the page asks
 * to preload, then take the origin's storage out of reach. Everything here runs before any
 * user code. Part of the worker's program (no DOM).
 */
import type { PyodideInterface } from "pyodide";
import type { PyCallable, PyProxy } from "pyodide/ffi";
import type { BootKind, FromWorker, InitRequest, Stage } from "../contract";
import driverSource from "./driver.py";
import { preload } from "./packages";
import type { PackageHost } from "./packages";
import { seal } from "./seal";
import warmupSource from "./warmup.py";

interface LoadOptions {
  indexURL: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  _loadSnapshot?: Uint8Array;
}
type LoadPyodide = (options: LoadOptions) => Promise<PyodideInterface>;

/** Python once booted: the driver's entry points and the output cap. */
export interface Runtime extends PackageHost {
  /** driver.run(code, write, flush, display, cap, checks): the run's result, as JSON. */
  runCode: PyCallable;
  /** Characters of output forwarded per run (from the page's `init`). */
  outputCap: number;
}

/** Where output written below Python's sys.stdout (C extensions, os.write) goes. */
export type Sink = (stream: "stdout" | "stderr", text: string) => void;

/** The site's snapshot as the page sent it (checked there), or why there is none. */
export type Snapshot = { bytes: Uint8Array } | { why: string };

/**
 * A restore that has not finished by then is given up, and Python is booted from scratch.
 * NOTE: it includes fetching and compiling the runtime's wasm, seconds on a busy machine; it is
 * the last resort against a restore that never settles (the page checked the digest first).
 */
const RESTORE_TIMEOUT_MS = 30_000;

/** `restore()`, or null if it fails or does not finish in time. */
async function withinTimeout<T>(restore: () => Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>(
    (resolve) => (timer = setTimeout(() => resolve(null), RESTORE_TIMEOUT_MS)),
  );
  try {
    return await Promise.race([restore(), timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** A file's text, or null. Synchronous, as a Python import is; allowed in a worker. */
function fetchTextSync(url: string): string | null {
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  try {
    request.send();
  } catch {
    return null;
  }
  return request.status === 200 ? request.responseText : null;
}

async function stage<T>(
  post: (message: FromWorker) => void,
  name: Stage,
  work: () => Promise<T>,
): Promise<T> {
  post({ type: "stage", stage: name, state: "start" });
  const result = await work();
  post({ type: "stage", stage: name, state: "done" });
  return result;
}

/** Python from the site's snapshot, or booted in full (with why the snapshot was not used). */
async function startPython(
  base: string,
  snapshot: Promise<Snapshot>,
  sink: Sink,
): Promise<{ py: PyodideInterface; boot: BootKind; why: string | null }> {
  // A non-literal URL: esbuild leaves this import alone and the runtime stays unbundled.
  const moduleUrl = new URL("./pyodide/pyodide.mjs", base).href;
  const { loadPyodide } = (await import(moduleUrl)) as { loadPyodide: LoadPyodide };
  const options: LoadOptions = {
    indexURL: new URL("./pyodide/", base).href,
    stdout: (text) => sink("stdout", text + "\n"),
    stderr: (text) => sink("stderr", text + "\n"),
  };
  const got = await snapshot;
  let why = "why" in got ? got.why : "restoring the site's snapshot failed";
  if ("bytes" in got) {
    const bytes = got.bytes;
    const restored = await withinTimeout(() => loadPyodide({ ...options, _loadSnapshot: bytes }));
    if (restored !== null) {
      // The snapshot froze the random module's state: every worker would draw the same numbers.
      restored.runPython("import random; random.seed()");
      return { py: restored, boot: "site", why: null };
    }
  }
  const py = await loadPyodide(options);
  try {
    // What the site's snapshot has done already (see warmup.py): every worker behaves alike.
    py.runPython(warmupSource);
  } catch (e) {
    console.warn("The Python warm-up failed; Python works, only slower to load packages", e);
    why += " (and the warm-up failed)";
  }
  return { py, boot: "full", why };
}

/**
 * Boot, post the stages and `ready`, and return the runtime. `snapshot` is what the page sends
 * after `init`; `sink` receives output written below sys.stdout; `fatal` is called if the
 * runtime dies (out of memory, a broken wasm state).
 */
export async function boot(
  init: InitRequest,
  snapshot: Promise<Snapshot>,
  post: (message: FromWorker) => void,
  sink: Sink,
  fatal: (error: unknown) => void,
): Promise<Runtime> {
  const started = performance.now();
  const base = init.baseUrl;
  const { py, boot, why } = await stage(post, "runtime", () => startPython(base, snapshot, sink));
  const api = (py as unknown as { _api?: { on_fatal?: (e: unknown) => void } })._api;
  if (api !== undefined) api.on_fatal = fatal;
  // NOTE: the page sets the flag to stop a run; this worker never clears it (one run).
  if (init.interruptBuffer !== null) py.setInterruptBuffer(new Uint8Array(init.interruptBuffer));
  // Pyodide logs package loading to the console; the page reports stages instead.
  const quiet = { messageCallback: () => {}, errorCallback: () => {} };
  await stage(post, "numpy", async () => {
    await py.loadPackage("numpy", quiet);
    py.runPython("import numpy");
  });
  const haveAd = await stage(post, "ad", async () => {
    // Without the engine the playground still runs plain Python and numpy.
    try {
      await py.loadPackage("ad", quiet);
      py.runPython("import ad");
      return true;
    } catch {
      return false;
    }
  });
  // The driver is a module file of its own (its tracebacks name it), beside the engine.
  const sitePackages = py.runPython("import site; site.getsitepackages()[0]") as string;
  py.FS.writeFile(`${sitePackages}/_playground_driver.py`, driverSource);
  const driver = py.pyimport("_playground_driver") as PyProxy;
  // The snippets' figure module (`import playground`), matplotlib's backend and the lessons'
  // checks ship with the site, not the engine, and are fetched on their first import only.
  (driver.install_page_modules as PyCallable)(fetchTextSync, new URL("./", base).href);
  const runtime: Runtime = {
    py,
    base,
    plan: driver.plan as PyCallable,
    loaded: driver.loaded as PyCallable,
    warmImports: driver.warm_imports as PyCallable,
    runCode: driver.run as PyCallable,
    outputCap: init.outputCap,
  };
  await preload(runtime, init.preload);
  seal();
  const version = (code: string): string => py.runPython(code) as string;
  post({
    type: "ready",
    versions: {
      pyodide: py.version,
      python: version("import sys; sys.version.split()[0]"),
      numpy: version("import numpy; numpy.__version__"),
      ad: haveAd ? version("import ad; getattr(ad, '__version__', 'dev')") : "unavailable",
    },
    bootMs: Math.round(performance.now() - started),
    boot,
    why,
  });
  return runtime;
}
