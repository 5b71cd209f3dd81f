/**
 * How every figure writes a shape, a clipped line and an array's summary, and the one limit on
 * how many nodes the page lays out without asking. Pure: no DOM (the stepper's model uses it).
 */
import type { ArraySummary } from "./payload";

/**
 * Graphs with more nodes than this are not laid out unasked: dagre runs on the page's own thread,
 * and 3,000 nodes froze it (Stop included) for seconds. A graph export shows its text; the
 * stepper shows its text and offers to draw it anyway.
 */
export const MAX_DRAWN_NODES = 1000;

/** A graph node's text lines are clipped to this many characters (its box is sized for them). */
export const LINE_CHARS = 34;

/** `s`, cut to `max` characters with an ellipsis. */
export function clip(s: string, max = LINE_CHARS): string {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** A shape as Python writes a tuple: `()`, `(3,)`, `(2, 3)`. */
export function shapeText(shape: readonly number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

/** An array's short text, or "—" for none. */
export function summary(s: ArraySummary | null | undefined): string {
  return s === null || s === undefined ? "—" : s.text;
}

/** Whether the array holds a NaN or an infinity. */
export function bad(s: ArraySummary | null): boolean {
  return s !== null && ((s.nan ?? 0) > 0 || (s.inf ?? 0) > 0);
}
