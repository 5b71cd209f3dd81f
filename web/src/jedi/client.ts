/**
 * The editor's language service: completion, signature help and hover docs from jedi, which runs
 * in a worker of its own (jedi/worker.ts). A lazy chunk: editor.ts imports it at the first
 * keystroke typed in the editor (or the first Ctrl+Space), so a page nobody types in never
 * downloads it and never starts a second Python. Answers come back
 * as plain data, or as DOM built with textContent only. When the worker cannot start, or takes
 * too long, every call gives null and the editor falls back to its word completion.
 */
import type { CompletionItem, Doc, FromJedi, JediAnswer, JediRequest, Signature } from "./contract";

/** Booting Pyodide and jedi takes seconds; a request waits at most this long for it. */
const BOOT_TIMEOUT_MS = 60_000;
/** Once ready, an answer slower than this is given up (a stuck jedi must not stall typing). */
const ANSWER_TIMEOUT_MS = 8_000;

type Ask = JediRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export interface LanguageService {
  /** Names that fit at the position (1-based line, 0-based column in code points). */
  complete(code: string, line: number, column: number): Promise<CompletionItem[] | null>;
  /** The docs of a name from the last completion, as a node for the info panel. */
  describe(name: string): Promise<HTMLElement | null>;
  /** The signature(s) of the call at the position, the current parameter marked. */
  signatures(code: string, line: number, column: number): Promise<HTMLElement | null>;
  /** The docs of the name at the position. */
  help(code: string, line: number, column: number): Promise<HTMLElement | null>;
}

class JediService implements LanguageService {
  private readonly worker: Worker;
  private state: "booting" | "ready" | "failed" = "booting";
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: JediAnswer | null) => void>();

  constructor(url: URL) {
    this.worker = new Worker(url, { type: "module" });
    this.worker.addEventListener("message", (e: MessageEvent<FromJedi>) => this.receive(e.data));
    this.worker.addEventListener("error", (e) => {
      e.preventDefault();
      this.fail();
    });
  }

  private receive(message: FromJedi): void {
    if (message.type === "ready") {
      this.state = "ready";
      return;
    }
    if (message.type === "failed") {
      this.fail();
      return;
    }
    const resolve = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    resolve?.(message.type === "error" ? null : message);
  }

  /** The worker is gone for good: word completion from now on. */
  private fail(): void {
    this.state = "failed";
    this.worker.terminate();
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
  }

  private ask(request: Ask): Promise<JediAnswer | null> {
    if (this.state === "failed") return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timeout = this.state === "booting" ? BOOT_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, timeout);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.worker.postMessage({ ...request, id } as JediRequest);
    });
  }

  async complete(code: string, line: number, column: number): Promise<CompletionItem[] | null> {
    const answer = await this.ask({ type: "complete", code, line, column });
    return answer?.type === "complete" ? answer.items : null;
  }

  async describe(name: string): Promise<HTMLElement | null> {
    const answer = await this.ask({ type: "describe", name });
    return answer?.type === "describe" && answer.doc !== null ? docNode([answer.doc]) : null;
  }

  async signatures(code: string, line: number, column: number): Promise<HTMLElement | null> {
    const answer = await this.ask({ type: "signatures", code, line, column });
    if (answer?.type !== "signatures" || answer.signatures.length === 0) return null;
    return signatureNode(answer.signatures);
  }

  async help(code: string, line: number, column: number): Promise<HTMLElement | null> {
    const answer = await this.ask({ type: "help", code, line, column });
    return answer?.type === "help" && answer.docs.length > 0 ? docNode(answer.docs) : null;
  }
}

export function connect(workerUrl: URL): LanguageService {
  return new JediService(workerUrl);
}

// ---- what the editor shows ----

function text(tag: string, content: string, className: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = content;
  return element;
}

/** Signatures, then the docstring, as text. */
function docNode(docs: Doc[]): HTMLElement {
  const root = document.createElement("div");
  root.className = "doc";
  for (const doc of docs) {
    const signatures = doc.signatures.length > 0 ? doc.signatures : [`${doc.kind} ${doc.name}`];
    for (const signature of signatures) root.append(text("code", signature, "doc-signature"));
    if (doc.docstring.trim() !== "") root.append(text("div", doc.docstring.trim(), "doc-text"));
  }
  return root;
}

/** `name(a, b=1, *, c)` with the parameter at the cursor in bold, and the summary below. */
function signatureNode(signatures: Signature[]): HTMLElement {
  const root = document.createElement("div");
  root.className = "doc doc-call";
  for (const signature of signatures) {
    const line = document.createElement("code");
    line.className = "doc-signature";
    line.append(`${signature.name}(`);
    signature.params.forEach((param, i) => {
      if (i > 0) line.append(", ");
      if (i === signature.index) line.append(text("strong", param, "doc-current"));
      else line.append(param);
    });
    line.append(")");
    root.append(line);
  }
  const summary = signatures[0]?.summary.trim() ?? "";
  if (summary !== "") root.append(text("div", summary, "doc-text"));
  return root;
}
