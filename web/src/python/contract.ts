/**
 * The message contract between the page (runner.ts) and the Python worker (worker/worker.ts).
 * Plain data only: every message is structured-cloneable and tagged by a literal `type`.
 * A worker boots (`stage` messages, then `ready`), runs exactly one `run` or `check`, and
 * answers it exactly once with a `done` carrying the same `id`, errors included, as data; the
 * page then throws the worker away (one run, one interpreter). The page reads every message through `readFromWorker` and the
 * worker every request through `readToWorker`: what does not fit is rejected, never guessed at.
 * NOTE: after `init`, page and worker talk over a private MessagePort (handed over in `init`),
 * not the worker's global scope, which the snippet's code can reach.
 */
import {
  fields,
  isBoolean,
  isCount,
  isDuration,
  isId,
  isString,
  listOf,
  oneOf,
  orNull,
  recordOf,
  where,
} from "../check";
import type { Check } from "../check";

/** Boot stages, in order. */
export const STAGES = ["runtime", "numpy", "ad"] as const;
export type Stage = (typeof STAGES)[number];

export type StreamName = "stdout" | "stderr";

/** A piece of program output. Consecutive chunks of one stream may be merged. */
export interface Chunk {
  stream: StreamName;
  text: string;
}

// ---- page -> worker ----

/** Sent once, on the worker's global scope; every later message goes through `port`. */
export interface InitRequest {
  type: "init";
  /** The page's end of the private channel is kept by the page; this is the worker's end. */
  port: MessagePort;
  /** The site's base URL (the worker's own location is a blob: URL, see runner.ts). */
  baseUrl: string;
  /** One byte; the page writes 2 (SIGINT) to interrupt. Null without SharedArrayBuffer. */
  interruptBuffer: SharedArrayBuffer | null;
  /** Characters of output forwarded per run before the worker drops the rest. */
  outputCap: number;
  /**
   * What to load while booting, before any user code: what the page's last run used (its
   * `done.uses`), so the next run that imports it again does not wait.
   */
  preload: Uses;
  /**
   * A Web Lock the worker holds for its whole life (null where Web Locks are missing): the page
   * asks for it too, and is granted it only when the worker is gone (a snippet's `close()`).
   */
  lock: string | null;
}

/**
 * The site's packages a run's code imports (lock names, with their dependencies, loaded or not)
 * and the modules of those packages it imports by name (`matplotlib.pyplot`).
 */
export interface Uses {
  packages: string[];
  modules: string[];
}

export interface RunRequest {
  type: "run";
  id: number;
  code: string;
}

/**
 * Run a lesson's checks: `code` (the learner's) runs as a `run` does, then the lesson's
 * `checks` (its checks.py, see web/python/lessoncheck.py) on the namespace it left, in the same
 * run, so Stop stops it. Answered by a `checked` (unless stopped first), then the `done`.
 */
export interface CheckRequest {
  type: "check";
  id: number;
  code: string;
  checks: string;
}

/**
 * To a worker that has not run anything yet (the standby): also load what the page's last run
 * used, which that run reported after the standby was made. A run posted meanwhile waits.
 */
export interface PreloadRequest {
  type: "preload";
  uses: Uses;
}

/**
 * The site's interpreter snapshot, fetched and checked by the page (snapshot.ts) and sent to
 * each worker right after `init`: its bytes (the worker restores them), or null and why it cannot
 * be used (the worker boots in full).
 */
export interface SnapshotRequest {
  type: "snapshot";
  bytes: ArrayBuffer | null;
  why: string | null;
}

export type ToWorker = InitRequest | RunRequest | CheckRequest | PreloadRequest | SnapshotRequest;

// ---- worker -> page ----

export interface StageMessage {
  type: "stage";
  stage: Stage;
  state: "start" | "done";
}

/**
 * How Python started: restored from the site's snapshot (build-id.ts), or booted in full
 * because the snapshot could not be used (then `why` in `ready` says what happened to it).
 */
export type BootKind = "site" | "full";

export interface ReadyMessage {
  type: "ready";
  /** Pyodide, Python, numpy and ad versions. */
  versions: Record<string, string>;
  bootMs: number;
  boot: BootKind;
  /** Why Python booted in full (the site's snapshot was not served, ...); null when restored. */
  why: string | null;
}

/** The runtime could not start (missing file, network). The worker is useless afterwards. */
export interface BootErrorMessage {
  type: "boot-error";
  message: string;
}

export interface OutputMessage {
  type: "output";
  id: number;
  chunks: Chunk[];
}

/** Sent once per run when output passes the cap; the program keeps running. */
export interface TruncatedMessage {
  type: "truncated";
  id: number;
  cap: number;
}

/**
 * A figure made by the snippet through the `playground` module (web/python/playground.py).
 * `figure` names it ("f1", "f2", ... per run): a later display with the same name replaces it
 * (a live plot). `data` is the payload as Python sent it; user code can send anything, so the
 * page reads it through `readDisplay` and shows `text` when it does not fit its kind.
 */
export interface DisplayMessage {
  type: "display";
  id: number;
  figure: string;
  /** A `FigureKind` from the playground module; the page shows any other kind as `text`. */
  kind: string;
  data: unknown;
  /** Plain-text fallback, always present. */
  text: string;
}

/**
 * Before a run: the site's packages its imports need that Python does not have yet (with their
 * dependencies), "loading"; then "loaded", or "failed" (the run then ends with an ImportError).
 * The run's own stopwatch (`done.durationMs`) starts after loading.
 */
export interface PackagesMessage {
  type: "packages";
  id: number;
  state: "loading" | "loaded" | "failed";
  /** Package names as Pyodide's lock gives them: the imported ones, then what they need. */
  names: string[];
  /** Their files' total size. */
  bytes: number;
  /** How long loading took; null while "loading". */
  ms: number | null;
  /** Why loading failed; null unless "failed". */
  error: string | null;
}

export type ErrorKind =
  /** A Python exception escaped the user's code (SyntaxError included). */
  | "exception"
  /** Stopped by the user (KeyboardInterrupt, or the worker was replaced). */
  | "interrupted"
  /** The runtime itself failed (out of memory, fatal wasm error): the worker must be replaced. */
  | "fatal";

export interface RunError {
  kind: ErrorKind;
  /** Exception class name, e.g. "ZeroDivisionError". */
  name: string;
  message: string;
  /** Traceback trimmed to the user's code, ending with the error line. */
  traceback: string;
  /** 1-based line in the editor where the error happened, if known. */
  line: number | null;
}

/**
 * The one way a RunError is made (by the page or the worker, for failures that are not a
 * Python exception the driver described): the traceback is the error's own line.
 */
export function runError(
  kind: ErrorKind,
  name: string,
  message: string,
  traceback = `${name}: ${message}\n`,
): RunError {
  return { kind, name, message, traceback, line: null };
}

/** The run was stopped before any of its code ran. */
export function stoppedBeforeStart(): RunError {
  return runError("interrupted", "KeyboardInterrupt", "Stopped before the program started");
}

export interface DoneMessage {
  type: "done";
  id: number;
  durationMs: number;
  error: RunError | null;
  /** Characters of output the cap dropped. */
  dropped: number;
  /** What the code imports of the site's packages; null when the run never got that far. */
  uses: Uses | null;
}

/** One check of a lesson, as the learner sees it. */
export interface CheckOutcome {
  name: string;
  passed: boolean;
  /** What was expected (and what came instead); "" when passed. */
  message: string;
  /** The likely mistake, when the check can tell; null otherwise. The first of `hints`. */
  hint: string | null;
  /**
   * The hint ladder: a nudge first, then more specific steps (More help reveals each); empty
   * when the check has no hint. Plain text; `code` in backticks.
   */
  hints: string[];
}

/** The results of a `check` request, sent just before its `done`. */
export interface CheckedMessage {
  type: "checked";
  id: number;
  checks: CheckOutcome[];
}

export type FromWorker =
  | StageMessage
  | ReadyMessage
  | BootErrorMessage
  | OutputMessage
  | TruncatedMessage
  | DisplayMessage
  | PackagesMessage
  | CheckedMessage
  | DoneMessage;

// ---- every message, checked ----

const isUses = fields<Uses>({ packages: listOf(isString), modules: listOf(isString) });

const isRunError = fields<RunError>({
  kind: oneOf("exception", "interrupted", "fatal"),
  name: isString,
  message: isString,
  traceback: isString,
  line: orNull(isCount),
});

/** One check per message type: a new type does not compile without its own. */
const FROM_WORKER: { [T in FromWorker["type"]]: Check<Extract<FromWorker, { type: T }>> } = {
  stage: fields<StageMessage>({
    type: oneOf("stage"),
    stage: oneOf(...STAGES),
    state: oneOf("start", "done"),
  }),
  ready: where(
    fields<ReadyMessage>({
      type: oneOf("ready"),
      versions: recordOf(isString),
      bootMs: isDuration,
      boot: oneOf("site", "full"),
      why: orNull(isString),
    }),
    (m) => (m.boot === "full") === (m.why !== null),
  ),
  "boot-error": fields<BootErrorMessage>({ type: oneOf("boot-error"), message: isString }),
  output: fields<OutputMessage>({
    type: oneOf("output"),
    id: isId,
    chunks: listOf(fields<Chunk>({ stream: oneOf("stdout", "stderr"), text: isString })),
  }),
  truncated: fields<TruncatedMessage>({ type: oneOf("truncated"), id: isId, cap: isCount }),
  display: fields<DisplayMessage>({
    type: oneOf("display"),
    id: isId,
    figure: isString,
    kind: isString,
    data: (_v: unknown): _v is unknown => true, // read later by its kind (readDisplay)
    text: isString,
  }),
  packages: where(
    fields<PackagesMessage>({
      type: oneOf("packages"),
      id: isId,
      state: oneOf("loading", "loaded", "failed"),
      names: where(listOf(isString), (names) => names.length > 0),
      bytes: isCount,
      ms: orNull(isDuration),
      error: orNull(isString),
    }),
    (m) =>
      (m.state === "loading") === (m.ms === null) && (m.state === "failed") === (m.error !== null),
  ),
  checked: fields<CheckedMessage>({
    type: oneOf("checked"),
    id: isId,
    checks: listOf(
      where(
        fields<CheckOutcome>({
          name: isString,
          passed: isBoolean,
          message: isString,
          hint: orNull(isString),
          hints: listOf(isString),
        }),
        (c) => c.hint === (c.hints[0] ?? null),
      ),
    ),
  }),
  done: fields<DoneMessage>({
    type: oneOf("done"),
    id: isId,
    durationMs: isDuration,
    error: orNull(isRunError),
    dropped: isCount,
    uses: orNull(isUses),
  }),
};

/** A message from the worker as the contract types it, or null when any field does not fit. */
export function readFromWorker(value: unknown): FromWorker | null {
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !Object.hasOwn(FROM_WORKER, type)) return null;
  const check = FROM_WORKER[type as FromWorker["type"]] as Check<FromWorker>;
  return check(value) ? value : null;
}

const isInit = fields<InitRequest>({
  type: oneOf("init"),
  port: (v: unknown): v is MessagePort =>
    typeof MessagePort === "function" && v instanceof MessagePort,
  baseUrl: isString,
  interruptBuffer: orNull(
    (v: unknown): v is SharedArrayBuffer =>
      typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer,
  ),
  outputCap: isCount,
  preload: isUses,
  lock: orNull(isString),
});

const isRun = fields<RunRequest>({ type: oneOf("run"), id: isId, code: isString });
const isCheck = fields<CheckRequest>({
  type: oneOf("check"),
  id: isId,
  code: isString,
  checks: isString,
});

const isPreload = fields<PreloadRequest>({ type: oneOf("preload"), uses: isUses });
const isSnapshot = where(
  fields<SnapshotRequest>({
    type: oneOf("snapshot"),
    bytes: orNull((v: unknown): v is ArrayBuffer => v instanceof ArrayBuffer),
    why: orNull(isString),
  }),
  (m) => (m.bytes === null) !== (m.why === null),
);

/** A request from the page as the contract types it, or null when it does not fit. */
export function readToWorker(value: unknown): ToWorker | null {
  for (const check of [isInit, isRun, isCheck, isPreload, isSnapshot] as Array<Check<ToWorker>>) {
    if (check(value)) return value;
  }
  return null;
}
