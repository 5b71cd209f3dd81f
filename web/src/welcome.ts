/**
 * The first visit's welcome: a short word on what the page is and a Start the lessons button,
 * above the editor, shown once. Never in an embed, nor over a shared link's code, a lesson's
 * address, or for a visitor who has been here before (main.ts decides with `isFirstVisit`).
 */
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

export class Welcome {
  constructor(
    private readonly root: HTMLElement,
    private readonly startLessons: () => void,
    /** Where the keyboard goes when the welcome closes with it inside (the editor). */
    private readonly refocus: () => void,
  ) {}

  /** Show the welcome (and remember it was shown: it does not come back). */
  show(): void {
    const heading = document.createElement("h2");
    heading.id = "welcome-title";
    heading.className = "welcome-title";
    heading.textContent = "New here?";
    const text = document.createElement("p");
    text.className = "welcome-text";
    text.textContent =
      "This page runs ad, a small autodiff engine in Python, in your browser: the code below " +
      "is yours to change and run. The lessons start from the seed's sixteen lines and end " +
      "with a tiny GPT, one short exercise at a time, each checked by the page.";
    const start = document.createElement("button");
    start.type = "button";
    start.className = "primary";
    start.textContent = "Start the lessons";
    start.addEventListener("click", () => {
      this.startLessons(); // it takes the keyboard to the list of lessons
      this.root.hidden = true;
      this.root.replaceChildren();
    });
    const later = document.createElement("button");
    later.type = "button";
    later.textContent = "Not now";
    later.title = "Close this welcome; the Lessons button at the top opens the lessons any time";
    later.addEventListener("click", () => this.hide());
    const actions = document.createElement("div");
    actions.className = "welcome-actions";
    actions.append(start, later);
    this.root.setAttribute("aria-labelledby", heading.id);
    this.root.replaceChildren(heading, text, actions);
    this.root.hidden = false;
    writeWelcomed();
  }

  hide(): void {
    if (this.root.hidden) return;
    const focused = this.root.contains(document.activeElement);
    this.root.hidden = true;
    this.root.replaceChildren();
    if (focused) this.refocus();
  }
}
