/**
 * Exercises from links (`?exercise#v1.…`): a teacher's task, starter code and checks, opened in
 * the lesson pane exactly as a lesson is (lessonview.ts draws it: the task, Check, the results
 * and hints), in the full page or in an embed; the learner's code kept under the exercise's own
 * key (its digest), apart from drafts and lessons; Share in an exercise (a link to it with the
 * learner's attempt); and Make an exercise, the form a teacher writes one in (exerciseform.ts, a
 * lazy chunk).
 *
 * NOTE: an exercise link is link code. Its text is rendered to DOM nodes, never markup
 * (markdown.ts); its checks run only when the learner presses Check, in a run's own interpreter,
 * with a time limit; opening it runs nothing.
 */
import type { Drafts, Source } from "./drafts";
import { downloadAction } from "./drafts";
import { embedHeight, embedCodes } from "./embed";
import type { Editor } from "./editor";
import {
  decodeExercise,
  encodeExercise,
  exerciseDigest,
  exerciseTooLong,
  exerciseUrl,
  isExerciseUrl,
  splitTitle,
} from "./exercisecodec";
import type { Exercise, ExerciseLink } from "./exercisecodec";
import type { FormDeps } from "./exerciseform";
import { noResults } from "./lessons";
import { LessonView, summarize } from "./lessonview";
import type { Lesson } from "./lessonview";
import type { Links } from "./links";
import { storageWarning } from "./notices";
import type { Notices } from "./notices";
import type { CheckOutcome } from "./python/contract";
import type { RunResult } from "./python/runner";
import type { Running } from "./running";
import { showEmbedCodes } from "./sharing";
import {
  debounce,
  loadExerciseCode,
  loadExerciseForm,
  loadExerciseProgress,
  saveExerciseCode,
  saveExerciseForm,
  saveExerciseProgress,
} from "./storage";

/**
 * How long an exercise's Check may run (the learner's code, then the checks) before the page
 * stops it: the lessons' limit (a loop that never ends is caught, not left "Checking…").
 */
export const EXERCISE_CHECK_LIMIT_MS = 30_000;

/** The address is an exercise link (`?exercise`). */
export function exerciseInAddress(): boolean {
  return isExerciseUrl(new URL(location.href));
}

export interface ExercisesDeps {
  /** The lesson pane, which an exercise shares with the lessons. */
  pane: HTMLElement;
  editor: Editor;
  drafts: Drafts;
  running: Running;
  links: Links;
  notices: Notices;
  /** The lessons leave the pane (and give the editor back) before an exercise takes it. */
  leaveLessons(): void;
  /** In an embed: its Open in playground link, which then opens the exercise in the full page. */
  embedLink: HTMLAnchorElement | null;
  /** The share menu's button: focus goes back there when the form or a dialog closes. */
  shareMenu: HTMLElement;
}

/** The exercise open in the pane. */
interface Open {
  exercise: ExerciseLink;
  /** Its key: the digest of its task, starter and checks. */
  digest: string;
  lesson: Lesson;
}

export class Exercises {
  private open: Open | null = null;
  /** The playground's editor state while an exercise has the editor. */
  private stash: { code: string; source: Source } | null = null;
  private checking = false;
  /** The address carries a shared attempt: the learner's first edit takes it out (see edited). */
  private attemptInAddress = false;
  /** Code a Reset replaced, by exercise (storage too, when it works). */
  private readonly replaced = new Map<string, string>();
  private readonly view: LessonView;
  private readonly noteStorage: (stored: boolean) => void;
  private readonly save: { push(value: { digest: string; code: string }): void; flush(): void };

  constructor(private readonly d: ExercisesDeps) {
    this.view = new LessonView(d.pane, {
      open: () => undefined, // an exercise has no list of its own
      list: () => undefined,
      check: () => void this.check(),
      showSolution: () =>
        d.notices.show({
          key: "solution",
          text: "An exercise link carries no solution: ask the teacher who made it.",
          timeoutMs: 8000,
        }),
      reset: () => this.reset(),
      openInPlayground: () => this.openInPlayground(),
      close: () => this.close("push"),
      // The course's end points there; an exercise is never the course's last lesson.
      browseExamples: () => undefined,
      writeOwnOp: () => undefined,
    });
    // NOTE: an embed is a frame of another site, where browsers often keep no storage at all:
    // said once, as a fact and with the way to keep the code, not as an error.
    this.noteStorage = storageWarning(
      d.notices,
      "exercise-storage",
      d.embedLink === null
        ? "Not saved: this browser's storage is full or blocked. Your code for this exercise " +
            "stays while the page is open; download it to keep it."
        : "This browser keeps nothing for pages embedded in other sites: your code stays while " +
            "this page is open. Open in playground keeps it.",
      [downloadAction(() => d.editor.getCode())],
    );
    this.save = debounce<{ digest: string; code: string }>(400, ({ digest, code }) =>
      this.noteStorage(saveExerciseCode(digest, code)),
    );
  }

  /** An exercise has the editor. */
  get active(): boolean {
    return this.open !== null;
  }

  /** The learner edited the exercise's code: it is saved under the exercise's own key. */
  edited(code: string): void {
    if (this.open === null) return;
    this.save.push({ digest: this.open.digest, code });
    this.updateEmbedLink(code);
    if (this.attemptInAddress && this.d.embedLink === null) {
      // A reload must bring back the learner's saved code, not the attempt the link carried.
      this.attemptInAddress = false;
      const open = this.open;
      void this.linkTo(open.exercise, null).then((href) => {
        if (this.open === open) history.replaceState(history.state, "", href);
      });
    }
  }

  flush(): void {
    this.save.flush();
  }

  /**
   * Open the exercise the address carries (at start-up, Back and Forward, a new fragment); with
   * none, or one that cannot be read, say why and leave the pane to the playground.
   */
  async route(): Promise<void> {
    const decoded = await decodeExercise(location.hash);
    if ("error" in decoded) {
      this.d.notices.show({ key: "link", tone: "warn", text: decoded.error });
      return;
    }
    const exercise = decoded.exercise;
    const digest = await exerciseDigest(exercise);
    const { title, text } = splitTitle(exercise.task);
    const nodes = await taskNodes(text);
    const lesson: Lesson = {
      id: `exercise-${digest}`,
      title,
      html: "",
      task: "",
      starter: exercise.starter,
      solution: "",
      checks: exercise.checks,
      fromLink: { label: "Exercise from a link", text: nodes },
    };
    const { drafts, editor } = this.d;
    if (this.open !== null) this.save.flush();
    else {
      this.d.leaveLessons();
      drafts.flush();
      this.stash = { code: editor.getCode(), source: drafts.source };
    }
    this.open = { exercise, digest, lesson };
    this.attemptInAddress = exercise.attempt !== null;
    const saved = loadExerciseCode(digest);
    drafts.setEditor(exercise.attempt ?? saved ?? exercise.starter, "own");
    if (exercise.attempt !== null) {
      this.d.notices.show({
        key: "link",
        text:
          "Opened a shared attempt at this exercise (not run yet)." +
          (saved === null ? "" : " Your own code for it is kept."),
        timeoutMs: 8000,
      });
    }
    editor.markError(null);
    // NOTE: the view focuses its heading; in an embed that would scroll the host's page to the
    // frame as it loads. There the pane is drawn while hidden (takes no focus), then shown.
    const embedded = this.d.embedLink !== null;
    if (!embedded) this.d.pane.hidden = false;
    const progress = loadExerciseProgress(digest);
    this.view.showLesson(lesson, { index: 0, count: 1, next: null }, progress, false);
    this.d.pane.hidden = false;
    this.updateEmbedLink(editor.getCode());
  }

  /** Leave the exercise for the playground (the address too, unless `mode` is "none"). */
  close(mode: "push" | "replace" | "none"): void {
    if (this.open === null) return;
    this.leave();
    this.d.pane.hidden = true;
    if (mode !== "none") this.d.links.setAddress("", mode);
    this.d.editor.focus();
  }

  /** Give the editor back to the playground, as it was before the exercise took it. */
  private leave(): void {
    this.save.flush();
    const stash = this.stash;
    this.open = null;
    this.stash = null;
    this.d.notices.dismiss("exercise-replaced");
    if (stash !== null) this.d.drafts.setEditor(stash.code, stash.source);
    this.d.editor.markError(null);
  }

  /** Check: the exercise's checks on the editor's code, in a run's own interpreter. */
  private async check(): Promise<void> {
    const open = this.open;
    if (open === null || this.checking) return;
    this.save.flush();
    this.checking = true;
    this.view.checking(true);
    let result: RunResult;
    try {
      result = await this.d.running.run(this.d.editor.getCode(), {
        fromEditor: true,
        checks: open.exercise.checks,
        limitMs: EXERCISE_CHECK_LIMIT_MS,
      });
    } finally {
      this.checking = false;
      this.view.checking(false);
    }
    if (this.open !== open) return; // the learner moved on meanwhile
    const checks = result.checks;
    this.view.showResults(checks, checks === null ? whyNoResults(result) : null);
    const passed = checks !== null && checks.every((c) => c.passed);
    let progress = loadExerciseProgress(open.digest);
    if (progress !== "passed") progress = passed ? "passed" : "tried";
    this.noteStorage(saveExerciseProgress(open.digest, progress));
    this.view.setProgress(progress);
  }

  /** Reset to starter: the replaced code is kept, and one button brings it back. */
  private reset(): void {
    const open = this.open;
    if (open === null) return;
    const mine = this.d.editor.getCode();
    this.put(open, open.exercise.starter);
    if (mine === open.exercise.starter) return;
    this.replaced.set(open.digest, mine);
    this.noteStorage(saveExerciseCode(open.digest, mine, "replaced"));
    this.d.notices.show({
      key: "exercise-replaced",
      text: "The starter code is back in the editor. Your previous code is kept.",
      actions: [
        {
          label: "Restore my code",
          run: () => {
            const code =
              this.replaced.get(open.digest) ?? loadExerciseCode(open.digest, "replaced");
            if (this.open === open && code !== null) this.put(open, code);
          },
        },
      ],
    });
  }

  private put(open: Open, code: string): void {
    this.d.drafts.setEditor(code, "own");
    this.noteStorage(saveExerciseCode(open.digest, code));
    this.updateEmbedLink(code);
  }

  /**
   * Open in playground: in the full page, the code goes to the playground as an example does;
   * in an embed, the exercise opens in the full page (a new tab) with this code.
   */
  private openInPlayground(): void {
    const open = this.open;
    if (open === null) return;
    const code = this.d.editor.getCode();
    if (this.d.embedLink !== null) {
      void this.linkTo(open.exercise, code).then((href) => window.open(href, "_blank", "noopener"));
      return;
    }
    this.close("push");
    this.d.drafts.showForeign(code);
    this.d.drafts.announceForeign(
      "lesson-copy",
      "Copied the exercise's code into the playground.",
      code,
      6000,
    );
    this.d.editor.focus();
  }

  /**
   * Share in an exercise: a link to the exercise with the learner's code as an attempt, in the
   * clipboard (the address keeps the exercise: a reload brings back the learner's saved code).
   */
  async share(): Promise<void> {
    const open = this.open;
    if (open === null) return;
    const href = await this.linkTo(open.exercise, this.d.editor.getCode());
    const length = `${href.length.toLocaleString("en")} characters`;
    try {
      await navigator.clipboard.writeText(href);
      this.d.notices.show({
        key: "share",
        text: `Link to this exercise with your code copied (${length}). It opens your code without running it.`,
        timeoutMs: 10_000,
      });
    } catch {
      // No clipboard (permission, focus): the link as text, to select and copy by hand.
      this.d.notices.show({
        key: "share",
        tone: "warn",
        text: `Copy this link to the exercise with your code (${length}): ${href}`,
      });
    }
  }

  /** The exercise's link in the full page, with `attempt` (null: none). */
  private async linkTo(exercise: Exercise, attempt: string | null): Promise<string> {
    const fragment = await encodeExercise(exercise, attempt);
    return exerciseUrl(new URL(location.href), fragment);
  }

  /** In an embed: Open in playground opens the exercise in the full page, with this code. */
  private updateEmbedLink(code: string): void {
    const link = this.d.embedLink;
    const open = this.open;
    if (link === null || open === null) return;
    const attempt = code === open.exercise.starter ? null : code;
    void this.linkTo(open.exercise, attempt).then((href) => {
      if (this.open === open) link.href = href;
    });
  }

  /**
   * Check `code` against the exercise a link carries, for the automation API and `build.py run
   * --exercise`: the same run as the Check button's; the pane and storage are left alone.
   */
  async checkLink(
    link: string,
    code: string,
  ): Promise<{ checks: CheckOutcome[] | null; problem: string | null }> {
    const at = link.indexOf("#");
    const decoded = await decodeExercise(at === -1 ? link : link.slice(at));
    if ("error" in decoded) return { checks: null, problem: decoded.error };
    const result = await this.d.running.run(code, {
      checks: decoded.exercise.checks,
      limitMs: EXERCISE_CHECK_LIMIT_MS,
    });
    return { checks: result.checks, problem: result.checks === null ? whyNoResults(result) : null };
  }

  /** Make an exercise: the form, loaded on first use (a chunk of its own). */
  async openForm(): Promise<void> {
    let form: typeof import("./exerciseform");
    try {
      form = await import("./exerciseform");
    } catch (e) {
      this.d.notices.show({
        key: "exercise-form",
        tone: "warn",
        text: `The exercise form could not be loaded (${String(e)}). Check your connection.`,
      });
      return;
    }
    form.openExerciseForm(this.formDeps());
  }

  private formDeps(): FormDeps {
    const page = new URL(location.href);
    const save = debounce<Record<string, string>>(500, (fields) => saveExerciseForm(fields));
    return {
      editorCode: () => this.d.editor.getCode(),
      check: async (code, checks) => {
        const result = await this.d.running.run(code, {
          checks,
          limitMs: EXERCISE_CHECK_LIMIT_MS,
        });
        return {
          checks: result.checks,
          problem: result.checks === null ? whyNoResults(result) : null,
          traceback: result.error?.traceback ?? null,
        };
      },
      link: async (exercise) => {
        const fragment = await encodeExercise(exercise);
        const refused = exerciseTooLong(fragment);
        if (refused !== null) return { error: refused };
        return { url: exerciseUrl(page, fragment), embed: exerciseUrl(page, fragment, true) };
      },
      showEmbedCodes: (embed, exercise, returnTo) => {
        const title = `ad playground exercise: ${splitTitle(exercise.task).title}`;
        const height = embedHeight(exercise.starter) + 220; // the task and Check above the editor
        showEmbedCodes(embedCodes(embed, title, height), "exercise", returnTo);
      },
      loadFields: () => loadExerciseForm(),
      saveFields: (fields) => save.push(fields),
      flushFields: () => save.flush(),
      splitTitle,
      summarize,
      returnTo: this.d.shareMenu,
    };
  }
}

/** Why a Check gave no results, with the time limit said when it ran past it. */
function whyNoResults(result: RunResult): string {
  if (result.timedOut) {
    return (
      `Stopped: the code and checks took longer than ${EXERCISE_CHECK_LIMIT_MS / 1000} s, the ` +
      "limit for a Check. Does a loop never end?"
    );
  }
  return noResults(result);
}

/**
 * The task's Markdown as DOM nodes, made by markdown.ts (a lazy chunk, with marked and KaTeX);
 * if that cannot load, the task as plain text.
 */
async function taskNodes(markdown: string): Promise<() => Node[]> {
  try {
    const { renderMarkdown } = await import("./markdown");
    return () => [renderMarkdown(markdown)];
  } catch {
    return () => {
      const plain = document.createElement("p");
      plain.className = "task-plain";
      plain.textContent = markdown;
      return [plain];
    };
  }
}
