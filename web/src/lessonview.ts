/**
 * The lessons' data (rendered at build time from web/lessons/, see web/lessons.mjs) and their
 * view: the list of lessons with the learner's progress, and one lesson (its text, Check, the
 * Check results, Show solution, Reset, Open in playground). Draws only into the element it is
 * handed; knows nothing of the editor, the runner or storage (lessons.ts drives it).
 */
import type { CheckOutcome } from "./python/contract";
import type { Progress } from "./storage";

export interface Lesson {
  /** The folder's name, e.g. "02-add-and-mul": also the lesson's deep link (?lesson=...). */
  id: string;
  title: string;
  /** The text, rendered at build time from our own Markdown and TeX (never a user's). */
  html: string;
  starter: string;
  solution: string;
  /** checks.py, run in the worker after the learner's code (web/python/lessoncheck.py). */
  checks: string;
  /**
   * Set for an exercise opened from a link (exercise.ts), not one of the course's lessons: its
   * text as DOM nodes built from the link's Markdown (never markup: `html` is ""), a nav of its
   * own, and no Show solution (a link never carries one).
   */
  fromLink?: { label: string; text: () => Node[] };
}

const isLesson = (v: unknown): v is Lesson => {
  if (typeof v !== "object" || v === null) return false;
  const l = v as Record<string, unknown>;
  return ["id", "title", "html", "starter", "solution", "checks"].every(
    (key) => typeof l[key] === "string",
  );
};

/** The lessons of lessons.json, in order; rejects with a message saying what went wrong. */
export async function fetchLessons(url: URL): Promise<Lesson[]> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`The lessons could not be loaded (${String(e)}). Check your connection.`);
  }
  if (!response.ok) {
    throw new Error(`The lessons could not be loaded (HTTP ${response.status} for ${url.href}).`);
  }
  const data = (await response.json()) as { lessons?: unknown };
  const lessons = data.lessons;
  if (!Array.isArray(lessons) || !lessons.every(isLesson)) {
    throw new Error("The lessons file is damaged: rebuild the site (python3 build.py build).");
  }
  return lessons;
}

/** One-line summary of a check's results, as the page shows it. */
export function summarize(checks: CheckOutcome[]): string {
  const passed = checks.filter((c) => c.passed).length;
  return passed === checks.length
    ? "All checks passed"
    : `${passed} of ${checks.length} checks passed`;
}

export interface LessonActions {
  /** Open a lesson (from the list, or the next one). */
  open(id: string): void;
  check(): void;
  showSolution(): void;
  reset(): void;
  openInPlayground(): void;
  /** Back to the list of lessons. */
  list(): void;
  /** Leave the lessons for the playground (the editor gets the playground's code back). */
  close(): void;
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = "",
  className = "",
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (text !== "") el.textContent = text;
  if (className !== "") el.className = className;
  return el;
}

function button(label: string, run: () => void, title = ""): HTMLButtonElement {
  const b = make("button", label);
  b.type = "button";
  if (title !== "") b.title = title;
  b.addEventListener("click", run);
  return b;
}

/** The lesson pane: the list, or one lesson. */
export class LessonView {
  private summary: HTMLElement | null = null;
  private results: HTMLUListElement | null = null;
  private checkButton: HTMLButtonElement | null = null;
  private solutionButton: HTMLButtonElement | null = null;
  private progressLabel: HTMLElement | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: LessonActions,
  ) {}

  /** The list of lessons, each a link (its deep link) with the learner's progress. */
  showList(lessons: readonly Lesson[], progress: Record<string, Progress>): void {
    this.reset();
    const heading = make("h2", "Lessons", "lesson-title");
    heading.tabIndex = -1;
    const intro = make(
      "p",
      "From the seed's sixteen lines to training a small network: each lesson is a short " +
        "exercise whose code the page checks. Your code for each lesson is kept in this browser.",
      "lesson-intro",
    );
    const list = make("ol", "", "lesson-list");
    list.setAttribute("aria-label", "All lessons");
    for (const lesson of lessons) {
      const item = make("li");
      const link = make("a", lesson.title);
      link.href = `?lesson=${encodeURIComponent(lesson.id)}`;
      link.addEventListener("click", (e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab: fine
        e.preventDefault();
        this.actions.open(lesson.id);
      });
      const state = progress[lesson.id] ?? "not started";
      const badge = make("span", state, "lesson-progress");
      badge.dataset.progress = state;
      item.append(link, " ", badge);
      list.append(item);
    }
    const close = button("Back to the playground", () => this.actions.close());
    this.root.replaceChildren(heading, intro, list, close);
    heading.focus();
  }

  /** One lesson: title, controls, check results, then the text. */
  showLesson(
    lesson: Lesson,
    position: { index: number; count: number; next: Lesson | null },
    progress: Progress,
    solutionAvailable: boolean,
  ): void {
    this.reset();
    const nav = make("nav", "", "lesson-nav");
    nav.setAttribute("aria-label", "Lessons");
    nav.append(
      button("All lessons", () => this.actions.list()),
      make("span", `Lesson ${position.index + 1} of ${position.count}`, "lesson-count"),
    );
    if (lesson.fromLink !== undefined) {
      // An exercise from a link is not one of the course's lessons.
      nav.replaceChildren(
        button("Back to the playground", () => this.actions.close()),
        make("span", lesson.fromLink.label, "lesson-count"),
      );
    }
    if (position.next !== null) {
      const next = position.next;
      nav.append(button("Next lesson", () => this.actions.open(next.id), next.title));
    }
    const heading = make("h2", lesson.title, "lesson-title");
    heading.tabIndex = -1;
    this.progressLabel = make("span", "", "lesson-progress");
    this.setProgress(progress);
    const controls = make("div", "", "lesson-controls");
    this.checkButton = button("Check", () => this.actions.check(), "Run the lesson's checks");
    this.checkButton.classList.add("primary");
    this.solutionButton = button(
      "Show solution",
      () => this.actions.showSolution(),
      "Put the solution in the editor (your code is kept)",
    );
    this.setSolutionAvailable(solutionAvailable);
    this.solutionButton.hidden = lesson.fromLink !== undefined;
    controls.append(
      this.checkButton,
      this.solutionButton,
      button("Reset to starter", () => this.actions.reset(), "Start again from the starter code"),
      button(
        "Open in playground",
        () => this.actions.openInPlayground(),
        "Copy this code into the playground's editor",
      ),
      this.progressLabel,
    );
    this.summary = make("p", "", "check-summary");
    this.summary.setAttribute("role", "status");
    this.results = make("ul", "", "check-results");
    this.results.setAttribute("aria-label", "Check results");
    this.results.hidden = true;
    const text = make("div", "", "lesson-text");
    // NOTE: our own lesson text, rendered to markup at build time (web/lessons.mjs), which
    // refuses raw HTML in it; nothing a user wrote or a URL carries ever reaches this.
    text.innerHTML = lesson.html;
    if (lesson.fromLink !== undefined) text.replaceChildren(...lesson.fromLink.text());
    this.root.replaceChildren(nav, heading, controls, this.summary, this.results, text);
    this.root.scrollTop = 0;
    heading.focus();
  }

  setProgress(progress: Progress): void {
    if (this.progressLabel === null) return;
    this.progressLabel.textContent = `Progress: ${progress}`;
    this.progressLabel.dataset.progress = progress;
  }

  setSolutionAvailable(available: boolean): void {
    if (this.solutionButton === null) return;
    this.solutionButton.disabled = !available;
    this.solutionButton.title = available
      ? "Put the solution in the editor (your code is kept)"
      : "Available after your first Check";
  }

  checking(busy: boolean): void {
    if (this.checkButton === null || this.summary === null) return;
    this.checkButton.disabled = busy;
    this.checkButton.setAttribute("aria-busy", String(busy));
    if (busy) this.summary.textContent = "Checking…";
  }

  /** Each check with pass or fail, what was expected and the hint; or why none could run. */
  showResults(checks: CheckOutcome[] | null, problem: string | null): void {
    if (this.summary === null || this.results === null) return;
    if (checks === null) {
      this.summary.textContent = problem ?? "The checks did not run.";
      this.summary.dataset.state = "error";
      this.results.replaceChildren();
      this.results.hidden = true;
      return;
    }
    this.summary.textContent = summarize(checks);
    this.summary.dataset.state = checks.every((c) => c.passed) ? "pass" : "fail";
    const items = checks.map((c) => {
      const item = make("li", "", "check");
      item.dataset.passed = String(c.passed);
      const verdict = make("span", c.passed ? "pass" : "fail", "check-verdict");
      item.append(verdict, " ", make("span", c.name, "check-name"));
      if (!c.passed && c.message !== "") item.append(make("p", c.message, "check-message"));
      if (!c.passed && c.hint !== null) item.append(make("p", `Hint: ${c.hint}`, "check-hint"));
      return item;
    });
    this.results.replaceChildren(...items);
    this.results.hidden = false;
  }

  private reset(): void {
    this.summary = this.results = this.checkButton = this.solutionButton = null;
    this.progressLabel = null;
  }
}
