/**
 * The message contract between the page (runner.ts) and the Python worker (worker.ts).
 * Plain data only: every message is structured-cloneable and tagged by a literal `type`.
 * The worker answers every `run` exactly once with a `done` carrying the same `id`,
 * errors included, as data.
 */

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

export interface InitRequest {
  type: "init";
  /** One byte; the page writes 2 (SIGINT) to interrupt. Null when SharedArrayBuffer is unavailable. */
  interruptBuffer: SharedArrayBuffer | null;
  /** Characters of output forwarded per run before the worker drops the rest. */
  outputCap: number;
}

export interface RunRequest {
  type: "run";
  id: number;
  code: string;
}

export type ToWorker = InitRequest | RunRequest;

// ---- worker -> page ----

export interface StageMessage {
  type: "stage";
  stage: Stage;
  state: "start" | "done";
}

export interface ReadyMessage {
  type: "ready";
  versions: Record<string, string>;
  bootMs: number;
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
 * `data.figure` names the figure ("f1", "f2", ...): a later message with the same name
 * replaces it (a live plot). Kinds and their data:
 * - `plot`: {figure, title, xlabel, ylabel, series: [{name, x: number[], y: (number|null)[]}]}
 * - `scatter`: {figure, title, xlabel, ylabel, points: {x, y, label: string[] | null}}
 * - `boundary`: {figure, title, xlabel, ylabel, threshold: number | null,
 *   grid: {x1, x2, y1, y2, width, height, values: (number|null)[] (rows top first)}, points}
 * - `graph`: {figure, title, graph: ad.graph(result) (nodes, edges, output)}
 * - `gradcheck`: {figure, title, report: GradcheckReport.to_dict()}
 * - `array`: {figure, title, parts: [{name, shape, dtype, size, nan, inf, min?, max?, mean?, text}]}
 * The page shows an unknown kind, or data it cannot draw, as `text`.
 */
export interface DisplayMessage {
  type: "display";
  id: number;
  kind: string;
  data: unknown;
  /** Plain-text fallback, always present. */
  text: string;
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

export interface DoneMessage {
  type: "done";
  id: number;
  durationMs: number;
  error: RunError | null;
  /** Characters of output the cap dropped. */
  dropped: number;
}

export type FromWorker =
  | StageMessage
  | ReadyMessage
  | BootErrorMessage
  | OutputMessage
  | TruncatedMessage
  | DisplayMessage
  | DoneMessage;
