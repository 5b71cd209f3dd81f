/**
 * The worker's life cycle: boot, run, stop, replace. `Runner.run(code)` is the one programmatic
 * path to Python: the Run button and the automation API (automation.ts) both go through it.
 * Knows nothing of the DOM or the editor.
 *
 * NOTE: the snippet's code runs in the worker and can reach everything there, so the page
 * trusts nothing the worker says: the worker starts from a blob: URL (a worker from a local
 * scheme carries the page's own Content-Security-Policy, whatever the host sends), talks over a
 * private MessagePort, and every message is read through messages.ts's checks. A worker that
 * ran code from a share link never runs the user's own code (and the other way round).
 */
import { readDisplay, readFromWorker } from "./messages";
import type {
  CheckOutcome,
  CheckRequest,
  Chunk,
  Display,
  InitRequest,
  PackagesMessage,
  RunError,
  RunRequest,
  Stage,
} from "./messages";

/** The site's packages a run loaded before it started (see PackagesMessage). */
export type PackageLoad = Omit<PackagesMessage, "type" | "id">;

export type StageState = "waiting" | "loading" | "done";

export interface RunnerStatus {
  /**
   * "idle" before a lazy runner starts its first worker, "booting" until the first worker is
   * ready, "failed" if the runtime cannot start at all.
   */
  phase: "idle" | "booting" | "ready" | "failed";
  stages: Record<Stage, StageState>;
  /** A run is in progress (or waiting for the runtime). */
  running: boolean;
  /** The run is queued until the runtime is ready. */
  waiting: boolean;
  stopping: boolean;
  versions: Record<string, string>;
  bootMs: number | null;
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
}

/** Whose code a run is: the user's own (typed, an example, the automation API) or a link's. */
export type Trust = "own" | "link";

/**
 * Where the page keeps the digest of the interpreter snapshot it accepted (localStorage, which
 * no worker can write): see worker/snapshot.ts.
 */
export interface SnapshotStore {
  /** The accepted snapshot's SHA-256, or null. */
  digest(): string | null;
  /** Accept a worker's new snapshot, or forget the digest (null). */
  accept(digest: string | null): void;
  /** The site's own snapshot (build-id.ts) may be restored: none restored from it ever hung. */
  siteTrusted(): boolean;
  /** Whether a worker restored from the page's own snapshot, or the site's, has finished a run. */
  proven(which: "own" | "site"): boolean;
  /**
   * A restored worker's first run started, finished, or never finished: that snapshot is then
   * never restored again (the page's own is forgotten; the site's, for this build).
   */
  trial(which: "own" | "site", state: "running" | "passed" | "failed"): void;
}

/** The worker's `versions.boot` for a restore: from the page's own snapshot or the site's. */
const RESTORED_FROM: Partial<Record<string, "own" | "site">> = {
  snapshot: "own",
  "site snapshot": "site",
};

export interface RunnerOptions {
  /** The worker's module (worker.js); it is started from a blob: URL that imports it. */
  workerUrl: URL;
  /** The site's base URL, for the runtime's files. */
  baseUrl: URL;
  snapshots: SnapshotStore;
  /** Characters of output kept per run. */
  outputCap: number;
  /** How long Stop waits for KeyboardInterrupt before replacing the worker. */
  stopGraceMs: number;
  /**
   * Quiet time after a run ends before a standby worker boots. It boots only once a run has
   * finished and none is active: booting one takes the CPU a run needs (a first run that
   * overlapped the standby's boot was ~60 % slower on two cores).
   */
  standbyDelayMs: number;
  /**
   * Start no worker until the first `warm()` or run (an embed: ten on a page must not boot ten
   * interpreters at load), and boot a standby only for a run that lasted standbyDelayMs (the
   * run a reader may want to stop), not whenever a worker is ready.
   */
  lazy?: boolean;
  onStatus: (status: RunnerStatus) => void;
}

/** Callbacks a worker reports to. */
interface WorkerEvents {
  message: (w: PyWorker, data: unknown) => void;
  crash: (w: PyWorker, why: string) => void;
}

/** One Pyodide worker and what we know of it. */
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
  /** Whose code it has run; null while it has run none. */
  trust: Trust | null = null;
  /** A run changed it in a way that cannot be undone: the next run gets a fresh worker. */
  retired = false;
  /** Terminated or found dead: nothing it says counts any more. */
  gone = false;
  /** The snapshot digest it was told to restore, and whether it was told to make one. */
  readonly expected: string | null;
  /** It was allowed to restore the site's snapshot. */
  readonly site: boolean;
  readonly making: boolean;
  /** Its first run after a restore from an unproven snapshot (its own or the site's) is on. */
  onTrial: "own" | "site" | null = null;
  private readonly lock: string | null;
  private watching = false;

  constructor(
    bootstrap: string,
    options: RunnerOptions,
    snapshot: InitRequest["snapshot"],
    private readonly events: WorkerEvents,
  ) {
    this.expected = snapshot.digest;
    this.site = snapshot.site;
    this.making = snapshot.make;
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.port.onmessage = (e: MessageEvent) => this.events.message(this, e.data);
    this.port.onmessageerror = () =>
      this.events.crash(this, "a message from the worker could not be read");
    this.worker = new Worker(bootstrap, { type: "module", name: "python" });
    mark("worker-start");
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
        snapshot,
        lock: this.lock,
      },
      [channel.port2],
    );
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
  trust: Trust;
  /** The worker it was posted to; null until then. */
  worker: PyWorker | null;
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
  // NOTE: assigned by `warm()`; read only once `started` is true.
  private current!: PyWorker;
  private started = false;
  /** Booted in the background, so a Stop that replaces the worker does not wait for a boot. */
  private standby: PyWorker | null = null;
  private standbyTimer: ReturnType<typeof setTimeout> | null = null;
  private active: ActiveRun | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping = false;
  private nextId = 1;
  private everReady = false;
  /** The digest of the snapshot a worker of this page made and the page accepted. */
  private madeHere: string | null = null;
  /** A run has finished: from then on a standby worker may boot (scheduleStandby). */
  private ranOnce = false;
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
    else this.warm();
  }

  /** Start the first worker, if it is not started yet (a lazy runner waits for this or a run). */
  warm(): void {
    if (this.started) return;
    this.started = true;
    this.current = this.spawn();
    this.emit();
  }

  /** Resolves once a runtime is ready to run code. */
  ready(): Promise<void> {
    if (this.started && this.current.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get status(): RunnerStatus {
    const active = this.active;
    if (!this.started) {
      return {
        phase: "idle",
        stages: { runtime: "waiting", numpy: "waiting", ad: "waiting" },
        running: active !== null,
        waiting: active !== null,
        stopping: false,
        versions: {},
        bootMs: null,
        message: null,
      };
    }
    const w = this.current;
    return {
      phase: w.failed !== null ? "failed" : this.everReady || w.ready ? "ready" : "booting",
      stages: { ...w.stages },
      running: active !== null,
      waiting: active !== null && active.worker === null,
      stopping: this.stopping,
      versions: { ...w.versions },
      bootMs: w.bootMs,
      message: w.failed,
    };
  }

  /**
   * Run `code` in a fresh namespace. Queued until the runtime is ready; a run already in
   * progress is stopped first. Never rejects: failures come back as `error`. Code from a link
   * (`trust: "link"`) runs in a worker that then runs nothing else.
   */
  run(code: string, hooks: RunHooks = {}, trust: Trust = "own"): Promise<RunResult> {
    return this.enqueue(code, null, hooks, trust);
  }

  /**
   * Run `code`, then a lesson's `checks` (its checks.py) on what the code left, in the same
   * worker and the same run: queued, stopped and answered exactly as `run` is; the result's
   * `checks` holds one outcome per check (null if it was stopped or the checks broke).
   */
  check(
    code: string,
    checks: string,
    hooks: RunHooks = {},
    trust: Trust = "own",
  ): Promise<RunResult> {
    return this.enqueue(code, checks, hooks, trust);
  }

  private enqueue(
    code: string,
    checks: string | null,
    hooks: RunHooks,
    trust: Trust,
  ): Promise<RunResult> {
    let settle: (result: RunResult) => void = () => undefined;
    const done = new Promise<RunResult>((resolve) => (settle = resolve));
    const run: ActiveRun = {
      id: this.nextId++,
      code,
      checks,
      outcome: null,
      trust,
      worker: null,
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
    this.warm();
    // NOTE: one start at a time: two calls that each stopped the run before them and then
    // both started would leave one of them never settled.
    this.starting = this.starting
      .then(async () => {
        if (this.active !== null) await this.stop();
        this.start(run);
      })
      .catch((e: unknown) => {
        // Never a run that does not settle, nor a chain that stops every later run.
        const error = failure("fatal", "RuntimeError", `The run could not start: ${String(e)}`);
        if (this.active === run) this.finish(run, error);
        else settle(emptyResult(error));
      });
    return done;
  }

  /** Stop the run in progress: KeyboardInterrupt if possible, else a fresh worker. */
  stop(): Promise<void> {
    const run = this.active;
    if (run === null) return Promise.resolve();
    const finished = run.done.then(() => undefined);
    const worker = run.worker;
    if (worker === null) {
      // Still waiting for the runtime: nothing runs yet, just forget it.
      this.finish(
        run,
        failure("interrupted", "KeyboardInterrupt", "Stopped before the runtime was ready"),
      );
      return finished;
    }
    if (this.stopping) return finished;
    this.stopping = true;
    if (worker.interrupt !== null) {
      worker.interrupt[0] = 2; // SIGINT: Python raises KeyboardInterrupt at the next check.
      this.stopTimer = setTimeout(
        () => this.replace("Stopped: the program did not respond, so Python was restarted"),
        this.options.stopGraceMs,
      );
    } else {
      this.replace("Stopped: Python was restarted");
    }
    this.emit();
    return finished;
  }

  // ---- internals ----

  private spawn(): PyWorker {
    const store = this.options.snapshots;
    const making = [this.started ? this.current : null, this.standby].some(
      (w) => w !== undefined && w !== null && w.making && !w.ready && !w.gone,
    );
    const digest = store.digest();
    return new PyWorker(
      this.bootstrap,
      this.options,
      // A snapshot is made only when the page has none, by one worker at a time.
      { digest, site: store.siteTrusted(), make: digest === null && !making },
      { message: (w, m) => this.onMessage(w, m), crash: (w, why) => this.onCrash(w, why) },
    );
  }

  private start(run: ActiveRun): void {
    this.active = run;
    const w = this.current;
    if (w.failed !== null) {
      this.finish(run, notStarted(w.failed));
      return;
    }
    // A worker that ran code of another trust (or that a run left changed) is not reused.
    if (w.retired || (w.trust !== null && w.trust !== run.trust)) this.replace(null);
    else this.post(run);
    this.emit();
  }

  private post(run: ActiveRun): void {
    const w = this.current;
    if (!w.ready || run.worker !== null || this.active !== run) return;
    run.worker = w;
    w.trust = run.trust;
    run.started = performance.now();
    if (w.interrupt !== null) w.interrupt[0] = 0; // a Stop from now on is this run's
    const store = this.options.snapshots;
    const restored = RESTORED_FROM[w.versions.boot ?? ""];
    if (w.onTrial === null && restored !== undefined && !store.proven(restored)) {
      w.onTrial = restored;
      store.trial(restored, "running");
    }
    w.send(
      run.checks === null
        ? { type: "run", id: run.id, code: run.code }
        : { type: "check", id: run.id, code: run.code, checks: run.checks },
    );
    if (this.options.lazy === true) this.scheduleStandby();
  }

  private onMessage(w: PyWorker, data: unknown): void {
    if (w.gone) return;
    w.watch();
    const m = readFromWorker(data);
    if (m === null) {
      this.reject(w, data, "does not fit the message contract");
      return;
    }
    const booting = !w.ready && w.failed === null;
    switch (m.type) {
      case "stage":
      case "snapshot":
      case "ready":
      case "boot-error":
        if (!booting) {
          this.reject(w, data, "only a booting worker may send");
          return;
        }
    }
    switch (m.type) {
      case "stage":
        w.stages[m.stage] = m.state === "start" ? "loading" : "done";
        if (w === this.current) mark(`${m.stage}-${m.state}`);
        break;
      case "snapshot": {
        const store = this.options.snapshots;
        // A worker that found the stored snapshot wrong forgets it, unless another worker
        // has offered a new one meanwhile.
        if (m.digest !== null ? w.making : store.digest() === w.expected) store.accept(m.digest);
        if (m.digest !== null && w.making) this.madeHere = m.digest;
        return;
      }
      case "ready":
        w.ready = true;
        w.versions = m.versions;
        w.bootMs = m.bootMs;
        // NOTE: a snapshot the page accepted can be missing only while the worker that made it
        // is still storing it, during this page's life; one accepted before is gone (the site's
        // Cache Storage was cleared): forget its digest, so a standby makes a new one, or every
        // later visit would boot in full.
        if (
          m.versions.snapshot === "missing" &&
          w.expected !== null &&
          w.expected !== this.madeHere &&
          this.options.snapshots.digest() === w.expected
        ) {
          this.options.snapshots.accept(null);
        }
        if (w === this.current) {
          mark("ready");
          this.becameReady();
        }
        break;
      case "boot-error":
        w.failed = m.message;
        if (w === this.standby) {
          w.terminate();
          this.standby = null;
        } else if (w === this.current && this.active !== null) {
          this.finish(this.active, notStarted(m.message));
        }
        break;
      case "output": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        for (const chunk of m.chunks) {
          (chunk.stream === "stdout" ? run.stdout : run.stderr).push(chunk.text);
        }
        hook(() => run.hooks.onOutput?.(m.chunks));
        return;
      }
      case "truncated": {
        const run = this.activeFor(w, m.id);
        if (run !== null) hook(() => run.hooks.onTruncated?.(m.cap));
        return;
      }
      case "display": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        run.displays.set(m.figure, { kind: m.kind, text: m.text });
        hook(() => run.hooks.onDisplay?.(readDisplay(m)));
        return;
      }
      case "packages": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        const { names, bytes, state, ms, error } = m;
        run.packages = { names, bytes, state, ms, error };
        const load = run.packages;
        hook(() => run.hooks.onPackages?.(load));
        return;
      }
      case "checked": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        if (run.checks === null) {
          this.reject(w, data, "answers a check the page never asked for");
          return;
        }
        run.outcome = m.checks;
        return;
      }
      case "done": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        if (w.onTrial !== null && m.error?.kind !== "fatal") {
          this.options.snapshots.trial(w.onTrial, "passed");
          w.onTrial = null;
        }
        if (m.retire) w.retired = true;
        run.dropped = m.dropped;
        this.finish(run, m.error, m.durationMs);
        if (m.error?.kind === "fatal") this.replace(null);
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

  private onCrash(w: PyWorker, why: string): void {
    if (w.gone) return;
    if (w === this.standby) {
      w.terminate();
      this.standby = null;
      return;
    }
    if (w !== this.current) {
      w.terminate();
      return;
    }
    if (!w.ready) {
      w.failed = why;
      w.terminate();
      if (this.active !== null) this.finish(this.active, notStarted(why));
      this.emit();
      return;
    }
    const run = this.active;
    const crashed = `The Python runtime crashed (${why}); it was restarted`;
    if (run !== null && run.worker === w)
      this.finish(run, failure("fatal", "RuntimeError", crashed));
    this.replace(null);
  }

  private activeFor(w: PyWorker, id: number): ActiveRun | null {
    const run = this.active;
    return run !== null && run.worker === w && run.id === id ? run : null;
  }

  private becameReady(): void {
    this.everReady = true;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
    if (this.active !== null) this.post(this.active);
    // A lazy runner (an embed) boots a standby only for a long run (post() asks). Otherwise: no
    // snapshot for the next visit: the standby makes one, soon; else it waits for a run to end.
    if (this.options.lazy === true) return;
    if (this.ranOnce || this.snapshotWanted()) this.scheduleStandby();
  }

  /**
   * The page has no snapshot for the next visit: none of its own was accepted, and the current
   * worker could not restore the site's (a host that does not serve it, one that hung).
   */
  private snapshotWanted(): boolean {
    return (
      this.options.snapshots.digest() === null && this.current.versions.boot !== "site snapshot"
    );
  }

  /**
   * Boot a standby worker once the page has been idle for standbyDelayMs after a run: never
   * before the first run has finished, never while a run is active (finish() asks again).
   * Only when the page has no snapshot for the next visit (snapshotWanted) does it boot
   * standbyDelayMs after ready, to make one.
   */
  private scheduleStandby(): void {
    if (this.standby !== null) return;
    if (this.standbyTimer !== null) clearTimeout(this.standbyTimer); // quiet time starts again
    this.standbyTimer = setTimeout(() => {
      this.standbyTimer = null;
      if (this.options.lazy === true) {
        // A lazy runner wants a standby only while a run is still going after the delay.
        if (this.active === null || !this.current.ready) return;
      } else {
        const needed = this.snapshotWanted(); // it makes the snapshot
        if ((this.active !== null && !needed) || !this.current.ready) return; // asked again later
      }
      if (this.standby === null && this.current.failed === null) this.standby = this.spawn();
    }, this.options.standbyDelayMs);
  }

  /**
   * Throw the current worker away and promote the standby one. `stopped` ends the active run
   * if it ran there; a run not posted yet goes to the new worker.
   */
  private replace(stopped: string | null): void {
    const old = this.current;
    old.terminate();
    if (old.onTrial !== null) this.snapshotFailed(old.onTrial);
    const run = this.active;
    if (stopped !== null && run !== null && run.worker === old) {
      this.finish(run, failure("interrupted", "KeyboardInterrupt", stopped));
    }
    this.current = this.standby ?? this.spawn();
    this.standby = null;
    if (this.current.ready) this.becameReady();
    this.emit();
  }

  /**
   * The first run of a worker restored from a snapshot never finished: distrust the snapshot
   * (forget its digest, so it is never restored again) and any standby restored from it.
   */
  private snapshotFailed(which: "own" | "site"): void {
    this.options.snapshots.trial(which, "failed");
    const standby = this.standby;
    if (standby !== null && (which === "own" ? standby.expected !== null : standby.site)) {
      standby.terminate();
      this.standby = null;
    }
  }

  private finish(run: ActiveRun, error: RunError | null, durationMs?: number): void {
    if (this.active !== run) return;
    this.active = null;
    this.stopping = false;
    this.ranOnce = true;
    this.scheduleStandby();
    if (this.stopTimer !== null) {
      clearTimeout(this.stopTimer);
      this.stopTimer = null;
    }
    run.settle({
      stdout: run.stdout.join(""),
      stderr: run.stderr.join(""),
      error,
      durationMs: durationMs ?? performance.now() - run.started,
      dropped: run.dropped,
      displays: [...run.displays.values()],
      packages: run.packages,
      checks: run.outcome,
    });
    this.emit();
  }

  private emit(): void {
    this.options.onStatus(this.status);
  }
}

/**
 * A User Timing mark of the boot (`ad:worker-start`, `ad:numpy-done`, `ad:ready`, ...): the
 * browser benchmark (web/bench.py) reads them for its stage breakdown; DevTools shows them too.
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

function failure(kind: RunError["kind"], name: string, message: string): RunError {
  return { kind, name, message, traceback: `${name}: ${message}\n`, line: null };
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
  };
}

function notStarted(why: string): RunError {
  return failure("fatal", "RuntimeError", `The Python runtime could not start: ${why}`);
}
