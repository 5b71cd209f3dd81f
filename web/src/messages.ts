/**
 * The message contract between the page (runner.ts) and the Python worker (worker.ts).
 * Plain data only: every message is structured-cloneable and tagged by a literal `type`.
 * The worker answers every `run` and `check` exactly once with a `done` carrying the same `id`,
 * errors included, as data. The page reads every message through `readFromWorker` and the
 * worker every request through `readToWorker`: what does not fit is rejected, never guessed at.
 * NOTE: after `init`, page and worker talk over a private MessagePort (handed over in `init`),
 * not the worker's global scope, which the snippet's code can reach.
 */

/** Boot stages, in order. */
export const STAGES = ["runtime", "numpy", "ad"] as const;
export type Stage = (typeof STAGES)[number];

export type StreamName = "stdout" | "stderr";

/** A piece of program output. Consecutive chunks of one stream may be merged. */
export interface Chunk {
  stream: StreamName;
  text: string;
}

// ---- page -> worker ----

/** Sent once, on the worker's global scope; every later message goes through `port`. */
export interface InitRequest {
  type: "init";
  /** The page's end of the private channel is kept by the page; this is the worker's end. */
  port: MessagePort;
  /** The site's base URL (the worker's own location is a blob: URL, see runner.ts). */
  baseUrl: string;
  /** One byte; the page writes 2 (SIGINT) to interrupt. Null without SharedArrayBuffer. */
  interruptBuffer: SharedArrayBuffer | null;
  /** Characters of output forwarded per run before the worker drops the rest. */
  outputCap: number;
  /**
   * The interpreter snapshot the page accepted (its SHA-256, hex), or null: the worker restores
   * a stored snapshot only when its digest is this one. `site`: else it may restore the site's
   * own snapshot (build-id.ts). `make`: when it boots in full, offer a new one.
   */
  snapshot: { digest: string | null; site: boolean; make: boolean };
  /**
   * A Web Lock the worker holds for its whole life (null where Web Locks are missing): the page
   * asks for it too, and is granted it only when the worker is gone (a snippet's `close()`).
   */
  lock: string | null;
}

export interface RunRequest {
  type: "run";
  id: number;
  code: string;
}

/**
 * Run a lesson's checks: `code` (the learner's) runs as a `run` does, then the lesson's
 * `checks` (its checks.py, see web/python/lessoncheck.py) on the namespace it left, in the same
 * run, so Stop stops it. Answered by a `checked` (unless stopped first), then the `done`.
 */
export interface CheckRequest {
  type: "check";
  id: number;
  code: string;
  checks: string;
}

export type ToWorker = InitRequest | RunRequest | CheckRequest;

// ---- worker -> page ----

export interface StageMessage {
  type: "stage";
  stage: Stage;
  state: "start" | "done";
}

export interface ReadyMessage {
  type: "ready";
  versions: Record<string, string>;
  bootMs: number;
}

/**
 * Sent during boot, before `ready`, by a worker that booted in full with `snapshot.make`: the
 * SHA-256 (hex) of the snapshot it stores. null: the stored snapshot did not match the page's
 * digest (or could not be restored) and was deleted.
 */
export interface SnapshotMessage {
  type: "snapshot";
  digest: string | null;
}

/** The runtime could not start (missing file, network). The worker is useless afterwards. */
export interface BootErrorMessage {
  type: "boot-error";
  message: string;
}

export interface OutputMessage {
  type: "output";
  id: number;
  chunks: Chunk[];
}

/** Sent once per run when output passes the cap; the program keeps running. */
export interface TruncatedMessage {
  type: "truncated";
  id: number;
  cap: number;
}

/**
 * A figure made by the snippet through the `playground` module (web/python/playground.py).
 * `figure` names it ("f1", "f2", ... per run): a later display with the same name replaces it
 * (a live plot). `data` is the payload as Python sent it; user code can send anything, so the
 * page reads it through `readDisplay` and shows `text` when it does not fit its kind.
 */
export interface DisplayMessage {
  type: "display";
  id: number;
  figure: string;
  /** A `FigureKind` from the playground module; the page shows any other kind as `text`. */
  kind: string;
  data: unknown;
  /** Plain-text fallback, always present. */
  text: string;
}

/**
 * Before a run: the site's packages its imports need that Python does not have yet (with their
 * dependencies), "loading"; then "loaded", or "failed" (the run then ends with an ImportError).
 * The run's own stopwatch (`done.durationMs`) starts after loading.
 */
export interface PackagesMessage {
  type: "packages";
  id: number;
  state: "loading" | "loaded" | "failed";
  /** Package names as Pyodide's lock gives them: the imported ones, then what they need. */
  names: string[];
  /** Their files' total size. */
  bytes: number;
  /** How long loading took; null while "loading". */
  ms: number | null;
  /** Why loading failed; null unless "failed". */
  error: string | null;
}

export type ErrorKind =
  /** A Python exception escaped the user's code (SyntaxError included). */
  | "exception"
  /** Stopped by the user (KeyboardInterrupt, or the worker was replaced). */
  | "interrupted"
  /** The runtime itself failed (out of memory, fatal wasm error): the worker must be replaced. */
  | "fatal";

export interface RunError {
  kind: ErrorKind;
  /** Exception class name, e.g. "ZeroDivisionError". */
  name: string;
  message: string;
  /** Traceback trimmed to the user's code, ending with the error line. */
  traceback: string;
  /** 1-based line in the editor where the error happened, if known. */
  line: number | null;
}

export interface DoneMessage {
  type: "done";
  id: number;
  durationMs: number;
  error: RunError | null;
  /** Characters of output the cap dropped. */
  dropped: number;
  /**
   * The run changed the interpreter in a way the driver cannot undo (an audit hook, say): the
   * next run must get a fresh worker.
   */
  retire: boolean;
}

/** One check of a lesson, as the learner sees it. */
export interface CheckOutcome {
  name: string;
  passed: boolean;
  /** What was expected (and what came instead); "" when passed. */
  message: string;
  /** The likely mistake, when the check can tell; null otherwise. The first of `hints`. */
  hint: string | null;
  /**
   * The hint ladder: a nudge first, then more specific steps (More help reveals each); empty
   * when the check has no hint. Plain text; `code` in backticks.
   */
  hints: string[];
}

/** The results of a `check` request, sent just before its `done`. */
export interface CheckedMessage {
  type: "checked";
  id: number;
  checks: CheckOutcome[];
}

export type FromWorker =
  | StageMessage
  | SnapshotMessage
  | ReadyMessage
  | BootErrorMessage
  | OutputMessage
  | TruncatedMessage
  | DisplayMessage
  | PackagesMessage
  | CheckedMessage
  | DoneMessage;

// ---- figures: each kind's payload, and how the page reads it ----

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

/** Whether a value has type T. */
type Check<T> = (value: unknown) => value is T;

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function orNull<T>(check: Check<T>): Check<T | null> {
  return (v): v is T | null => v === null || check(v);
}

function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v): v is T | undefined => v === undefined || check(v);
}

function listOf<T>(check: Check<T>): Check<T[]> {
  return (v): v is T[] => Array.isArray(v) && v.every((item) => check(item));
}

/** An object with these fields (and maybe others, which the page ignores). */
function fields<T>(checks: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  const entries = Object.entries(checks) as Array<[string, Check<unknown>]>;
  return (v): v is T =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    entries.every(([key, check]) => check((v as Record<string, unknown>)[key]));
}

/** Also `check`, then `rule` on the typed value (lengths that must agree, ids that must exist). */
function where<T>(check: Check<T>, rule: (value: T) => boolean): Check<T> {
  return (v): v is T => check(v) && rule(v);
}

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
export function readDisplay(message: DisplayMessage): Display {
  const figure = readFigure(message.kind, message.data);
  const { figure: id, text } = message;
  return figure === null
    ? { figure: id, text, kind: message.kind, data: null }
    : { figure: id, text, ...figure };
}

// ---- every message, checked ----

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isDuration = (v: unknown): v is number => isNumber(v) && v >= 0;

function oneOf<T extends string>(...values: readonly T[]): Check<T> {
  return (v): v is T => typeof v === "string" && (values as readonly string[]).includes(v);
}

function recordOf<T>(check: Check<T>): Check<Record<string, T>> {
  return (v): v is Record<string, T> =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v as Record<string, unknown>).every((item) => check(item));
}

const isSha256 = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);

const isRunError = fields<RunError>({
  kind: oneOf("exception", "interrupted", "fatal"),
  name: isString,
  message: isString,
  traceback: isString,
  line: orNull(isCount),
});

/** One check per message type: a new type does not compile without its own. */
const FROM_WORKER: { [T in FromWorker["type"]]: Check<Extract<FromWorker, { type: T }>> } = {
  stage: fields<StageMessage>({
    type: oneOf("stage"),
    stage: oneOf(...STAGES),
    state: oneOf("start", "done"),
  }),
  snapshot: fields<SnapshotMessage>({ type: oneOf("snapshot"), digest: orNull(isSha256) }),
  ready: fields<ReadyMessage>({
    type: oneOf("ready"),
    versions: recordOf(isString),
    bootMs: isDuration,
  }),
  "boot-error": fields<BootErrorMessage>({ type: oneOf("boot-error"), message: isString }),
  output: fields<OutputMessage>({
    type: oneOf("output"),
    id: isId,
    chunks: listOf(fields<Chunk>({ stream: oneOf("stdout", "stderr"), text: isString })),
  }),
  truncated: fields<TruncatedMessage>({ type: oneOf("truncated"), id: isId, cap: isCount }),
  display: fields<DisplayMessage>({
    type: oneOf("display"),
    id: isId,
    figure: isString,
    kind: isString,
    data: (_v: unknown): _v is unknown => true, // read later by its kind (readDisplay)
    text: isString,
  }),
  packages: where(
    fields<PackagesMessage>({
      type: oneOf("packages"),
      id: isId,
      state: oneOf("loading", "loaded", "failed"),
      names: where(listOf(isString), (names) => names.length > 0),
      bytes: isCount,
      ms: orNull(isDuration),
      error: orNull(isString),
    }),
    (m) =>
      (m.state === "loading") === (m.ms === null) && (m.state === "failed") === (m.error !== null),
  ),
  checked: fields<CheckedMessage>({
    type: oneOf("checked"),
    id: isId,
    checks: listOf(
      where(
        fields<CheckOutcome>({
          name: isString,
          passed: isBoolean,
          message: isString,
          hint: orNull(isString),
          hints: listOf(isString),
        }),
        (c) => c.hint === (c.hints[0] ?? null),
      ),
    ),
  }),
  done: fields<DoneMessage>({
    type: oneOf("done"),
    id: isId,
    durationMs: isDuration,
    error: orNull(isRunError),
    dropped: isCount,
    retire: isBoolean,
  }),
};

/** A message from the worker as the contract types it, or null when any field does not fit. */
export function readFromWorker(value: unknown): FromWorker | null {
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !Object.hasOwn(FROM_WORKER, type)) return null;
  const check = FROM_WORKER[type as FromWorker["type"]] as Check<FromWorker>;
  return check(value) ? value : null;
}

const isInit = fields<InitRequest>({
  type: oneOf("init"),
  port: (v: unknown): v is MessagePort =>
    typeof MessagePort === "function" && v instanceof MessagePort,
  baseUrl: isString,
  interruptBuffer: orNull(
    (v: unknown): v is SharedArrayBuffer =>
      typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer,
  ),
  outputCap: isCount,
  snapshot: fields<InitRequest["snapshot"]>({
    digest: orNull(isSha256),
    site: isBoolean,
    make: isBoolean,
  }),
  lock: orNull(isString),
});

const isRun = fields<RunRequest>({ type: oneOf("run"), id: isId, code: isString });
const isCheck = fields<CheckRequest>({
  type: oneOf("check"),
  id: isId,
  code: isString,
  checks: isString,
});

/** A request from the page as the contract types it, or null when it does not fit. */
export function readToWorker(value: unknown): ToWorker | null {
  if (isInit(value)) return value;
  if (isRun(value)) return value;
  if (isCheck(value)) return value;
  return null;
}
