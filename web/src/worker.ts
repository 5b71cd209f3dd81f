/**
 * The Python worker: boots Pyodide with numpy and ad, then runs code on request, streaming
 * output in batches and answering every run exactly once. It knows nothing of the DOM.
 */
import type { PyodideInterface } from "pyodide";
import type { PyCallable, PyProxy } from "pyodide/ffi";
import driverSource from "./driver.py";
import { forgetSnapshot, loadSnapshot, saveSnapshot, withinTimeout } from "./snapshot";
import type { Chunk, FromWorker, InitRequest, RunError, RunRequest, Stage, StreamName, ToWorker } from "./messages";

/** The few worker globals used here (the DOM lib, not the WebWorker lib, is loaded). */
interface WorkerScope {
  location: { href: string };
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
  addEventListener(type: "unhandledrejection", listener: (event: PromiseRejectionEvent) => void): void;
}
const scope = self as unknown as WorkerScope;

/** At most one batch of output every FLUSH_MS, so a flood of prints cannot flood the page. */
const FLUSH_MS = 50;
/** A batch this large goes out without waiting for a newline. */
const FLUSH_CHARS = 8192;

interface LoadOptions {
  indexURL: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  _makeSnapshot?: boolean;
  _loadSnapshot?: Uint8Array;
}
type LoadPyodide = (options: LoadOptions) => Promise<PyodideInterface>;

const post = (message: FromWorker): void => scope.postMessage(message);

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

let runCode: PyCallable | null = null;
let interrupt: Uint8Array | null = null;
let outputCap = 1_000_000;
let booted: Promise<void> | null = null;
let ready = false;
let queue: Promise<void> = Promise.resolve();

// ---- output batching for the current run ----
let runId = -1;
let pending: Chunk[] = [];
let pendingChars = 0;
let lastPost = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
let sent = 0;
let dropped = 0;
let truncated = false;

function flush(): void {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  if (pending.length === 0) return;
  post({ type: "output", id: runId, chunks: pending });
  pending = [];
  pendingChars = 0;
  lastPost = performance.now();
}

/** Flush now if allowed; otherwise make sure a timer will (once the worker is free again). */
function flushSoon(force: boolean): void {
  if (pending.length === 0) return;
  // NOTE: while Python runs, this thread never returns to its event loop, so a timer alone
  // would hold output back until the run ends; writes themselves must flush.
  if (performance.now() - lastPost >= FLUSH_MS && force) flush();
  else if (timer === null) timer = setTimeout(flush, FLUSH_MS);
}

function write(stream: StreamName, text: string): void {
  if (runId < 0) return;
  if (sent + text.length > outputCap) {
    const room = Math.max(0, outputCap - sent);
    if (room > 0) append(stream, text.slice(0, room));
    if (!truncated) {
      truncated = true;
      flush();
      post({ type: "truncated", id: runId, cap: outputCap });
    }
    dropped += text.length - room;
    return;
  }
  append(stream, text);
  flushSoon(text.endsWith("\n") || pendingChars >= FLUSH_CHARS);
}

function append(stream: StreamName, text: string): void {
  sent += text.length;
  pendingChars += text.length;
  const last = pending[pending.length - 1];
  if (last !== undefined && last.stream === stream) last.text += text;
  else pending.push({ stream, text });
}

/** A figure from the playground module: after the output printed before it, never ahead. */
function display(kind: string, json: string, text: string): void {
  if (runId < 0) return;
  let data: unknown;
  try {
    data = JSON.parse(json) as unknown;
  } catch {
    data = null; // the page falls back to the text
  }
  flush();
  post({ type: "display", id: runId, kind, data, text });
}

// ---- boot ----

async function stage<T>(name: Stage, work: () => Promise<T>): Promise<T> {
  post({ type: "stage", stage: name, state: "start" });
  const result = await work();
  post({ type: "stage", stage: name, state: "done" });
  return result;
}

async function boot(init: InitRequest): Promise<void> {
  const started = performance.now();
  outputCap = init.outputCap;
  const base = scope.location.href;
  let bootKind = "full";
  let keepSnapshot = (): void => undefined;
  const py = await stage("runtime", async () => {
    // A non-literal URL: esbuild leaves this import alone and the runtime stays unbundled.
    const moduleUrl = new URL("./pyodide/pyodide.mjs", base).href;
    const { loadPyodide, version } = (await import(moduleUrl)) as { loadPyodide: LoadPyodide; version: string };
    const options: LoadOptions = {
      indexURL: new URL("./pyodide/", base).href,
      // Output written below Python's sys.stdout (C extensions, os.write) joins the run's output.
      stdout: (text) => write("stdout", text + "\n"),
      stderr: (text) => write("stderr", text + "\n"),
    };
    const snapshot = await loadSnapshot(version, base);
    if (snapshot !== null) {
      const restored = await withinTimeout(() => loadPyodide({ ...options, _loadSnapshot: snapshot }));
      if (restored !== null) {
        bootKind = "snapshot";
        // The snapshot froze the random module's state: every visit would draw the same numbers.
        restored.runPython("import random; random.seed()");
        return restored;
      }
      await forgetSnapshot(version, base);
    }
    const fresh = await loadPyodide({ ...options, _makeSnapshot: true });
    try {
      // Taken before any package loads (a plain ArrayBuffer backs it: Pyodide copies the heap
      // out), stored once Python is ready, so writing 20 MB does not delay the first output.
      const bytes = fresh.makeMemorySnapshot() as Uint8Array<ArrayBuffer>;
      keepSnapshot = () => saveSnapshot(version, base, bytes);
    } catch {
      // no snapshot this time: the next visit boots in full again
    }
    return fresh;
  });
  // A fatal runtime error (out of memory, a broken wasm state) may never settle the run's
  // promise: Pyodide's own hook reports it, and the page replaces this worker.
  const api = (py as unknown as { _api?: { on_fatal?: (e: unknown) => void } })._api;
  if (api !== undefined) api.on_fatal = (e) => answer(runId, fatal(e));
  if (init.interruptBuffer !== null) {
    interrupt = new Uint8Array(init.interruptBuffer);
    py.setInterruptBuffer(interrupt);
  }
  // Pyodide logs package loading to the console; the page reports stages instead.
  const quiet = { messageCallback: () => {}, errorCallback: () => {} };
  await stage("numpy", async () => {
    await py.loadPackage("numpy", quiet);
    py.runPython("import numpy");
  });
  const haveAd = await stage("ad", async () => {
    // Without the engine the playground still runs plain Python and numpy.
    try {
      await py.loadPackage("ad", quiet);
      py.runPython("import ad");
      return true;
    } catch {
      return false;
    }
  });
  const driver = py.runPython(
    "import types\n_m = types.ModuleType('_playground_driver')\n_m.__file__ = '/_playground_driver.py'\n" +
      "exec(compile(_src, _m.__file__, 'exec'), _m.__dict__)\n_m",
    { globals: py.toPy({ _src: driverSource }) as PyProxy },
  ) as PyProxy;
  runCode = driver.run as PyCallable;
  // The snippets' figure module (`import playground`) ships with the site, not the engine, and
  // is fetched on its first import only.
  (driver.install_page_modules as PyCallable)(fetchTextSync, new URL("./python/", scope.location.href).href);
  const versions: Record<string, string> = {
    pyodide: py.version,
    python: py.runPython("import sys; sys.version.split()[0]") as string,
    numpy: py.runPython("import numpy; numpy.__version__") as string,
    ad: haveAd ? (py.runPython("import ad; getattr(ad, '__version__', 'dev')") as string) : "unavailable",
    boot: bootKind,
  };
  ready = true;
  post({ type: "ready", versions, bootMs: Math.round(performance.now() - started) });
  keepSnapshot();
}

// ---- runs ----

function fatal(error: unknown): RunError {
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: "fatal",
    name: error instanceof Error ? error.name : "Error",
    message,
    traceback: `The Python runtime failed: ${message}`,
    line: null,
  };
}

async function run(request: RunRequest): Promise<void> {
  let error: RunError | null = null;
  const started = performance.now();
  try {
    await booted;
  } catch (e) {
    error = fatal(e);
  }
  runId = request.id;
  sent = 0;
  dropped = 0;
  truncated = false;
  lastPost = 0;
  if (interrupt !== null) interrupt[0] = 0;
  const t0 = performance.now();
  runStarted = t0;
  if (error === null) {
    try {
      if (runCode === null) throw new Error("the runtime is not ready");
      const json = (await runCode(request.code, write, flush, display)) as string;
      error = JSON.parse(json) as RunError | null;
    } catch (e) {
      // A JavaScript error here means the runtime itself broke (e.g. out of memory).
      error = fatal(e);
    }
  }
  answer(request.id, error, performance.now() - (error?.kind === "fatal" ? started : t0));
}

let answered = -1;
let runStarted = 0;

/** Send the one `done` for run `id` (later attempts for the same run are ignored). */
function answer(id: number, error: RunError | null, durationMs = performance.now() - runStarted): void {
  if (id < 0 || id === answered) return;
  answered = id;
  flush();
  post({ type: "done", id, durationMs, error, dropped });
  runId = -1;
}

// Pyodide starts some of its boot work without awaiting it (e.g. reading the package lock):
// a failure there must become a boot error the page shows, not an uncaught error.
scope.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  if (!ready) {
    const reason: unknown = event.reason;
    post({ type: "boot-error", message: reason instanceof Error ? reason.message : String(reason) });
  }
});

scope.addEventListener("message", (event) => {
  const message = event.data;
  switch (message.type) {
    case "init":
      booted ??= boot(message).catch((e: unknown) => {
        post({ type: "boot-error", message: e instanceof Error ? e.message : String(e) });
        throw e;
      });
      booted.catch(() => {});
      break;
    case "run":
      queue = queue.then(() => run(message));
      break;
  }
});
