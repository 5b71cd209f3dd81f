/**
 * The page's automation API, `window.adPlayground`, for tests and tools (Playwright, the
 * `build.py run` command-line runner). Plain data in and out; it knows nothing of the DOM:
 * main.ts hands it the few page operations it exposes. Documented in the top-level README.
 */
import type { Chunk, StreamName } from "./messages";
import type { RunResult, RunnerStatus } from "./runner";

export const API_VERSION = 1;

export interface AutomationRunOptions {
  /** Stop the run after this many milliseconds; the result then has `timedOut: true`. */
  timeoutMs?: number | null;
  /** Output as it streams in, one call per piece, in order. */
  onOutput?: (stream: StreamName, text: string) => void;
}

/** A run's result (stdout, stderr, error, durationMs, dropped, displays: see RunResult). */
export interface AutomationRunResult extends RunResult {
  /** No error. */
  ok: boolean;
  /** Stopped because `timeoutMs` passed. */
  timedOut: boolean;
}

export interface AdPlayground {
  version: number;
  /** Resolves once Python is ready (package versions, boot time); rejects if it cannot start. */
  ready: Promise<{ versions: Record<string, string>; bootMs: number | null }>;
  /** Run code in a fresh namespace, shown in the Output pane; the editor is left alone. */
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
}

export interface PageOperations {
  ready(): Promise<RunnerStatus>;
  run(code: string, onChunks: (chunks: Chunk[]) => void): Promise<RunResult>;
  stop(): Promise<void>;
  status(): RunnerStatus;
  getCode(): string;
  setCode(code: string): void;
  shareLink(code: string): Promise<string>;
  /** Decode a link's fragment; rejects with the page's own message when it cannot. */
  openLink(fragment: string): Promise<void>;
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
    return { versions: status.versions, bootMs: status.bootMs };
  });
  ready.catch(() => undefined); // a caller who never awaits it must not see an unhandled rejection

  async function run(
    code: string,
    options: AutomationRunOptions = {},
  ): Promise<AutomationRunResult> {
    if (typeof code !== "string") {
      throw new TypeError("adPlayground.run(code): code must be a string");
    }
    let timedOut = false;
    const timeoutMs = options.timeoutMs ?? null;
    const timer =
      timeoutMs === null
        ? null
        : setTimeout(() => {
            timedOut = true;
            void page.stop();
          }, timeoutMs);
    const onOutput = options.onOutput;
    try {
      const result = await page.run(code, (chunks) => {
        if (onOutput !== undefined) for (const chunk of chunks) onOutput(chunk.stream, chunk.text);
      });
      return { ok: result.error === null, ...result, timedOut };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  return {
    version: API_VERSION,
    ready,
    run,
    stop: () => page.stop(),
    status: () => page.status(),
    getCode: () => page.getCode(),
    setCode: (code) => page.setCode(code),
    shareLink: () => page.shareLink(page.getCode()),
    openLink: (link) =>
      page.openLink(
        link.includes("#") ? link.slice(link.indexOf("#")) : `#${link.replace(/^#/, "")}`,
      ),
  };
}
