/**
 * The stepper's view: the graph (graphview.ts) with the controls that walk the model's steps,
 * one method per control (previous, next, togglePlay, seek, setMode, setPredict,
 * checkPrediction, reveal, showDetails). A step only touches what changes (a few nodes, their
 * edges and labels, the status line): no relayout, so a 500-node graph steps within a frame.
 * Everything from user code is set as text.
 */
import { addZoom, layOut, render, scrollable } from "../graphview";
import type { StepperData } from "../payload";
import { button, detailsOf } from "./details";
import type { StepperHost } from "./details";
import { StepperModel } from "./model";
import type { Mode } from "./model";
import { describe } from "./narration";
import { judge, targetOf } from "./predict";
import type { Target } from "./predict";

const PLAY_MS = 800;

/** The controls above the graph. */
interface Controls {
  row: HTMLDivElement;
  backward: HTMLInputElement;
  forward: HTMLInputElement;
  previous: HTMLButtonElement;
  play: HTMLButtonElement;
  next: HTMLButtonElement;
  slider: HTMLInputElement;
  counter: HTMLSpanElement;
  predict: HTMLInputElement;
}

/** The prediction form: a question, the textbox, Check prediction and Reveal. */
interface Prediction {
  form: HTMLFormElement;
  question: HTMLParagraphElement;
  input: HTMLInputElement;
  reveal: HTMLButtonElement;
}

function labelled(input: HTMLInputElement, text: string): HTMLLabelElement {
  const label = document.createElement("label");
  label.append(input, document.createTextNode(` ${text}`));
  return label;
}

function makeControls(predict: boolean): Controls {
  const row = document.createElement("div");
  row.className = "step-controls";
  const modes = document.createElement("div");
  modes.className = "step-modes";
  modes.setAttribute("role", "radiogroup");
  modes.setAttribute("aria-label", "Pass");
  const group = `step-mode-${Math.random().toString(36).slice(2)}`;
  const radio = (mode: Mode): HTMLInputElement => {
    const input = document.createElement("input");
    input.type = "radio";
    input.name = group;
    input.value = mode;
    return input;
  };
  const backward = radio("backward");
  const forward = radio("forward");
  modes.append(labelled(backward, "Backward"), labelled(forward, "Forward"));
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.step = "1";
  const counter = document.createElement("span");
  counter.className = "step-counter";
  counter.setAttribute("aria-hidden", "true");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = predict;
  const toggle = labelled(box, "Predict");
  toggle.className = "step-predict-toggle";
  toggle.title = "Before each step, type the gradient it will reveal";
  const controls = {
    row,
    backward,
    forward,
    previous: button("◀", "Previous step"),
    play: button("▶ Play", "Play"),
    next: button("▶", "Next step"),
    slider,
    counter,
    predict: box,
  };
  row.append(modes, controls.previous, controls.play, controls.next, slider, counter, toggle);
  return controls;
}

function makePrediction(): Prediction {
  const form = document.createElement("form");
  form.className = "step-predict";
  form.setAttribute("aria-label", "Prediction");
  form.noValidate = true;
  const question = document.createElement("p");
  question.className = "step-question";
  question.id = `step-question-${Math.random().toString(36).slice(2)}`;
  const input = document.createElement("input");
  input.type = "text";
  input.inputMode = "decimal";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.setAttribute("aria-describedby", question.id);
  const label = document.createElement("label");
  label.append(document.createTextNode("Your prediction "), input);
  const check = document.createElement("button");
  check.type = "submit";
  check.textContent = "Check prediction";
  const reveal = button("Reveal", "Reveal");
  const row = document.createElement("div");
  row.className = "step-predict-row";
  row.append(label, check, reveal);
  form.append(question, row);
  return { form, question, input, reveal };
}

export class StepperView {
  readonly svg: SVGSVGElement;
  private readonly model: StepperModel;
  private readonly ui: Controls;
  private readonly ask: Prediction;
  private readonly status: HTMLParagraphElement;
  private readonly details: HTMLElement;
  private readonly scroller: HTMLDivElement;
  private readonly groups = new Map<string, SVGGElement[]>();
  private readonly paths = new Map<number, SVGPathElement>();
  private readonly edgeLabels = new Map<number, SVGTextElement>();
  private mode: Mode = "backward";
  /** How many steps of the mode are done. */
  private k = 0;
  private timer: number | null = null;
  /** What the highlight marked, to unmark. */
  private active: Element[] = [];
  /** What the prediction form asks (null: nothing to predict now). */
  private target: Target | null = null;

  constructor(
    body: HTMLElement,
    data: StepperData,
    actions: HTMLElement,
    private readonly host: StepperHost,
  ) {
    const started = performance.now();
    const model = (this.model = new StepperModel(data));
    const { nodes, edges } = data.graph;
    const layout = layOut(
      data.graph,
      (n) => model.widestLines(n.id),
      (i) => model.longestEdgeLabel(i),
    );
    this.svg = render(
      layout,
      `computation graph: ${nodes.length} nodes, ${edges.length} edges, ` +
        `${data.steps.length} backward steps`,
    );
    this.svg.setAttribute("role", "group"); // not "img": its nodes are buttons
    this.findElements();
    this.ui = makeControls(data.predict);
    this.ask = makePrediction();
    this.status = document.createElement("p");
    this.status.className = "step-status";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.details = document.createElement("section");
    this.details.className = "step-details";
    this.details.setAttribute("aria-label", "Node details");
    this.details.hidden = true;
    const scroller = scrollable(this.svg, "computation graph (scroll to pan; arrow keys step)");
    this.scroller = scroller;
    const wrapper = document.createElement("div");
    wrapper.className = "stepper";
    wrapper.tabIndex = -1;
    wrapper.append(this.ui.row, this.status, this.ask.form, scroller, this.details);
    body.replaceChildren(...this.summary(), wrapper);
    addZoom(this.svg, scroller, actions).open(nodes.length);
    this.listen(wrapper);
    this.setMode("backward", data.start === "start" ? 0 : data.steps.length);
    // The model, layout and SVG, and the first step drawn (tests and the bench read it).
    this.svg.dataset.layoutMs = String(Math.round(performance.now() - started));
  }

  /** The line of counts above the figure, and why there are no gradients (if so). */
  private summary(): HTMLElement[] {
    const { data } = this.model;
    const info = document.createElement("p");
    info.className = "view-summary";
    info.textContent =
      `${data.graph.nodes.length} nodes · ${data.graph.edges.length} edges · ` +
      `${data.steps.length} backward steps · ${data.forward.length} forward steps`;
    if (data.error === null) return [info];
    const error = document.createElement("p");
    error.className = "view-error";
    error.textContent = `No gradients: ${data.error}`;
    return [info, error];
  }

  /** The elements a step changes, found once; node groups become buttons. */
  private findElements(): void {
    for (const g of this.svg.querySelectorAll<SVGGElement>(".graph-node")) {
      const id = g.dataset.id ?? "";
      this.groups.set(id, [...(this.groups.get(id) ?? []), g]);
      const title = this.model.title(id);
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      const tip = g.querySelector("title"); // the graph view's tooltip has the final gradient
      if (tip !== null) tip.textContent = `${title}: click or press Enter for details`;
    }
    for (const p of this.svg.querySelectorAll<SVGPathElement>(".graph-edge")) {
      this.paths.set(Number(p.dataset.edge), p);
    }
    for (const t of this.svg.querySelectorAll<SVGTextElement>(".graph-edge-label")) {
      t.classList.add("step-edge-label");
      this.edgeLabels.set(Number(t.dataset.edge), t);
    }
  }

  private listen(wrapper: HTMLElement): void {
    const { ui, ask } = this;
    ui.previous.addEventListener("click", () => this.previous());
    ui.next.addEventListener("click", () => this.next());
    ui.play.addEventListener("click", () => this.togglePlay());
    ui.slider.addEventListener("input", () => this.seek(Number(ui.slider.value)));
    ui.backward.addEventListener("change", () => this.setMode("backward", 0));
    ui.forward.addEventListener("change", () => this.setMode("forward", 0));
    ui.predict.addEventListener("change", () => this.setPredict(ui.predict.checked));
    ask.form.addEventListener("submit", (e) => {
      e.preventDefault(); // Enter in the textbox, or Check prediction
      this.checkPrediction();
    });
    ask.reveal.addEventListener("click", () => this.reveal());
    wrapper.addEventListener("keydown", (e) => this.keydown(e));
    for (const [id, gs] of this.groups) {
      for (const g of gs) {
        g.addEventListener("click", () => this.showDetails(id));
        g.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            this.showDetails(id);
          }
        });
      }
    }
  }

  // ---- one method per control ----

  previous(): void {
    this.stop();
    this.go(this.k - 1);
  }

  next(): void {
    this.stop();
    this.go(this.k + 1);
  }

  /** The slider, or a jump to step `k`. */
  seek(k: number): void {
    this.stop();
    this.go(k);
  }

  togglePlay(): void {
    if (this.timer !== null) return this.stop();
    if (this.k >= this.total()) this.go(0);
    this.ui.play.textContent = "❚❚ Pause";
    this.ui.play.setAttribute("aria-label", "Pause");
    this.timer = window.setInterval(() => {
      if (!this.svg.isConnected || this.k >= this.total()) return this.stop();
      this.go(this.k + 1);
      if (this.k >= this.total()) this.stop();
    }, PLAY_MS);
  }

  /** The Backward / Forward radios: the other pass, from its step `at`. */
  setMode(mode: Mode, at: number): void {
    this.stop();
    this.mode = mode;
    const { ui } = this;
    ui.backward.checked = mode === "backward";
    ui.forward.checked = mode === "forward";
    ui.predict.disabled = mode !== "backward"; // values are not predicted
    ui.slider.max = String(this.total());
    ui.slider.setAttribute("aria-label", mode === "backward" ? "Backward step" : "Forward step");
    for (const t of this.edgeLabels.values()) t.textContent = "";
    this.k = at;
    this.redrawNodes(this.model.byId.keys());
    this.labelEdges(0, at);
    this.k = -1; // go() below redraws the highlight, counter and status from scratch
    this.go(at);
  }

  /** The Predict toggle: ask for each step's gradient before it is revealed. */
  setPredict(on: boolean): void {
    this.ui.predict.checked = on;
    this.prompt();
  }

  /** Check prediction (or Enter in Your prediction): Correct, or Not yet and what differs. */
  checkPrediction(): void {
    if (this.target === null) return;
    const verdict = judge(this.model, this.target, this.ask.input.value);
    this.status.textContent = verdict.text;
    this.status.dataset.verdict = verdict.correct ? "correct" : "not-yet";
  }

  /** Reveal: take the step predicted; the next question gets the textbox. */
  reveal(): void {
    this.next();
    if (!this.ask.form.hidden) this.ask.input.focus();
    else this.ui.next.focus();
  }

  /** A node clicked (or Enter on it): its full value and gradient below the graph. */
  showDetails(id: string): void {
    const close = (): void => {
      this.details.hidden = true;
      this.groups.get(id)?.[0]?.focus();
    };
    this.details.replaceChildren(...detailsOf(this.model, id, this.host, close));
    this.details.hidden = false;
    this.details.scrollIntoView({ block: "nearest" });
  }

  /** The arrow keys step while the figure has focus, except in a field that takes them. */
  private keydown(e: KeyboardEvent): void {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    e.preventDefault();
    if (e.key === "ArrowRight") this.next();
    else this.previous();
  }

  // ---- drawing a step ----

  private total(): number {
    return this.model.total(this.mode);
  }

  private stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    this.ui.play.textContent = "▶ Play";
    this.ui.play.setAttribute("aria-label", "Play");
  }

  private go(to: number): void {
    const target = Math.max(0, Math.min(this.total(), to));
    const from = this.k;
    this.k = target;
    this.redrawNodes(this.model.touched(this.mode, from, target));
    this.labelEdges(from, target);
    this.highlight();
    const { ui } = this;
    const total = this.total();
    ui.slider.value = String(target);
    ui.slider.setAttribute("aria-valuetext", `step ${target} of ${total}`);
    ui.counter.textContent = `${target} / ${total}`;
    this.status.textContent = describe(this.model, this.mode, target);
    delete this.status.dataset.verdict;
    ui.previous.disabled = target === 0;
    ui.next.disabled = target === total;
    this.prompt();
    this.follow();
  }

  /** Keep the step's node in the graph's view (the output before the first backward step):
   * a big graph scrolls to it, inside its own box only. */
  private follow(): void {
    const backward = this.mode === "backward";
    const id =
      this.model.activeNode(this.mode, this.k) ?? (backward ? this.model.data.graph.output : null);
    const g = id === null ? undefined : this.groups.get(id)?.[0];
    if (g === undefined) return;
    const box = g.getBoundingClientRect();
    const view = this.scroller.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right) {
      this.scroller.scrollLeft += box.left - view.left - (view.width - box.width) / 2;
    }
    if (box.top < view.top || box.bottom > view.bottom) {
      this.scroller.scrollTop += box.top - view.top - (view.height - box.height) / 2;
    }
  }

  /** The prediction form for the next step, when Predict is on and that step has one. */
  private prompt(): void {
    const on = this.ui.predict.checked && this.mode === "backward";
    const target = on ? targetOf(this.model, this.k + 1) : null;
    const same = target?.step === this.target?.step && target?.node === this.target?.node;
    this.target = target;
    this.ask.form.hidden = target === null;
    if (target === null || same) return;
    const { model } = this;
    this.ask.input.value = "";
    this.ask.question.textContent =
      `Predict step ${target.step}: ${model.name(target.sender)} sends to ` +
      `${model.name(target.node)}. What is ${model.partial(target.node)} then?`;
  }

  private redrawNodes(ids: Iterable<string>): void {
    for (const id of ids) {
      const lines = this.model.lines(id, this.k, this.mode);
      for (const g of this.groups.get(id) ?? []) {
        const spans = g.querySelectorAll("tspan");
        for (const i of [2, 3]) {
          const span = spans[i];
          const text = lines[i] ?? "";
          if (span !== undefined && span.textContent !== text) span.textContent = text;
        }
        // The button's name is what it shows, line by line, as the step leaves it: a screen
        // reader hears the value and gradient, and voice control can say what is seen.
        g.setAttribute("aria-label", [...spans].map((s) => s.textContent ?? "").join(", "));
      }
    }
  }

  private highlight(): void {
    for (const e of this.active) {
      e.classList.remove("step-active", "step-input", "step-flow");
      e.removeAttribute("aria-current");
    }
    this.active = [];
    const id = this.model.activeNode(this.mode, this.k);
    if (id === null) return;
    for (const g of this.groups.get(id) ?? []) {
      g.classList.add("step-active");
      g.setAttribute("aria-current", "step");
      this.active.push(g);
    }
    for (const i of this.model.activeEdges(this.mode, this.k)) {
      const p = this.paths.get(i);
      if (p !== undefined) {
        p.classList.add("step-flow");
        this.active.push(p);
      }
      for (const g of this.groups.get(this.model.source(i)) ?? []) {
        g.classList.add("step-input");
        this.active.push(g);
      }
    }
  }

  /** Edge labels: in backward mode each edge whose step is done shows its contribution. */
  private labelEdges(a: number, b: number): void {
    if (this.mode !== "backward") return;
    for (const i of this.model.edgesBetween(a, b)) {
      const t = this.edgeLabels.get(i);
      if (t !== undefined) t.textContent = this.model.edgeLabel(i, this.k);
    }
  }
}
