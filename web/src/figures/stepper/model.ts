/**
 * The stepper's model: what each node is called, what it has received by any step of the
 * backward pass (its running sum), what a step touches and each node's text lines at any step.
 * Pure: built from the payload alone, no DOM, so it is tested under Node (tests/figures/).
 */
import { clip, shapeText, summary } from "../format";
import type { StepperData, StepperNode } from "../payload";

export type Mode = "backward" | "forward";

/** A grad line holds a running sum: wider than the graph view's plain lines. */
export const GRAD_CHARS = 48;
/** An edge's label: the contribution it carried. */
export const EDGE_LABEL_CHARS = 24;

/** One contribution a node received, in the order the walk sent them. */
export interface Received {
  /** The step that sent it (1 is the first) and the node whose backward sent it. */
  step: number;
  from: string;
  grad: string;
  /** The node's gradient before it was added (null: the first) and after. */
  before: string | null;
  total: string;
}

/** "a + b = c" as a node's running sum reads (at most 4 terms written out), or "c" for one. */
export function sumText(terms: readonly Received[]): string {
  const last = terms[terms.length - 1];
  if (last === undefined) return "—";
  if (terms.length === 1) return last.total;
  const shown =
    terms.length <= 4
      ? terms.map((t) => t.grad).join(" + ")
      : `${terms[0]?.grad} + ${terms[1]?.grad} + … + ${last.grad} (${terms.length} terms)`;
  return `${shown} = ${last.total}`;
}

/** How one contribution changes the sum: "c" for the first, else "before + grad = total". */
export function buildUp(r: Received): string {
  return r.before === null ? r.total : `${r.before} + ${r.grad} = ${r.total}`;
}

/**
 * The names the figure draws: a node's own label where it has one (`name=`, a variable), the
 * output's "L" (the payload's `of`) where it has none, else its op's name. A name several nodes
 * share is numbered in the order they were computed ("Mul 1", "Mul 2"; "h 1", "h 2" for the
 * `h` of each call of a function). Text and status name a node only this way: never by an id
 * the figure does not draw.
 */
function drawnNames(data: StepperData): Map<string, string> {
  const { nodes, output } = data.graph;
  const base = (n: StepperNode): string => {
    if (n.label !== n.op && n.label !== "") return n.label;
    return n.id === output ? data.of : n.op;
  };
  const count = new Map<string, number>();
  for (const n of nodes) count.set(base(n), (count.get(base(n)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const names = new Map<string, string>();
  for (const n of nodes) {
    const name = base(n);
    const k = (seen.get(name) ?? 0) + 1;
    seen.set(name, k);
    names.set(n.id, (count.get(name) ?? 0) > 1 ? `${name} ${k}` : name);
  }
  return names;
}

export class StepperModel {
  readonly byId: Map<string, StepperNode>;
  /** What the figure calls each node (see drawnNames). */
  private readonly names: Map<string, string>;
  /** What each node receives, in the walk's order. */
  private readonly received = new Map<string, Received[]>();
  /** For each step, the edge each of its sends travels (-1: none). */
  private readonly stepEdges: number[][];
  /** The edges into each node (its inputs), by position in `graph.edges`. */
  private readonly inputEdges = new Map<string, number[]>();
  /** For each edge, the step whose send travelled it (0-based), and which send. */
  private readonly sendOf = new Map<number, { step: number; send: number }>();
  /** Each op result's place in the forward pass (0 is computed first). */
  private readonly computedAt: Map<string, number>;

  constructor(readonly data: StepperData) {
    const { nodes, edges } = data.graph;
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    this.names = drawnNames(data);
    this.computedAt = new Map(data.forward.map((id, i) => [id, i]));
    const edgeOf = new Map(edges.map((e, i) => [`${e.source}>${e.target}:${e.index}`, i]));
    edges.forEach((e, i) =>
      this.inputEdges.set(e.target, [...(this.inputEdges.get(e.target) ?? []), i]),
    );
    this.stepEdges = data.steps.map((s, k) =>
      s.sends.map((x, j) => {
        if (x.grad !== null && x.total !== null) {
          const list = this.received.get(x.input) ?? [];
          const before = list[list.length - 1]?.total ?? null;
          list.push({ step: k + 1, from: s.node, grad: x.grad.text, before, total: x.total.text });
          this.received.set(x.input, list);
        }
        const edge = edgeOf.get(`${x.input}>${s.node}:${x.index}`) ?? -1;
        if (edge >= 0) this.sendOf.set(edge, { step: k, send: j });
        return edge;
      }),
    );
  }

  /** How many steps the mode has. */
  total(mode: Mode): number {
    return mode === "backward" ? this.data.steps.length : this.data.forward.length;
  }

  /** What the figure calls node `id`. */
  name(id: string): string {
    return this.names.get(id) ?? "?";
  }

  /** Whether the node has a name of its own (a variable, `name=`), not its op's. */
  named(id: string): boolean {
    const n = this.byId.get(id);
    return n !== undefined && n.label !== n.op && n.label !== "";
  }

  /** The node as ∂L/∂x writes it: its name, in parentheses when that has a space. */
  symbol(id: string): string {
    const name = this.name(id);
    return name.includes(" ") ? `(${name})` : name;
  }

  /** ∂L/∂x for node `id` (∂L/∂L for the output). */
  partial(id: string): string {
    return `∂${this.data.of}/∂${this.symbol(id)}`;
  }

  /** The node's first line: "x: leaf", "L: Add", or just "Mul 2" where the name is the op's. */
  title(id: string): string {
    const n = this.byId.get(id);
    const name = this.name(id);
    if (n === undefined) return name;
    return name === n.op || name.startsWith(`${n.op} `) ? name : `${name}: ${n.op}`;
  }

  /** What node `id` has received once steps 1..k are done, in order. */
  receivedBy(id: string, k: number): Received[] {
    return (this.received.get(id) ?? []).filter((r) => r.step <= k);
  }

  /** The grad line of node `id` once steps 1..k are done (0: only the seed). */
  gradLine(id: string, k: number): string {
    if (id === this.data.graph.output) return `grad ${summary(this.data.seed)}`;
    return `grad ${sumText(this.receivedBy(id, k))}`;
  }

  /** The value forward mode shows once `k` of its steps are done: "—" for one not computed. */
  private valueAt(n: StepperNode, mode: Mode, k: number): string {
    const at = this.computedAt.get(n.id);
    return mode === "forward" && at !== undefined && at >= k ? "—" : summary(n.value);
  }

  /** Node `id`'s four lines (title, shape and dtype, value, grad) after `k` steps of `mode`. */
  lines(id: string, k: number, mode: Mode): string[] {
    const n = this.byId.get(id);
    if (n === undefined) return [];
    return [
      clip(this.title(id)),
      clip(`${shapeText(n.shape)} ${n.dtype}`),
      clip(`value ${this.valueAt(n, mode, k)}`),
      clip(mode === "backward" ? this.gradLine(id, k) : "grad —", GRAD_CHARS),
    ];
  }

  /** The longest lines node `id` shows at any step: its box is sized for them. */
  widestLines(id: string): string[] {
    const lines = this.lines(id, this.data.steps.length, "backward");
    const sums = (this.received.get(id) ?? []).map((_, i, all) =>
      clip(`grad ${sumText(all.slice(0, i + 1))}`, GRAD_CHARS),
    );
    const grad = [lines[3] ?? "", ...sums].reduce((a, b) => (b.length > a.length ? b : a));
    return [...lines.slice(0, 3), grad];
  }

  /** The nodes whose text differs between having done `a` and `b` steps of the mode. */
  touched(mode: Mode, a: number, b: number): Set<string> {
    const ids = new Set<string>();
    for (let s = Math.min(a, b); s < Math.max(a, b); s++) {
      if (mode === "forward") ids.add(this.data.forward[s] ?? "");
      else for (const x of this.data.steps[s]?.sends ?? []) ids.add(x.input);
    }
    ids.delete("");
    return ids;
  }

  /** The node step `k` of the mode is about (null at step 0). */
  activeNode(mode: Mode, k: number): string | null {
    if (k <= 0) return null;
    const id = mode === "forward" ? this.data.forward[k - 1] : this.data.steps[k - 1]?.node;
    return id ?? null;
  }

  /** The edges step `k` uses: what a backward step sends along, what a forward step reads. */
  activeEdges(mode: Mode, k: number): number[] {
    const id = this.activeNode(mode, k);
    if (id === null) return [];
    const edges = mode === "forward" ? this.inputs(id) : (this.stepEdges[k - 1] ?? []);
    return edges.filter((i) => i >= 0);
  }

  /** The edges into node `id`, in the graph's order. */
  inputs(id: string): number[] {
    return this.inputEdges.get(id) ?? [];
  }

  /** Edge `edge`'s label once `k` backward steps are done: the contribution it carried. */
  edgeLabel(edge: number, k: number): string {
    const at = this.sendOf.get(edge);
    if (at === undefined || at.step >= k) return "";
    return this.longestEdgeLabel(edge);
  }

  /** The label edge `edge` shows once its step is done ("" for an edge no step sends along). */
  longestEdgeLabel(edge: number): string {
    const at = this.sendOf.get(edge);
    if (at === undefined) return "";
    const grad = this.data.steps[at.step]?.sends[at.send]?.grad ?? null;
    return grad === null ? "" : clip(grad.text, EDGE_LABEL_CHARS);
  }

  /** The edges whose label differs between having done `a` and `b` backward steps. */
  edgesBetween(a: number, b: number): number[] {
    const out: number[] = [];
    for (let s = Math.min(a, b); s < Math.max(a, b); s++) {
      for (const i of this.stepEdges[s] ?? []) if (i >= 0) out.push(i);
    }
    return out;
  }

  /** The source node of edge `edge`. */
  source(edge: number): string {
    return this.data.graph.edges[edge]?.source ?? "";
  }
}
