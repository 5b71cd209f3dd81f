/**
 * The output view: program output appended as text (never HTML), batched to one DOM update per
 * animation frame so a flood of prints cannot freeze the page, stdout and stderr styled apart.
 * Figures take their place in that order; their drawing code (figures/: views.ts and the chart
 * and graph libraries) loads on first use, so a page that never shows one never downloads it.
 */
import { download } from "./download";
import type { Display } from "./figures/payload";
import type { Chunk } from "./python/contract";

type LineKind = "stdout" | "stderr" | "notice" | "error";
type Pending =
  | { kind: LineKind; text: string }
  | { kind: "figure"; display: Display }
  | { kind: "status"; element: HTMLElement };
type Views = typeof import("./figures/views");

let views: Promise<Views> | null = null;

export class OutputView {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Figures in this output by figure id: the display each should show, and the one it shows. */
  private figures = new Map<
    string,
    { element: HTMLElement; display: Display; shown: Display | null; since: number }
  >();

  /** Status lines by key (package loading), rewritten in place. */
  private statuses = new Map<string, HTMLElement>();

  /** `goToLine` puts the editor's cursor on a line: a figure's link into the code uses it. */
  constructor(
    private readonly root: HTMLElement,
    private readonly goToLine?: (line: number) => void,
  ) {}

  clear(): void {
    this.pending = [];
    this.figures.clear();
    this.statuses.clear();
    this.root.replaceChildren();
  }

  /** A line from the playground that a later call with the same key rewrites (e.g. loading). */
  status(key: string, text: string, title = ""): void {
    const known = this.statuses.get(key);
    const element = known ?? document.createElement("span");
    element.textContent = text.endsWith("\n") ? text : text + "\n";
    element.title = title;
    if (known !== undefined) return;
    element.className = "out-notice";
    element.dataset.kind = "status";
    if (!this.endsWithNewline()) this.pending.push({ kind: "stdout", text: "\n" });
    this.statuses.set(key, element);
    this.pending.push({ kind: "status", element });
    this.schedule();
  }

  /** A figure from the program: new ones join the log in order, updates redraw in place. */
  display(display: Display): void {
    const known = this.figures.get(display.figure);
    if (known !== undefined) {
      known.display = display;
      this.draw(display.figure);
      return;
    }
    for (const p of this.pending) {
      if (p.kind === "figure" && p.display.figure === display.figure) {
        p.display = display; // not on the page yet: it joins with its latest state
        return;
      }
    }
    this.pending.push({ kind: "figure", display });
    this.schedule();
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

  /** Put what is queued on the page now (a run has ended: its output is all there). */
  flush(): void {
    this.render();
  }

  /** Text shown so far, including what is still queued (for tests and automation). */
  get text(): string {
    return (
      (this.root.textContent ?? "") +
      this.pending
        .map((p) =>
          p.kind === "figure"
            ? p.display.text
            : p.kind === "status"
              ? (p.element.textContent ?? "")
              : p.text,
        )
        .join("")
    );
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
    this.schedule();
  }

  private schedule(): void {
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
    if (last !== undefined) {
      return last.kind === "figure" || last.kind === "status" || last.text.endsWith("\n");
    }
    const text = this.root.lastChild?.textContent ?? "";
    return text === "" || text.endsWith("\n");
  }

  private render(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const root = this.root;
    const stick = root.scrollHeight - root.scrollTop - root.clientHeight < 40;
    for (const item of this.pending) {
      if (item.kind === "status") {
        root.append(item.element);
        continue;
      }
      if (item.kind === "figure") {
        const element = document.createElement("figure");
        element.className = "view";
        element.dataset.kind = item.display.kind;
        root.append(element);
        const figure = { element, display: item.display, shown: null, since: performance.now() };
        this.figures.set(item.display.figure, figure);
        this.draw(item.display.figure);
        continue;
      }
      const { kind, text } = item;
      const last = root.lastElementChild;
      if (
        last instanceof HTMLElement &&
        last.dataset.kind === kind &&
        last.firstChild instanceof Text
      ) {
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

  /** Draw a figure's latest display once the views module is loaded (one draw per frame). */
  private draw(key: string): void {
    views ??= import("./figures/views");
    void views.then(
      (v) => {
        requestAnimationFrame(() => {
          const figure = this.figures.get(key);
          if (figure === undefined || figure.shown === figure.display) return;
          figure.shown = figure.display;
          v.renderView(figure.element, figure.display, {
            since: figure.since,
            download,
            goToLine: this.goToLine,
          });
        });
      },
      () => {
        const figure = this.figures.get(key);
        if (figure !== undefined) figure.element.textContent = figure.display.text;
      },
    );
  }
}
