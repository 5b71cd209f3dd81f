/**
 * A node's details, below the stepper's graph: its full value and gradient (the array view of
 * `show()`), what kind of node it is and, for a user's Function, a button that puts the
 * editor's cursor on its `backward`.
 */
import { shapeText } from "../format";
import type { ArrayData, ArrayPart } from "../payload";
import type { StepperModel } from "./model";

/** What the page lends the stepper. */
export interface StepperHost {
  /** Put the editor's cursor on a line (a user Function's backward); absent outside the page. */
  goToLine?: ((line: number) => void) | undefined;
  /** The array view of `show()` (views.ts), for a node's details. */
  drawArrays: (body: HTMLElement, data: ArrayData) => void;
}

export function button(label: string, name: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (name !== "") b.setAttribute("aria-label", name);
  return b;
}

function paragraph(text: string, className = "view-summary"): HTMLParagraphElement {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

/** The contents of the details panel for node `id`; `close` is the Close button's action. */
export function detailsOf(
  model: StepperModel,
  id: string,
  host: StepperHost,
  close: () => void,
): HTMLElement[] {
  const n = model.byId.get(id);
  if (n === undefined) return [];
  const head = document.createElement("h3");
  head.className = "step-details-title";
  head.textContent = model.title(id);
  const kind = n.is_leaf ? (n.requires_grad ? "a leaf" : "a constant") : `made by ${n.op}`;
  const facts = paragraph(
    `shape ${shapeText(n.shape)} · ${n.dtype} · ${kind}` +
      (n.is_output ? " · the output" : "") +
      " · gradient of one backward pass from the output",
  );
  const part = (which: "value" | "grad"): ArrayPart | null => {
    const full = n.details?.[which];
    if (full !== undefined && full !== null) return full;
    const s = n[which];
    return s === null ? null : { name: which, shape: n.shape, dtype: n.dtype, text: s.text };
  };
  const value = part("value");
  const grad = part("grad");
  const arrays = document.createElement("div");
  host.drawArrays(arrays, {
    title: null,
    parts: [value, grad].filter((p): p is ArrayPart => p !== null),
  });
  const children: HTMLElement[] = [head, facts];
  if (grad === null) children.push(paragraph("gradient: none reaches this node"));
  children.push(arrays);
  const line = n.backward_line;
  const goTo = host.goToLine;
  if (line !== null && goTo !== undefined) {
    const jump = button(`Go to ${n.op}.backward in the editor (line ${line})`, "");
    jump.className = "step-jump";
    jump.addEventListener("click", () => goTo(line));
    children.push(jump);
  }
  const shut = button("Close", "Close node details");
  shut.addEventListener("click", close);
  children.push(shut);
  return children;
}
