/**
 * Line plots, scatter plots and decision boundaries, drawn with Observable Plot (SVG). Colours
 * come from the page's CSS variables and currentColor, so a chart follows the light/dark theme.
 * Its own chunk: loaded on the first chart.
 */
import { contour, dot, line, plot, raster, scale } from "@observablehq/plot";
import type { Figure, Grid, Num, Points } from "./payload";

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

/**
 * At most this many points are drawn (one SVG element each): more are thinned evenly, and the
 * chart says so. 200,000 points froze the page for seconds.
 */
export const MAX_POINTS = 20_000;
/** At most this many grid cells of a decision boundary; a finer grid is sampled down. */
export const MAX_CELLS = 250_000;

/** Every k-th point, so that at most `max` remain. */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = Math.ceil(items.length / max);
  return items.filter((_, i) => i % step === 0);
}

/** The smallest and largest finite value. NOTE: never Math.min(...values): a spread of 160,000
 * arguments overflows the stack. */
function range(values: Array<number | null>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (v === null) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return [low, high];
}

/** A grid with every k-th row and column, so that at most MAX_CELLS remain. */
function coarser(grid: Grid): Grid {
  const cells = grid.width * grid.height;
  if (cells <= MAX_CELLS) return grid;
  const k = Math.ceil(Math.sqrt(cells / MAX_CELLS));
  const width = Math.ceil(grid.width / k);
  const height = Math.ceil(grid.height / k);
  const values: Array<number | null> = [];
  for (let row = 0; row < grid.height; row += k) {
    for (let col = 0; col < grid.width; col += k)
      values.push(grid.values[row * grid.width + col] ?? null);
  }
  return { ...grid, width, height, values };
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
  const notes: string[] = [];
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
    const all = points(figure.data.points);
    const labels = [...new Set(all.map((p) => p.label ?? ""))].sort();
    const pts = thin(all, MAX_POINTS);
    if (pts.length < all.length) {
      notes.push(
        `Showing ${pts.length.toLocaleString("en")} of ${all.length.toLocaleString("en")} ` +
          "points (every " +
          `${Math.ceil(all.length / MAX_POINTS)}th).`,
      );
    }
    const color = (p: Point): string =>
      PALETTE[Math.max(0, labels.indexOf(p.label ?? "")) % PALETTE.length] ?? "currentColor";
    const marks = [];
    if (figure.kind === "boundary") {
      const { threshold } = figure.data;
      const grid = coarser(figure.data.grid);
      if (grid !== figure.data.grid) {
        notes.push(
          `The ${figure.data.grid.width}×${figure.data.grid.height} grid is drawn at ` +
            `${grid.width}×${grid.height}.`,
        );
      }
      const { values, ...box } = grid; // box: the grid's size and where it lies
      const [low, high] = range(values);
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
  for (const note of notes) {
    const p = document.createElement("p");
    p.className = "view-summary view-note";
    p.setAttribute("role", "note");
    p.textContent = note;
    children.push(p);
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
