/**
 * The lessons' data (rendered at build time from web/lessons/, see web/lessons.mjs) and their
 * view: the list of lessons with the learner's progress, and one lesson (its text, its task and
 * buttons pinned under it, the Check results with each failed check's hint ladder). Draws only
 * into the element it is handed; knows nothing of the editor, the runner or storage (lessons.ts
 * drives it).
 */
import type { CheckOutcome } from "./python/contract";
import type { Progress } from "./storage";
import { make } from "./dom";

/** A lesson in the course's index (lessons/index.json): enough for the list and Next. */
export interface LessonEntry {
  /** The folder's name, e.g. "02-add-and-mul": also the lesson's deep link (?lesson=...). */
  id: string;
  title: string;
}

/** A whole lesson (lessons/ID.json). */
export interface Lesson extends LessonEntry {
  /** The text, rendered at build time from our own Markdown and TeX (never a user's). */
  html: string;
  /** Its "## Your task" section (a numbered list), rendered the same way, shown pinned. */
  task: string;
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

/** A lesson's id as the build names its file: anything else is not fetched. */
const LESSON_ID = /^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/;

const hasStrings = (v: unknown, keys: readonly string[]): boolean => {
  if (typeof v !== "object" || v === null) return false;
  const l = v as Record<string, unknown>;
  return keys.every((key) => typeof l[key] === "string");
};
const isEntry = (v: unknown): v is LessonEntry =>
  hasStrings(v, ["id", "title"]) && LESSON_ID.test((v as LessonEntry).id);
const isLesson = (v: unknown): v is Lesson =>
  isEntry(v) && hasStrings(v, ["html", "task", "starter", "solution", "checks"]);

/** The JSON at `url`; rejects with a message saying what went wrong. */
async function fetchJson(url: URL): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`The lessons could not be loaded (${String(e)}). Check your connection.`);
  }
  if (!response.ok) {
    throw new Error(`The lessons could not be loaded (HTTP ${response.status} for ${url.href}).`);
  }
  try {
    return await response.json();
  } catch {
    return null;
  }
}

const DAMAGED = "The lessons' files are damaged: rebuild the site (python3 build.py build).";

/** The course's lessons in order (`base`/index.json); rejects with a message on failure. */
export async function fetchLessonIndex(base: URL): Promise<LessonEntry[]> {
  const data = (await fetchJson(new URL("index.json", base))) as { lessons?: unknown } | null;
  const lessons = data?.lessons;
  if (!Array.isArray(lessons) || !lessons.every(isEntry)) throw new Error(DAMAGED);
  return lessons;
}

/** Lesson `id` (`base`/ID.json), or null for an id no lesson could have. */
export async function fetchLesson(base: URL, id: string): Promise<Lesson | null> {
  if (!LESSON_ID.test(id)) return null;
  const lesson = await fetchJson(new URL(`${id}.json`, base));
  if (!isLesson(lesson) || lesson.id !== id) throw new Error(DAMAGED);
  return lesson;
}

/** One-line summary of a check's results, as the page shows it. */
export function summarize(checks: CheckOutcome[]): string {
  const passed = checks.filter((c) => c.passed).length;
  return passed === checks.length
    ? "All checks passed"
    : `${passed} of ${checks.length} checks passed`;
}

/**
 * A hint (or a check's message) as text and code: plain text with `code` in backticks. It comes
 * from the worker, so it becomes text nodes, never markup. An unpaired backtick stays as it is.
 */
export function hintSpans(text: string): Array<{ code: boolean; text: string }> {
  const parts = text.split("`");
  if (parts.length % 2 === 0) {
    // an odd number of backticks: the last one opens nothing
    const last = parts.pop() ?? "";
    parts[parts.length - 1] += "`" + last;
  }
  return parts
    .map((part, i) => ({ code: i % 2 === 1, text: part }))
    .filter((span) => span.text !== "");
}

function hintNodes(text: string): Node[] {
  return hintSpans(text).map((span) =>
    span.code ? make("code", span.text) : document.createTextNode(span.text),
  );
}

/** Where the learner stands at the end of the course, for the Course complete box. */
export interface CourseEnd {
  passed: number;
  count: number;
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
  /** Leave the lessons for the Examples picker (the gallery). */
  browseExamples(): void;
  /** Leave the lessons for the example that writes a Function of one's own. */
  writeOwnOp(): void;
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
  private courseEnd: HTMLElement | null = null;
  private checkButton: HTMLButtonElement | null = null;
  private solutionButton: HTMLButtonElement | null = null;
  /** Whether a hint ladder ends with Show solution (not for an exercise from a link). */
  private offersSolution = true;
  private progressLabel: HTMLElement | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: LessonActions,
  ) {}

  /** The list of lessons, each a link (its deep link) with the learner's progress. */
  showList(lessons: readonly LessonEntry[], progress: Record<string, Progress>): void {
    this.reset();
    this.root.dataset.view = "list";
    const heading = make("h2", "Lessons", "lesson-title");
    heading.tabIndex = -1;
    const intro = make(
      "p",
      "From the seed's sixteen lines to a tiny GPT trained in this page: each lesson is a " +
        "short exercise whose code the page checks. Your code for each lesson is kept in this " +
        "browser.",
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
    const passed = lessons.filter((l) => progress[l.id] === "passed").length;
    const scroll = make("div", "", "lesson-scroll");
    scroll.append(heading);
    if (lessons.length > 0 && passed === lessons.length) {
      scroll.append(this.courseEndBox({ passed, count: lessons.length }));
    }
    scroll.append(
      intro,
      list,
      button("Back to the playground", () => this.actions.close()),
    );
    this.root.replaceChildren(scroll);
    heading.focus();
  }

  /**
   * One lesson: its title, the text (scrolling on its own), then pinned under it the task, the
   * buttons and the Check results, so that neither reading nor checking moves them away.
   */
  showLesson(
    lesson: Lesson,
    position: { index: number; count: number; next: LessonEntry | null },
    progress: Progress,
    solutionAvailable: boolean,
  ): void {
    this.reset();
    this.root.dataset.view = "lesson";
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
    this.progressLabel = make("span", "", "lesson-progress");
    this.setProgress(progress);
    nav.append(this.progressLabel);
    const heading = make("h2", lesson.title, "lesson-title");
    heading.tabIndex = -1;
    const head = make("div", "", "lesson-head");
    head.append(nav, heading);

    const text = make("div", "", "lesson-text");
    // A scrolling region of its own: focusable, so that the keyboard scrolls it too.
    text.tabIndex = 0;
    text.setAttribute("role", "region");
    // NOTE: a name without "Lesson" in it: the pane is the region "Lesson".
    text.setAttribute("aria-label", "Explanation");
    // NOTE: our own lesson text, rendered to markup at build time (web/lessons.mjs), which
    // refuses raw HTML in it; nothing a user wrote or a URL carries ever reaches this.
    text.innerHTML = lesson.html;

    const task = make("section", "", "lesson-task");
    const taskHeading = make("h3", "Your task", "lesson-task-title");
    taskHeading.id = `task-${lesson.id}`;
    task.setAttribute("aria-labelledby", taskHeading.id);
    const taskBody = make("div", "", "lesson-task-body");
    // NOTE: the same build-time markup as the text (see above).
    taskBody.innerHTML = lesson.task;
    task.append(taskHeading, taskBody);

    const controls = make("div", "", "lesson-controls");
    this.checkButton = button("Check", () => this.actions.check(), "Run the lesson's checks");
    this.checkButton.classList.add("primary");
    this.solutionButton = button("Show solution", () => this.actions.showSolution());
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
    );

    const results = make("div", "", "lesson-results");
    this.summary = make("p", "", "check-summary");
    this.summary.setAttribute("role", "status");
    this.results = make("ul", "", "check-results");
    this.results.setAttribute("aria-label", "Check results");
    this.results.hidden = true;
    this.courseEnd = make("div", "", "course-end-slot");
    results.append(this.summary, this.courseEnd, this.results);

    if (lesson.fromLink !== undefined) {
      // An exercise from a link: its task (the teacher's Markdown, made into DOM nodes by
      // markdown.ts, never HTML) is the task; it has no explanation and no solution to show.
      taskBody.replaceChildren(...lesson.fromLink.text());
      this.root.replaceChildren(head, task, controls, results);
    } else this.root.replaceChildren(head, text, task, controls, results);
    this.offersSolution = lesson.fromLink === undefined;
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

  /** A Check starts (the last one's results go: they are not this code's) or ends. */
  checking(busy: boolean): void {
    if (this.checkButton === null || this.summary === null || this.results === null) return;
    // NOTE: aria-disabled, not disabled: a disabled button drops the keyboard focus to the
    // page while the Check runs (issue 26); check() ignores presses until it ends.
    this.checkButton.setAttribute("aria-disabled", String(busy));
    this.checkButton.setAttribute("aria-busy", String(busy));
    if (!busy) return;
    this.summary.textContent = "Checking…";
    delete this.summary.dataset.state;
    this.results.replaceChildren();
    this.results.hidden = true;
    this.solutionButton?.classList.remove("suggested");
    this.courseEnd?.replaceChildren();
  }

  /**
   * Each check with pass or fail, what was expected and the first step of its hint ladder (More
   * help shows the next, and after the last, Show solution); or why none could run.
   */
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
      const verdict = make("span", c.passed ? "✓ pass" : "✗ fail", "check-verdict");
      item.append(verdict, " ", make("span", c.name, "check-name"));
      if (c.passed) return item;
      if (c.message !== "") {
        const message = make("p", "", "check-message");
        message.append(...hintNodes(c.message));
        item.append(message);
      }
      const ladder = c.hints.length > 0 ? c.hints : c.hint === null ? [] : [c.hint];
      if (ladder.length > 0) this.ladder(item, c.name, ladder);
      return item;
    });
    this.results.replaceChildren(...items);
    this.results.hidden = false;
    // The list scrolls on its own: start it at the first failure, the one to read.
    const failed = items.find((item) => item.dataset.passed === "false");
    this.results.scrollTop = failed === undefined ? 0 : failed.offsetTop - 2;
  }

  /** After the last lesson passed: say so, and where to go next; null takes it away. */
  showCourseEnd(end: CourseEnd | null): void {
    if (this.courseEnd === null) return;
    this.courseEnd.replaceChildren(...(end === null ? [] : [this.courseEndBox(end)]));
  }

  /** A failed check's hints: the first shown; More help shows the next, then Show solution. */
  private ladder(item: HTMLElement, name: string, hints: readonly string[]): void {
    const steps = make("ol", "", "check-hints");
    steps.setAttribute("aria-label", `Hints for “${name}”`);
    steps.setAttribute("aria-live", "polite");
    const reveal = (index: number): void => {
      const step = make("li", "", "check-hint");
      const label = hints.length > 1 ? `Hint ${index + 1} of ${hints.length}: ` : "Hint: ";
      step.append(make("span", label, "check-hint-label"), ...hintNodes(hints[index] ?? ""));
      steps.append(step);
    };
    reveal(0);
    item.append(steps);
    if (hints.length === 1) return;
    let shown = 1;
    const more = button("More help", () => {
      reveal(shown);
      shown += 1;
      if (shown < hints.length) return;
      if (!this.offersSolution) {
        // An exercise from a link has no solution to offer: the last hint is the end.
        const hadFocus = document.activeElement === more;
        more.remove();
        if (hadFocus) {
          steps.tabIndex = -1; // focus stays with the hints, not lost to the page
          steps.focus();
        }
        return;
      }
      // The ladder's end: the next help is the solution.
      const solution = this.lastStep(name);
      const hadFocus = document.activeElement === more;
      more.replaceWith(solution);
      if (hadFocus) solution.focus();
    });
    more.classList.add("more-help");
    more.setAttribute("aria-label", `More help with “${name}”`);
    more.title = "Show a more specific hint";
    item.append(more);
  }

  /** What follows a check's last hint: the solution, offered here and highlighted above. */
  private lastStep(name: string): HTMLButtonElement {
    const solution = button("Show solution", () => this.actions.showSolution());
    solution.classList.add("more-help", "suggested");
    solution.setAttribute("aria-label", `Show solution (no more hints for “${name}”)`);
    solution.title = "Put the solution in the editor (your code is kept)";
    if (this.solutionButton !== null) {
      this.setSolutionAvailable(true);
      this.solutionButton.classList.add("suggested");
    }
    return solution;
  }

  /** "Course complete" (or the last lesson passed with some left), and where to go next. */
  private courseEndBox(end: CourseEnd): HTMLElement {
    const box = make("section", "", "course-end");
    const complete = end.passed === end.count;
    const title = make("h3", complete ? "Course complete" : "End of the course");
    title.id = "course-end-title";
    box.setAttribute("aria-labelledby", title.id);
    box.append(
      title,
      make(
        "p",
        complete
          ? `You passed all ${end.count} lessons, from the seed's sixteen lines to a tiny GPT ` +
              "built from Functions you wrote. Where next:"
          : `You passed ${end.passed} of ${end.count} lessons; All lessons shows which are ` +
              "left. Where next:",
      ),
    );
    const next = make("ul", "", "course-next");
    const gallery = make("li");
    gallery.append(
      button("Browse the examples", () => this.actions.browseExamples()),
      " to see the gallery: a CNN that reads digits, gradients of gradients, Jacobians both ways.",
    );
    const own = make("li");
    own.append(
      button("Write your own op", () => this.actions.writeOwnOp()),
      " from an example: a Function with its forward and backward, checked by ",
      make("code", "ad.gradcheck"),
      ".",
    );
    const readme = make("li");
    readme.append(
      "The engine's README (",
      make("code", "README.md"),
      " in the project) lists every op and layer, and how to add one to ",
      make("code", "ad"),
      " itself.",
    );
    next.append(gallery, own, readme);
    box.append(next);
    return box;
  }

  private reset(): void {
    this.summary = this.results = this.checkButton = this.solutionButton = null;
    this.progressLabel = this.courseEnd = null;
  }
}
