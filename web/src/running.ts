/**
 * Running code as the page shows it: the Output pane cleared and filled as the run streams
 * (output, figures, the packages it loads, the output cap), the editor's failing line marked,
 * the outcome on the run status line. Run, Ctrl+Enter, Check and the automation API all come
 * here; the runner does the rest.
 */
import type { Editor } from "./editor";
import type { OutputView } from "./output";
import type { Chunk } from "./python/contract";
import type { PackageLoad, Runner, RunHooks, RunResult } from "./python/runner";
import { formatDuration } from "./status";
import type { StatusView } from "./status";

/** "Loading matplotlib, fonttools, pillow and 9 more (9.4 MB)…", then "Loaded … in 2.31 s". */
export function packagesLine(load: PackageLoad): string {
  const { names } = load;
  const shown =
    names.length > 4
      ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`
      : names.join(", ");
  const what = `${shown} (${(load.bytes / 2 ** 20).toFixed(1)} MB)`;
  if (load.state === "loading") return `Loading ${what}…`;
  const took = formatDuration(load.ms ?? 0);
  return load.state === "loaded" ? `Loaded ${what} in ${took}` : `Could not load ${what}`;
}

export interface RunOptions {
  /** The run is the editor's code: its failing line is marked there. */
  fromEditor?: boolean;
  /** Output as it streams in, after the Output pane has it (the automation API's hook). */
  onChunks?: (chunks: Chunk[]) => void;
  /** A lesson's checks.py, run after the code in the same interpreter (a Check). */
  checks?: string | null;
  /** Stop the run this long after it starts (see RunHooks.limitMs). */
  limitMs?: number;
}

export class Running {
  /** Bumped per run: only the latest run writes to the Output pane. */
  private token = 0;

  constructor(
    private readonly runner: Runner,
    private readonly output: OutputView,
    private readonly editor: Editor,
    private readonly status: StatusView,
    /** Called before the editor's code runs: saves pending edits. */
    private readonly beforeRun: () => void,
  ) {}

  /** Run the editor's code (Run, Ctrl+Enter). */
  async runEditor(): Promise<void> {
    this.beforeRun();
    await this.run(this.editor.getCode(), { fromEditor: true });
  }

  /** Clear the Output pane and the last outcome. */
  clear(): void {
    this.output.clear();
    this.status.setOutcome(null);
  }

  /** Run `code`, showing its output and outcome; resolves to the runner's result. */
  async run(code: string, options: RunOptions = {}): Promise<RunResult> {
    const { fromEditor = false, onChunks, checks = null, limitMs } = options;
    const token = ++this.token;
    const output = this.output;
    const current = (): boolean => token === this.token;
    output.clear();
    this.editor.markError(null);
    this.status.setOutcome(null);
    const hooks: RunHooks = {
      onOutput: (chunks) => {
        if (current()) output.append(chunks);
        onChunks?.(chunks); // after the pane has it: a caller's hook that throws hides nothing
      },
      onDisplay: (display) => {
        if (current()) output.display(display);
      },
      onPackages: (load) => {
        if (current()) output.status("packages", packagesLine(load), load.names.join(", "));
      },
      ...(limitMs === undefined ? {} : { limitMs }),
      onTruncated: (cap) => {
        if (current()) {
          output.notice(
            `Output passed ${cap.toLocaleString("en")} characters; the rest is not shown. ` +
              "The program keeps running.",
          );
        }
      },
    };
    const result =
      checks === null
        ? await this.runner.run(code, hooks)
        : await this.runner.check(code, checks, hooks);
    if (current()) this.show(result, fromEditor);
    return result;
  }

  private show(result: RunResult, fromEditor: boolean): void {
    const output = this.output;
    if (result.dropped > 0) {
      output.notice(
        `${result.dropped.toLocaleString("en")} more characters of output were not shown.`,
      );
    }
    const took = formatDuration(result.durationMs);
    const error = result.error;
    if (error === null) {
      this.status.setOutcome({ text: `Finished in ${took}`, state: "ok" });
    } else if (error.kind === "interrupted") {
      output.notice(
        error.traceback.includes("KeyboardInterrupt") && error.line !== null
          ? error.traceback
          : error.message,
      );
      this.status.setOutcome({ text: `Stopped after ${took}`, state: "stopped" });
    } else {
      output.error(error.traceback);
      if (fromEditor) this.editor.markError(error.line);
      const where = error.line === null ? "" : ` (line ${error.line})`;
      const what =
        error.kind === "fatal" ? "Python crashed and was restarted" : `${error.name}${where}`;
      this.status.setOutcome({ text: `${what} after ${took}`, state: "error" });
    }
    output.flush(); // all of the run's output is in the pane when its result is
  }
}
