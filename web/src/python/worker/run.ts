/**
 * One run's way to the page: its output batched (one message per FLUSH_MS at most) and capped,
 * its figures in order with that output, and its one `done`. Nothing it is handed after `done`
 * goes out, so "answered exactly once" follows from the structure. The arrow-function members
 * are handed to Python as they are. Part of the worker's program (no DOM).
 */
import type { Chunk, FromWorker, RunError, StreamName, Uses } from "../contract";

/** At most one batch of output every FLUSH_MS, so a flood of prints cannot flood the page. */
const FLUSH_MS = 50;
/** A batch this large goes out without waiting for a newline. */
const FLUSH_CHARS = 8192;

export class Run {
  /** When the program started: after the packages it needed were loaded. */
  started = performance.now();
  private pending: Chunk[] = [];
  private pendingChars = 0;
  private lastPost = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Characters forwarded so far, and dropped past the cap. */
  private sent = 0;
  private dropped = 0;
  private truncated = false;
  private answered = false;

  constructor(
    readonly id: number,
    private readonly cap: number,
    private readonly post: (message: FromWorker) => void,
  ) {}

  /**
   * Output from Python: `text`, and how many characters the driver already dropped past the
   * cap (it caps before a string crosses into JavaScript; this cap is the second line).
   */
  readonly write = (stream: unknown, text: unknown, dropped: unknown = 0): void => {
    if (this.answered) return;
    if ((stream !== "stdout" && stream !== "stderr") || typeof text !== "string") {
      throw new TypeError("write(stream, text) takes 'stdout' or 'stderr' and a string");
    }
    if (typeof dropped === "number" && Number.isSafeInteger(dropped) && dropped > 0) {
      this.drop(dropped);
    }
    if (text === "") return;
    this.output(stream, text);
  };

  private output(stream: StreamName, text: string): void {
    if (this.sent + text.length > this.cap) {
      const room = Math.max(0, this.cap - this.sent);
      if (room > 0) this.append(stream, text.slice(0, room));
      this.drop(text.length - room);
      return;
    }
    this.append(stream, text);
    this.flushSoon(text.endsWith("\n") || this.pendingChars >= FLUSH_CHARS);
  }

  /** Count output dropped past the cap; the page hears of it once, in order with the output. */
  private drop(count: number): void {
    this.dropped += count;
    if (!this.truncated) {
      this.truncated = true;
      this.flush();
      this.post({ type: "truncated", id: this.id, cap: this.cap });
    }
  }

  readonly flush = (): void => {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    this.post({ type: "output", id: this.id, chunks: this.pending });
    this.pending = [];
    this.pendingChars = 0;
    this.lastPost = performance.now();
  };

  /** A figure from the playground module: after the output printed before it, never ahead. */
  readonly display = (kind: unknown, figure: unknown, json: unknown, text: unknown): void => {
    if (this.answered) return;
    if (
      typeof kind !== "string" ||
      typeof figure !== "string" ||
      typeof json !== "string" ||
      typeof text !== "string"
    ) {
      throw new TypeError("display(kind, figure, json, text) takes four strings");
    }
    let data: unknown;
    try {
      data = JSON.parse(json) as unknown;
    } catch {
      data = null; // the page shows the text instead
    }
    this.flush();
    this.post({ type: "display", id: this.id, figure, kind, data, text });
  };

  /** Send the run's one `done` (later calls are ignored). */
  answer(
    error: RunError | null,
    uses: Uses | null,
    durationMs = performance.now() - this.started,
  ): void {
    if (this.answered) return;
    this.flush();
    this.answered = true;
    this.post({ type: "done", id: this.id, durationMs, error, dropped: this.dropped, uses });
  }

  private append(stream: StreamName, text: string): void {
    this.sent += text.length;
    this.pendingChars += text.length;
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last.stream === stream) last.text += text;
    else this.pending.push({ stream, text });
  }

  /** Flush now if allowed; otherwise make sure a timer will (once the worker is free again). */
  private flushSoon(force: boolean): void {
    if (this.pending.length === 0) return;
    // NOTE: while Python runs, this thread never returns to its event loop, so a timer alone
    // would hold output back until the run ends; writes themselves must flush.
    if (performance.now() - this.lastPost >= FLUSH_MS && force) this.flush();
    else this.timer ??= setTimeout(this.flush, FLUSH_MS);
  }
}
