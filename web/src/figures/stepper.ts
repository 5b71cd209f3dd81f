/**
 * The backward pass, step by step (`show_graph(tensor)`, `show_backward(tensor)`): the graph
 * view with every node's value and gradient, and controls that walk `ad.replay`'s steps
 * (Previous step, Next step, Play, the Backward step slider, the arrow keys) or the forward
 * pass's order. A step only touches what changes (a few nodes, their edges, the status line):
 * no relayout, so a 500-node graph steps within a frame. Everything from user code is text.
 */
import type { ArrayData, ArrayPart, ArraySummary, StepperData, StepperNode } from "./payload";
import { clip, MAX_DRAWN_NODES, shapeText } from "./format";
import { addZoom, layOut, render, scrollable } from "./graphview";
/** A grad line holds a running sum: wider than the graph view's plain lines. */
const MAX_GRAD_CHARS = 48;
const PLAY_MS = 800;

/** What the page lends the stepper. */
export interface StepperHost {
  /** Put the editor's cursor on a line (a user Function's backward); absent outside the page. */
  goToLine?: ((line: number) => void) | undefined;
  /** The array view of `show()` (views.ts), for a node's details. */
  drawArrays: (body: HTMLElement, data: ArrayData) => void;
}

type Mode = "backward" | "forward";

/** One contribution a node received: at which step, how much, and the node's sum after it. */
interface Received {
  step: number;
  grad: string;
  total: string;
}

function summary(s: ArraySummary | null): string {
  return s === null ? "—" : s.text;
}

function button(label: string, name: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", name);
  return b;
}

/** "a + b = c" as a running sum reads (at most 4 terms written out), or "c" for one term. */
function sumText(terms: Received[]): string {
  const last = terms[terms.length - 1];
  if (last === undefined) return "—";
  if (terms.length === 1) return last.total;
  const shown =
    terms.length <= 4
      ? terms.map((t) => t.grad).join(" + ")
      : `${terms[0]?.grad} + ${terms[1]?.grad} + … + ${last.grad} (${terms.length} terms)`;
  return `${shown} = ${last.total}`;
}

/**
 * Draw the stepper into `body` (controls into `actions`); big graphs first ask. Returns the SVG
 * getter for export (null until drawn).
 */
export function drawStepper(
  body: HTMLElement,
  data: StepperData,
  actions: HTMLElement,
  host: StepperHost,
  fallbackText: string,
): () => SVGSVGElement | null {
  let svg: SVGSVGElement | null = null;
  const { nodes, edges } = data.graph;
  if (nodes.length <= MAX_DRAWN_NODES) {
    svg = build(body, data, actions, host);
    return () => svg;
  }
  const note = document.createElement("p");
  note.className = "view-summary view-note";
  note.setAttribute("role", "note");
  note.textContent =
    `This graph has ${nodes.length.toLocaleString("en")} nodes and ` +
    `${edges.length.toLocaleString("en")} edges, ${data.steps.length.toLocaleString("en")} ` +
    `backward steps. Laying it out may freeze the page for some seconds; its text is below.`;
  const draw = button("Draw it anyway", "Draw it anyway");
  const pre = document.createElement("pre");
  pre.className = "view-text";
  pre.textContent = fallbackText;
  draw.addEventListener("click", () => {
    try {
      svg = build(body, data, actions, host);
    } catch (e) {
      // NOTE: dagre's layout recurses along the graph: a chain of some 10,000 nodes overflows
      // the stack. The text stays; the note says why there is no drawing.
      svg = null;
      actions.replaceChildren();
      note.textContent =
        `This graph could not be drawn: laying out ${nodes.length.toLocaleString("en")} ` +
        `nodes failed (${e instanceof Error ? e.message : String(e)}). Its text is below.`;
      body.replaceChildren(note, pre);
    }
  });
  body.replaceChildren(note, draw, pre);
  return () => svg;
}

function build(
  body: HTMLElement,
  data: StepperData,
  actions: HTMLElement,
  host: StepperHost,
): SVGSVGElement {
  const started = performance.now();
  const { nodes, edges, output } = data.graph;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const name = (id: string): string => {
    const n = byId.get(id);
    return n === undefined ? id : n.label !== n.op ? n.label : `${n.op} (${id})`;
  };
  const of = data.of;
  /** How ∂L/∂x names a node: its label, or its id where the label is only the op's name. */
  const sym = (id: string): string => {
    const n = byId.get(id);
    return n !== undefined && n.label !== n.op ? n.label : id;
  };

  // What each node receives, step by step; the edge each send travels.
  const received = new Map<string, Received[]>();
  const edgeOf = new Map(edges.map((e, i) => [`${e.source}>${e.target}:${e.index}`, i]));
  const stepEdges: number[][] = data.steps.map((s, k) =>
    s.sends.map((x) => {
      if (x.grad !== null && x.total !== null) {
        const list = received.get(x.input) ?? [];
        list.push({ step: k + 1, grad: x.grad.text, total: x.total.text });
        received.set(x.input, list);
      }
      return edgeOf.get(`${x.input}>${s.node}:${x.index}`) ?? -1;
    }),
  );
  const inputsOf = new Map<string, number[]>();
  edges.forEach((e, i) => inputsOf.set(e.target, [...(inputsOf.get(e.target) ?? []), i]));

  /** The grad line of node `id` once steps 1..k are done (0: only the seed). */
  const gradLine = (id: string, k: number): string => {
    if (id === output) return `grad ${summary(data.seed)}`; // where the walk starts
    return `grad ${sumText((received.get(id) ?? []).filter((r) => r.step <= k))}`;
  };
  const linesAt = (n: StepperNode, k: number, mode: Mode, shown: Set<string>): string[] => {
    const title = n.label !== n.op ? `${n.label}: ${n.op}` : n.op;
    const value = mode === "forward" && !n.is_leaf && !shown.has(n.id) ? "—" : summary(n.value);
    const grad = mode === "backward" ? gradLine(n.id, k) : "grad —";
    return [
      clip(title),
      clip(`${shapeText(n.shape)} ${n.dtype}`),
      clip(`value ${value}`),
      clip(grad, MAX_GRAD_CHARS),
    ];
  };
  const final = data.steps.length;
  const layout = layOut(data.graph, (n) => linesAt(n, final, "backward", new Set()));
  const svg = render(
    layout,
    `computation graph: ${nodes.length} nodes, ${edges.length} edges, ` +
      `${data.steps.length} backward steps`,
  );
  svg.setAttribute("role", "group"); // not "img": its nodes are buttons

  // The elements a step changes, found once.
  const groups = new Map<string, SVGGElement[]>();
  for (const g of svg.querySelectorAll<SVGGElement>(".graph-node")) {
    const id = g.dataset.id ?? "";
    groups.set(id, [...(groups.get(id) ?? []), g]);
  }
  const paths = new Map<number, SVGPathElement>();
  for (const p of svg.querySelectorAll<SVGPathElement>(".graph-edge")) {
    paths.set(Number(p.dataset.edge), p);
  }
  const labelLayer = document.createElementNS("http://www.w3.org/2000/svg", "g");
  labelLayer.setAttribute("class", "step-labels");
  svg.append(labelLayer);
  const edgeLabels = new Map<number, SVGTextElement>();
  for (const e of layout.edges) {
    const mid = e.points[Math.floor(e.points.length / 2)];
    if (mid === undefined) continue;
    const t = document.createElementNS("http://www.w3.org/2000/svg", "text");
    t.setAttribute("x", mid.x.toFixed(1));
    t.setAttribute("y", (mid.y - 3).toFixed(1));
    t.setAttribute("class", "step-edge-label");
    t.setAttribute("text-anchor", "middle");
    edgeLabels.set(e.index, t);
    labelLayer.append(t);
  }
  const setLine = (id: string, line: number, text: string): void => {
    for (const g of groups.get(id) ?? []) {
      const span = g.querySelectorAll("tspan")[line];
      if (span !== undefined && span.textContent !== text) span.textContent = text;
    }
  };

  // ---- controls ----
  const controls = document.createElement("div");
  controls.className = "step-controls";
  const modes = document.createElement("div");
  modes.className = "step-modes";
  modes.setAttribute("role", "radiogroup");
  modes.setAttribute("aria-label", "Pass");
  const radio = (mode: Mode, label: string): HTMLInputElement => {
    const wrap = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.value = mode;
    wrap.append(input, document.createTextNode(` ${label}`));
    modes.append(wrap);
    return input;
  };
  const group = `step-mode-${Math.random().toString(36).slice(2)}`;
  const backwardRadio = radio("backward", "Backward");
  const forwardRadio = radio("forward", "Forward");
  backwardRadio.name = forwardRadio.name = group;
  const prev = button("◀", "Previous step");
  const play = button("▶ Play", "Play");
  const next = button("▶", "Next step");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.step = "1";
  const counter = document.createElement("span");
  counter.className = "step-counter";
  counter.setAttribute("aria-hidden", "true");
  controls.append(modes, prev, play, next, slider, counter);
  const status = document.createElement("p");
  status.className = "step-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const scroller = scrollable(svg, "computation graph (scroll to pan; arrow keys step)");
  const details = document.createElement("section");
  details.className = "step-details";
  details.setAttribute("aria-label", "Node details");
  details.hidden = true;
  const info = document.createElement("p");
  info.className = "view-summary";
  info.textContent =
    `${nodes.length} nodes · ${edges.length} edges · ${data.steps.length} backward steps` +
    ` · ${data.forward.length} forward steps`;
  const parts: HTMLElement[] = [info];
  if (data.error !== null) {
    const error = document.createElement("p");
    error.className = "view-error";
    error.textContent = `No gradients: ${data.error}`;
    parts.push(error);
  }
  const wrapper = document.createElement("div");
  wrapper.className = "stepper";
  wrapper.tabIndex = -1;
  wrapper.append(controls, status, scroller, details);
  parts.push(wrapper);
  body.replaceChildren(...parts);
  addZoom(svg, scroller, actions).open(nodes.length);

  // ---- state: the mode, and how many of its steps are done ----
  let mode: Mode = "backward";
  let k = 0;
  let active: SVGElement[] = [];
  let timer: number | null = null;
  const total = (): number => (mode === "backward" ? data.steps.length : data.forward.length);

  const describe = (): string => {
    const n = total();
    if (mode === "forward") {
      if (k === 0) {
        return (
          `Step 0 of ${n}: the inputs are given; ${n} values to compute, each after its ` +
          "inputs. Press Next step."
        );
      }
      const id = data.forward[k - 1] ?? "";
      const node = byId.get(id);
      const args = (inputsOf.get(id) ?? []).map((i) => name(edges[i]?.source ?? ""));
      return (
        `Step ${k} of ${n}: computed ${name(id)} = ${node?.op ?? "?"}(${args.join(", ")}) = ` +
        `${summary(node?.value ?? null)}`
      );
    }
    if (data.steps.length === 0) {
      return data.error !== null
        ? `Step 0 of 0: no backward pass (${data.error})`
        : "Step 0 of 0: no gradient flows here (constants only, or computed under no_grad()).";
    }
    if (k === 0) {
      return (
        `Step 0 of ${n}: the backward pass starts at ${name(output)} with ` +
        `∂${of}/∂${of} = ${summary(data.seed)}. Press Next step.`
      );
    }
    const step = data.steps[k - 1];
    if (step === undefined) return "";
    const sends = step.sends.map((x) => {
      const who = name(x.input);
      if (x.grad === null) return `nothing to ${who} (no gradient flows there)`;
      const sum = sumText((received.get(x.input) ?? []).filter((r) => r.step <= k));
      return `${x.grad.text} to ${who}, so ∂${of}/∂${sym(x.input)} = ${sum}`;
    });
    return (
      `Step ${k} of ${n}: ${name(step.node)} received ∂${of}/∂${sym(step.node)}` +
      ` = ${step.grad.text} and sends ${sends.join("; ")}`
    );
  };

  /** The nodes whose text differs between having done `a` and `b` steps of the mode. */
  const touched = (a: number, b: number): Set<string> => {
    const ids = new Set<string>();
    for (let s = Math.min(a, b); s < Math.max(a, b); s++) {
      if (mode === "forward") ids.add(data.forward[s] ?? "");
      else for (const x of data.steps[s]?.sends ?? []) ids.add(x.input);
    }
    return ids;
  };
  const forwardShown = (): Set<string> => new Set(data.forward.slice(0, k));
  const redrawNodes = (ids: Iterable<string>): void => {
    const shown = mode === "forward" ? forwardShown() : new Set<string>();
    for (const id of ids) {
      const n = byId.get(id);
      if (n === undefined) continue;
      const text = linesAt(n, k, mode, shown);
      setLine(id, 2, text[2] ?? "");
      setLine(id, 3, text[3] ?? "");
    }
  };
  const highlight = (): void => {
    for (const e of active) {
      e.classList.remove("step-active", "step-input", "step-flow");
      e.removeAttribute("aria-current");
    }
    active = [];
    if (k === 0) return;
    const id = mode === "forward" ? (data.forward[k - 1] ?? "") : (data.steps[k - 1]?.node ?? "");
    for (const g of groups.get(id) ?? []) {
      g.classList.add("step-active");
      g.setAttribute("aria-current", "step");
      active.push(g);
    }
    const along = mode === "forward" ? (inputsOf.get(id) ?? []) : (stepEdges[k - 1] ?? []);
    for (const i of along) {
      const p = paths.get(i);
      if (p !== undefined) {
        p.classList.add("step-flow");
        active.push(p);
      }
      for (const g of groups.get(edges[i]?.source ?? "") ?? []) {
        g.classList.add("step-input");
        active.push(g);
      }
    }
  };
  /** Edge labels: in backward mode each edge whose step is done shows its contribution. */
  const labelEdges = (a: number, b: number): void => {
    if (mode !== "backward") return;
    for (let s = Math.min(a, b); s < Math.max(a, b); s++) {
      const step = data.steps[s];
      (stepEdges[s] ?? []).forEach((i, j) => {
        const t = edgeLabels.get(i);
        if (t === undefined) return;
        t.textContent = s < k ? clip(summary(step?.sends[j]?.grad ?? null), 24) : "";
      });
    }
  };
  const go = (to: number): void => {
    const target = Math.max(0, Math.min(total(), to));
    const from = k;
    k = target;
    redrawNodes(touched(from, target));
    labelEdges(from, target);
    highlight();
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", `step ${k} of ${total()}`);
    counter.textContent = `${k} / ${total()}`;
    status.textContent = describe();
    prev.disabled = k === 0;
    next.disabled = k === total();
  };
  const setMode = (to: Mode, at: number): void => {
    stop();
    mode = to;
    backwardRadio.checked = to === "backward";
    forwardRadio.checked = to === "forward";
    slider.max = String(total());
    slider.setAttribute("aria-label", to === "backward" ? "Backward step" : "Forward step");
    for (const t of edgeLabels.values()) t.textContent = "";
    k = at;
    redrawNodes(byId.keys());
    labelEdges(0, k);
    k = -1; // go() below redraws the highlight, counter and status from scratch
    go(at);
  };
  function stop(): void {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-label", "Play");
  }
  const start = (): void => {
    if (k >= total()) go(0);
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-label", "Pause");
    timer = window.setInterval(() => {
      if (!svg.isConnected || k >= total()) return stop();
      go(k + 1);
      if (k >= total()) stop();
    }, PLAY_MS);
  };

  prev.addEventListener("click", () => {
    stop();
    go(k - 1);
  });
  next.addEventListener("click", () => {
    stop();
    go(k + 1);
  });
  play.addEventListener("click", () => (timer === null ? start() : stop()));
  slider.addEventListener("input", () => {
    stop();
    go(Number(slider.value));
  });
  backwardRadio.addEventListener("change", () => setMode("backward", 0));
  forwardRadio.addEventListener("change", () => setMode("forward", 0));
  wrapper.addEventListener("keydown", (e) => {
    if (e.target === slider || e.target instanceof HTMLInputElement) return; // its own keys
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      stop();
      go(k + (e.key === "ArrowRight" ? 1 : -1));
    }
  });

  // ---- a node's details: click it, or Enter on it ----
  const show = (id: string): void => {
    const n = byId.get(id);
    if (n === undefined) return;
    const head = document.createElement("h3");
    head.className = "step-details-title";
    head.textContent = `${n.label !== n.op ? `${n.label}: ` : ""}${n.op} (${n.id})`;
    const facts = document.createElement("p");
    facts.className = "view-summary";
    const kind = n.is_leaf ? (n.requires_grad ? "a leaf" : "a constant") : `made by ${n.op}`;
    facts.textContent =
      `shape ${shapeText(n.shape)} · ${n.dtype} · ${kind}` +
      (n.is_output ? " · the output" : "") +
      " · gradient of one backward pass from the output";
    const close = button("Close", "Close node details");
    close.addEventListener("click", () => {
      details.hidden = true;
      for (const g of groups.get(id) ?? []) {
        g.focus();
        break;
      }
    });
    const arrays = document.createElement("div");
    const part = (which: "value" | "grad"): ArrayPart | null => {
      const full = n.details?.[which];
      if (full !== undefined && full !== null) return full;
      const s = n[which];
      return s === null ? null : { name: which, shape: n.shape, dtype: n.dtype, text: s.text };
    };
    const value = part("value");
    const grad = part("grad");
    host.drawArrays(arrays, {
      title: null,
      parts: [value, grad].filter((p): p is ArrayPart => p !== null),
    });
    const children: HTMLElement[] = [head, facts];
    if (grad === null) {
      const none = document.createElement("p");
      none.className = "view-summary";
      none.textContent = "gradient: none reaches this node";
      children.push(none);
    }
    children.push(arrays);
    const line = n.backward_line;
    if (line !== null && host.goToLine !== undefined) {
      const goTo = host.goToLine;
      const jump = button(`Go to ${n.op}.backward in the editor (line ${line})`, "");
      jump.removeAttribute("aria-label");
      jump.className = "step-jump";
      jump.addEventListener("click", () => goTo(line));
      children.push(jump);
    }
    children.push(close);
    details.replaceChildren(...children);
    details.hidden = false;
    details.scrollIntoView({ block: "nearest" });
  };
  for (const [id, gs] of groups) {
    const n = byId.get(id);
    for (const g of gs) {
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute(
        "aria-label",
        `${n !== undefined && n.label !== n.op ? `${n.label}: ` : ""}${n?.op ?? ""} ${id}`,
      );
      const tip = g.querySelector("title"); // the graph view's tooltip has the final gradient
      if (tip !== null) tip.textContent = `${n?.op ?? ""} ${id}: click or press Enter for details`;
      g.addEventListener("click", () => show(id));
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          show(id);
        }
      });
    }
  }

  setMode("backward", data.start === "start" ? 0 : data.steps.length);
  svg.dataset.layoutMs = String(Math.round(performance.now() - started));
  return svg;
}
