/**
 * The Python worker: boots one interpreter (boot.ts), then runs exactly one `run` or `check`,
 * streaming its output in batches and answering it exactly once; the page then throws the
 * worker away, and with it everything the run changed (one run, one interpreter). Its own
 * TypeScript program (the WebWorker lib, see tsconfig.json here): the compiler keeps it away
 * from the DOM.
 * NOTE: the snippet's code can reach this worker's global scope (Python's `js` module), so the
 * page talks to it over a private MessagePort handed over in `init`, whose postMessage is
 * captured before any user code runs; messages on the global scope after `init` are ignored.
 */
import type {
  CheckOutcome,
  FromWorker,
  RunError,
  RunRequest,
  CheckRequest,
  Uses,
} from "../contract";
import { readToWorker, runError, stoppedBeforeStart } from "../contract";
import { boot } from "./boot";
import type { Runtime, Snapshot } from "./boot";
import { loadImports, preload } from "./packages";
import { Run } from "./run";

/** The private port's postMessage, bound once `init` hands the port over (before any run). */
let send: ((message: FromWorker) => void) | null = null;

/** Every message to the page leaves through here. */
function post(message: FromWorker): void {
  send?.(message);
}

let booted: Promise<Runtime> | null = null;
let ready = false;
/** The one request this worker runs; a second is refused (the page never sends one). */
let taken = false;
/** Work in order: preloads the page asks of the standby, then its one run. */
let work: Promise<void> = Promise.resolve();
/** The site's snapshot, once the page sends it (right after `init`). */
let gotSnapshot: (snapshot: Snapshot) => void = () => undefined;
const snapshot = new Promise<Snapshot>((resolve) => (gotSnapshot = resolve));
/** The run in progress: output written below Python (C extensions) and fatal errors go to it. */
let current: Run | null = null;

function fatal(error: unknown): RunError {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "Error";
  return runError("fatal", name, message, `The Python runtime failed: ${message}`);
}

/** Whether `error` is Python's KeyboardInterrupt, as Pyodide hands it to JavaScript. */
function isInterrupt(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "PythonError" &&
    (error as Error & { type?: unknown }).type === "KeyboardInterrupt"
  );
}

/** What the driver's run() returns, as JSON. */
interface DriverResult {
  error: RunError | null;
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
    new Run(request.id, 0, post).answer(fatal(e), null, performance.now() - queued);
    return;
  }
  const run = new Run(request.id, runtime.outputCap, post);
  current = run;
  let uses: Uses | null = null;
  let result: DriverResult;
  const loadError = await loadImports(
    runtime,
    request.code,
    (packages) => post({ type: "packages", id: run.id, ...packages }),
    (found) => (uses = found),
    stoppedBeforeStart,
  );
  if (loadError !== null) {
    result = { error: loadError };
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
      // before the driver's own handler is in place: the user's code never started. Anything
      // else here means the run broke the runtime (or the driver) itself.
      result = { error: isInterrupt(e) ? stoppedBeforeStart() : fatal(e) };
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
  run.answer(error, uses, durationMs);
  current = null;
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

/** Requests on the private port only: preloads while nothing has run, then the one run. */
function onRequest(event: MessageEvent): void {
  const message = readToWorker(event.data);
  if (message === null || message.type === "init") {
    console.warn("The Python worker ignored a request that does not fit the contract");
    return;
  }
  if (message.type === "snapshot") {
    gotSnapshot(
      message.bytes !== null
        ? { bytes: new Uint8Array(message.bytes) }
        : { why: message.why ?? "the page sent no snapshot" },
    );
    return;
  }
  if (taken) {
    console.warn("The Python worker runs one program; it ignored a later request");
    return;
  }
  if (message.type === "preload") {
    const uses = message.uses;
    work = work.then(async () => {
      if (booted !== null) await preload(await booted, uses).catch(() => undefined);
    });
    return;
  }
  taken = true;
  work = work.then(() => execute(message));
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
    .then(() =>
      boot(
        message,
        snapshot,
        post,
        (stream, text) => current?.write(stream, text),
        (e) => current?.answer(fatal(e), null),
      ),
    )
    .then((runtime) => {
      ready = true;
      return runtime;
    })
    .catch((e: unknown) => {
      post({ type: "boot-error", message: e instanceof Error ? e.message : String(e) });
      throw e;
    });
  booted.catch(() => {});
}

addEventListener("message", onInit);
