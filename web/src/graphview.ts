/**
 * The computation graph of a result (ad.graph's export), laid out by dagre and drawn as SVG
 * element by element (labels are text nodes: op names and values come from user code).
 * Its own chunk: loaded on the first graph. Scrolls and zooms; a 500-node graph stays legible.
 */
import dagre from "@dagrejs/dagre";

const SVG = "http://www.w3.org/2000/svg";
const LINE = 14; // px per label line
const CHAR = 6.6; // px per character of the 11px monospace label font
const MAX_CHARS = 34;

interface Summary {
  text?: string;
  nan?: number;
  inf?: number;
}

interface GraphNode {
  id: string;
  op: string;
  label: string;
  shape: number[];
  dtype: string;
  value: Summary | null;
  grad: Summary | null;
  is_leaf: boolean;
  is_output: boolean;
  requires_grad: boolean;
}

interface GraphEdge {
  source: string;
  target: string;
  index: number;
}

let drawn = 0;

function el<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

function clip(s: string): string {
  return s.length > MAX_CHARS ? s.slice(0, MAX_CHARS - 1) + "…" : s;
}

function shapeText(shape: number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

function bad(s: Summary | null): boolean {
  return s !== null && ((s.nan ?? 0) > 0 || (s.inf ?? 0) > 0);
}

function lines(n: GraphNode): string[] {
  const title = n.label !== n.op && n.label !== "" ? `${n.label}: ${n.op}` : n.op;
  return [
    title,
    `${shapeText(n.shape)} ${n.dtype}`,
    `value ${n.value?.text ?? "—"}`,
    `grad ${n.grad === null ? "—" : (n.grad.text ?? "")}`,
  ].map(clip);
}

/** Lay out and draw `data.graph` into `body`; zoom buttons go into `actions`. Returns the SVG. */
export function drawGraph(body: HTMLElement, data: Record<string, unknown>, actions: HTMLElement): SVGSVGElement {
  const started = performance.now();
  const graph = data.graph as { nodes: GraphNode[]; edges: GraphEdge[] };
  if (!Array.isArray(graph?.nodes) || !Array.isArray(graph.edges)) throw new Error("not a graph");
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const big = graph.nodes.length > 150;
  g.setGraph({ rankdir: "LR", nodesep: big ? 10 : 18, ranksep: big ? 28 : 40, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const text = new Map<string, string[]>();
  const byId = new Map<string, GraphNode>();
  const fanOut = new Map<string, number>();
  for (const e of graph.edges) fanOut.set(e.source, (fanOut.get(e.source) ?? 0) + 1);
  // NOTE: a leaf shared by many ops (a weight reused in every step) makes edges that span the
  // whole graph, and dagre's crossing reduction then takes ~10 s at 500 nodes. In a big graph
  // each use gets its own copy of such a leaf (marked as a copy): ~0.4 s.
  const copied = (n: GraphNode): boolean => big && n.is_leaf && (fanOut.get(n.id) ?? 0) > 1;
  const boxes: Array<{ key: string; node: GraphNode; copy: boolean }> = [];
  const placed = new Set<string>();
  const boxSize = (label: string[]): { width: number; height: number } => ({
    width: Math.ceil(Math.max(...label.map((l) => l.length)) * CHAR + 16),
    height: label.length * LINE + 10,
  });
  for (const n of graph.nodes) {
    const label = lines(n);
    text.set(n.id, label);
    byId.set(n.id, n);
    if (copied(n)) continue;
    g.setNode(n.id, boxSize(label));
    boxes.push({ key: n.id, node: n, copy: false });
  }
  graph.edges.forEach((e, i) => {
    const source = byId.get(e.source);
    let key = e.source;
    if (source !== undefined && copied(source)) {
      key = `${e.source}~${i}`;
      g.setNode(key, boxSize(text.get(e.source) ?? []));
      boxes.push({ key, node: source, copy: placed.has(e.source) });
      placed.add(e.source);
    }
    g.setEdge(key, e.target, {}, `e${i}`);
  });
  dagre.layout(g);
  const size = g.graph();
  const width = Math.ceil(size.width ?? 100);
  const height = Math.ceil(size.height ?? 100);

  const id = `graph-arrow-${++drawn}`;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "graph-svg", role: "img" });
  svg.setAttribute("aria-label", `computation graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges`);
  const defs = el("defs");
  const marker = el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "var(--muted)" }));
  defs.append(marker);
  svg.append(defs);

  const edges = el("g", { class: "graph-edges", fill: "none", stroke: "var(--muted)", "stroke-width": 1.2 });
  for (const e of g.edges()) {
    const points = g.edge(e).points ?? [];
    if (points.length === 0) continue;
    const d = points.map((p: { x: number; y: number }, i: number) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    edges.append(el("path", { d, "marker-end": `url(#${id})`, class: "graph-edge" }));
  }
  svg.append(edges);

  const nodes = el("g", { class: "graph-nodes" });
  for (const { key, node: n, copy } of boxes) {
    const box = g.node(key);
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const kind = n.is_output ? "output" : n.is_leaf ? (n.requires_grad ? "leaf" : "constant") : "op";
    const group = el("g", { class: `graph-node graph-${kind}`, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` });
    group.dataset.id = n.id;
    if (copy) group.classList.add("graph-copy");
    group.dataset.op = n.op;
    if (bad(n.value) || bad(n.grad)) group.classList.add("graph-bad");
    group.append(el("rect", { width: box.width, height: box.height, rx: n.is_leaf ? 2 : 8 }));
    const label = el("text", { x: 8, y: 5 });
    (text.get(n.id) ?? []).forEach((line, i) => {
      const span = el("tspan", { x: 8, dy: LINE, class: i === 0 ? "graph-op" : i === 3 && bad(n.grad) ? "graph-warn" : i === 2 && bad(n.value) ? "graph-warn" : "" });
      span.textContent = line;
      label.append(span);
    });
    const tip = el("title");
    tip.textContent = `${n.id} ${n.op} ${shapeText(n.shape)} ${n.dtype}\nvalue ${n.value?.text ?? "—"}\ngrad ${n.grad?.text ?? "—"}`;
    group.append(label, tip);
    nodes.append(group);
  }
  svg.append(nodes);

  const scroller = document.createElement("div");
  scroller.className = "graph-scroll";
  scroller.tabIndex = 0;
  scroller.setAttribute("aria-label", "computation graph (scroll to pan)");
  scroller.append(svg);
  const info = document.createElement("p");
  info.className = "view-summary";
  const copies = boxes.length - graph.nodes.length;
  info.textContent = `${graph.nodes.length} nodes · ${graph.edges.length} edges` +
    (copies > 0 ? ` · shared leaves drawn once per use (${copies} dashed copies)` : "");
  body.replaceChildren(info, scroller);

  let zoom = 1;
  const apply = (): void => {
    svg.setAttribute("width", String(Math.round(width * zoom)));
    svg.setAttribute("height", String(Math.round(height * zoom)));
  };
  const fit = (): void => {
    zoom = Math.min(1, Math.max(0.05, (scroller.clientWidth - 4) / width));
    apply();
  };
  const buttons: Array<[string, string, () => void]> = [
    ["−", "Zoom out", () => ((zoom = Math.max(0.05, zoom / 1.25)), apply())],
    ["+", "Zoom in", () => ((zoom = Math.min(4, zoom * 1.25)), apply())],
    ["Fit", "Fit the graph to the width", fit],
    ["1:1", "Actual size", () => ((zoom = 1), apply())],
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
  // Ctrl/Cmd + wheel zooms around the pointer; plain wheel scrolls.
  scroller.addEventListener(
    "wheel",
    (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const before = zoom;
      zoom = Math.min(4, Math.max(0.05, zoom * Math.exp(-e.deltaY / 300)));
      const r = scroller.getBoundingClientRect();
      const px = e.clientX - r.left + scroller.scrollLeft;
      const py = e.clientY - r.top + scroller.scrollTop;
      apply();
      scroller.scrollLeft = (px * zoom) / before - (e.clientX - r.left);
      scroller.scrollTop = (py * zoom) / before - (e.clientY - r.top);
    },
    { passive: false },
  );
  // Small graphs fit at once; big ones open at a legible size, to be scrolled.
  if (width > (scroller.clientWidth || 600) && graph.nodes.length <= 40) fit();
  svg.dataset.layoutMs = String(Math.round(performance.now() - started));
  return svg;
}
