/**
 * The messages between the editor (completion.ts) and the completion worker (jedi/worker.ts),
 * which runs jedi in a Pyodide of its own. Plain data; every request gets one answer with its
 * `id` (`error` included). Positions are jedi's: 1-based lines, 0-based columns in code points.
 */

export interface Position {
  id: number;
  code: string;
  line: number;
  column: number;
}

export type JediRequest =
  /** The names that fit at the position. */
  | ({ type: "complete" } & Position)
  /** The docs of one name from the last `complete` answer (shown beside the selected item). */
  | { type: "describe"; id: number; name: string }
  /** The signatures of the call the position is in. */
  | ({ type: "signatures" } & Position)
  /** The docs of the name at the position (hover). */
  | ({ type: "help" } & Position);

export interface CompletionItem {
  name: string;
  /** jedi's kind: module, class, instance, function, param, path, keyword, property, statement. */
  kind: string;
  /** The parameters of a callable, e.g. "(shape, dtype=…)"; null when not known or not computed. */
  params: string | null;
}

/** A name's documentation: its full signature(s) and docstring. */
export interface Doc {
  name: string;
  kind: string;
  /** e.g. "zeros(shape, dtype=None, order='C') -> ndarray", one per overload. */
  signatures: string[];
  docstring: string;
}

export interface Signature {
  name: string;
  /** Each parameter as written in the signature, e.g. "dtype=None". */
  params: string[];
  /** The parameter the cursor is at, or null. */
  index: number | null;
  /** The docstring's first paragraph. */
  summary: string;
}

export type JediAnswer =
  | { type: "complete"; id: number; items: CompletionItem[] }
  | { type: "describe"; id: number; doc: Doc | null }
  | { type: "signatures"; id: number; signatures: Signature[] }
  | { type: "help"; id: number; docs: Doc[] }
  | { type: "error"; id: number; message: string };

export type FromJedi =
  /** Booted: jedi, numpy and ad are loaded. */
  | { type: "ready"; ms: number }
  /** Could not boot; the editor falls back to word completion. */
  | { type: "failed"; message: string }
  | JediAnswer;
