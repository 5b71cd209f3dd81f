/**
 * The page's end of the Python thread: one interpreter per run. Every run (Run, Check, the
 * automation API, `build.py run`) takes a worker no code has touched, restored from the site's
 * snapshot and idle ("the standby"); when the run ends, however it ends, that worker is
 * terminated and its timers, files and patched classes die with it, and a new standby is made.
 * `Runner.run(code)` is the one programmatic path to Python. Knows nothing of the DOM.
 *
 * NOTE: the snippet's code runs in the worker and can reach everything there, so the page
 * trusts nothing the worker says: the worker starts from a blob: URL (a worker from a local
 * scheme carries the page's own Content-Security-Policy, whatever the host sends), talks over a
 * private MessagePort, and every message is read through contract.ts's checks.
 */
import { readDisplay } from "../figures/payload";
import type { Display } from "../figures/payload";
import { readFromWorker, runError, stoppedBeforeStart } from "./contract";
import { loadSiteSnapshot } from "./snapshot";
import type { SiteSnapshotBytes } from "./snapshot";
import type {
  BootKind,
  CheckOutcome,
  CheckRequest,
  Chunk,
  PackagesMessage,
  PreloadRequest,
  RunError,
  RunRequest,
  SnapshotRequest,
  Stage,
  Uses,
} from "./contract";

/** The site's packages a run loaded before it started (see PackagesMessage). */
export type PackageLoad = Omit<PackagesMessage, "type" | "id">;

export type StageState = "waiting" | "loading" | "done";

export interface RunnerStatus {
  /**
   * "idle" before a lazy runner starts its first worker, "booting" until a worker is first
   * ready, "failed" if the runtime cannot start at all.
   */
  phase: "idle" | "booting" | "ready" | "failed";
  /** The boot stages of the worker the page waits for (the first one, or a run's). */
  stages: Record<Stage, StageState>;
  /** A run is in progress (or waiting for its interpreter). */
  running: boolean;
  /** The run is waiting for its interpreter to be ready. */
  waiting: boolean;
  stopping: boolean;
  /** The interpreter the next run will take: none yet, being made, or ready. */
  standby: "none" | "booting" | "ready";
  versions: Record<string, string>;
  bootMs: number | null;
  /** How the latest interpreter started; null before any is ready. */
  boot: BootKind | null;
  /** Why it booted in full instead of restoring the site's snapshot; null otherwise. */
  why: string | null;
  /** Why the runtime could not start, when phase is "failed". */
  message: string | null;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** null, or the exception: kind, name (its type), message, line (1-based), trimmed traceback. */
  error: RunError | null;
  durationMs: number;
  /** Characters of output dropped by the page's output cap. */
  dropped: number;
  /** The run's figures (plots, graphs, tables), each as its kind and text summary, in order. */
  displays: Array<{ kind: string; text: string }>;
  /** The packages loaded for its imports before it started, or null when none were needed. */
  packages: PackageLoad | null;
  /** A check's results (see `Runner.check`); null for a plain run, or when it did not finish. */
  checks: CheckOutcome[] | null;
  /** It was stopped because it ran past its `limitMs`. */
  timedOut: boolean;
}

export interface RunHooks {
  /** Output as it streams in, in order, batched. */
  onOutput?: (chunks: Chunk[]) => void;
  /** The output passed the cap; the program goes on. */
  onTruncated?: (cap: number) => void;
  /** A figure (its payload already read: see `readDisplay`), after the output printed before it. */
  onDisplay?: (display: Display) => void;
  /** Packages its imports need: loading, then loaded or failed (before any output). */
  onPackages?: (packages: PackageLoad) => void;
  /**
   * Stop the run this long after its program starts (package loading included); 0 stops it as
   * it starts, before any of it runs. No limit when absent.
   */
  limitMs?: number;
}

export interface RunnerOptions {
  /** The worker's module (worker.js); it is started from a blob: URL that imports it. */
  workerUrl: URL;
  /** The site's base URL, for the runtime's files. */
  baseUrl: URL;
  /** Characters of output kept per run. */
  outputCap: number;
  /** How long Stop waits for KeyboardInterrupt before terminating the worker. */
  stopGraceMs: number;
  /**
   * A run still going after this long gets the next run's standby made meanwhile (so Stop, then
   * Run, does not wait); a shorter run leaves the CPU to itself and the standby is made after.
   */
  standbyDelayMs: number;
  /**
   * Start no worker until the first `warm()` or run (an embed: ten on a page must not boot ten
   * interpreters at load), and keep a standby only while `visible`.
   */
  lazy?: boolean;
  /**
   * Make the first interpreter once this settles (the page's own content is on screen), not at
   * once: on a slow link a lesson's text must not share the line with the runtime's 25 MB. The
   * status says Python is loading meanwhile; a run or an edit before then starts it at once.
   */
  startAfter?: Promise<unknown>;
  onStatus: (status: RunnerStatus) => void;
}

const NO_USES: Uses = { packages: [], modules: [] };

/** Callbacks a worker reports to. */
interface WorkerEvents {
  message: (w: PyWorker, data: unknown) => void;
  crash: (w: PyWorker, why: string) => void;
}

/** One Pyodide worker, used for at most one run, and what we know of it. */
class PyWorker {
  readonly worker: Worker;
  /** The page's end of the private channel. */
  readonly port: MessagePort;
  readonly interrupt: Uint8Array | null;
  stages: Record<Stage, StageState> = { runtime: "waiting", numpy: "waiting", ad: "waiting" };
  ready = false;
  failed: string | null = null;
  versions: Record<string, string> = {};
  bootMs: number | null = null;
  boot: BootKind | null = null;
  why: string | null = null;
  /** Terminated or found dead: nothing it says counts any more. */
  gone = false;
  private readonly lock: string | null;
  private watching = false;

  constructor(
    bootstrap: string,
    options: RunnerOptions,
    /** What it loads before its run (init's `preload`, and any `preload` request since). */
    private preloaded: Uses,
    private readonly events: WorkerEvents,
  ) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.port.onmessage = (e: MessageEvent) => this.events.message(this, e.data);
    this.port.onmessageerror = () =>
      this.events.crash(this, "a message from the worker could not be read");
    this.worker = new Worker(bootstrap, { type: "module", name: "python" });
    // After init, the worker's global scope is the snippet's: whatever it posts there is noise.
    this.worker.addEventListener("message", () =>
      console.warn("Ignored a message the Python worker posted outside its private channel"),
    );
    this.worker.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault();
      this.events.crash(this, e.message || "the worker failed");
    });
    const shared =
      typeof SharedArrayBuffer === "function" && globalThis.crossOriginIsolated === true;
    const buffer = shared ? new SharedArrayBuffer(1) : null;
    this.interrupt = buffer === null ? null : new Uint8Array(buffer);
    const locks = globalThis.navigator?.locks;
    this.lock =
      locks !== undefined && typeof crypto.randomUUID === "function"
        ? `ad-playground-worker-${crypto.randomUUID()}`
        : null;
    this.worker.postMessage(
      {
        type: "init",
        port: channel.port2,
        baseUrl: options.baseUrl.href,
        interruptBuffer: buffer,
        outputCap: options.outputCap,
        preload: preloaded,
        lock: this.lock,
      },
      [channel.port2],
    );
  }

  get booting(): boolean {
    return !this.ready && this.failed === null && !this.gone;
  }

  /**
   * Notice when the worker dies (a snippet's `close()`, a crash): it holds a Web Lock for its
   * whole life, so the page's request for the same lock is granted only then. Called on the
   * worker's first message, once it holds the lock.
   */
  watch(): void {
    if (this.lock === null || this.watching) return;
    this.watching = true;
    void navigator.locks
      .request(this.lock, () => {
        if (!this.gone) this.events.crash(this, "the worker stopped");
      })
      .catch(() => undefined);
  }

  send(message: RunRequest | CheckRequest): void {
    this.port.postMessage(message);
  }

  /** The site's snapshot, checked by the page: a copy of it of its own, or why there is none. */
  sendSnapshot(snapshot: SiteSnapshotBytes): void {
    if (this.gone) return;
    if (typeof snapshot === "string") {
      const request: SnapshotRequest = { type: "snapshot", bytes: null, why: snapshot };
      this.port.postMessage(request);
      return;
    }
    const bytes = snapshot.buffer.slice(0); // the page keeps its own; the worker owns this one
    const request: SnapshotRequest = { type: "snapshot", bytes, why: null };
    this.port.postMessage(request, [bytes]);
  }

  /** Before its run: also load what `uses` names that it does not preload yet. */
  preload(uses: Uses): void {
    const more = (have: string[], want: string[]): string[] =>
      want.filter((x) => !have.includes(x));
    const packages = more(this.preloaded.packages, uses.packages);
    const modules = more(this.preloaded.modules, uses.modules);
    if (packages.length === 0 && modules.length === 0) return;
    this.preloaded = {
      packages: [...this.preloaded.packages, ...packages],
      modules: [...this.preloaded.modules, ...modules],
    };
    const request: PreloadRequest = { type: "preload", uses: { packages, modules } };
    this.port.postMessage(request);
  }

  terminate(): void {
    this.gone = true;
    this.worker.terminate();
    this.port.close();
  }
}

interface ActiveRun {
  id: number;
  code: string;
  /** A lesson's checks.py to run after the code (a check), or null (a plain run). */
  checks: string | null;
  /** The check's results, once the worker sent them. */
  outcome: CheckOutcome[] | null;
  /** The worker it runs in (taken from the standby); null until then. */
  worker: PyWorker | null;
  /** It was posted to its worker: from then on that worker has run code. */
  posted: boolean;
  /** Its worker failed to boot once and it was given another. */
  retried: boolean;
  /** Stopped by its time limit. */
  timedOut: boolean;
  started: number;
  stdout: string[];
  stderr: string[];
  dropped: number;
  /** The latest text of each figure, by figure id (a live plot updates its own entry). */
  displays: Map<string, { kind: string; text: string }>;
  packages: PackageLoad | null;
  hooks: RunHooks;
  /** Settles once the run is over, however it ended (`finish` settles it). */
  done: Promise<RunResult>;
  settle: (result: RunResult) => void;
}

export class Runner {
  private started = false;
  /** The interpreter the next run takes: booting or ready, never used. */
  private standby: PyWorker | null = null;
  /** The latest worker that became ready: the status shows its versions and boot. */
  private latest: PyWorker | null = null;
  /** Why the latest worker could not boot (cleared once one is ready). */
  private failure: string | null = null;
  private active: ActiveRun | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private standbyTimer: ReturnType<typeof setTimeout> | null = null;
  private limitTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping = false;
  private nextId = 1;
  private visible = true;
  /** What the last run used of the site's packages: the next standby loads it while idle. */
  private uses: Uses = NO_USES;
  /** The site's snapshot, fetched and checked once, when the first worker is made. */
  private snapshot: Promise<SiteSnapshotBytes> | null = null;
  private readyWaiters: Array<() => void> = [];
  /** Starting a run (stopping the one before first) is one step at a time. */
  private starting: Promise<void> = Promise.resolve();
  /** The blob: URL every worker starts from: it imports the real worker module. */
  private readonly bootstrap: string;

  constructor(private readonly options: RunnerOptions) {
    // NOTE: a worker started from a blob: URL inherits the page's policy container (its CSP);
    // one started from worker.js itself would obey only the headers its host sends, if any.
    const source = `import ${JSON.stringify(options.workerUrl.href)};\n`;
    this.bootstrap = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    if (options.lazy === true) this.emit();
    else if (options.startAfter === undefined) this.warm();
    else {
      this.started = true;
      this.emit();
      void options.startAfter.finally(() => {
        if (this.active === null) this.makeStandby(); // a run's own boot is enough at a time
      });
    }
  }

  /** Start making the first interpreter, if none is (a lazy runner waits for this or a run). */
  warm(): void {
    if (this.started) return;
    this.started = true;
    this.makeStandby();
    this.emit();
  }

  /**
   * The code is about to change (the user edits): make sure the next run's interpreter is
   * being made, even while a run goes on.
   */
  prepare(): void {
    if (this.started) this.makeStandby();
  }

  /** A lazy runner's frame came into view or left it: no standby is kept out of view. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible) {
      // Nor the snapshot's 25 MB: fetched again (from the HTTP cache) when next needed.
      if (this.active === null) this.snapshot = null;
      if (this.standby !== null && !this.waitedFor(this.standby)) {
        this.standby.terminate();
        this.standby = null;
      }
    } else if (this.started && this.active === null) {
      this.makeStandby();
    }
    this.emit();
  }

  /** Resolves once an interpreter is ready to run code. */
  ready(): Promise<void> {
    if (this.latest !== null) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get status(): RunnerStatus {
    const run = this.active;
    const shown = run?.worker ?? this.standby;
    const latest = this.latest;
    const phase = !this.started
      ? "idle"
      : latest !== null
        ? "ready"
        : this.failure !== null
          ? "failed"
          : "booting";
    return {
      phase,
      stages:
        shown !== null && shown !== undefined
          ? { ...shown.stages }
          : { runtime: "waiting", numpy: "waiting", ad: "waiting" },
      running: run !== null,
      waiting: run !== null && !run.posted,
      stopping: this.stopping,
      standby: this.standby === null ? "none" : this.standby.ready ? "ready" : "booting",
      versions: { ...(latest?.versions ?? {}) },
      bootMs: latest?.bootMs ?? null,
      boot: latest?.boot ?? null,
      why: latest?.why ?? null,
      message: this.failure,
    };
  }

  /**
   * Run `code` in an interpreter of its own. Waits for that interpreter if it is not ready; a
   * run already in progress is stopped first. Never rejects: failures come back as `error`.
   */
  run(code: string, hooks: RunHooks = {}): Promise<RunResult> {
    return this.enqueue(code, null, hooks);
  }

  /**
   * Run `code`, then a lesson's `checks` (its checks.py) on what the code left, in the same
   * interpreter and the same run: queued, stopped and answered exactly as `run` is; the
   * result's `checks` holds one outcome per check (null if it was stopped or the checks broke).
   */
  check(code: string, checks: string, hooks: RunHooks = {}): Promise<RunResult> {
    return this.enqueue(code, checks, hooks);
  }

  private enqueue(code: string, checks: string | null, hooks: RunHooks): Promise<RunResult> {
    let settle: (result: RunResult) => void = () => undefined;
    const done = new Promise<RunResult>((resolve) => (settle = resolve));
    const run: ActiveRun = {
      id: this.nextId++,
      code,
      checks,
      outcome: null,
      worker: null,
      posted: false,
      retried: false,
      timedOut: false,
      started: performance.now(),
      stdout: [],
      stderr: [],
      dropped: 0,
      displays: new Map(),
      packages: null,
      hooks,
      done,
      settle,
    };
    this.started = true;
    // NOTE: one start at a time: two calls that each stopped the run before them and then
    // both started would leave one of them never settled.
    this.starting = this.starting
      .then(async () => {
        if (this.active !== null) await this.stop();
        this.start(run);
      })
      .catch((e: unknown) => {
        // Never a run that does not settle, nor a chain that stops every later run.
        const error = runError("fatal", "RuntimeError", `The run could not start: ${String(e)}`);
        if (this.active === run) this.finish(run, error);
        else settle(emptyResult(error));
      });
    return done;
  }

  /** Stop the run in progress: KeyboardInterrupt if possible, else its worker is terminated. */
  stop(): Promise<void> {
    const run = this.active;
    if (run === null) return Promise.resolve();
    const finished = run.done.then(() => undefined);
    const worker = run.worker;
    if (worker === null || !run.posted) {
      // Nothing runs yet: the run is forgotten, and its untouched interpreter stays the standby.
      if (worker !== null && this.standby === null && !worker.gone) this.standby = worker;
      else worker?.terminate();
      run.worker = null;
      this.finish(run, stoppedBeforeStart());
      return finished;
    }
    if (this.stopping) return finished;
    this.stopping = true;
    if (worker.interrupt !== null) {
      worker.interrupt[0] = 2; // SIGINT: Python raises KeyboardInterrupt at the next check.
      this.stopTimer = setTimeout(
        () => this.end(run, "Stopped: the program did not respond, so Python was restarted"),
        this.options.stopGraceMs,
      );
    } else {
      this.end(run, "Stopped: Python was restarted");
    }
    this.emit();
    return finished;
  }

  // ---- internals ----

  /** Whether `w` is the interpreter a run is waiting for. */
  private waitedFor(w: PyWorker): boolean {
    return this.active !== null && this.active.worker === w;
  }

  /** Make the next run's interpreter, unless there is one (or a lazy runner wants none now). */
  private makeStandby(): void {
    if (this.standby !== null || !this.started) return;
    if (this.options.lazy === true && !this.visible) return;
    this.standby = this.spawn();
  }

  /** A new worker, booting with what the last run used preloaded. */
  private spawn(): PyWorker {
    if (this.latest === null && this.failure === null) mark("worker-start");
    const w = new PyWorker(this.bootstrap, this.options, this.uses, {
      message: (w, m) => this.onMessage(w, m),
      crash: (w, why) => this.onCrash(w, why),
    });
    // NOTE: fetched while the first worker loads the runtime; a failure is a reason, not a throw.
    this.snapshot ??= loadSiteSnapshot(this.options.baseUrl.href);
    void this.snapshot.then((snapshot) => w.sendSnapshot(snapshot));
    return w;
  }

  private start(run: ActiveRun): void {
    this.active = run;
    if (run.hooks.limitMs !== undefined && run.hooks.limitMs <= 0) {
      run.timedOut = true;
      this.finish(run, stoppedBeforeStart());
      return;
    }
    this.take(run);
    this.emit();
  }

  /** Give `run` the standby (made now if there is none), and post it once that is ready. */
  private take(run: ActiveRun): void {
    const w = this.standby ?? this.spawn();
    this.standby = null;
    run.worker = w;
    if (w.ready) this.post(run);
  }

  private post(run: ActiveRun): void {
    const w = run.worker;
    if (w === null || !w.ready || run.posted || this.active !== run) return;
    run.posted = true;
    run.started = performance.now();
    w.send(
      run.checks === null
        ? { type: "run", id: run.id, code: run.code }
        : { type: "check", id: run.id, code: run.code, checks: run.checks },
    );
    // A long run gets the next run's interpreter made meanwhile (see standbyDelayMs).
    this.standbyTimer = setTimeout(() => {
      this.standbyTimer = null;
      if (this.active === run) this.makeStandby();
    }, this.options.standbyDelayMs);
    const limit = run.hooks.limitMs;
    if (limit !== undefined) {
      this.limitTimer = setTimeout(() => {
        this.limitTimer = null;
        if (this.active !== run) return;
        run.timedOut = true;
        void this.stop();
      }, limit);
    }
  }

  private onMessage(w: PyWorker, data: unknown): void {
    if (w.gone) return;
    w.watch();
    const m = readFromWorker(data);
    if (m === null) {
      this.reject(w, data, "does not fit the message contract");
      return;
    }
    switch (m.type) {
      case "stage":
      case "ready":
      case "boot-error":
        if (!w.booting) {
          this.reject(w, data, "only a booting worker may send");
          return;
        }
    }
    switch (m.type) {
      case "stage":
        w.stages[m.stage] = m.state === "start" ? "loading" : "done";
        if (this.latest === null) mark(`${m.stage}-${m.state}`);
        break;
      case "ready": {
        const first = this.latest === null;
        w.ready = true;
        w.versions = m.versions;
        w.bootMs = m.bootMs;
        w.boot = m.boot;
        w.why = m.why;
        this.latest = w;
        this.failure = null;
        if (first) mark("ready");
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        const run = this.active;
        if (run !== null && run.worker === w) this.post(run);
        break;
      }
      case "boot-error":
        this.bootFailed(w, m.message);
        break;
      case "output": {
        const run = this.runOf(w, m.id);
        if (run === null) return;
        for (const chunk of m.chunks) {
          (chunk.stream === "stdout" ? run.stdout : run.stderr).push(chunk.text);
        }
        hook(() => run.hooks.onOutput?.(m.chunks));
        return;
      }
      case "truncated": {
        const run = this.runOf(w, m.id);
        if (run !== null) hook(() => run.hooks.onTruncated?.(m.cap));
        return;
      }
      case "display": {
        const run = this.runOf(w, m.id);
        if (run === null) return;
        run.displays.set(m.figure, { kind: m.kind, text: m.text });
        hook(() => run.hooks.onDisplay?.(readDisplay(m)));
        return;
      }
      case "packages": {
        const run = this.runOf(w, m.id);
        if (run === null) return;
        const { names, bytes, state, ms, error } = m;
        run.packages = { names, bytes, state, ms, error };
        const load = run.packages;
        hook(() => run.hooks.onPackages?.(load));
        return;
      }
      case "checked": {
        const run = this.runOf(w, m.id);
        if (run === null) return;
        if (run.checks === null) {
          this.reject(w, data, "answers a check the page never asked for");
          return;
        }
        run.outcome = m.checks;
        return;
      }
      case "done": {
        const run = this.runOf(w, m.id);
        if (run === null) return;
        if (m.uses !== null) {
          // The next run will likely import what this one did: its interpreter loads it now.
          this.uses = m.uses;
          this.standby?.preload(m.uses);
        }
        run.dropped = m.dropped;
        this.finish(run, m.error, m.durationMs);
        return;
      }
    }
    this.emit();
  }

  /** A message the page must not act on: say so, and treat the worker as broken. */
  private reject(w: PyWorker, data: unknown, why: string): void {
    const type =
      typeof data === "object" && data !== null ? String((data as { type?: unknown }).type) : "";
    console.warn(`Ignored a message from the Python worker (type ${type}) that ${why}`);
    this.onCrash(w, `it sent a message that ${why}`);
  }

  /** `w` could not boot: a run waiting for it gets one more try, then the error. */
  private bootFailed(w: PyWorker, why: string): void {
    w.failed = why;
    w.terminate();
    this.failure = why;
    if (w === this.standby) this.standby = null;
    const run = this.active;
    if (run !== null && run.worker === w) {
      run.worker = null;
      if (run.retried) this.finish(run, notStarted(why));
      else {
        run.retried = true;
        this.take(run);
      }
    }
    this.emit();
  }

  private onCrash(w: PyWorker, why: string): void {
    if (w.gone) return;
    if (w.booting) {
      this.bootFailed(w, why);
      return;
    }
    w.terminate();
    if (w === this.standby) {
      this.standby = null;
      this.emit();
      return;
    }
    const run = this.active;
    if (run !== null && run.worker === w) {
      this.finish(run, runError("fatal", "RuntimeError", `The Python runtime crashed (${why})`));
    }
  }

  /** The active run, if `w` is its worker and `id` its id. */
  private runOf(w: PyWorker, id: number): ActiveRun | null {
    const run = this.active;
    return run !== null && run.worker === w && run.id === id ? run : null;
  }

  /** End `run` now, whatever its worker is doing: stopped with `why`. */
  private end(run: ActiveRun, why: string): void {
    this.finish(run, runError("interrupted", "KeyboardInterrupt", why));
  }

  /** Settle `run`, throw its worker away, and make the next run's interpreter. */
  private finish(run: ActiveRun, error: RunError | null, durationMs?: number): void {
    if (this.active !== run) return;
    this.active = null;
    this.stopping = false;
    run.worker?.terminate();
    for (const timer of [this.stopTimer, this.standbyTimer, this.limitTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    this.stopTimer = this.standbyTimer = this.limitTimer = null;
    run.settle({
      stdout: run.stdout.join(""),
      stderr: run.stderr.join(""),
      error,
      durationMs: durationMs ?? performance.now() - run.started,
      dropped: run.dropped,
      displays: [...run.displays.values()],
      packages: run.packages,
      checks: run.outcome,
      timedOut: run.timedOut,
    });
    this.makeStandby();
    this.emit();
  }

  private emit(): void {
    this.options.onStatus(this.status);
  }
}

/**
 * A User Timing mark of the first boot (`ad:worker-start`, `ad:numpy-done`, `ad:ready`, ...):
 * the browser benchmark (web/bench.py) reads them for its stage breakdown; DevTools shows them.
 */
function mark(name: string): void {
  try {
    performance.mark(`ad:${name}`);
  } catch {
    // marks are a diagnosis aid only
  }
}

/** Call a caller's hook; one that throws must not break the run's bookkeeping. */
function hook(call: () => void): void {
  try {
    call();
  } catch (e) {
    console.error("A run hook threw:", e);
  }
}

function emptyResult(error: RunError): RunResult {
  return {
    stdout: "",
    stderr: "",
    error,
    durationMs: 0,
    dropped: 0,
    displays: [],
    packages: null,
    checks: null,
    timedOut: false,
  };
}

function notStarted(why: string): RunError {
  return runError("fatal", "RuntimeError", `The Python runtime could not start: ${why}`);
}
