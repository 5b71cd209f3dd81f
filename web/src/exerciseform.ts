/**
 * Make an exercise: the form a teacher writes a checked exercise in, in the page (no fork, no
 * build): Task (Markdown and math, previewed as learners will see it), Starter code, Checks (the
 * lessons' `@check` / `Failed` / `gradients()`), Solution; Try it runs the checks on the starter
 * (it should fail) and on the solution (it should pass); then a link, or the embed codes. The
 * solution only tests the checks: it is never put in the link.
 *
 * A lazy chunk: it imports only types from the rest of the page (and markdown.ts, itself lazy);
 * what it needs of the page comes in FormDeps (exercise.ts).
 */
import type { Exercise } from "./exercisecodec";
import { problems, renderMarkdown } from "./markdown";
import type { CheckOutcome } from "./python/contract";

export interface FormDeps {
  /** The playground editor's code (the form starts from it). */
  editorCode(): string;
  /** Run `code`, then `checks`, as a Check does (fresh interpreter, time limit). */
  check(
    code: string,
    checks: string,
  ): Promise<{ checks: CheckOutcome[] | null; problem: string | null; traceback: string | null }>;
  /** The exercise's link and its embed's URL, or why none can be made (too long). */
  link(exercise: Exercise): Promise<{ url: string; embed: string } | { error: string }>;
  /** The embed codes dialog for the embed URL `embed`. */
  showEmbedCodes(embed: string, exercise: Exercise, returnTo: HTMLElement): void;
  /** The fields as the teacher last left them (kept in this browser), or null. */
  loadFields(): Record<string, string> | null;
  saveFields(fields: Record<string, string>): void;
  flushFields(): void;
  /** The task's title (a first line "# Title") and the rest, as learners will see them. */
  splitTitle(task: string): { title: string; text: string };
  /** "All checks passed" / "2 of 5 checks passed", as the lesson pane says it. */
  summarize(checks: CheckOutcome[]): string;
  /** Focus goes back there when the form closes. */
  returnTo: HTMLElement;
}

type Field = "task" | "starter" | "checks" | "solution";

/** A small worked example, so that Try it works before the teacher changes anything. */
export const EXAMPLE: Record<Field, string> = {
  task: `# Square

Write the \`backward\` of \`Square\`, whose \`forward\` returns $y = x^2$: add
$\\frac{\\partial L}{\\partial x} = 2x \\cdot g$ into \`x.grad\`, where $g$ is \`grad\`, the
gradient of the final result with respect to $y$.
`,
  starter: `from ad import Function, Variable, tensor


class Square(Function):
    def forward(self, x):
        return Variable(x.data ** 2)

    def backward(self, x, grad):
        pass  # TODO: add x's share of grad into x.grad


x = tensor([1.0, 2.0, 3.0])
Square()(x).backward()
print("x.grad =", x.grad, " expected [2. 4. 6.]")
`,
  checks: `# Run after the learner's code, on the names it defined (ns).
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, rng


@check("Square.forward squares its input")
def forward(ns):
    Square = need(ns, "Square", Function)
    x = rng().normal(size=(2, 3))
    if not np.allclose(Square()(ad.tensor(x)).data, x ** 2):
        raise Failed("Expected Square()(x) to be x ** 2.",
                     ["Keep forward as the starter has it: the task is backward."])


@check("Square.backward adds 2x times grad into x.grad (gradcheck)")
def backward(ns):
    Square = need(ns, "Square", Function)
    gradients(lambda x: Square()(x), rng().normal(size=(2, 3)), what="Square", names=["x"])
`,
  solution: `from ad import Function, Variable, tensor


class Square(Function):
    def forward(self, x):
        return Variable(x.data ** 2)

    def backward(self, x, grad):
        x.grad += 2 * x.data * grad  # dy/dx = 2x


x = tensor([1.0, 2.0, 3.0])
Square()(x).backward()
print("x.grad =", x.grad, " expected [2. 4. 6.]")
`,
};

const FIELDS: Array<{ key: Field; label: string; help: string; code: boolean; rows: number }> = [
  {
    key: "task",
    label: "Task",
    help:
      "Markdown, with $…$ and $$…$$ math, as in lessons; a first line “# Title” is the " +
      "title. Raw HTML is not allowed (learners would see it as text).",
    code: false,
    rows: 7,
  },
  {
    key: "starter",
    label: "Starter code",
    help: "What the learner starts from, in the editor. It should fail a check.",
    code: true,
    rows: 10,
  },
  {
    key: "checks",
    label: "Checks",
    help:
      "Python run after the learner's code, as a lesson's checks.py: functions marked " +
      '@check("what it checks") that take the names the code defined and raise ' +
      "Failed(expected, hint) to fail; lessoncheck's need, rng, random_shape and gradients " +
      "(gradcheck with hints) help.",
    code: true,
    rows: 12,
  },
  {
    key: "solution",
    label: "Solution",
    help:
      "Used only by Try it, to prove your checks pass a right answer. It is never put in " +
      "the link.",
    code: true,
    rows: 10,
  },
];

// NOTE: dom.ts's make, kept here: this lazy chunk imports nothing but types from the page, and
// a module shared with the page's entry would become a chunk fetched at start-up.
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

function button(label: string, run: () => void, className = ""): HTMLButtonElement {
  const b = make("button", label, className);
  b.type = "button";
  b.addEventListener("click", run);
  return b;
}

/** The form, in a modal dialog; its fields kept (in this browser) as the teacher writes. */
export function openExerciseForm(deps: FormDeps): void {
  const dialog = document.createElement("dialog");
  dialog.className = "panel-dialog exercise-dialog";
  const heading = make("h2", "Make an exercise");
  heading.id = "exercise-form-title";
  dialog.setAttribute("aria-labelledby", heading.id);
  const intro = make(
    "p",
    "Learners see it like a lesson: your task above the editor with your starter code, Check, " +
      "and the results and hints of your checks. It is shared as a link (or embedded in your " +
      "page): nothing to install or build. Their code is kept in their browser.",
    "form-intro",
  );

  const saved = deps.loadFields();
  const areas = {} as Record<Field, HTMLTextAreaElement>;
  const sections = FIELDS.map(({ key, label, help, code, rows }) => {
    const section = make("div", "", "form-field");
    const area = document.createElement("textarea");
    area.id = `exercise-${key}`;
    area.rows = rows;
    area.spellcheck = !code;
    if (code) area.classList.add("code");
    area.value = saved?.[key] ?? EXAMPLE[key];
    const name = make("label", label);
    name.htmlFor = area.id;
    const about = make("p", help, "form-help");
    about.id = `${area.id}-help`;
    area.setAttribute("aria-describedby", about.id);
    const head = make("div", "", "form-field-head");
    head.append(name);
    if (key === "starter" || key === "solution") {
      const fromEditor = button("Use the editor's code", () => {
        area.value = deps.editorCode();
        changed();
      });
      fromEditor.setAttribute("aria-label", `Use the editor's code as the ${label.toLowerCase()}`);
      head.append(fromEditor);
    }
    section.append(head, about, area);
    areas[key] = area;
    return section;
  });

  const preview = make("div", "", "form-preview lesson-text");
  preview.setAttribute("role", "region");
  preview.setAttribute("aria-label", "Task preview");
  const previewTitle = make("h3", "", "form-preview-title");
  const previewBody = make("div");
  const previewProblems = make("ul", "", "form-problems");
  preview.append(previewTitle, previewBody);
  sections[0]?.append(
    make("p", "How learners will see the task:", "form-help"),
    preview,
    previewProblems,
  );

  const results = make("div", "", "form-results");
  results.setAttribute("role", "region");
  results.setAttribute("aria-label", "Try it results");
  results.hidden = true;
  const status = make("p", "", "dialog-status");
  status.setAttribute("role", "status");
  const linkField = document.createElement("input");
  linkField.type = "text";
  linkField.readOnly = true;
  linkField.className = "form-link";
  linkField.setAttribute("aria-label", "Exercise link");
  linkField.hidden = true;

  const fields = (): Record<Field, string> => ({
    task: areas.task.value,
    starter: areas.starter.value,
    checks: areas.checks.value,
    solution: areas.solution.value,
  });
  const exercise = (): Exercise => {
    const { task, starter, checks } = fields();
    return { task, starter, checks };
  };

  let previewTimer: ReturnType<typeof setTimeout> | null = null;
  const drawPreview = (): void => {
    previewTimer = null;
    const { title, text } = deps.splitTitle(areas.task.value);
    previewTitle.textContent = title;
    previewBody.replaceChildren(renderMarkdown(text));
    previewProblems.replaceChildren(...problems(areas.task.value).map((p) => make("li", p)));
  };
  const changed = (): void => {
    deps.saveFields(fields());
    linkField.hidden = true;
    if (previewTimer === null) previewTimer = setTimeout(drawPreview, 250);
  };
  for (const area of Object.values(areas)) area.addEventListener("input", changed);
  drawPreview();

  const tryIt = button("Try it", () => void runTry(), "primary");
  tryIt.title =
    "Run the checks on the starter code (it should fail) and the solution (it should pass)";
  const runTry = async (): Promise<void> => {
    tryIt.disabled = true;
    tryIt.setAttribute("aria-busy", "true");
    results.hidden = false;
    results.replaceChildren(make("p", "Trying the starter code…"));
    try {
      const { starter, checks, solution } = fields();
      const first = await deps.check(starter, checks);
      const starterPart = verdict("Starter code", first, false, deps);
      results.replaceChildren(starterPart, make("p", "Trying the solution…"));
      const second = solution.trim() === "" ? null : await deps.check(solution, checks);
      const solutionPart =
        second === null
          ? outcome(
              false,
              "Solution",
              "No solution: write one to prove your checks pass a right answer.",
            )
          : verdict("Solution", second, true, deps);
      results.replaceChildren(starterPart, solutionPart);
      const good = starterPart.dataset.good === "true" && solutionPart.dataset.good === "true";
      status.textContent = good
        ? "Try it: the checks fail the starter and pass the solution. Copy the link or the embed code."
        : "Try it found a problem (above): fix it before you share the exercise.";
    } finally {
      tryIt.disabled = false;
      tryIt.setAttribute("aria-busy", "false");
    }
  };

  const copyLink = button("Copy link", () => void runCopyLink());
  const runCopyLink = async (): Promise<void> => {
    const made = await deps.link(exercise());
    if ("error" in made) {
      status.textContent = made.error;
      linkField.hidden = true;
      return;
    }
    linkField.value = made.url;
    linkField.hidden = false;
    const length = `${made.url.length.toLocaleString("en")} characters`;
    try {
      await navigator.clipboard.writeText(made.url);
      status.textContent = `Link copied (${length}): it opens the exercise, runs nothing until the learner presses Run or Check, and carries no solution.`;
    } catch {
      linkField.focus();
      linkField.select();
      status.textContent = `The link (${length}) is selected below: press Ctrl+C (⌘C) to copy it.`;
    }
  };
  const embed = button("Copy embed code", () => void runEmbed());
  const runEmbed = async (): Promise<void> => {
    const made = await deps.link(exercise());
    if ("error" in made) {
      status.textContent = made.error;
      return;
    }
    deps.showEmbedCodes(made.embed, exercise(), embed);
  };
  const open = button("Open as a learner", () => void runOpen());
  open.title = "Open the exercise's link in a new tab, as a learner will see it";
  const runOpen = async (): Promise<void> => {
    const made = await deps.link(exercise());
    if ("error" in made) status.textContent = made.error;
    else window.open(made.url, "_blank", "noopener");
  };
  const reset = button("Start from the example", () => {
    for (const key of Object.keys(areas) as Field[]) areas[key].value = EXAMPLE[key];
    changed();
  });
  const close = button("Close", () => dialog.close());
  const actions = make("div", "", "form-actions");
  actions.append(tryIt, copyLink, embed, open, reset, close);

  // The actions stay in view at the bottom (sticky): what they say comes above them.
  dialog.append(heading, intro, ...sections, results, status, linkField, actions);
  dialog.addEventListener("close", () => {
    deps.flushFields();
    dialog.remove();
    deps.returnTo.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  areas.task.focus();
}

/** One part of Try it's results: good or not, what was found, and the failed checks. */
function outcome(good: boolean, what: string, said: string): HTMLElement {
  const part = make("section", "", "form-outcome");
  part.dataset.good = String(good);
  part.append(make("h3", `${good ? "✓" : "✗"} ${what}`), make("p", said));
  return part;
}

function verdict(
  what: string,
  result: { checks: CheckOutcome[] | null; problem: string | null; traceback: string | null },
  shouldPass: boolean,
  deps: FormDeps,
): HTMLElement {
  const checks = result.checks;
  if (checks === null) {
    const part = outcome(false, what, `The checks did not run: ${result.problem ?? "no results"}`);
    if (result.traceback !== null) part.append(make("pre", result.traceback, "form-traceback"));
    return part;
  }
  const failed = checks.filter((c) => !c.passed);
  const own = checks.length - 1; // the first is always "Your code runs without an error"
  let part: HTMLElement;
  if (own === 0) {
    part = outcome(false, what, 'Your checks define no check: mark each with @check("…").');
  } else if (shouldPass) {
    part =
      failed.length === 0
        ? outcome(true, what, `${deps.summarize(checks)}: your checks accept a right answer.`)
        : outcome(
            false,
            what,
            `${deps.summarize(checks)}: the solution should pass them all. Fix the checks (or the solution).`,
          );
  } else {
    part =
      failed.length === 0
        ? outcome(
            false,
            what,
            "The starter passes every check: the learner would have nothing to do.",
          )
        : outcome(
            true,
            what,
            `${deps.summarize(checks)}: the starter fails, as it should. Learners see:`,
          );
  }
  if (failed.length > 0) {
    const list = make("ul", "", "check-results");
    list.setAttribute("aria-label", `${what}: failed checks`);
    for (const c of failed) {
      const item = make("li", "", "check");
      item.dataset.passed = "false";
      item.append(make("span", "fail", "check-verdict"), " ", make("span", c.name, "check-name"));
      if (c.message !== "") item.append(make("p", c.message, "check-message"));
      if (c.hint !== null) item.append(make("p", `Hint: ${c.hint}`, "check-hint"));
      list.append(item);
    }
    part.append(list);
  }
  return part;
}
