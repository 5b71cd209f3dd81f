/**
 * Draws the program's figures inside the output log: the frame (caption, export buttons), the
 * gradient-check table and arrays here; charts (Observable Plot) and graphs (dagre) in their own
 * chunks, loaded on first use. Loaded by output.ts on the first figure. Everything from user code
 * is set as text or attributes, never parsed as markup.
 * NOTE: figures/ imports only types from outside itself. A value imported from a module the page
 * loads at start-up would make esbuild move that module into a shared chunk, fetched at start-up;
 * what the page lends the figures (saving a file) comes in as an argument instead.
 */
import { MAX_DRAWN_NODES, shapeText } from "./format";
import type { ArrayData, Display, GradcheckData, ImageData } from "./payload";

type Charts = typeof import("./charts");
type GraphView = typeof import("./graphview");
type Stepper = typeof import("./stepper/stepper");
let charts: Promise<Charts> | null = null;
let graphView: Promise<GraphView> | null = null;
let stepper: Promise<Stepper> | null = null;

const TITLES: Record<string, string> = {
  plot: "plot",
  scatter: "scatter plot",
  boundary: "decision boundary",
  graph: "computation graph",
  stepper: "computation graph",
  gradcheck: "gradient check",
  array: "array",
  image: "figure",
};

/** What the page lends a figure. */
export interface FigureHost {
  /** When the figure joined the output: its draw time counts from there. */
  since: number;
  /** The page's way to save a file (download.ts). */
  download: (blob: Blob, name: string) => void;
  /** Put the editor's cursor on a line (a figure's link to the code); absent outside the page. */
  goToLine?: ((line: number) => void) | undefined;
}

interface Frame {
  body: HTMLElement;
  actions: HTMLElement;
  title: string;
  host: FigureHost;
}

/** (Re)draw `display` into its <figure>; one whose payload could not be read shows its text. */
export function renderView(figure: HTMLElement, display: Display, host: FigureHost): void {
  const named = display.data?.title ?? "";
  const title = named !== "" ? named : (TITLES[display.kind] ?? display.kind);
  const live = figure.querySelector<HTMLElement>(":scope > .view-body");
  // A live plot keeps its frame (and the scroll position): only the body is redrawn.
  const frame =
    live !== null && figure.dataset.title === title
      ? reuse(figure, live, title, host)
      : makeFrame(figure, title, host);
  figure.dataset.kind = display.kind;
  figure.title = "";
  /** Show the figure's text instead, saying why (a figure never silently draws nothing). */
  const fallback = (why: unknown): void => {
    const reason = why instanceof Error ? why.message : String(why);
    const note = text("p", `Shown as text: ${reason}`, "view-summary view-note");
    note.setAttribute("role", "note");
    frame.body.replaceChildren(note, text("pre", display.text, "view-text"));
    figure.dataset.state = "text";
  };
  if (display.data === null) {
    return fallback(`its data does not fit a ${TITLES[display.kind] ?? "known figure"}.`);
  }
  if (display.kind === "graph" && display.data.graph.nodes.length > MAX_DRAWN_NODES) {
    const count = display.data.graph.nodes.length.toLocaleString("en");
    return fallback(
      `a graph of ${count} nodes is more than the ${MAX_DRAWN_NODES.toLocaleString("en")} ` +
        "this page lays out without freezing.",
    );
  }
  try {
    switch (display.kind) {
      case "plot":
      case "scatter":
      case "boundary":
        charts ??= import("./charts");
        void charts
          .then((c) => {
            const svg = c.drawChart(frame.body, display);
            addExports(
              frame,
              fromSvg(() => svg() ?? null),
            );
            markDrawn(figure, host.since);
          })
          .catch((e: unknown) => fallback(`it could not be drawn (${describe(e)}).`));
        return;
      case "graph":
        graphView ??= import("./graphview");
        void graphView
          .then((g) => {
            const svg = g.drawGraph(frame.body, display.data, frame.actions);
            addExports(
              frame,
              fromSvg(() => svg),
            );
            markDrawn(figure, host.since);
          })
          .catch((e: unknown) => fallback(`it could not be drawn (${describe(e)}).`));
        return;
      case "stepper": {
        stepper ??= import("./stepper/stepper");
        const data = display.data;
        void stepper
          .then((s) => {
            const svg = s.drawStepper(
              frame.body,
              data,
              frame.actions,
              {
                goToLine: host.goToLine,
                drawArrays: drawArray,
              },
              display.text,
            );
            addExports(frame, fromSvg(svg));
            markDrawn(figure, host.since);
          })
          .catch((e: unknown) => fallback(`it could not be drawn (${describe(e)}).`));
        return;
      }
      case "gradcheck":
        drawGradcheck(frame.body, display.data);
        break;
      case "array":
        drawArray(frame.body, display.data);
        break;
      case "image":
        drawImage(frame.body, display.data, title);
        // An SVG too large to send leaves the PNG only.
        addExports(frame, fromImage(display.data), display.data.svg === null ? ["png"] : undefined);
        break;
    }
    markDrawn(figure, host.since);
  } catch (e) {
    fallback(`it could not be drawn (${describe(e)}).`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Mark the figure drawn, with the time since it joined the output (tests and tuning read it). */
function markDrawn(figure: HTMLElement, since: number): void {
  figure.dataset.state = "drawn";
  figure.dataset.drawMs = String(Math.round(performance.now() - since));
}

function makeFrame(figure: HTMLElement, title: string, host: FigureHost): Frame {
  const caption = document.createElement("figcaption");
  const name = text("span", title, "view-title");
  const actions = document.createElement("span");
  actions.className = "view-actions";
  caption.append(name, actions);
  const body = document.createElement("div");
  body.className = "view-body";
  figure.replaceChildren(caption, body);
  figure.dataset.title = title;
  figure.setAttribute("aria-label", title);
  return { body, actions, title, host };
}

function reuse(figure: HTMLElement, body: HTMLElement, title: string, host: FigureHost): Frame {
  const actions = figure.querySelector<HTMLElement>(".view-actions");
  return { body, actions: actions ?? document.createElement("span"), title, host };
}

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className !== undefined) el.className = className;
  return el;
}

// ---- export as SVG or PNG ----

type Format = "svg" | "png";
/** The figure's current drawing as a file of that format; null when it has none. */
type Exporter = (format: Format) => Promise<Blob | null>;

function addExports(
  frame: Frame,
  exporter: Exporter,
  formats: readonly Format[] = ["svg", "png"],
): void {
  exporters.set(frame.actions, exporter);
  const shown = [...frame.actions.querySelectorAll<HTMLElement>("[data-export]")];
  if (shown.map((b) => b.dataset.export).join() === formats.join()) return;
  for (const button of shown) button.remove();
  for (const format of formats) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.dataset.export = format;
    button.textContent = format.toUpperCase();
    button.setAttribute("aria-label", `Download ${frame.title} as ${format.toUpperCase()}`);
    button.addEventListener("click", () => {
      const name =
        (frame.title.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "figure") + "." + format;
      void exporters
        .get(frame.actions)?.(format)
        .then((blob) => {
          if (blob !== null) frame.host.download(blob, name);
        });
    });
    frame.actions.append(button);
  }
}

const exporters = new WeakMap<HTMLElement, Exporter>();

/** Files from a figure drawn as SVG in the page (charts, graphs). */
function fromSvg(svg: () => SVGSVGElement | null): Exporter {
  return async (format) => {
    const current = svg();
    return current === null ? null : svgFile(current, format);
  };
}

/** Files from a matplotlib image: its PNG as sent, its SVG when the worker sent one. */
function fromImage(data: ImageData): Exporter {
  return async (format) => {
    if (format === "svg") {
      return data.svg === null ? null : new Blob([data.svg], { type: "image/svg+xml" });
    }
    // NOTE: not fetch() of a data: URL, which the page's CSP (connect-src) refuses.
    const bytes = Uint8Array.from(atob(data.png), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: "image/png" });
  };
}

/** A standalone copy of `svg`: CSS variables and currentColor resolved, the theme's background. */
export function standalone(svg: SVGSVGElement): { markup: string; width: number; height: number } {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const live = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  live.forEach((element, i) => {
    const target = copies[i];
    if (target === undefined) return;
    // The page's stylesheet and CSS variables do not travel with the file: write their result.
    const style = getComputedStyle(element);
    for (const property of ["fill", "stroke", "color"]) {
      if (target.getAttribute(property)?.includes("var(") === true) {
        target.setAttribute(property, style.getPropertyValue(property));
      }
    }
    const shape =
      element instanceof SVGGraphicsElement &&
      !(element instanceof SVGGElement) &&
      !(element instanceof SVGSVGElement);
    if (!shape) return; // groups and the root pass their style down; shapes carry their own
    for (const property of ["fill", "stroke", "stroke-width", "stroke-dasharray", "opacity"]) {
      target.setAttribute(property, style.getPropertyValue(property));
    }
    if (element instanceof SVGTextContentElement) {
      for (const property of ["font-family", "font-size", "font-weight"]) {
        target.setAttribute(property, style.getPropertyValue(property));
      }
    }
  });
  const box = svg.getBoundingClientRect();
  const width = Math.ceil(Number(svg.getAttribute("width")) || box.width);
  const height = Math.ceil(Number(svg.getAttribute("height")) || box.height);
  const surface = getComputedStyle(svg.closest(".view") ?? svg);
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  copy.style.background = surface.backgroundColor;
  copy.style.color = surface.color;
  return { markup: new XMLSerializer().serializeToString(copy), width, height };
}

/** The figure's SVG as an SVG or PNG file. */
async function svgFile(svg: SVGSVGElement, format: Format): Promise<Blob | null> {
  const { markup, width, height } = standalone(svg);
  let blob = new Blob([markup], { type: "image/svg+xml" });
  if (format === "png") {
    const image = new Image();
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(markup);
    await image.decode();
    // NOTE: browsers cap canvas area; a huge graph is scaled down to fit rather than failing.
    const scale = Math.min(2, Math.sqrt(16_000_000 / Math.max(1, width * height)));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext("2d");
    if (context === null) return null;
    context.fillStyle = getComputedStyle(svg.closest(".view") ?? svg).backgroundColor;
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
    if (png === null) return null;
    blob = png;
  }
  return blob;
}

// ---- images ----

/** A matplotlib figure: its PNG at its own size (smaller when the output is narrower). */
function drawImage(body: HTMLElement, data: ImageData, title: string): void {
  const image = document.createElement("img");
  image.className = "view-image";
  image.alt = title;
  image.width = Math.round(data.width);
  image.height = Math.round(data.height);
  // NOTE: checked base64 of a PNG (messages.ts); a data: URL in an <img> runs nothing.
  image.src = `data:image/png;base64,${data.png}`;
  body.replaceChildren(image);
}

// ---- tables ----

function num(value: number | string): string {
  if (typeof value === "number") return value === 0 ? "0" : value.toExponential(2);
  return value; // "nan" / "inf" from a strict-JSON report
}

function tolerance(value: number): string {
  return value !== 0 && Math.abs(value) < 1e-2 ? value.toExponential(0) : String(value);
}

function drawGradcheck(body: HTMLElement, data: GradcheckData): void {
  const report = data.report;
  const passed = report.passed;
  const limits = [`eps ${tolerance(report.eps)}`, `atol ${tolerance(report.atol)}`];
  limits.push(`rtol ${tolerance(report.rtol)}`);
  const summary = text("p", [passed ? "passed" : "FAILED", ...limits].join(" · "), "view-summary");
  summary.dataset.passed = String(passed);
  const parts: HTMLElement[] = [summary];
  if (report.error !== null && report.error !== "") {
    parts.push(text("p", `error: ${report.error}`, "view-error"));
  }
  const table = document.createElement("table");
  table.className = "view-table";
  const head = table.createTHead().insertRow();
  for (const column of ["#", "input", "shape", "max abs error", "max rel error", "result"]) {
    const th = text("th", column);
    th.setAttribute("scope", "col");
    head.append(th);
  }
  const rows = table.createTBody();
  for (const r of report.rows) {
    const row = rows.insertRow();
    const checked = r.checked;
    const ok = r.passed;
    row.dataset.result = !checked ? "skipped" : ok ? "pass" : "fail";
    const cells = [
      String(r.index),
      r.name,
      shapeText(r.shape),
      checked ? num(r.max_abs_err) : "—",
      checked ? num(r.max_rel_err) : "—",
    ];
    for (const c of cells) row.insertCell().textContent = c;
    const note = r.note !== "" ? ` (${r.note})` : "";
    const result = row.insertCell();
    result.textContent = (!checked ? "skipped" : ok ? "pass" : "FAIL") + note;
    result.className = "view-result";
  }
  parts.push(table);
  body.replaceChildren(...parts);
}

/** The array's text with every NaN and inf in its own highlighted span. */
function highlighted(content: string): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = "view-array";
  for (const piece of content.split(/(-?\binf\b|\bnan\b)/)) {
    if (piece === "") continue;
    if (/^-?inf$|^nan$/.test(piece)) {
      pre.append(text("mark", piece, piece === "nan" ? "view-nan" : "view-inf"));
    } else {
      pre.append(document.createTextNode(piece));
    }
  }
  return pre;
}

function drawArray(body: HTMLElement, data: ArrayData): void {
  const out: HTMLElement[] = [];
  for (const p of data.parts) {
    const head = document.createElement("p");
    head.className = "view-summary";
    const facts = [p.name, `shape ${shapeText(p.shape)}`, p.dtype];
    const size = p.shape.reduce((n, d) => n * d, 1);
    if (p.min !== undefined && p.max !== undefined && p.mean !== undefined && size > 1) {
      const [min, mean, max] = [p.min, p.mean, p.max].map((v) => v.toPrecision(4));
      facts.push(`min ${min} · mean ${mean} · max ${max}`);
    }
    head.append(document.createTextNode(facts.join(" · ")));
    for (const [key, label] of [
      ["nan", "NaN"],
      ["inf", "inf"],
    ] as const) {
      const count = p[key] ?? 0;
      if (count > 0) {
        head.append(
          document.createTextNode(" · "),
          text("mark", `${count} ${label}`, `view-${key}`),
        );
      }
    }
    out.push(head, highlighted(p.text));
  }
  body.replaceChildren(...out);
}
