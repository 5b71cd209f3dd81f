/**
 * Each figure kind's payload (what web/python/playground.py and the matplotlib backend send in a
 * `display` message) and its check. User code can send anything through a display, so the page
 * reads every payload through `readFigure`: the figure code gets a typed payload, or none (then
 * it shows the display's text).
 */
import {
  fields,
  isBoolean,
  isCount,
  isNumber,
  isString,
  listOf,
  oneOf,
  optional,
  orNull,
  where,
} from "../check";
import type { Check } from "../check";

/** A number from Python: null stands for NaN and ±inf, which strict JSON cannot carry. */
export type Num = number | null;

interface Titled {
  /** The snippet's title for the figure; null when it gave none. */
  title: string | null;
}

interface Axes extends Titled {
  xlabel: string | null;
  ylabel: string | null;
}

export interface Series {
  name: string | null;
  /** As long as `y`. */
  x: Num[];
  y: Num[];
}

/** `plot(...)` and a live `LinePlot`. */
export interface PlotData extends Axes {
  series: Series[];
}

/** Points in the plane, each with a class label (or none at all). */
export interface Points {
  x: Num[];
  y: Num[];
  label: string[] | null;
}

/** `scatter(...)`. */
export interface ScatterData extends Axes {
  points: Points;
}

/** `width` x `height` scores over [x1, x2] x [y2, y1], rows top first. */
export interface Grid {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
  width: number;
  height: number;
  values: Num[];
}

/** `decision_boundary(...)`: scores over the plane, the boundary where they cross `threshold`. */
export interface BoundaryData extends ScatterData {
  grid: Grid;
  /** null for class scores, whose argmax is shown (no single boundary). */
  threshold: number | null;
}

/** What a graph node shows of an array: a short text, and its NaN and inf counts. */
export interface ArraySummary {
  text: string;
  nan?: number;
  inf?: number;
}

export interface GraphNode {
  id: string;
  /** The Function's class name, or "leaf" / "constant". */
  op: string;
  label: string;
  shape: number[];
  dtype: string;
  value: ArraySummary | null;
  grad: ArraySummary | null;
  is_leaf: boolean;
  is_output: boolean;
  requires_grad: boolean;
}

/** From an input (`source`) to the op that uses it at position `index`. */
export interface GraphEdge {
  source: string;
  target: string;
  index: number;
}

/** `show_graph(result)`: `graph` is `ad.graph(result)`; every edge joins two of its nodes. */
export interface GraphData extends Titled {
  graph: { nodes: GraphNode[]; edges: GraphEdge[] };
}

/** A strict-JSON report's number: a non-finite one arrives as the string "nan" or "inf". */
export type ReportNumber = number | string;

export interface GradcheckRow {
  index: number;
  name: string;
  shape: number[];
  /** False for inputs passed through unchecked (integers, constants); `note` says why. */
  checked: boolean;
  passed: boolean;
  max_abs_err: ReportNumber;
  max_rel_err: ReportNumber;
  note: string;
}

/** `show(ad.gradcheck(...))`: the report's `to_dict()`. */
export interface GradcheckData extends Titled {
  report: {
    passed: boolean;
    eps: number;
    atol: number;
    rtol: number;
    error: string | null;
    rows: GradcheckRow[];
  };
}

/** One array of an array display: a tensor's value or its gradient. */
export interface ArrayPart {
  name: string;
  shape: number[];
  dtype: string;
  /** numpy's text of the array (NaN and inf written nan and inf). */
  text: string;
  nan?: number;
  inf?: number;
  /** Over the finite elements, when there are any. */
  min?: number;
  max?: number;
  mean?: number;
}

/** `show(array or tensor)`. */
export interface ArrayData extends Titled {
  parts: ArrayPart[];
}

/** A matplotlib figure, drawn by Agg in the worker (web/python/_playground_matplotlib.py). */
export interface ImageData extends Titled {
  /** The figure as a PNG, base64; it has more pixels than `width` x `height` (sharp on HiDPI). */
  png: string;
  /** The same figure as an SVG document, for download only; null when it was too large. */
  svg: string | null;
  /** The size to show it at, in CSS pixels. */
  width: number;
  height: number;
}

/** A node of a stepper figure: a graph node, with what its details panel shows. */
export interface StepperNode extends GraphNode {
  /** The tensor's own `name=`, which wins over a variable's name in `label`; or null. */
  name: string | null;
  /** The editor line of a user Function's `backward` (its `vjp`), or null. */
  backward_line: number | null;
  /** The full value and gradient, for a node whose 8 values (in `value`, `grad`) leave some out. */
  details: { value: ArrayPart; grad: ArrayPart | null } | null;
}

/** What one backward step sent along one edge: to the `index`-th input of the step's node. */
export interface StepSend {
  input: string;
  index: number;
  /** The contribution; null when no gradient flows there (a constant). */
  grad: ArraySummary | null;
  /** The input's gradient after this contribution was added. */
  total: ArraySummary | null;
}

/** One node of the backward walk (`ad.replay`'s Step): the gradient it received, what it sent. */
export interface BackwardStep {
  node: string;
  grad: ArraySummary;
  sends: StepSend[];
}

/**
 * `show_graph(tensor)` and `show_backward(tensor)`: the graph with every node's value and
 * gradient, and the backward walk step by step (`ad.replay`). Ids are `ad.graph`'s.
 */
export interface StepperData extends Titled {
  /** Where the figure opens: at the first step ("start") or with every gradient in ("end"). */
  start: "start" | "end";
  /** Whether it opens in predict mode (`show_backward(..., predict=True)`): before each step,
   * the learner types the gradient it reveals. */
  predict: boolean;
  graph: { nodes: StepperNode[]; edges: GraphEdge[]; output: string };
  /** What the output is called in ∂L/∂x ("L" when no variable names it). */
  of: string;
  /** Why there are no steps although the output needs a gradient (a backward that failed). */
  error: string | null;
  /** The gradient the walk starts from; null when there is no backward pass. */
  seed: ArraySummary | null;
  /** The ids of the op results, in the order the forward pass computed them. */
  forward: string[];
  steps: BackwardStep[];
}

/** Each figure kind and its payload. */
export interface FigureData {
  plot: PlotData;
  scatter: ScatterData;
  boundary: BoundaryData;
  graph: GraphData;
  gradcheck: GradcheckData;
  array: ArrayData;
  image: ImageData;
  stepper: StepperData;
}

export type FigureKind = keyof FigureData;

/** A payload read through its kind's check: `kind` tells the type of `data`. */
export type Figure = { [K in FigureKind]: { kind: K; data: FigureData[K] } }[FigureKind];

/** A display as the page keeps it: its figure read, or `data: null` (then it shows `text`). */
export type Display = { figure: string; text: string } & (Figure | { kind: string; data: null });

const nums = listOf(orNull(isNumber));
const shape = listOf(isCount);
const title = orNull(isString);
const axes = { title, xlabel: orNull(isString), ylabel: orNull(isString) };

const isPoints = where(
  fields<Points>({ x: nums, y: nums, label: orNull(listOf(isString)) }),
  (p) => p.x.length === p.y.length && (p.label === null || p.label.length === p.x.length),
);

const isSummary = fields<ArraySummary>({
  text: isString,
  nan: optional(isCount),
  inf: optional(isCount),
});

const GRAPH_NODE_CHECKS: { [K in keyof GraphNode]-?: Check<GraphNode[K]> } = {
  id: isString,
  op: isString,
  label: isString,
  shape,
  dtype: isString,
  value: orNull(isSummary),
  grad: orNull(isSummary),
  is_leaf: isBoolean,
  is_output: isBoolean,
  requires_grad: isBoolean,
};

const isGraphNode = fields<GraphNode>(GRAPH_NODE_CHECKS);

const isGraphEdge = fields<GraphEdge>({ source: isString, target: isString, index: isCount });

/** Node ids are unique and every edge joins two of them (else the layout would invent nodes). */
function connected(graph: GraphData["graph"]): boolean {
  const ids = new Set(graph.nodes.map((n) => n.id));
  return (
    ids.size === graph.nodes.length &&
    graph.edges.every((e) => ids.has(e.source) && ids.has(e.target))
  );
}

const reportNumber = (v: unknown): v is ReportNumber => isNumber(v) || isString(v);

const isGradcheckRow = fields<GradcheckRow>({
  index: isCount,
  name: isString,
  shape,
  checked: isBoolean,
  passed: isBoolean,
  max_abs_err: reportNumber,
  max_rel_err: reportNumber,
  note: isString,
});

const isArrayPart = fields<ArrayPart>({
  name: isString,
  shape,
  dtype: isString,
  text: isString,
  nan: optional(isCount),
  inf: optional(isCount),
  min: optional(isNumber),
  max: optional(isNumber),
  mean: optional(isNumber),
});

/** Base64 of a PNG file (its signature, then only the base64 alphabet). */
const isPng = (v: unknown): v is string =>
  isString(v) && v.startsWith("iVBORw0KGgo") && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
/** An SVG document, as matplotlib writes one (an XML declaration, or the root element). */
const isSvg = (v: unknown): v is string =>
  isString(v) && /^\s*(<\?xml[^>]*>\s*)?(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/.test(v);
const isSize = (v: unknown): v is number => isNumber(v) && v > 0 && v <= 20_000;

const isStepperNode = fields<StepperNode>({
  ...GRAPH_NODE_CHECKS,
  name: orNull(isString),
  backward_line: orNull(where(isCount, (line) => line > 0)),
  details: orNull(
    fields<NonNullable<StepperNode["details"]>>({
      value: isArrayPart,
      grad: orNull(isArrayPart),
    }),
  ),
});

const isStepSend = fields<StepSend>({
  input: isString,
  index: isCount,
  grad: orNull(isSummary),
  total: orNull(isSummary),
});

const isBackwardStep = fields<BackwardStep>({
  node: isString,
  grad: isSummary,
  sends: listOf(isStepSend),
});

/** Every id a stepper names is a node of its graph, and an edge joins each step's node to each
 * input it sends to (else the figure would highlight what is not there). */
function consistent(data: StepperData): boolean {
  const { graph } = data;
  if (!connected(graph)) return false;
  const ids = new Set(graph.nodes.map((n) => n.id));
  const edges = new Set(graph.edges.map((e) => `${e.source}>${e.target}:${e.index}`));
  return (
    ids.has(graph.output) &&
    data.forward.every((id) => ids.has(id)) &&
    data.steps.every(
      (s) => ids.has(s.node) && s.sends.every((x) => edges.has(`${x.input}>${s.node}:${x.index}`)),
    )
  );
}

/** One check per figure kind: a new kind does not compile without its own. */
const FIGURE_CHECKS: { [K in FigureKind]: Check<FigureData[K]> } = {
  plot: fields<PlotData>({
    ...axes,
    series: listOf(
      where(
        fields<Series>({ name: orNull(isString), x: nums, y: nums }),
        (s) => s.x.length === s.y.length,
      ),
    ),
  }),
  scatter: fields<ScatterData>({ ...axes, points: isPoints }),
  boundary: fields<BoundaryData>({
    ...axes,
    points: isPoints,
    threshold: orNull(isNumber),
    grid: where(
      fields<Grid>({
        x1: isNumber,
        x2: isNumber,
        y1: isNumber,
        y2: isNumber,
        width: isCount,
        height: isCount,
        values: nums,
      }),
      (g) => g.width > 0 && g.height > 0 && g.values.length === g.width * g.height,
    ),
  }),
  graph: fields<GraphData>({
    title,
    graph: where(fields({ nodes: listOf(isGraphNode), edges: listOf(isGraphEdge) }), connected),
  }),
  gradcheck: fields<GradcheckData>({
    title,
    report: fields<GradcheckData["report"]>({
      passed: isBoolean,
      eps: isNumber,
      atol: isNumber,
      rtol: isNumber,
      error: orNull(isString),
      rows: listOf(isGradcheckRow),
    }),
  }),
  array: fields<ArrayData>({ title, parts: listOf(isArrayPart) }),
  image: fields<ImageData>({
    title,
    png: isPng,
    svg: orNull(isSvg),
    width: isSize,
    height: isSize,
  }),
  stepper: where(
    fields<StepperData>({
      title,
      start: oneOf("start", "end"),
      predict: isBoolean,
      graph: fields<StepperData["graph"]>({
        nodes: listOf(isStepperNode),
        edges: listOf(isGraphEdge),
        output: isString,
      }),
      of: isString,
      error: orNull(isString),
      seed: orNull(isSummary),
      forward: listOf(isString),
      steps: listOf(isBackwardStep),
    }),
    consistent,
  ),
};

/** `data` as the figure `kind` names, or null when the kind is unknown or the data does not fit. */
export function readFigure(kind: string, data: unknown): Figure | null {
  if (!Object.hasOwn(FIGURE_CHECKS, kind)) return null;
  const known = kind as FigureKind;
  // NOTE: TypeScript cannot tie FIGURE_CHECKS[known]'s guard to `known`; the lookup is that tie.
  return FIGURE_CHECKS[known](data) ? ({ kind: known, data } as Figure) : null;
}

/** The page's reading of a display message (the payload checked by its kind). */
export function readDisplay(message: {
  figure: string;
  kind: string;
  data: unknown;
  text: string;
}): Display {
  const figure = readFigure(message.kind, message.data);
  const { figure: id, text } = message;
  return figure === null
    ? { figure: id, text, kind: message.kind, data: null }
    : { figure: id, text, ...figure };
}
