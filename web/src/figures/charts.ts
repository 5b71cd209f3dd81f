/**
 * Line plots, scatter plots and decision boundaries, drawn with Observable Plot (SVG). Colours
 * come from the page's CSS variables and currentColor, so a chart follows the light/dark theme.
 * Nothing is told by colour alone: each class has its own shape and each series its own dash,
 * and the chart's one accessible name says what it plots (a line plot: its last value too).
 * Its own chunk: loaded on the first chart.
 */
import { contour, dot, line, plot, raster, scale } from "@observablehq/plot";
import type { Figure, Grid, Num, Points, Series } from "./payload";

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

/** One shape per class, beside its colour (a fill symbol of Plot, drawn alike in the legend). */
const SHAPES = ["circle", "triangle", "square", "diamond", "cross", "star"] as const;
type Shape = (typeof SHAPES)[number];

/** One dash per series of a line plot, beside its colour; `says` names it in words. */
const DASHES = [
  { dash: "none", says: "solid" },
  { dash: "6 4", says: "dashed" },
  { dash: "1.5 3", says: "dotted" },
  { dash: "8 3 1.5 3", says: "dash-dot" },
  { dash: "12 4", says: "long dashes" },
  { dash: "8 3 1.5 3 1.5 3", says: "dash-dot-dot" },
] as const;

function nth<T>(items: readonly T[], i: number): T {
  return items[i % items.length] as T;
}

/** A value for the chart's name: four significant digits, as a person would read it out. */
function spoken(v: Num | undefined): string {
  return v === null || v === undefined ? "not a number" : String(Number(v.toPrecision(4)));
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** A series for the chart's name: how many points, and the last one's value. */
function seriesText(s: Series): string {
  const n = s.y.length;
  return n === 0 ? "no points" : `${count(n, "point")}, last value ${spoken(s.y[n - 1])}`;
}

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
        stroke: nth(PALETTE, i),
        strokeDasharray: nth(DASHES, i).dash,
        strokeWidth: 1.75,
      });
    });
    chart = plot({ ...common, marks });
    const series = figure.data.series;
    if (series.length > 1) children.push(legend("series", series.map(seriesName), "line"));
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
    const index = (p: Point): number => Math.max(0, labels.indexOf(p.label ?? ""));
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
        fill: (p: Point) => nth(PALETTE, index(p)),
        symbol: (p: Point) => nth(SHAPES, index(p)),
        stroke: "var(--surface)",
        strokeWidth: 0.75,
        r: 4,
      }),
    );
    chart = plot({ ...common, marks });
    if (labels.length > 1 || labels[0] !== "") {
      children.push(
        legend(
          "classes",
          labels.map((l) => `class ${l}`),
          "shape",
        ),
      );
    }
  }
  for (const note of notes) {
    const p = document.createElement("p");
    p.className = "view-summary view-note";
    p.setAttribute("role", "note");
    p.textContent = note;
    children.push(p);
  }
  body.replaceChildren(...children, chart);
  // NOTE: Plot names its groups ("line", "x-axis tick") by aria-label with no role, which ARIA
  // forbids (axe: aria-prohibited-attr), and inside role=img they are never heard anyway: the
  // parts are hidden, and the image's one name says what they show.
  for (const part of chart.children) part.setAttribute("aria-hidden", "true");
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", chartName(figure, common.x.label, common.y.label));
  return () => (chart instanceof SVGSVGElement ? chart : chart.querySelector("svg"));
}

function seriesName(s: Series, i: number): string {
  return label(s.name, `series ${i + 1}`);
}

/** What the chart shows, in words: "line plot: step against loss, 5 points, last value 0.2". */
function chartName(figure: ChartFigure, x: string, y: string): string {
  const axes = `${x} against ${y}`;
  if (figure.kind === "plot") {
    const { series } = figure.data;
    if (series.length === 1 && series[0] !== undefined) {
      return `line plot: ${axes}, ${seriesText(series[0])}`;
    }
    const each = series.map(
      (s, i) => `${seriesName(s, i)} (${nth(DASHES, i).says} line), ${seriesText(s)}`,
    );
    return `line plot: ${axes}, ${count(series.length, "series", "series")}: ${each.join("; ")}`;
  }
  const what = figure.kind === "scatter" ? "scatter plot" : "decision boundary";
  const { label: labels, x: xs } = figure.data.points;
  // As the legend: no classes when every point's label is empty.
  const classes =
    labels === null || labels.every((l) => l === "") ? [] : [...new Set(labels)].sort();
  const shapes = classes.map((c, i) => `${c} (${nth(SHAPES, i)})`);
  const points = count(xs.length, "point");
  if (classes.length === 0) return `${what}: ${axes}, ${points}`;
  return `${what}: ${axes}, ${points} in ${count(classes.length, "class", "classes")}: ${shapes.join(", ")}`;
}

/** A legend of what each colour and shape (or dash) stands for: names, as text. */
function legend(name: string, names: string[], mark: "shape" | "line"): HTMLElement {
  const list = document.createElement("ul");
  list.className = "view-legend";
  list.setAttribute("aria-label", name);
  names.forEach((text, i) => {
    const item = document.createElement("li");
    const key = mark === "shape" ? shapeKey(nth(SHAPES, i)) : lineKey(nth(DASHES, i).dash);
    key.style.color = nth(PALETTE, i);
    item.append(key, document.createTextNode(text));
    list.append(item);
  });
  return list;
}

const SVG = "http://www.w3.org/2000/svg";

/** A legend's key: a small drawing in currentColor, which the text beside it names. */
function key(width: number, child: SVGElement): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "view-swatch");
  svg.setAttribute("viewBox", `0 0 ${width} 12`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", "12");
  svg.setAttribute("aria-hidden", "true");
  svg.append(child);
  return svg;
}

function lineKey(dash: string): SVGSVGElement {
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M1 6 H23");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2");
  path.setAttribute("stroke-dasharray", dash);
  return key(24, path);
}

/** The class's shape, drawn as Plot's symbol of that name (in a 12 px box). */
function shapeKey(shape: Shape): SVGSVGElement {
  const star = Array.from({ length: 10 }, (_, i) => {
    const r = i % 2 === 0 ? 5.5 : 2.3;
    const a = (Math.PI / 5) * i - Math.PI / 2;
    return `${(6 + r * Math.cos(a)).toFixed(2)},${(6.5 + r * Math.sin(a)).toFixed(2)}`;
  });
  const paths: Record<Shape, string> = {
    circle: "M10.5 6 A4.5 4.5 0 1 1 1.5 6 A4.5 4.5 0 1 1 10.5 6 Z",
    triangle: "M6 1 L11 10 L1 10 Z",
    square: "M2 2 H10 V10 H2 Z",
    diamond: "M6 0.5 L9.5 6 L6 11.5 L2.5 6 Z",
    cross: "M4.5 1 H7.5 V4.5 H11 V7.5 H7.5 V11 H4.5 V7.5 H1 V4.5 H4.5 Z",
    star: `M${star.join(" L")} Z`,
  };
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", paths[shape]);
  path.setAttribute("fill", "currentColor");
  return key(12, path);
}
