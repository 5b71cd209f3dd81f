/**
 * The lessons, as the learner goes through them: the list and one lesson in the lesson pane
 * (lessonview.ts draws them), the lesson's code in the editor under its own key, Check, Show
 * solution and Reset (the replaced code always restorable), progress, and the address
 * (`?lessons`, `?lesson=ID`, Back and Forward).
 *
 * NOTE: a lesson's code is kept under its own key (storage.ts), never in the playground's draft
 * or history: while a lesson is open, edits go there only, and the playground's editor state is
 * put back, as it was, when the learner leaves the lesson.
 */
import type { Drafts, Source } from "./drafts";
import { downloadAction } from "./drafts";
import type { Editor } from "./editor";
import { fetchLesson, fetchLessonIndex, LessonView } from "./lessonview";
import type { CourseEnd, Lesson, LessonEntry } from "./lessonview";
import { codeFromLink } from "./links";
import type { Links } from "./links";
import { storageWarning } from "./notices";
import type { Notices } from "./notices";
import { lessonInUrl } from "./pagemode";
import type { RunResult } from "./python/runner";
import type { Running } from "./running";
import {
  debounce,
  loadLessonCode,
  loadProgress,
  loadReplacedCode,
  saveLessonCode,
  saveProgress,
  saveReplacedCode,
} from "./storage";
import type { Progress } from "./storage";

/** The lesson the address names: its id, "" for the list (?lessons), or null (none). */
export function lessonInAddress(): string | null {
  return lessonInUrl(new URL(location.href));
}

/**
 * How long a Check may run (the learner's code, then the checks) before the page stops it. The
 * slowest lesson's Check takes about 3 s here (lesson 8 trains a small network; lesson 15's
 * skips its training), package loading included: ten times that leaves room for a slow
 * machine, and a loop that never ends is caught in half a minute, not left "Checking…".
 */
export const CHECK_LIMIT_MS = 30_000;

/** Why a check gave no results, for the summary line. */
export function noResults(result: RunResult): string {
  const error = result.error;
  if (result.timedOut) {
    const limit = `${CHECK_LIMIT_MS / 1000} s`;
    return (
      `Stopped: your code took longer than ${limit}, the limit for a Check. It may loop ` +
      "forever (a while loop whose condition stays true?) or do far more work than the task " +
      "needs."
    );
  }
  if (error?.kind === "interrupted") return "Stopped: the checks did not finish.";
  if (error?.kind === "fatal") return "Python crashed during the checks; press Check again.";
  return `The checks could not run: ${error?.message ?? "no results came back"}`;
}

export interface LessonsDeps {
  pane: HTMLElement;
  /** The header's Lessons button: it shows whether the pane is open. */
  toggle: HTMLButtonElement;
  editor: Editor;
  drafts: Drafts;
  running: Running;
  links: Links;
  notices: Notices;
  /** The folder of the lessons' files (the site's lessons/: index.json, ID.json). */
  base: URL;
  /** The Examples picker (the gallery), pointed to when the course is complete. */
  showExamples(): void;
  /** Open an example in the playground, as the Examples picker does. */
  openExample(id: string): void;
}

type Move = "push" | "replace" | "none";

export class Lessons {
  /** The course's index once fetched (lessons/index.json, rendered at build time). */
  private indexing: Promise<LessonEntry[]> | null = null;
  /** Each lesson fetched so far (lessons/ID.json): only the lessons the learner opens. */
  private readonly fetched = new Map<string, Promise<Lesson | null>>();
  /** The lesson in the editor, or null (the playground, or the list of lessons). */
  private open: Lesson | null = null;
  /** The playground's editor state while a lesson has the editor. */
  private stash: { code: string; source: Source } | null = null;
  private progress: Record<string, Progress> = loadProgress();
  /** Code a Show solution or Reset replaced, by lesson (storage too, when it works). */
  private readonly replaced = new Map<string, string>();
  private checking = false;
  private readonly view: LessonView;
  private readonly noteStorage: (stored: boolean) => void;
  private readonly save: { push(value: { id: string; code: string }): void; flush(): void };

  constructor(private readonly d: LessonsDeps) {
    this.view = new LessonView(d.pane, {
      open: (id) => void this.openById(id, "push"),
      check: () => void this.check(),
      showSolution: () => this.confirmSolution(),
      reset: () => this.reset(),
      openInPlayground: () => this.openInPlayground(),
      list: () => void this.showList("push"),
      close: () => this.close("push"),
      browseExamples: () => {
        this.close("push");
        d.showExamples();
        d.notices.show({
          key: "examples",
          text: "The gallery is the Examples menu at the top: pick one, change it, run it.",
          timeoutMs: 8000,
        });
      },
      writeOwnOp: () => {
        this.close("push");
        d.openExample("custom-function");
        d.editor.focus();
      },
    });
    // Say once when lesson code or progress could not be stored; clear it once it can again.
    this.noteStorage = storageWarning(
      d.notices,
      "lesson-storage",
      "Not saved: this browser's storage is full or blocked. Your lesson code and progress " +
        "stay while the page is open; download the code to keep it.",
      [downloadAction(() => d.editor.getCode())],
    );
    this.save = debounce<{ id: string; code: string }>(400, ({ id, code }) =>
      this.noteStorage(saveLessonCode(id, code)),
    );
  }

  /** The lesson pane is shown (the list, or a lesson). */
  get shown(): boolean {
    return !this.d.pane.hidden;
  }

  /** A lesson has the editor. */
  get active(): boolean {
    return this.open !== null;
  }

  /** The learner edited the lesson's code: it is saved under the lesson's own key. */
  edited(code: string): void {
    if (this.open === null) return;
    this.save.push({ id: this.open.id, code });
    this.d.links.forget();
  }

  flush(): void {
    this.save.flush();
  }

  /** The lessons in order, fetched once (a failed fetch is tried again by the next call). */
  index(): Promise<LessonEntry[]> {
    if (this.indexing === null) {
      this.indexing = fetchLessonIndex(this.d.base);
      this.indexing.catch(() => (this.indexing = null));
    }
    return this.indexing;
  }

  /** Lesson `id` whole, fetched once (null for an id no lesson has; a failure is retried). */
  private lesson(id: string): Promise<Lesson | null> {
    let fetching = this.fetched.get(id);
    if (fetching === undefined) {
      fetching = fetchLesson(this.d.base, id);
      this.fetched.set(id, fetching);
      fetching.catch(() => this.fetched.delete(id));
    }
    return fetching;
  }

  /** The Lessons button: open the list, or close the pane. */
  toggle(): void {
    if (this.shown) this.close("push");
    else void this.showList("push");
  }

  async showList(mode: Move): Promise<void> {
    const lessons = await this.loadIndex();
    if (lessons === null) return;
    this.leave();
    this.showPane(true);
    this.view.showList(lessons, this.progress);
    if (mode !== "none") this.d.links.setAddress("?lessons", mode);
  }

  close(mode: Move): void {
    this.leave();
    this.showPane(false);
    if (mode !== "none") this.d.links.setAddress("", mode);
    this.d.toggle.focus();
  }

  /** Close the pane if it is open (an example, a draft or a tool's code is the playground's). */
  closeIfShown(): void {
    if (this.shown) this.close("push");
  }

  /** Follow the address: a lesson, the list, or the playground (start-up, Back and Forward). */
  async route(atStart: boolean): Promise<void> {
    const wanted = lessonInAddress();
    if (wanted === null) {
      if (this.shown) this.close("none");
      return;
    }
    if (wanted === "") {
      await this.showList("none");
      return;
    }
    let linkCode: string | null = null;
    if (atStart && location.hash !== "") {
      const link = await codeFromLink(location.hash);
      if (link !== null && "error" in link) this.d.links.showError(link.error);
      else if (link !== null) {
        linkCode = link.code;
        this.d.notices.show({
          key: "link",
          text: "Opened a shared attempt at this lesson (not run yet). Your own code for it is kept.",
          timeoutMs: 8000,
        });
      }
    }
    await this.openById(wanted, "none", linkCode);
  }

  /** Check `code` against lesson `id` for the automation API: null when there is none. */
  async checkById(
    id: string,
    code: string,
  ): Promise<{ checks: RunResult["checks"]; problem: string | null } | null> {
    if (!(await this.index()).some((l) => l.id === id)) return null;
    const lesson = await this.lesson(id);
    if (lesson === null) return null;
    const result = await this.d.running.run(code, { checks: lesson.checks });
    return { checks: result.checks, problem: result.checks === null ? noResults(result) : null };
  }

  /** What `fetching` gives, or null after a notice saying why it failed. */
  private async loaded<T>(fetching: Promise<T>): Promise<T | null> {
    try {
      return await fetching;
    } catch (e) {
      this.d.notices.show({ key: "lessons", tone: "warn", text: (e as Error).message });
      return null;
    }
  }

  /** The lessons in order, or null after a notice saying why they could not be loaded. */
  private loadIndex(): Promise<LessonEntry[] | null> {
    return this.loaded(this.index());
  }

  private showPane(open: boolean): void {
    this.d.pane.hidden = !open;
    this.d.toggle.setAttribute("aria-expanded", String(open));
  }

  /** Give the editor back to the playground, as it was before the lesson took it. */
  private leave(): void {
    this.save.flush();
    const stash = this.stash;
    this.open = null;
    this.stash = null;
    this.d.notices.dismiss("solution");
    this.d.notices.dismiss("lesson-replaced");
    if (stash !== null) this.d.drafts.setEditor(stash.code, stash.source);
    this.d.editor.markError(null);
  }

  /** Open a lesson: the learner's code for it (or the starter), or a shared attempt's code. */
  private async openById(id: string, mode: Move, linkCode: string | null = null): Promise<void> {
    // NOTE: the lesson is fetched alongside the index, not after it: a lesson's first view
    // waits for one round trip, not two.
    const fetching = this.lesson(id);
    fetching.catch(() => undefined); // said below, if the index has the lesson
    const lessons = await this.loadIndex();
    if (lessons === null) return;
    const index = lessons.findIndex((l) => l.id === id);
    const lesson = index === -1 ? null : await this.loaded(fetching);
    if (lesson === null) {
      if (index === -1) {
        this.d.notices.show({
          key: "lessons",
          tone: "warn",
          text: `There is no lesson “${id}”; here are all the lessons.`,
        });
        void this.showList("replace");
      }
      return;
    }
    const { drafts, editor } = this.d;
    if (this.open !== null) this.save.flush();
    else {
      drafts.flush();
      this.stash = { code: editor.getCode(), source: drafts.source };
    }
    this.open = lesson;
    drafts.setEditor(linkCode ?? loadLessonCode(lesson.id) ?? lesson.starter, "own");
    editor.markError(null);
    this.showPane(true);
    const state = this.progress[lesson.id] ?? "not started";
    const position = { index, count: lessons.length, next: lessons[index + 1] ?? null };
    this.view.showLesson(lesson, position, state, state !== "not started");
    this.view.showCourseEnd(this.courseEnd(lesson, lessons));
    if (mode !== "none") this.d.links.setAddress(`?lesson=${encodeURIComponent(lesson.id)}`, mode);
  }

  private setProgress(id: string, state: Progress): void {
    if (this.progress[id] === "passed") return; // passed once is passed
    this.progress = { ...this.progress, [id]: state };
    this.noteStorage(saveProgress(this.progress));
  }

  /**
   * The Course complete box for `lesson`: shown on the last lesson once it is passed (saying
   * how many others are), else null.
   */
  private courseEnd(lesson: Lesson, lessons: readonly LessonEntry[]): CourseEnd | null {
    if (lessons[lessons.length - 1]?.id !== lesson.id || this.progress[lesson.id] !== "passed") {
      return null;
    }
    const passed = lessons.filter((l) => this.progress[l.id] === "passed").length;
    return { passed, count: lessons.length };
  }

  /**
   * Check: the lesson's checks on the editor's code, in the worker, stopped after
   * CHECK_LIMIT_MS; results and progress. A Check that ends in any way (failed, stopped, too
   * slow) makes Show solution available: the learner has tried.
   */
  private async check(): Promise<void> {
    const lesson = this.open;
    if (lesson === null || this.checking) return;
    this.save.flush();
    this.checking = true;
    this.view.checking(true);
    let result: RunResult;
    try {
      result = await this.d.running.run(this.d.editor.getCode(), {
        fromEditor: true,
        checks: lesson.checks,
        limitMs: CHECK_LIMIT_MS,
      });
    } finally {
      this.checking = false;
      this.view.checking(false);
    }
    if (this.open !== lesson) return; // the learner moved on meanwhile
    const checks = result.checks;
    this.view.showResults(checks, checks === null ? noResults(result) : null);
    const passed = checks !== null && checks.every((c) => c.passed);
    this.setProgress(lesson.id, passed ? "passed" : "tried");
    this.view.setProgress(this.progress[lesson.id] ?? "not started");
    this.view.setSolutionAvailable(true);
    if (!passed) return;
    const lessons = await this.index();
    if (this.open === lesson) this.view.showCourseEnd(this.courseEnd(lesson, lessons));
  }

  /** Put `code` in the lesson's editor; the code it replaces is kept and one button brings it back. */
  private replaceCode(lesson: Lesson, code: string, said: string): void {
    const mine = this.d.editor.getCode();
    if (mine !== code) {
      this.replaced.set(lesson.id, mine);
      this.noteStorage(saveReplacedCode(lesson.id, mine));
    }
    this.d.drafts.setEditor(code, "own");
    this.noteStorage(saveLessonCode(lesson.id, code));
    this.d.notices.show({
      key: "lesson-replaced",
      text: `${said} Your previous code is kept.`,
      actions: [{ label: "Restore my code", run: () => this.restoreCode(lesson) }],
    });
  }

  private restoreCode(lesson: Lesson): void {
    if (this.open !== lesson) return;
    const code = this.replaced.get(lesson.id) ?? loadReplacedCode(lesson.id);
    if (code === null) {
      this.d.notices.show({
        key: "lesson-replaced",
        tone: "warn",
        text: "There is no code to restore.",
      });
      return;
    }
    this.replaceCode(lesson, code, "Your code is back in the editor.");
    this.d.editor.focus();
  }

  /** Show solution: only after a confirmation, never silently over the learner's code. */
  private confirmSolution(): void {
    const lesson = this.open;
    if (lesson === null) return;
    // NOTE: either answer removes the notice, and with it the focus if it was there (issue
    // 26): the keyboard goes on in the editor, or back to the button that asked.
    const asked = document.activeElement;
    this.d.notices.show({
      key: "solution",
      tone: "warn",
      text: "Replace the code in the editor with the lesson's solution? Your code is kept.",
      actions: [
        {
          label: "Replace with the solution",
          run: () => {
            if (this.open !== lesson) return;
            this.replaceCode(lesson, lesson.solution, "The solution is in the editor.");
            this.d.editor.focus();
          },
        },
        {
          label: "Cancel",
          run: () => {
            if (asked instanceof HTMLElement && asked.isConnected) asked.focus();
          },
        },
      ],
    });
  }

  private reset(): void {
    const lesson = this.open;
    if (lesson === null) return;
    this.replaceCode(lesson, lesson.starter, "The starter code is back in the editor.");
  }

  /** Open in playground: the lesson's code goes to the playground like an example does. */
  private openInPlayground(): void {
    const lesson = this.open;
    if (lesson === null) return;
    const code = this.d.editor.getCode();
    this.close("push");
    this.d.drafts.showForeign(code);
    const text = `Copied the code of the lesson “${lesson.title}” into the playground.`;
    this.d.drafts.announceForeign("lesson-copy", text, code, 6000);
    this.d.editor.focus();
  }
}
