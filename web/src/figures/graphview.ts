/**
 * The computation graph of a result (ad.graph's export), laid out by dagre and drawn as SVG
 * element by element (labels are text nodes: op names and values come from user code).
 * Its own chunk: loaded on the first graph. Scrolls and zooms; a 500-node graph stays legible.
 * Three steps: `layOut` places boxes, edges and their labels, `render` draws them, `addZoom`
 * adds the controls. The inputs are at the bottom and the result at the top, as the lessons
 * draw an expression (and a tall graph fits the output pane, which scrolls down).
 */
import dagre from "@dagrejs/dagre";
import { bad, clip, shapeText, summary } from "./format";
import type { GraphData, GraphNode } from "./payload";

const SVG = "http://www.w3.org/2000/svg";
const LINE = 14; // px per label line
const CHAR = 6.6; // px per character of the 11px monospace label font (style.css)
const FONT_PX = 11;
/** The smallest text the figure opens with: below it, it scrolls instead of shrinking. */
export const MIN_TEXT_PX = 10;
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;

/** A node's box, centred on (x, y); a shared leaf in a big graph gets one box per use. */
interface Box {
  node: GraphNode;
  /** A second or later box of the same leaf (drawn dashed). */
  copy: boolean;
  lines: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Point {
  x: number;
  y: number;
}

export interface Layout {
  width: number;
  height: number;
  boxes: Box[];
  /** Each edge: its position in `graph.edges`, the points of its polyline, and the centre of the
   * room dagre kept for its label (null when it has none): no label overlaps a box or another. */
  edges: Array<{ index: number; points: Point[]; label: Point | null }>;
}

/** Graphs drawn so far on this page: each one's arrow marker needs an id of its own. */
let graphCount = 0;

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

function nodeTitle(n: GraphNode): string {
  return n.label !== n.op && n.label !== "" ? `${n.label}: ${n.op}` : n.op;
}

function lines(n: GraphNode): string[] {
  return [
    nodeTitle(n),
    `${shapeText(n.shape)} ${n.dtype}`,
    `value ${summary(n.value)}`,
    `grad ${summary(n.grad)}`,
  ].map((line) => clip(line));
}

/** The width of a line of label text, in px at 1:1. */
function textWidth(text: string): number {
  return Math.ceil(text.length * CHAR);
}

/**
 * Place every node's box and route every edge, inputs at the bottom (dagre). `linesOf` gives each
 * box's text, and `edgeLabelOf` each edge's label (by its position in `graph.edges`): the longest
 * each will show, as the room is made for it; "" for no label.
 */
export function layOut<N extends GraphNode>(
  graph: { nodes: N[]; edges: GraphData["graph"]["edges"] },
  linesOf: (n: N) => string[] = lines,
  edgeLabelOf: (edge: number) => string = () => "",
): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const big = graph.nodes.length > 150;
  g.setGraph({
    rankdir: "BT",
    nodesep: big ? 10 : 18,
    ranksep: big ? 28 : 40,
    marginx: 8,
    marginy: 8,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const fanOut = new Map<string, number>();
  for (const e of graph.edges) fanOut.set(e.source, (fanOut.get(e.source) ?? 0) + 1);
  // NOTE: a leaf shared by many ops (a weight reused in every step) makes edges that span the
  // whole graph, and dagre's crossing reduction then takes ~10 s at 500 nodes. In a big graph
  // each use gets its own copy of such a leaf (marked as a copy): ~0.4 s.
  const copied = (n: N): boolean => big && n.is_leaf && (fanOut.get(n.id) ?? 0) > 1;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const text = new Map(graph.nodes.map((n) => [n.id, linesOf(n)]));
  const placed: Array<{ key: string; node: GraphNode; copy: boolean }> = [];
  const addBox = (key: string, node: N, copy: boolean): void => {
    const label = text.get(node.id) ?? [];
    const width = Math.max(...label.map(textWidth)) + 16;
    g.setNode(key, { width, height: label.length * LINE + 10 });
    placed.push({ key, node, copy });
  };
  for (const n of graph.nodes) if (!copied(n)) addBox(n.id, n, false);
  const copiedOnce = new Set<string>();
  graph.edges.forEach((e, i) => {
    const source = byId.get(e.source);
    let key = e.source;
    if (source !== undefined && copied(source)) {
      key = `${e.source}~${i}`;
      addBox(key, source, copiedOnce.has(e.source));
      copiedOnce.add(e.source);
    }
    const text = edgeLabelOf(i);
    const room = text === "" ? {} : { width: textWidth(text) + 6, height: LINE, labelpos: "c" };
    g.setEdge(key, e.target, room, `e${i}`);
  });
  dagre.layout(g);
  const size = g.graph();
  const boxes = placed.map(({ key, node, copy }) => {
    const { x, y, width, height } = g.node(key);
    return { node, copy, lines: text.get(node.id) ?? [], x, y, width, height };
  });
  const edges = g.edges().map((e) => {
    const laid = g.edge(e) as { points?: Point[]; x?: number; y?: number; width?: number };
    const labelled = laid.width !== undefined && laid.x !== undefined && laid.y !== undefined;
    return {
      index: Number(e.name?.slice(1)),
      points: laid.points ?? [],
      label: labelled ? { x: laid.x ?? 0, y: laid.y ?? 0 } : null,
    };
  });
  return {
    width: Math.ceil(size.width ?? 100),
    height: Math.ceil(size.height ?? 100),
    boxes,
    edges,
  };
}

/**
 * The laid-out graph as an SVG element: edges with arrows, one group per box, then an empty text
 * (class `graph-edge-label`, `data-edge` its edge) where each labelled edge's label goes.
 */
export function render(layout: Layout, label: string): SVGSVGElement {
  const { width, height } = layout;
  const arrow = `graph-arrow-${++graphCount}`;
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: "graph-svg",
    role: "img",
  });
  svg.setAttribute("aria-label", label);
  const defs = el("defs");
  const marker = el("marker", {
    id: arrow,
    viewBox: "0 0 10 10",
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "var(--muted)" }));
  defs.append(marker);
  svg.append(defs);

  const edges = el("g", {
    class: "graph-edges",
    fill: "none",
    stroke: "var(--muted)",
    "stroke-width": 1.2,
  });
  for (const { index, points } of layout.edges) {
    if (points.length === 0) continue;
    const d = points
      .map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(" ");
    const path = el("path", { d, "marker-end": `url(#${arrow})`, class: "graph-edge" });
    path.dataset.edge = String(index);
    edges.append(path);
  }
  svg.append(edges);

  const nodes = el("g", { class: "graph-nodes" });
  for (const box of layout.boxes) nodes.append(nodeGroup(box));
  svg.append(nodes);
  const labels = el("g", { class: "graph-edge-labels" });
  for (const { index, label: at } of layout.edges) {
    if (at === null) continue;
    const text = el("text", {
      x: at.x.toFixed(1),
      y: at.y.toFixed(1),
      class: "graph-edge-label",
      "text-anchor": "middle",
      "dominant-baseline": "central",
    });
    text.dataset.edge = String(index);
    labels.append(text);
  }
  if (labels.childElementCount > 0) svg.append(labels);
  return svg;
}

/** One node: its box, four lines of text (op, shape, value, grad) and a tooltip. */
function nodeGroup(box: Box): SVGGElement {
  const n = box.node;
  const x = box.x - box.width / 2;
  const y = box.y - box.height / 2;
  const kind = n.is_output ? "output" : n.is_leaf ? (n.requires_grad ? "leaf" : "constant") : "op";
  const group = el("g", {
    class: `graph-node graph-${kind}`,
    transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
  });
  group.dataset.id = n.id;
  if (box.copy) group.classList.add("graph-copy");
  group.dataset.op = n.op;
  if (bad(n.value) || bad(n.grad)) group.classList.add("graph-bad");
  group.append(el("rect", { width: box.width, height: box.height, rx: n.is_leaf ? 2 : 8 }));
  const label = el("text", { x: 8, y: 5 });
  const warn = [false, false, bad(n.value), bad(n.grad)];
  box.lines.forEach((line, i) => {
    const span = el("tspan", {
      x: 8,
      dy: LINE,
      class: i === 0 ? "graph-op" : warn[i] ? "graph-warn" : "",
    });
    span.textContent = line;
    // NOTE: a space between the lines (invisible: each line is placed by x and dy) keeps their
    // words apart in the text's content, which is what a node button's name is checked against.
    label.append(...(i === 0 ? [span] : [" ", span]));
  });
  const tip = el("title");
  tip.textContent =
    `${n.id} ${n.op} ${shapeText(n.shape)} ${n.dtype}\n` +
    `value ${summary(n.value)}\ngrad ${summary(n.grad)}`;
  group.append(label, tip);
  return group;
}

/**
 * Zoom buttons into `actions`; Ctrl/Cmd + wheel zooms around the pointer, a wheel scrolls.
 * `open(nodes)` sets the first view: a small graph fits the width as far as its text stays at
 * least MIN_TEXT_PX (wider, it scrolls); a big one opens at 1:1. Fit and Zoom out, asked for,
 * may go smaller. The buttons zoom about the middle of the view.
 */
export function addZoom(
  svg: SVGSVGElement,
  scroller: HTMLElement,
  actions: HTMLElement,
): { open: (nodes: number) => void } {
  const { width, height } = svg.viewBox.baseVal; // the size at 1:1
  let zoom = 1;
  const apply = (to: number): void => {
    zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, to));
    svg.setAttribute("width", String(Math.ceil(width * zoom)));
    svg.setAttribute("height", String(Math.ceil(height * zoom)));
  };
  const fitting = (): number => Math.min(1, (scroller.clientWidth - 4) / width);
  const open = (nodes: number): void => {
    if (nodes <= 40 && width > (scroller.clientWidth || 600)) {
      apply(Math.max(MIN_TEXT_PX / FONT_PX, fitting()));
    }
  };
  /** Zoom about the middle of the view: what was there stays there. */
  const about = (to: () => number) => (): void => {
    const before = zoom;
    const x = scroller.scrollLeft + scroller.clientWidth / 2;
    const y = scroller.scrollTop + scroller.clientHeight / 2;
    apply(to());
    scroller.scrollLeft = (x * zoom) / before - scroller.clientWidth / 2;
    scroller.scrollTop = (y * zoom) / before - scroller.clientHeight / 2;
  };
  const buttons: Array<[string, string, () => void]> = [
    ["−", "Zoom out", about(() => zoom / 1.25)],
    ["+", "Zoom in", about(() => zoom * 1.25)],
    ["Fit", "Fit the graph to the width", about(fitting)],
    // A name holds the text it shows (axe: label-content-name-mismatch): one who sees "1:1"
    // can say it to voice control.
    ["1:1", "Actual size, 1:1", about(() => 1)],
  ];
  for (const [label, name, run] of buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.textContent = label;
    button.setAttribute("aria-label", name);
    button.addEventListener("click", run);
    actions.append(button);
  }
  scroller.addEventListener(
    "wheel",
    (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const before = zoom;
      const r = scroller.getBoundingClientRect();
      const px = e.clientX - r.left + scroller.scrollLeft;
      const py = e.clientY - r.top + scroller.scrollTop;
      apply(zoom * Math.exp(-e.deltaY / 300));
      scroller.scrollLeft = (px * zoom) / before - (e.clientX - r.left);
      scroller.scrollTop = (py * zoom) / before - (e.clientY - r.top);
    },
    { passive: false },
  );
  return { open };
}

/** `svg` in a box that takes focus and scrolls, to pan a drawing larger than the figure. */
export function scrollable(svg: SVGSVGElement, label: string): HTMLDivElement {
  const scroller = document.createElement("div");
  scroller.className = "graph-scroll";
  scroller.tabIndex = 0;
  scroller.setAttribute("aria-label", label);
  scroller.append(svg);
  return scroller;
}

/**
 * The graph as text, for a screen reader: role=img hides the drawing's words, so each node (its
 * op, shape, value and gradient, and which nodes are its inputs) is an item of a visually hidden
 * list, inputs first as `graph.nodes` comes. Every word is set as text.
 */
export function textForm(graph: GraphData["graph"]): HTMLOListElement {
  const number = new Map(graph.nodes.map((n, i) => [n.id, i + 1]));
  const inputs = new Map<string, string[]>();
  for (const e of [...graph.edges].sort((a, b) => a.index - b.index)) {
    inputs.set(e.target, [...(inputs.get(e.target) ?? []), `node ${number.get(e.source) ?? "?"}`]);
  }
  const list = document.createElement("ol");
  list.className = "visually-hidden";
  list.id = `graph-text-${++graphCount}`;
  list.setAttribute("aria-label", "the graph's nodes, inputs first");
  for (const n of graph.nodes) {
    const item = document.createElement("li");
    const from = inputs.get(n.id);
    item.textContent =
      [
        nodeTitle(n),
        `${shapeText(n.shape)} ${n.dtype}`,
        `value ${summary(n.value)}`, // in full: the drawing clips long lines
        `grad ${summary(n.grad)}`,
      ].join(", ") + (from === undefined ? "" : `, inputs: ${from.join(", ")}`);
    list.append(item);
  }
  return list;
}

/** Lay out and draw `data.graph` into `body`; zoom buttons go into `actions`. Returns the SVG. */
export function drawGraph(body: HTMLElement, data: GraphData, actions: HTMLElement): SVGSVGElement {
  const started = performance.now();
  const { nodes, edges } = data.graph;
  const layout = layOut(data.graph);
  const svg = render(layout, `computation graph: ${nodes.length} nodes, ${edges.length} edges`);
  const text = textForm(data.graph);
  svg.setAttribute("aria-details", text.id);
  const scroller = scrollable(svg, "computation graph (scroll to pan)");
  const info = document.createElement("p");
  info.className = "view-summary";
  const copies = layout.boxes.length - nodes.length;
  info.textContent =
    `${nodes.length} nodes · ${edges.length} edges` +
    (copies > 0 ? ` · shared leaves drawn once per use (${copies} dashed copies)` : "");
  body.replaceChildren(info, scroller, text);
  addZoom(svg, scroller, actions).open(nodes.length);
  svg.dataset.layoutMs = String(Math.round(performance.now() - started));
  return svg;
}
