/**
 * Line plots, scatter plots and decision boundaries, drawn with Observable Plot (SVG). Colours
 * come from the page's CSS variables and currentColor, so a chart follows the light/dark theme.
 * Its own chunk: loaded on the first chart.
 */
import { contour, dot, line, plot, raster, scale } from "@observablehq/plot";
import type { Figure, Num, Points } from "../messages";

/** The figures drawn here. */
export type ChartFigure = Extract<Figure, { kind: "plot" | "scatter" | "boundary" }>;

interface Point {
  x: Num;
  y: Num;
  label?: string;
}

function label(value: string | null, fallback: string): string {
  return value !== null && value !== "" ? value : fallback;
}

function points(p: Points): Point[] {
  const labels = p.label;
  return p.x.map((x, i) => {
    const y = p.y[i] ?? null;
    return labels === null ? { x, y } : { x, y, label: labels[i] ?? "" };
  });
}

const PALETTE = [
  "var(--class-0)",
  "var(--class-1)",
  "var(--class-2)",
  "var(--class-3)",
  "var(--class-4)",
  "var(--class-5)",
];

/** Draw a chart into `body`; returns how to find its SVG (for export). */
export function drawChart(body: HTMLElement, figure: ChartFigure): () => SVGSVGElement | null {
  const { kind, data } = figure;
  const width = Math.max(320, Math.min(720, body.clientWidth || 560));
  const common = {
    width,
    height: kind === "plot" ? 240 : Math.min(420, width * 0.75),
    marginLeft: 56,
    style: { background: "transparent", color: "inherit", fontSize: "12px" },
    x: {
      label: label(data.xlabel, "x"),
      labelAnchor: "center" as const,
      labelArrow: "none" as const,
    },
    y: { label: label(data.ylabel, "y"), grid: true, labelArrow: "none" as const },
  };
  let chart: SVGSVGElement | HTMLElement;
  const children: HTMLElement[] = [];
  if (figure.kind === "plot") {
    const marks = figure.data.series.map((s, i) => {
      const rows: Point[] = s.y.map((y, j) => ({ x: s.x[j] ?? j, y }));
      return line(rows, {
        x: "x",
        y: "y",
        stroke: PALETTE[i % PALETTE.length] ?? "currentColor",
        strokeWidth: 1.75,
      });
    });
    chart = plot({ ...common, marks });
  } else {
    const pts = points(figure.data.points);
    const labels = [...new Set(pts.map((p) => p.label ?? ""))].sort();
    const color = (p: Point): string =>
      PALETTE[Math.max(0, labels.indexOf(p.label ?? "")) % PALETTE.length] ?? "currentColor";
    const marks = [];
    if (figure.kind === "boundary") {
      const { grid, threshold } = figure.data;
      const { values, ...box } = grid; // box: the grid's size and where it lies
      const finite = values.filter((v): v is number => v !== null);
      const low = Math.min(...finite);
      const high = Math.max(...finite);
      const pivot = threshold ?? (low + high) / 2;
      const span = Math.max(pivot - low, high - pivot, 1e-12);
      // A diverging scale centred on the boundary: the two sides take the two classes' hues.
      const shade = scale({
        color: {
          type: "diverging",
          scheme: "rdbu",
          domain: [pivot - span, pivot + span],
          pivot,
          reverse: true,
        },
      });
      marks.push(
        raster(values, {
          ...box,
          fill: (v: number | null) => (v === null ? "transparent" : String(shade.apply(v))),
          fillOpacity: 0.45,
          imageRendering: "pixelated",
        }),
      );
      if (threshold !== null && low < threshold && threshold < high) {
        marks.push(
          contour(values, {
            ...box,
            thresholds: [threshold],
            stroke: "currentColor",
            strokeWidth: 1.5,
            fill: "none",
          }),
        );
      }
    }
    marks.push(
      dot(pts, {
        x: "x",
        y: "y",
        fill: color,
        stroke: "var(--surface)",
        strokeWidth: 0.75,
        r: 3.5,
      }),
    );
    chart = plot({ ...common, marks });
    if (labels.length > 1 || labels[0] !== "") children.push(legend(labels));
  }
  body.replaceChildren(...children, chart);
  chart.setAttribute("role", "img");
  const what =
    kind === "plot" ? "line plot" : kind === "scatter" ? "scatter plot" : "decision boundary";
  chart.setAttribute("aria-label", `${what}: ${common.x.label} against ${common.y.label}`);
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
