/**
 * The output view: program output appended as text (never HTML), batched to one DOM update per
 * animation frame so a flood of prints cannot freeze the page, stdout and stderr styled apart.
 */
import type { Chunk } from "./messages";

type LineKind = "stdout" | "stderr" | "notice" | "error";

export class OutputView {
  private pending: Array<{ kind: LineKind; text: string }> = [];
  private scheduled = false;

  constructor(private readonly root: HTMLElement) {}

  clear(): void {
    this.pending = [];
    this.root.replaceChildren();
  }

  append(chunks: readonly Chunk[]): void {
    for (const chunk of chunks) this.queue(chunk.stream, chunk.text);
  }

  /** A message from the playground itself (not the program), on its own line. */
  notice(text: string): void {
    this.queue("notice", text, true);
  }

  /** A traceback or runtime failure, on its own line. */
  error(text: string): void {
    this.queue("error", text, true);
  }

  /** Text shown so far, including what is still queued (for tests and automation). */
  get text(): string {
    return (this.root.textContent ?? "") + this.pending.map((p) => p.text).join("");
  }

  private queue(kind: LineKind, text: string, ownLine = false): void {
    if (text === "") return;
    if (ownLine) {
      if (!this.endsWithNewline()) this.pending.push({ kind: "stdout", text: "\n" });
      if (!text.endsWith("\n")) text += "\n";
    }
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last.kind === kind) last.text += text;
    else this.pending.push({ kind, text });
    if (!this.scheduled) {
      this.scheduled = true;
      // Hidden tabs get no animation frames; a timer keeps output flowing there too.
      const render = (): void => this.render();
      if (document.visibilityState === "visible") requestAnimationFrame(render);
      else setTimeout(render, 100);
    }
  }

  private endsWithNewline(): boolean {
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined) return last.text.endsWith("\n");
    const text = this.root.lastChild?.textContent ?? "";
    return text === "" || text.endsWith("\n");
  }

  private render(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const root = this.root;
    const stick = root.scrollHeight - root.scrollTop - root.clientHeight < 40;
    for (const { kind, text } of this.pending) {
      const last = root.lastElementChild;
      if (last instanceof HTMLElement && last.dataset.kind === kind && last.firstChild instanceof Text) {
        last.firstChild.appendData(text);
      } else {
        const span = document.createElement("span");
        span.className = `out-${kind}`;
        span.dataset.kind = kind;
        span.textContent = text;
        root.append(span);
      }
    }
    this.pending = [];
    if (stick) root.scrollTop = root.scrollHeight;
  }
}
