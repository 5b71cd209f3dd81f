/**
 * The page's automation API, `window.adPlayground`, for tests and tools (Playwright, the
 * `build.py run` command-line runner). Plain data in and out; it knows nothing of the DOM:
 * main.ts hands it the few page operations it exposes. Documented in the top-level README.
 */
import { summarize } from "./lessonview";
import type { BootKind, CheckOutcome, Chunk, RunError, StreamName } from "./python/contract";
import type { RunResult, RunnerStatus } from "./python/runner";

export const API_VERSION = 1;
/** setTimeout's largest delay; a longer `timeoutMs` (or Infinity) means no time limit. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface AutomationRunOptions {
  /** Stop the run after this many milliseconds; the result then has `timedOut: true`. */
  timeoutMs?: number | null;
  /** Output as it streams in, one call per piece, in order. */
  onOutput?: (stream: StreamName, text: string) => void;
}

/** A run's error, or "invalid": the call's arguments were wrong and nothing ran. */
export type AutomationError = Omit<RunError, "kind"> & { kind: RunError["kind"] | "invalid" };

/** A run's result (stdout, stderr, error, durationMs, dropped, displays: see RunResult). */
export interface AutomationRunResult extends Omit<RunResult, "error" | "checks"> {
  /** No error. */
  ok: boolean;
  error: AutomationError | null;
  /** Stopped because `timeoutMs` passed. */
  timedOut: boolean;
}

export interface AdPlayground {
  version: number;
  /**
   * Resolves once Python is ready (package versions, boot time, whether it was restored from
   * the site's snapshot or booted in full, and why); rejects if it cannot start.
   */
  ready: Promise<{
    versions: Record<string, string>;
    bootMs: number | null;
    boot: BootKind | null;
    why: string | null;
  }>;
  /**
   * Run code in a fresh namespace, shown in the Output pane; the editor is left alone. Calls
   * made while one runs wait their turn; each resolves once, in order, and none rejects.
   */
  run(code: string, options?: AutomationRunOptions): Promise<AutomationRunResult>;
  /** Stop the run in progress, if any. */
  stop(): Promise<void>;
  status(): RunnerStatus;
  getCode(): string;
  /** Replace the editor's code (the previous code stays restorable, as with examples). */
  setCode(code: string): void;
  /** A share link for the editor's current code (the address bar and clipboard are left alone). */
  shareLink(): Promise<string>;
  /** Open a share link (a URL or just its fragment) in the editor, without running it. */
  openLink(link: string): Promise<void>;
  /** The lessons, in order. */
  lessons(): Promise<Array<{ id: string; title: string }>>;
  /**
   * Check `code` against a lesson: the same checks as its Check button, in the worker (the
   * code's output goes to the Output pane; the editor, the lesson's code and progress are left
   * alone). Waits its turn with `run`; never rejects.
   */
  checkLesson(id: string, code: string): Promise<LessonCheckResult>;
  /**
   * Check `code` against the exercise an exercise link carries (a URL with `?exercise#v1.…`, or
   * its fragment): the same checks as its Check button, as checkLesson does.
   */
  checkExercise(link: string, code: string): Promise<LessonCheckResult>;
}

/** What `checkLesson` resolves to. */
export interface LessonCheckResult {
  /** Every check passed. */
  passed: boolean;
  /** One per check, in order: name, passed, message (what was expected), hint (or null), hints. */
  checks: CheckOutcome[];
  /** "All checks passed", "2 of 5 checks passed", or why no check ran. */
  summary: string;
  /** Why no check ran (an unknown lesson, wrong arguments, the code was stopped), or null. */
  error: string | null;
}

export interface PageOperations {
  ready(): Promise<RunnerStatus>;
  run(code: string, onChunks: (chunks: Chunk[]) => void, limitMs?: number): Promise<RunResult>;
  stop(): Promise<void>;
  status(): RunnerStatus;
  getCode(): string;
  setCode(code: string): void;
  shareLink(code: string): Promise<string>;
  /** Decode a link's fragment; rejects with the page's own message when it cannot. */
  openLink(fragment: string): Promise<void>;
  lessons(): Promise<Array<{ id: string; title: string }>>;
  /** The checks' outcomes, or null when there is no such lesson (problem: why none ran). */
  checkLesson(
    id: string,
    code: string,
  ): Promise<{ checks: CheckOutcome[] | null; problem: string | null } | null>;
  /** The checks' outcomes for an exercise link (problem: why none ran, e.g. a damaged link). */
  checkExercise(
    link: string,
    code: string,
  ): Promise<{ checks: CheckOutcome[] | null; problem: string | null }>;
}

declare global {
  interface Window {
    adPlayground?: AdPlayground;
  }
}

export function createAutomation(page: PageOperations): AdPlayground {
  const ready = page.ready().then((status) => {
    if (status.phase === "failed") {
      throw new Error(`Python could not start: ${status.message ?? "unknown error"}`);
    }
    return { versions: status.versions, bootMs: status.bootMs, boot: status.boot, why: status.why };
  });
  ready.catch(() => undefined); // a caller who never awaits it must not see an unhandled rejection

  /** Runs wait for the one before: every call settles exactly once, in the order made. */
  let queue: Promise<unknown> = Promise.resolve();

  function run(code: unknown, options: unknown = {}): Promise<AutomationRunResult> {
    const problem = invalidRun(code, options);
    if (problem !== null) return Promise.resolve(invalid(problem));
    const turn = queue.then(() => execute(code as string, (options ?? {}) as AutomationRunOptions));
    queue = turn.catch(() => undefined);
    return turn.catch((e: unknown) => invalid(`the run failed: ${String(e)}`));
  }

  async function execute(
    code: string,
    options: AutomationRunOptions,
  ): Promise<AutomationRunResult> {
    const onOutput = options.onOutput ?? undefined;
    let hookFailed = false;
    const result = await page.run(
      code,
      (chunks) => {
        if (onOutput === undefined || hookFailed) return;
        try {
          for (const chunk of chunks) onOutput(chunk.stream, chunk.text);
        } catch (e) {
          hookFailed = true; // said once; the run and the Output pane go on without it
          console.error("adPlayground.run: the onOutput hook threw, so it is not called again:", e);
        }
      },
      clampTimeout(options.timeoutMs ?? null) ?? undefined,
    );
    const { checks: _none, ...run } = result; // a run has no checks: see checkLesson
    return { ok: result.error === null, ...run };
  }

  function checkLesson(id: unknown, code: unknown): Promise<LessonCheckResult> {
    if (typeof id !== "string" || typeof code !== "string") {
      const problem =
        `adPlayground.checkLesson(id, code): id and code must be strings, not ` +
        `${kindOf(id)} and ${kindOf(code)}`;
      return Promise.resolve(noChecks(problem));
    }
    return inTurn(async () => {
      const outcome = await page.checkLesson(id, code);
      if (outcome === null) {
        return noChecks(`there is no lesson "${id}"; adPlayground.lessons() lists them`);
      }
      return checkResult(outcome);
    });
  }

  function checkExercise(link: unknown, code: unknown): Promise<LessonCheckResult> {
    if (typeof link !== "string" || typeof code !== "string") {
      const problem =
        `adPlayground.checkExercise(link, code): link and code must be strings, not ` +
        `${kindOf(link)} and ${kindOf(code)}`;
      return Promise.resolve(noChecks(problem));
    }
    return inTurn(async () => checkResult(await page.checkExercise(link, code)));
  }

  /** A check waits for the calls before it; it settles once, and never rejects. */
  function inTurn(work: () => Promise<LessonCheckResult>): Promise<LessonCheckResult> {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn.catch((e: unknown) => noChecks(`the check failed: ${String(e)}`));
  }

  return {
    version: API_VERSION,
    ready,
    run,
    lessons: () => page.lessons(),
    checkLesson,
    checkExercise,
    stop: () => page.stop(),
    status: () => page.status(),
    getCode: () => page.getCode(),
    setCode: (code: unknown) => {
      if (typeof code !== "string") {
        throw new TypeError(
          `adPlayground.setCode(code): code must be a string, not ${kindOf(code)}`,
        );
      }
      page.setCode(code);
    },
    shareLink: () => page.shareLink(page.getCode()),
    openLink: async (link: unknown) => {
      if (typeof link !== "string") {
        throw new TypeError(
          `adPlayground.openLink(link): link must be a string, not ${kindOf(link)}`,
        );
      }
      await page.openLink(
        link.includes("#") ? link.slice(link.indexOf("#")) : `#${link.replace(/^#/, "")}`,
      );
    },
  };
}

function checkResult(outcome: {
  checks: CheckOutcome[] | null;
  problem: string | null;
}): LessonCheckResult {
  if (outcome.checks === null) return noChecks(outcome.problem ?? "the checks did not run");
  const checks = outcome.checks;
  return { passed: checks.every((c) => c.passed), checks, summary: summarize(checks), error: null };
}

function noChecks(error: string): LessonCheckResult {
  return { passed: false, checks: [], summary: error, error };
}

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** What is wrong with run()'s arguments, or null. */
function invalidRun(code: unknown, options: unknown): string | null {
  if (typeof code !== "string") {
    return `adPlayground.run(code): code must be a string, not ${kindOf(code)}`;
  }
  if (options === undefined || options === null) return null;
  if (typeof options !== "object" || Array.isArray(options)) {
    return `adPlayground.run(code, options): options must be an object, not ${kindOf(options)}`;
  }
  const { timeoutMs, onOutput } = options as Record<string, unknown>;
  if (timeoutMs !== undefined && timeoutMs !== null) {
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs)) {
      return `adPlayground.run: timeoutMs must be a number of milliseconds, not ${kindOf(timeoutMs)}`;
    }
  }
  if (onOutput !== undefined && onOutput !== null && typeof onOutput !== "function") {
    return `adPlayground.run: onOutput must be a function, not ${kindOf(onOutput)}`;
  }
  return null;
}

/**
 * NOTE: setTimeout fires at once for delays of 2^31 ms or more (the delay overflows), so a
 * longer limit, or Infinity, means none; 0 or less stops the run as soon as it starts.
 */
function clampTimeout(timeoutMs: number | null): number | null {
  if (timeoutMs === null || timeoutMs >= MAX_TIMEOUT_MS) return null;
  return Math.max(0, timeoutMs);
}

/** The result of a call with wrong arguments: nothing ran. */
function invalid(message: string): AutomationRunResult {
  return {
    ok: false,
    stdout: "",
    stderr: "",
    error: {
      kind: "invalid",
      name: "TypeError",
      message,
      traceback: `TypeError: ${message}\n`,
      line: null,
    },
    durationMs: 0,
    dropped: 0,
    displays: [],
    packages: null,
    timedOut: false,
  };
}
