/**
 * The worker's life cycle: boot, run, stop, replace. `Runner.run(code)` is the one programmatic
 * path to Python: the Run button and the automation API (automation.ts) both go through it.
 * Knows nothing of the DOM or the editor.
 */
import { readDisplay } from "./messages";
import type {
  Chunk,
  Display,
  FromWorker,
  PackagesMessage,
  RunError,
  Stage,
  ToWorker,
} from "./messages";

/** The site's packages a run loaded before it started (see PackagesMessage). */
export type PackageLoad = Omit<PackagesMessage, "type" | "id">;

export type StageState = "waiting" | "loading" | "done";

export interface RunnerStatus {
  /** "booting" until the first worker is ready; "failed" if the runtime cannot start at all. */
  phase: "booting" | "ready" | "failed";
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

export interface RunnerOptions {
  workerUrl: URL;
  /** Characters of output kept per run. */
  outputCap: number;
  /** How long Stop waits for KeyboardInterrupt before replacing the worker. */
  stopGraceMs: number;
  /** Delay before booting a standby worker, so it does not compete with the first run. */
  standbyDelayMs: number;
  onStatus: (status: RunnerStatus) => void;
}

/** One Pyodide worker and what we know of it. */
class PyWorker {
  readonly worker: Worker;
  readonly interrupt: Uint8Array | null;
  stages: Record<Stage, StageState> = { runtime: "waiting", numpy: "waiting", ad: "waiting" };
  ready = false;
  failed: string | null = null;
  versions: Record<string, string> = {};
  bootMs: number | null = null;

  constructor(
    url: URL,
    outputCap: number,
    onMessage: (w: PyWorker, m: FromWorker) => void,
    onCrash: (w: PyWorker, why: string) => void,
  ) {
    this.worker = new Worker(url, { type: "module" });
    const shared =
      typeof SharedArrayBuffer === "function" && globalThis.crossOriginIsolated === true;
    const buffer = shared ? new SharedArrayBuffer(1) : null;
    this.interrupt = buffer === null ? null : new Uint8Array(buffer);
    this.worker.addEventListener("message", (e: MessageEvent<FromWorker>) =>
      onMessage(this, e.data),
    );
    this.worker.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault();
      onCrash(this, e.message || "the worker failed");
    });
    this.worker.addEventListener("messageerror", () =>
      onCrash(this, "a message from the worker could not be read"),
    );
    this.send({ type: "init", interruptBuffer: buffer, outputCap });
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }
}

interface ActiveRun {
  id: number;
  code: string;
  worker: PyWorker;
  posted: boolean;
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
  private current: PyWorker;
  /** Booted in the background, so a Stop that replaces the worker does not wait for a boot. */
  private standby: PyWorker | null = null;
  private standbyTimer: ReturnType<typeof setTimeout> | null = null;
  private active: ActiveRun | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping = false;
  private nextId = 1;
  private everReady = false;
  private readyWaiters: Array<() => void> = [];

  constructor(private readonly options: RunnerOptions) {
    this.current = this.spawn();
    this.emit();
  }

  /** Resolves once a runtime is ready to run code. */
  ready(): Promise<void> {
    if (this.current.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get status(): RunnerStatus {
    const w = this.current;
    return {
      phase: w.failed !== null ? "failed" : this.everReady || w.ready ? "ready" : "booting",
      stages: { ...w.stages },
      running: this.active !== null,
      waiting: this.active !== null && !this.active.posted,
      stopping: this.stopping,
      versions: { ...w.versions },
      bootMs: w.bootMs,
      message: w.failed,
    };
  }

  /**
   * Run `code` in a fresh namespace. Queued until the runtime is ready; a run already in
   * progress is stopped first. Never rejects: failures come back as `error`.
   */
  async run(code: string, hooks: RunHooks = {}): Promise<RunResult> {
    if (this.active !== null) await this.stop();
    let settle: (result: RunResult) => void = () => undefined;
    const done = new Promise<RunResult>((resolve) => (settle = resolve));
    const run: ActiveRun = {
      id: this.nextId++,
      code,
      worker: this.current,
      posted: false,
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
    this.active = run;
    if (this.current.failed !== null) {
      this.finish(run, notStarted(this.current.failed));
    } else {
      this.post(run);
      this.emit();
    }
    return done;
  }

  /** Stop the run in progress: KeyboardInterrupt if possible, else a fresh worker. */
  stop(): Promise<void> {
    const run = this.active;
    if (run === null) return Promise.resolve();
    const finished = run.done.then(() => undefined);
    if (!run.posted) {
      // Still waiting for the runtime: nothing runs yet, just forget it.
      this.finish(
        run,
        failure("interrupted", "KeyboardInterrupt", "Stopped before the runtime was ready"),
      );
      return finished;
    }
    if (this.stopping) return finished;
    this.stopping = true;
    if (run.worker.interrupt !== null) {
      run.worker.interrupt[0] = 2; // SIGINT: Python raises KeyboardInterrupt at the next check.
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
    return new PyWorker(
      this.options.workerUrl,
      this.options.outputCap,
      (w, m) => this.onMessage(w, m),
      (w, why) => this.onCrash(w, why),
    );
  }

  private post(run: ActiveRun): void {
    if (!run.worker.ready || run.posted) return;
    run.posted = true;
    run.started = performance.now();
    run.worker.send({ type: "run", id: run.id, code: run.code });
  }

  private onMessage(w: PyWorker, m: FromWorker): void {
    switch (m.type) {
      case "stage":
        w.stages[m.stage] = m.state === "start" ? "loading" : "done";
        break;
      case "ready":
        w.ready = true;
        w.versions = m.versions;
        w.bootMs = m.bootMs;
        if (w === this.current) this.becameReady();
        break;
      case "boot-error":
        w.failed = m.message;
        if (w === this.standby) {
          w.worker.terminate();
          this.standby = null;
        } else if (w === this.current && this.active !== null && this.active.worker === w) {
          this.finish(this.active, notStarted(m.message));
        }
        break;
      case "output": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        for (const chunk of m.chunks) {
          (chunk.stream === "stdout" ? run.stdout : run.stderr).push(chunk.text);
        }
        run.hooks.onOutput?.(m.chunks);
        return;
      }
      case "truncated": {
        const run = this.activeFor(w, m.id);
        run?.hooks.onTruncated?.(m.cap);
        return;
      }
      case "display": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        run.displays.set(m.figure, { kind: m.kind, text: m.text });
        run.hooks.onDisplay?.(readDisplay(m));
        return;
      }
      case "packages": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        const { names, bytes, state, ms, error } = m;
        run.packages = { names, bytes, state, ms, error };
        run.hooks.onPackages?.(run.packages);
        return;
      }
      case "done": {
        const run = this.activeFor(w, m.id);
        if (run === null) return;
        run.dropped = m.dropped;
        this.finish(run, m.error, m.durationMs);
        if (m.error?.kind === "fatal") this.replace(null);
        return;
      }
    }
    this.emit();
  }

  private onCrash(w: PyWorker, why: string): void {
    if (w === this.standby) {
      w.worker.terminate();
      this.standby = null;
      return;
    }
    if (w !== this.current) return;
    if (!w.ready) {
      w.failed = why;
      if (this.active !== null) this.finish(this.active, notStarted(why));
      this.emit();
      return;
    }
    const run = this.active;
    const crashed = `The Python runtime crashed (${why}); it was restarted`;
    if (run !== null) this.finish(run, failure("fatal", "RuntimeError", crashed));
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
    this.scheduleStandby();
  }

  private scheduleStandby(): void {
    if (this.standby !== null || this.standbyTimer !== null) return;
    this.standbyTimer = setTimeout(() => {
      this.standbyTimer = null;
      if (this.standby === null && this.current.failed === null) this.standby = this.spawn();
    }, this.options.standbyDelayMs);
  }

  /** Throw the current worker away and promote the standby one. `stopped` ends the active run. */
  private replace(stopped: string | null): void {
    const old = this.current;
    old.worker.terminate();
    const run = this.active;
    if (stopped !== null && run !== null && run.worker === old) {
      this.finish(run, failure("interrupted", "KeyboardInterrupt", stopped));
    }
    this.current = this.standby ?? this.spawn();
    this.standby = null;
    if (this.current.ready) this.becameReady();
    this.emit();
  }

  private finish(run: ActiveRun, error: RunError | null, durationMs?: number): void {
    if (this.active !== run) return;
    this.active = null;
    this.stopping = false;
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
    });
    this.emit();
  }

  private emit(): void {
    this.options.onStatus(this.status);
  }
}

function failure(kind: RunError["kind"], name: string, message: string): RunError {
  return { kind, name, message, traceback: `${name}: ${message}\n`, line: null };
}

function notStarted(why: string): RunError {
  return failure("fatal", "RuntimeError", `The Python runtime could not start: ${why}`);
}
