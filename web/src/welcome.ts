/**
 * The first visit's welcome: a short word on what the page is and a Start the lessons button,
 * above the editor, shown once. Never in an embed, nor over a shared link's code, a lesson's or
 * an exercise's address, or for a visitor who has been here before (`welcomes`, which early.ts
 * also asks before the first paint, so the welcome in index.html is drawn from the start).
 */
import { isExerciseUrl, lessonInUrl } from "./pagemode";
import { loadDraft, loadProgress } from "./storage";

/** Set once the welcome was shown: it is shown once. Same prefix as storage.ts's keys. */
const WELCOMED = "ad-playground:welcomed";

function readWelcomed(): boolean {
  try {
    return globalThis.localStorage?.getItem(WELCOMED) !== null;
  } catch {
    return false; // blocked storage: nothing is known of earlier visits
  }
}

function writeWelcomed(): void {
  try {
    globalThis.localStorage?.setItem(WELCOMED, String(Date.now()));
  } catch {
    // blocked or full storage: the welcome may come again next visit, which is harmless
  }
}

/** Nothing in this browser says the visitor was here before (welcomed, a draft, progress). */
export function isFirstVisit(): boolean {
  return !readWelcomed() && loadDraft() === null && Object.keys(loadProgress()).length === 0;
}

/**
 * Whether the page at `url` welcomes its visitor: a first visit to the playground itself (not an
 * embed, a link's code, a lesson, the list or an exercise). Read before anything is saved.
 */
export function welcomes(url: URL, embed: boolean): boolean {
  return (
    !embed && url.hash === "" && lessonInUrl(url) === null && !isExerciseUrl(url) && isFirstVisit()
  );
}

export class Welcome {
  constructor(
    private readonly root: HTMLElement,
    startLessons: () => void,
    /** Where the keyboard goes when the welcome closes with it inside (the editor). */
    private readonly refocus: () => void,
  ) {
    root.querySelector("#welcome-start")?.addEventListener("click", () => {
      startLessons(); // it takes the keyboard to the list of lessons
      this.close();
    });
    root.querySelector("#welcome-later")?.addEventListener("click", () => this.hide());
  }

  /**
   * Show the welcome, or not (early.ts may have drawn it already: this decides), and remember
   * it was shown: it does not come back.
   */
  show(shown: boolean): void {
    this.root.hidden = !shown;
    delete document.documentElement.dataset.welcome; // early.ts's word ends here
    if (shown) writeWelcomed();
  }

  hide(): void {
    if (this.root.hidden) return;
    const focused = this.root.contains(document.activeElement);
    this.close();
    if (focused) this.refocus();
  }

  private close(): void {
    this.root.hidden = true;
  }
}
