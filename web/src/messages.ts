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
 * Rich output produced by the program (plots, graphs, gradient-check tables).
 * Reserved for issue 5: the worker does not send it yet, the page shows unknown kinds as text.
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
