/**
 * The Python worker: boots Pyodide with numpy and ad, then runs code on request, streaming
 * output in batches and answering every run exactly once. Its own TypeScript program (the
 * WebWorker lib, see tsconfig.json here): the compiler keeps it away from the DOM.
 */
import type { PyodideInterface } from "pyodide";
import type { PyCallable, PyProxy } from "pyodide/ffi";
import type {
  Chunk,
  FromWorker,
  InitRequest,
  RunError,
  RunRequest,
  Stage,
  StreamName,
  ToWorker,
} from "../messages";
import driverSource from "./driver.py";
import { keepFontList, restoreFontList } from "./fontlist";
import { forgetSnapshot, loadSnapshot, saveSnapshot, withinTimeout } from "./snapshot";

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

/** Python once booted: the driver's entry points, Stop's interrupt flag, the output cap. */
interface Runtime {
  py: PyodideInterface;
  runCode: PyCallable;
  /** driver.plan(code): the packages a run must load first, as JSON. */
  plan: PyCallable;
  /** driver.loaded(json): told which packages were loaded. */
  loaded: PyCallable;
  interrupt: Uint8Array | null;
  /** Characters of output forwarded per run (from the page's `init`). */
  outputCap: number;
  /** Whether matplotlib's font list is in Cache Storage for later workers (see fontlist.ts). */
  fontListKept: boolean;
}

/** Every message to the page leaves through here. */
function post(message: FromWorker): void {
  postMessage(message);
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

/**
 * One run's way to the page: its output batched (one message per FLUSH_MS at most) and capped,
 * its figures in order with that output, and its one `done`. Nothing it is handed after `done`
 * goes out. The arrow-function members are handed to Python as they are.
 */
class Run {
  /** When the program started: after the packages it needed were loaded. */
  started = performance.now();
  private pending: Chunk[] = [];
  private pendingChars = 0;
  private lastPost = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Characters forwarded so far, and dropped past the cap. */
  private sent = 0;
  private dropped = 0;
  private truncated = false;
  private answered = false;

  constructor(
    readonly id: number,
    private readonly cap: number,
  ) {}

  readonly write = (stream: StreamName, text: string): void => {
    if (this.answered) return;
    if (this.sent + text.length > this.cap) {
      const room = Math.max(0, this.cap - this.sent);
      if (room > 0) this.append(stream, text.slice(0, room));
      if (!this.truncated) {
        this.truncated = true;
        this.flush();
        post({ type: "truncated", id: this.id, cap: this.cap });
      }
      this.dropped += text.length - room;
      return;
    }
    this.append(stream, text);
    this.flushSoon(text.endsWith("\n") || this.pendingChars >= FLUSH_CHARS);
  };

  readonly flush = (): void => {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    post({ type: "output", id: this.id, chunks: this.pending });
    this.pending = [];
    this.pendingChars = 0;
    this.lastPost = performance.now();
  };

  /** A figure from the playground module: after the output printed before it, never ahead. */
  readonly display = (kind: unknown, figure: unknown, json: unknown, text: unknown): void => {
    if (this.answered) return;
    if (
      typeof kind !== "string" ||
      typeof figure !== "string" ||
      typeof json !== "string" ||
      typeof text !== "string"
    ) {
      throw new TypeError("display(kind, figure, json, text) takes four strings");
    }
    let data: unknown;
    try {
      data = JSON.parse(json) as unknown;
    } catch {
      data = null; // the page shows the text instead
    }
    this.flush();
    post({ type: "display", id: this.id, figure, kind, data, text });
  };

  /** Send the run's one `done` (later calls are ignored). */
  answer(error: RunError | null, durationMs = performance.now() - this.started): void {
    if (this.answered) return;
    this.flush();
    this.answered = true;
    post({ type: "done", id: this.id, durationMs, error, dropped: this.dropped });
  }

  private append(stream: StreamName, text: string): void {
    this.sent += text.length;
    this.pendingChars += text.length;
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last.stream === stream) last.text += text;
    else this.pending.push({ stream, text });
  }

  /** Flush now if allowed; otherwise make sure a timer will (once the worker is free again). */
  private flushSoon(force: boolean): void {
    if (this.pending.length === 0) return;
    // NOTE: while Python runs, this thread never returns to its event loop, so a timer alone
    // would hold output back until the run ends; writes themselves must flush.
    if (performance.now() - this.lastPost >= FLUSH_MS && force) this.flush();
    else this.timer ??= setTimeout(this.flush, FLUSH_MS);
  }
}

let booted: Promise<Runtime> | null = null;
let ready = false;
let queue: Promise<void> = Promise.resolve();
/** The run in progress: output written below Python (C extensions) and fatal errors go to it. */
let current: Run | null = null;

// ---- boot ----

async function stage<T>(name: Stage, work: () => Promise<T>): Promise<T> {
  post({ type: "stage", stage: name, state: "start" });
  const result = await work();
  post({ type: "stage", stage: name, state: "done" });
  return result;
}

async function boot(init: InitRequest): Promise<Runtime> {
  const started = performance.now();
  const base = location.href;
  let bootKind = "full";
  let keepSnapshot = (): void => undefined;
  const py = await stage("runtime", async () => {
    // A non-literal URL: esbuild leaves this import alone and the runtime stays unbundled.
    const moduleUrl = new URL("./pyodide/pyodide.mjs", base).href;
    const { loadPyodide, version } = (await import(moduleUrl)) as {
      loadPyodide: LoadPyodide;
      version: string;
    };
    const options: LoadOptions = {
      indexURL: new URL("./pyodide/", base).href,
      // Output written below Python's sys.stdout (C extensions, os.write) joins the run's output.
      stdout: (text) => current?.write("stdout", text + "\n"),
      stderr: (text) => current?.write("stderr", text + "\n"),
    };
    const snapshot = await loadSnapshot(version, base);
    if (snapshot !== null) {
      const restored = await withinTimeout(() =>
        loadPyodide({ ...options, _loadSnapshot: snapshot }),
      );
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
    // NOTE: to make a snapshot, Pyodide 0.27 hands Python a recording proxy of globalThis as the
    // `js` module, and JavaScript functions called through it fail ("Failed to execute 'fetch'
    // on 'WorkerGlobalScope': Illegal invocation": pyfetch, so micropip). Once the snapshot is
    // taken, `js` is the real globalThis again (pyodide/pyodide#5588, fixed in 0.29).
    fresh.runPython("import sys; sys.modules.pop('js', None)");
    fresh.registerJsModule("js", globalThis);
    return fresh;
  });
  // A fatal runtime error (out of memory, a broken wasm state) may never settle the run's
  // promise: Pyodide's own hook reports it, and the page replaces this worker.
  const api = (py as unknown as { _api?: { on_fatal?: (e: unknown) => void } })._api;
  if (api !== undefined) api.on_fatal = (e) => current?.answer(fatal(e));
  let interrupt: Uint8Array | null = null;
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
    "import types\n_m = types.ModuleType('_playground_driver')\n" +
      "_m.__file__ = '/_playground_driver.py'\n" +
      "exec(compile(_src, _m.__file__, 'exec'), _m.__dict__)\n_m",
    { globals: py.toPy({ _src: driverSource }) as PyProxy },
  ) as PyProxy;
  // The snippets' figure module (`import playground`) and matplotlib's backend ship with the
  // site, not the engine, and are fetched on their first import only.
  const installPageModules = driver.install_page_modules as PyCallable;
  installPageModules(fetchTextSync, new URL("./", base).href);
  const version = (code: string): string => py.runPython(code) as string;
  const versions: Record<string, string> = {
    pyodide: py.version,
    python: version("import sys; sys.version.split()[0]"),
    numpy: version("import numpy; numpy.__version__"),
    ad: haveAd ? version("import ad; getattr(ad, '__version__', 'dev')") : "unavailable",
    boot: bootKind,
  };
  ready = true;
  post({ type: "ready", versions, bootMs: Math.round(performance.now() - started) });
  keepSnapshot();
  return {
    py,
    runCode: driver.run as PyCallable,
    plan: driver.plan as PyCallable,
    loaded: driver.loaded as PyCallable,
    interrupt,
    outputCap: init.outputCap,
    fontListKept: false,
  };
}

// ---- the site's packages, loaded on import ----

/**
 * Load the site's packages the code imports (with their dependencies) before it runs, telling
 * the page what loads and how large it is. Null when all is there; else why the run cannot start.
 */
async function loadImports(runtime: Runtime, run: Run, code: string): Promise<RunError | null> {
  let wanted: { packages: string[]; bytes: number };
  try {
    wanted = JSON.parse(runtime.plan(code) as string) as typeof wanted;
  } catch {
    return null; // no plan: an import the site could serve then fails with its own message
  }
  const names = wanted.packages;
  if (names.length === 0) return null;
  const started = performance.now();
  const report = (state: "loading" | "loaded" | "failed", error: string | null = null): void =>
    post({
      type: "packages",
      id: run.id,
      state,
      names,
      bytes: wanted.bytes,
      ms: state === "loading" ? null : Math.round(performance.now() - started),
      error,
    });
  report("loading");
  const errors: string[] = [];
  try {
    // Each file is checked against the lock's sha256 (Pyodide's checkIntegrity, on by default).
    await runtime.py.loadPackage(names, {
      messageCallback: () => {},
      errorCallback: (message: string) => errors.push(message),
    });
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
  }
  // NOTE: loadedPackages is keyed by each wheel's own spelling ("Pillow" for the lock's pillow).
  const normal = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");
  const have = new Set(Object.keys(runtime.py.loadedPackages).map(normal));
  const missing = names.filter((name) => !have.has(normal(name)));
  if (missing.length > 0) {
    const why = errors.join("; ") || "the site did not send them";
    report("failed", why);
    const message =
      `Could not load ${missing.join(", ")} from the site (${why}). ` +
      "Check the connection to the site and run again.";
    return {
      kind: "exception",
      name: "ImportError",
      message,
      traceback: `ImportError: ${message}\n`,
      line: null,
    };
  }
  runtime.loaded(JSON.stringify(names));
  // Spares the first import its font scan when an earlier worker did it (seconds).
  if (names.includes("matplotlib")) await restoreFontList(runtime.py, location.href);
  report("loaded");
  return null;
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

async function execute(request: RunRequest): Promise<void> {
  const queued = performance.now();
  let runtime: Runtime;
  try {
    if (booted === null) throw new Error("the runtime was never started (no init message)");
    runtime = await booted;
  } catch (e) {
    new Run(request.id, 0).answer(fatal(e), performance.now() - queued);
    return;
  }
  const run = new Run(request.id, runtime.outputCap);
  current = run;
  if (runtime.interrupt !== null) runtime.interrupt[0] = 0;
  let error = await loadImports(runtime, run, request.code);
  if (error === null) {
    run.started = performance.now(); // the run's stopwatch leaves the loading out
    try {
      const json = (await runtime.runCode(
        request.code,
        run.write,
        run.flush,
        run.display,
      )) as string;
      error = JSON.parse(json) as RunError | null;
    } catch (e) {
      // A JavaScript error here means the runtime itself broke (e.g. out of memory).
      error = fatal(e);
    }
  }
  const durationMs = performance.now() - (error?.kind === "fatal" ? queued : run.started);
  run.answer(error, durationMs);
  current = null;
  if (
    !runtime.fontListKept &&
    error?.kind !== "fatal" &&
    "matplotlib" in runtime.py.loadedPackages
  ) {
    runtime.fontListKept = await keepFontList(runtime.py, location.href);
  }
}

// Pyodide starts some of its boot work without awaiting it (e.g. reading the package lock):
// a failure there must become a boot error the page shows, not an uncaught error.
addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  if (!ready) {
    const reason: unknown = event.reason;
    post({
      type: "boot-error",
      message: reason instanceof Error ? reason.message : String(reason),
    });
  }
});

addEventListener("message", (event: MessageEvent<ToWorker>) => {
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
      queue = queue.then(() => execute(message));
      break;
  }
});
