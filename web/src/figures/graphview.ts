/**
 * The computation graph of a result (ad.graph's export), laid out by dagre and drawn as SVG
 * element by element (labels are text nodes: op names and values come from user code).
 * Its own chunk: loaded on the first graph. Scrolls and zooms; a 500-node graph stays legible.
 * Three steps: `layOut` places boxes and edges, `render` draws them, `addZoom` adds the controls.
 */
import dagre from "@dagrejs/dagre";
import type { ArraySummary, GraphData, GraphNode } from "./payload";

const SVG = "http://www.w3.org/2000/svg";
const LINE = 14; // px per label line
const CHAR = 6.6; // px per character of the 11px monospace label font
const MAX_CHARS = 34;
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

interface Layout {
  width: number;
  height: number;
  boxes: Box[];
  /** Each edge: its position in `graph.edges`, and the points of its polyline. */
  edges: Array<{ index: number; points: Array<{ x: number; y: number }> }>;
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

export function clip(s: string, max = MAX_CHARS): string {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

export function shapeText(shape: number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

function bad(s: ArraySummary | null): boolean {
  return s !== null && ((s.nan ?? 0) > 0 || (s.inf ?? 0) > 0);
}

export function lines(n: GraphNode): string[] {
  const title = n.label !== n.op && n.label !== "" ? `${n.label}: ${n.op}` : n.op;
  return [
    title,
    `${shapeText(n.shape)} ${n.dtype}`,
    `value ${n.value?.text ?? "—"}`,
    `grad ${n.grad?.text ?? "—"}`,
  ].map((line) => clip(line));
}

/**
 * Place every node's box and route every edge, left to right (dagre). `linesOf` gives each box's
 * text (the longest it will show: the box is sized for it).
 */
export function layOut<N extends GraphNode>(
  graph: { nodes: N[]; edges: GraphData["graph"]["edges"] },
  linesOf: (n: N) => string[] = lines,
): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const big = graph.nodes.length > 150;
  g.setGraph({
    rankdir: "LR",
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
    const width = Math.ceil(Math.max(...label.map((l) => l.length)) * CHAR + 16);
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
    g.setEdge(key, e.target, {}, `e${i}`);
  });
  dagre.layout(g);
  const size = g.graph();
  const boxes = placed.map(({ key, node, copy }) => {
    const { x, y, width, height } = g.node(key);
    return { node, copy, lines: text.get(node.id) ?? [], x, y, width, height };
  });
  const edges = g.edges().map((e) => ({
    index: Number(e.name?.slice(1)),
    points: (g.edge(e).points ?? []) as Array<{ x: number; y: number }>,
  }));
  return {
    width: Math.ceil(size.width ?? 100),
    height: Math.ceil(size.height ?? 100),
    boxes,
    edges,
  };
}

/** The laid-out graph as an SVG element: edges with arrows, then one group per box. */
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
    label.append(span);
  });
  const tip = el("title");
  tip.textContent =
    `${n.id} ${n.op} ${shapeText(n.shape)} ${n.dtype}\n` +
    `value ${n.value?.text ?? "—"}\ngrad ${n.grad?.text ?? "—"}`;
  group.append(label, tip);
  return group;
}

/** Zoom buttons into `actions`; Ctrl/Cmd + wheel zooms around the pointer, a wheel scrolls. */
export function addZoom(
  svg: SVGSVGElement,
  scroller: HTMLElement,
  actions: HTMLElement,
): { fit: () => void } {
  const { width, height } = svg.viewBox.baseVal; // the size at 1:1
  let zoom = 1;
  const apply = (to: number): void => {
    zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, to));
    svg.setAttribute("width", String(Math.round(width * zoom)));
    svg.setAttribute("height", String(Math.round(height * zoom)));
  };
  const fit = (): void => apply(Math.min(1, (scroller.clientWidth - 4) / width));
  const buttons: Array<[string, string, () => void]> = [
    ["−", "Zoom out", () => apply(zoom / 1.25)],
    ["+", "Zoom in", () => apply(zoom * 1.25)],
    ["Fit", "Fit the graph to the width", fit],
    ["1:1", "Actual size", () => apply(1)],
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
  return { fit };
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

/** Lay out and draw `data.graph` into `body`; zoom buttons go into `actions`. Returns the SVG. */
export function drawGraph(body: HTMLElement, data: GraphData, actions: HTMLElement): SVGSVGElement {
  const started = performance.now();
  const { nodes, edges } = data.graph;
  const layout = layOut(data.graph);
  const svg = render(layout, `computation graph: ${nodes.length} nodes, ${edges.length} edges`);
  const scroller = scrollable(svg, "computation graph (scroll to pan)");
  const info = document.createElement("p");
  info.className = "view-summary";
  const copies = layout.boxes.length - nodes.length;
  info.textContent =
    `${nodes.length} nodes · ${edges.length} edges` +
    (copies > 0 ? ` · shared leaves drawn once per use (${copies} dashed copies)` : "");
  body.replaceChildren(info, scroller);
  const { fit } = addZoom(svg, scroller, actions);
  // Small graphs fit at once; big ones open at a legible size, to be scrolled.
  if (layout.width > (scroller.clientWidth || 600) && nodes.length <= 40) fit();
  svg.dataset.layoutMs = String(Math.round(performance.now() - started));
  return svg;
}
