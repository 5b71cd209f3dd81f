/**
 * The backward pass, step by step (`show_graph(tensor)`, `show_backward(tensor)`): the graph
 * view with every node's value and gradient, and controls that walk `ad.replay`'s steps or the
 * forward pass's order (view.ts over the pure model.ts, narration.ts and predict.ts). A graph
 * over MAX_DRAWN_NODES first shows its text and offers to draw it anyway.
 */
import { MAX_DRAWN_NODES } from "../format";
import type { StepperData } from "../payload";
import { button } from "./details";
import type { StepperHost } from "./details";
import { StepperView } from "./view";

export type { StepperHost } from "./details";

/**
 * Draw the stepper into `body` (controls into `actions`); big graphs first ask. Returns the SVG
 * getter for export (null until drawn).
 */
export function drawStepper(
  body: HTMLElement,
  data: StepperData,
  actions: HTMLElement,
  host: StepperHost,
  fallbackText: string,
): () => SVGSVGElement | null {
  let svg: SVGSVGElement | null = null;
  const { nodes, edges } = data.graph;
  if (nodes.length <= MAX_DRAWN_NODES) {
    svg = new StepperView(body, data, actions, host).svg;
    return () => svg;
  }
  const count = (n: number): string => n.toLocaleString("en");
  const note = document.createElement("p");
  note.className = "view-summary view-note";
  note.setAttribute("role", "note");
  note.textContent =
    `This graph has ${count(nodes.length)} nodes and ${count(edges.length)} edges, ` +
    `${count(data.steps.length)} backward steps. Laying it out may freeze the page for some ` +
    "seconds; its text is below.";
  const draw = button("Draw it anyway", "Draw it anyway");
  const pre = document.createElement("pre");
  pre.className = "view-text";
  pre.textContent = fallbackText;
  draw.addEventListener("click", () => {
    try {
      svg = new StepperView(body, data, actions, host).svg;
    } catch (e) {
      // NOTE: dagre's layout recurses along the graph: a chain of some 10,000 nodes overflows
      // the stack. The text stays; the note says why there is no drawing.
      svg = null;
      actions.replaceChildren();
      note.textContent =
        `This graph could not be drawn: laying out ${count(nodes.length)} nodes failed ` +
        `(${e instanceof Error ? e.message : String(e)}). Its text is below.`;
      body.replaceChildren(note, pre);
    }
  });
  body.replaceChildren(note, draw, pre);
  return () => svg;
}
