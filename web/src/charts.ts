/**
 * Line plots, scatter plots and decision boundaries, drawn with Observable Plot (SVG). Colours
 * come from the page's CSS variables and currentColor, so a chart follows the light/dark theme.
 * Its own chunk: loaded on the first chart.
 */
import { contour, dot, line, plot, raster, scale } from "@observablehq/plot";

interface Point {
  x: number | null;
  y: number | null;
  label?: string;
}

function numbers(value: unknown): Array<number | null> {
  return Array.isArray(value) ? value.map((v) => (typeof v === "number" ? v : null)) : [];
}

function str(value: unknown, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function points(value: unknown): Point[] {
  const p = record(value);
  const xs = numbers(p.x);
  const ys = numbers(p.y);
  const labels = Array.isArray(p.label) ? p.label.map(String) : null;
  return xs.map((x, i) => (labels === null ? { x, y: ys[i] ?? null } : { x, y: ys[i] ?? null, label: labels[i] ?? "" }));
}

const PALETTE = ["var(--class-0)", "var(--class-1)", "var(--class-2)", "var(--class-3)", "var(--class-4)", "var(--class-5)"];

/** Draw a chart into `body`; returns how to find its SVG (for export). */
export function drawChart(body: HTMLElement, kind: string, data: Record<string, unknown>): () => SVGSVGElement | null {
  const width = Math.max(320, Math.min(720, body.clientWidth || 560));
  const common = {
    width,
    height: kind === "plot" ? 240 : Math.min(420, width * 0.75),
    marginLeft: 56,
    style: { background: "transparent", color: "inherit", fontSize: "12px" },
    x: { label: str(data.xlabel, "x"), labelAnchor: "center" as const, labelArrow: "none" as const },
    y: { label: str(data.ylabel, "y"), grid: true, labelArrow: "none" as const },
  };
  let chart: SVGSVGElement | HTMLElement;
  const children: HTMLElement[] = [];
  if (kind === "plot") {
    const series = Array.isArray(data.series) ? data.series.map(record) : [];
    const marks = series.map((s, i) => {
      const ys = numbers(s.y);
      const xs = numbers(s.x);
      const rows: Point[] = ys.map((y, j) => ({ x: xs[j] ?? j, y }));
      return line(rows, { x: "x", y: "y", stroke: PALETTE[i % PALETTE.length] ?? "currentColor", strokeWidth: 1.75 });
    });
    chart = plot({ ...common, marks });
  } else {
    const pts = points(data.points);
    const labels = [...new Set(pts.map((p) => p.label ?? ""))].sort();
    const color = (p: Point): string => PALETTE[Math.max(0, labels.indexOf(p.label ?? "")) % PALETTE.length] ?? "currentColor";
    const marks = [];
    if (kind === "boundary") {
      const grid = record(data.grid);
      const values = numbers(grid.values);
      const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
      const threshold = typeof data.threshold === "number" ? data.threshold : null;
      const low = Math.min(...finite);
      const high = Math.max(...finite);
      const pivot = threshold ?? (low + high) / 2;
      const span = Math.max(pivot - low, high - pivot, 1e-12);
      // A diverging scale centred on the boundary: the two sides take the two classes' hues.
      const shade = scale({ color: { type: "diverging", scheme: "rdbu", domain: [pivot - span, pivot + span], pivot, reverse: true } });
      const box = { width: Number(grid.width), height: Number(grid.height), x1: Number(grid.x1), x2: Number(grid.x2), y1: Number(grid.y1), y2: Number(grid.y2) };
      marks.push(
        raster(values, { ...box, fill: (v: number | null) => (v === null ? "transparent" : String(shade.apply(v))), fillOpacity: 0.45, imageRendering: "pixelated" }),
      );
      if (threshold !== null && low < threshold && threshold < high) {
        marks.push(contour(values, { ...box, thresholds: [threshold], stroke: "currentColor", strokeWidth: 1.5, fill: "none" }));
      }
    }
    marks.push(dot(pts, { x: "x", y: "y", fill: color, stroke: "var(--surface)", strokeWidth: 0.75, r: 3.5 }));
    chart = plot({ ...common, marks });
    if (labels.length > 1 || labels[0] !== "") children.push(legend(labels));
  }
  body.replaceChildren(...children, chart);
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", `${kind === "plot" ? "line plot" : kind === "scatter" ? "scatter plot" : "decision boundary"}: ${common.x.label} against ${common.y.label}`);
  return () => (chart instanceof SVGSVGElement ? chart : chart.querySelector("svg"));
}

function legend(labels: string[]): HTMLElement {
  const list = document.createElement("ul");
  list.className = "view-legend";
  list.setAttribute("aria-label", "classes");
  labels.forEach((label, i) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "view-swatch";
    swatch.style.background = PALETTE[i % PALETTE.length] ?? "currentColor";
    item.append(swatch, document.createTextNode(`class ${label}`));
    list.append(item);
  });
  return list;
}
