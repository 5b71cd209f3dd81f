/**
 * The Python worker: boots Pyodide with numpy and ad, then runs code on request, streaming
 * output in batches and answering every run exactly once. Its own TypeScript program (the
 * WebWorker lib, see tsconfig.json here): the compiler keeps it away from the DOM.
 * NOTE: the snippet's code can reach this worker's global scope (Python's `js` module), so the
 * page talks to it over a private MessagePort handed over in `init`, whose postMessage is
 * captured before any user code runs; messages on the global scope after `init` are ignored.
 */
import type { PyodideInterface } from "pyodide";
import type { PyCallable, PyProxy } from "pyodide/ffi";
import { readToWorker } from "../messages";
import type {
  CheckOutcome,
  CheckRequest,
  Chunk,
  FromWorker,
  InitRequest,
  RunError,
  RunRequest,
  Stage,
  StreamName,
} from "../messages";
import driverSource from "./driver.py";
import { keepFontList, restoreFontList } from "./fontlist";
import warmupSource from "./warmup.py";
import {
  digestOf,
  forgetSnapshot,
  loadSiteSnapshot,
  loadSnapshot,
  saveSnapshot,
  withinTimeout,
} from "./snapshot";

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

/** Python once booted: the driver's entry points and the output cap. */
interface Runtime {
  py: PyodideInterface;
  /** The site's root URL (the worker itself runs from a blob: URL). */
  base: string;
  runCode: PyCallable;
  /** driver.plan(code): the packages a run must load first, as JSON. */
  plan: PyCallable;
  /** driver.loaded(json): told which packages were loaded. */
  loaded: PyCallable;
  /** Characters of output forwarded per run (from the page's `init`). */
  outputCap: number;
  /** Whether matplotlib's font list is in Cache Storage for later workers (see fontlist.ts). */
  fontListKept: boolean;
}

/** The private port's postMessage, bound once `init` hands the port over (before any run). */
let send: ((message: FromWorker) => void) | null = null;

/** Every message to the page leaves through here. */
function post(message: FromWorker): void {
  send?.(message);
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

  /**
   * Output from Python: `text`, and how many characters the driver already dropped past the
   * cap (it caps before a string crosses into JavaScript; this cap is the second line).
   */
  readonly write = (stream: unknown, text: unknown, dropped: unknown = 0): void => {
    if (this.answered) return;
    if ((stream !== "stdout" && stream !== "stderr") || typeof text !== "string") {
      throw new TypeError("write(stream, text) takes 'stdout' or 'stderr' and a string");
    }
    if (typeof dropped === "number" && Number.isSafeInteger(dropped) && dropped > 0) {
      this.drop(dropped);
    }
    if (text === "") return;
    this.output(stream, text);
  };

  private output(stream: StreamName, text: string): void {
    if (this.sent + text.length > this.cap) {
      const room = Math.max(0, this.cap - this.sent);
      if (room > 0) this.append(stream, text.slice(0, room));
      this.drop(text.length - room);
      return;
    }
    this.append(stream, text);
    this.flushSoon(text.endsWith("\n") || this.pendingChars >= FLUSH_CHARS);
  }

  /** Count output dropped past the cap; the page hears of it once, in order with the output. */
  private drop(count: number): void {
    this.dropped += count;
    if (!this.truncated) {
      this.truncated = true;
      this.flush();
      post({ type: "truncated", id: this.id, cap: this.cap });
    }
  }

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
  answer(
    error: RunError | null,
    durationMs = performance.now() - this.started,
    retire = false,
  ): void {
    if (this.answered) return;
    this.flush();
    this.answered = true;
    post({ type: "done", id: this.id, durationMs, error, dropped: this.dropped, retire });
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
  const base = init.baseUrl;
  let bootKind = "full";
  /** What became of the snapshot: for the page's version tooltip, and for diagnosis. */
  let snapshotNote = "none";
  let keepSnapshot = (): void => undefined;
  const expected = init.snapshot.digest;
  // The site's snapshot is fetched while the runtime's module loads (when it may be needed).
  const site = expected === null && init.snapshot.site ? loadSiteSnapshot(base) : null;
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
    /** Python restored from `bytes` (a snapshot already checked), or null if that failed. */
    const restore = async (bytes: Uint8Array): Promise<PyodideInterface | null> => {
      const restored = await withinTimeout(() => loadPyodide({ ...options, _loadSnapshot: bytes }));
      // The snapshot froze the random module's state: every visit would draw the same numbers.
      restored?.runPython("import random; random.seed()");
      return restored;
    };
    if (expected !== null) {
      // NOTE: Cache Storage is writable by any code of this origin, a snippet's included: only
      // a snapshot whose digest is the one the page accepted (kept where workers cannot write)
      // is restored.
      const snapshot = await loadSnapshot(version, base, expected);
      snapshotNote = snapshot === "missing" || snapshot === "damaged" ? snapshot : "mismatch";
      if (snapshot !== "missing") {
        if (snapshot !== "damaged" && (await digestOf(snapshot)) === expected) {
          snapshotNote = "restore failed";
          const restored = await restore(snapshot);
          if (restored !== null) {
            bootKind = "snapshot";
            snapshotNote = "restored";
            return restored;
          }
        }
        // The page's digest names a snapshot that is wrong: it forgets the digest (at once, so
        // a page closed during the full boot below cannot keep it), and a standby makes a new one.
        post({ type: "snapshot", digest: null });
        await forgetSnapshot(version, base, expected);
      }
      // No snapshot stored (yet: another worker may still be writing it): boot in full.
    }
    if (site !== null) {
      // The one the site ships: only a snapshot with the digest this bundle names is restored.
      const shipped = await site;
      snapshotNote = typeof shipped === "string" ? `site snapshot ${shipped}` : "restore failed";
      const restored = typeof shipped === "string" ? null : await restore(shipped);
      if (restored !== null) {
        bootKind = "site snapshot";
        snapshotNote = "site snapshot restored";
        return restored;
      }
    }
    const fresh = await loadPyodide({ ...options, _makeSnapshot: init.snapshot.make });
    try {
      // Part of the snapshot, so restored workers start with it done (see warmup.py); run after
      // every full boot, so every worker behaves alike.
      fresh.runPython(warmupSource);
    } catch (e) {
      console.warn("The Python warm-up failed; Python works, only slower to load packages", e);
    }
    if (init.snapshot.make) {
      try {
        // Taken before any package loads (a plain ArrayBuffer backs it: Pyodide copies the heap
        // out), offered to the page before `ready` (so before any user code runs here), stored
        // once Python is ready, so writing 20 MB does not delay the first output.
        const bytes = fresh.makeMemorySnapshot() as Uint8Array<ArrayBuffer>;
        const digest = await digestOf(bytes);
        if (digest !== null) {
          post({ type: "snapshot", digest });
          // What became of the one it could not restore stays said.
          snapshotNote = snapshotNote === "none" ? "made" : `made (${snapshotNote})`;
          keepSnapshot = () => saveSnapshot(version, base, digest, bytes);
        }
      } catch {
        // no snapshot this time: the next visit boots in full again
      }
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
  // NOTE: the page clears the flag before it posts a run (and sets it to stop one): a Stop that
  // arrives before the run starts must still stop it, so the worker never clears it.
  if (init.interruptBuffer !== null) py.setInterruptBuffer(new Uint8Array(init.interruptBuffer));
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
    snapshot: snapshotNote,
  };
  ready = true;
  post({ type: "ready", versions, bootMs: Math.round(performance.now() - started) });
  keepSnapshot();
  return {
    py,
    base,
    runCode: driver.run as PyCallable,
    plan: driver.plan as PyCallable,
    loaded: driver.loaded as PyCallable,
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
  } catch (e) {
    // Stop pressed as the run was about to start: Python raised it here, not in the program.
    if (isInterrupt(e) || (e instanceof Error && /KeyboardInterrupt/.test(e.message))) {
      return stoppedBeforeStart();
    }
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
  try {
    runtime.loaded(JSON.stringify(names));
  } catch {
    // micropip's patch (a relative wheel URL, the offline note) is missing: it still works
  }
  // Spares the first import its font scan when an earlier worker did it (seconds).
  if (names.includes("matplotlib")) await restoreFontList(runtime.py, runtime.base);
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

/** Whether `error` is Python's KeyboardInterrupt, as Pyodide hands it to JavaScript. */
function isInterrupt(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "PythonError" &&
    (error as Error & { type?: unknown }).type === "KeyboardInterrupt"
  );
}

function stoppedBeforeStart(): RunError {
  const message = "Stopped before the program started";
  return {
    kind: "interrupted",
    name: "KeyboardInterrupt",
    message,
    traceback: `KeyboardInterrupt: ${message}\n`,
    line: null,
  };
}

/** What the driver's run() returns, as JSON. */
interface DriverResult {
  error: RunError | null;
  /** The run changed the interpreter in a way the driver could not undo. */
  retire: boolean;
  /** A check request's results (null for a plain run, or when the checks could not run). */
  checks?: CheckOutcome[] | null;
}

async function execute(request: RunRequest | CheckRequest): Promise<void> {
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
  let result: DriverResult;
  const loadError = await loadImports(runtime, run, request.code);
  if (loadError !== null) {
    result = { error: loadError, retire: false };
  } else {
    run.started = performance.now(); // the run's stopwatch leaves the loading out
    try {
      const json = (await runtime.runCode(
        request.code,
        run.write,
        run.flush,
        run.display,
        runtime.outputCap,
        request.type === "check" ? request.checks : null,
      )) as string;
      result = JSON.parse(json) as DriverResult;
    } catch (e) {
      // NOTE: Stop (or a timeout of 0) can land while Pyodide sets up the driver's coroutine,
      // before the driver's own handler is in place: the user's code never started, and the
      // interpreter is whole. Any other JavaScript error here means the runtime itself broke.
      result = isInterrupt(e)
        ? { error: stoppedBeforeStart(), retire: false }
        : { error: fatal(e), retire: true };
    }
  }
  const error = result.error;
  const checks = result.checks;
  if (request.type === "check" && checks !== undefined && checks !== null) {
    // The page checks every field (readFromWorker): the driver's JSON is passed on as it is.
    run.flush();
    post({ type: "checked", id: request.id, checks });
  }
  const durationMs = performance.now() - (error?.kind === "fatal" ? queued : run.started);
  run.answer(error, durationMs, result.retire);
  current = null;
  if (!runtime.fontListKept && error?.kind !== "fatal" && !result.retire) {
    runtime.fontListKept = await keepFontList(runtime.py, runtime.base);
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

/** Requests from the page, on the private port only. */
function onRequest(event: MessageEvent): void {
  const message = readToWorker(event.data);
  if (message?.type !== "run" && message?.type !== "check") {
    console.warn("The Python worker ignored a request that does not fit the contract");
    return;
  }
  queue = queue.then(() => execute(message));
}

/**
 * Hold the page's Web Lock until this worker is gone, so the page notices its end (a snippet's
 * `close()` ends it without a word). Resolves once it is held.
 */
function holdLock(name: string | null): Promise<void> {
  const locks = navigator.locks as LockManager | undefined;
  if (name === null || locks === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    locks
      .request(name, () => {
        resolve();
        return new Promise<never>(() => undefined); // released only with the worker
      })
      .catch(() => resolve());
  });
}

/** The one message on the global scope: `init`, with the private port. */
function onInit(event: MessageEvent): void {
  const message = readToWorker(event.data);
  if (message?.type !== "init") {
    console.warn("The Python worker ignored a message before its init");
    return;
  }
  removeEventListener("message", onInit);
  const port = message.port;
  // Bound now, before any user code runs: a snippet may replace MessagePort.prototype.postMessage
  // afterwards, and it never sees the port itself.
  const postToPage = port.postMessage.bind(port) as (message: FromWorker) => void;
  send = (m) => postToPage(m);
  port.onmessage = onRequest;
  booted = holdLock(message.lock)
    .then(() => boot(message))
    .catch((e: unknown) => {
      post({ type: "boot-error", message: e instanceof Error ? e.message : String(e) });
      throw e;
    });
  booted.catch(() => {});
}

addEventListener("message", onInit);
