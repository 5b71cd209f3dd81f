/**
 * On a phone, one pane at a time: the tablist "Lesson / Code / Output" picks which, and the
 * root's `data-pane` says which to the style sheet (the phone block in style.css). Wider screens
 * hide the tablist and ignore `data-pane`, so their layout is untouched. Never made in an embed.
 */

/** Below this width the panes take turns (style.css's phone block uses the same width). */
export const PHONE_QUERY = "(max-width: 599px)";

export type PaneName = "lesson" | "code" | "output";

export interface PaneElements {
  /** `<html>`: carries `data-pane`. */
  root: HTMLElement;
  tablist: HTMLElement;
  lessonTab: HTMLButtonElement;
  codeTab: HTMLButtonElement;
  outputTab: HTMLButtonElement;
  /** The lesson (or exercise) pane: its Lesson tab exists only while the pane is shown. */
  lessonPane: HTMLElement;
}

export class PaneSwitch {
  private readonly tabs: ReadonlyArray<readonly [PaneName, HTMLButtonElement]>;
  private readonly phone = window.matchMedia(PHONE_QUERY);
  private current: PaneName = "code";

  constructor(private readonly ui: PaneElements) {
    this.tabs = [
      ["lesson", ui.lessonTab],
      ["code", ui.codeTab],
      ["output", ui.outputTab],
    ];
    for (const [name, tab] of this.tabs) tab.addEventListener("click", () => this.show(name));
    ui.tablist.addEventListener("keydown", (e) => this.onKey(e));
    // The lesson pane is opened and closed by lessons.ts and exercise.ts, which know nothing of
    // tabs: its hidden attribute says when. A Check's results appearing in it (while the code
    // is in front) bring it forward, as Run brings the output.
    new MutationObserver((records) => {
      for (const record of records) {
        const target = record.target as HTMLElement;
        if (target === ui.lessonPane) this.lessonShown(!ui.lessonPane.hidden);
        else if (target.classList.contains("check-results") && !target.hidden) {
          this.show("lesson");
        }
      }
    }).observe(ui.lessonPane, { attributes: true, attributeFilter: ["hidden"], subtree: true });
    ui.tablist.hidden = false; // the style sheet still hides it above PHONE_QUERY
    ui.lessonTab.hidden = ui.lessonPane.hidden;
    this.show(ui.lessonPane.hidden ? "code" : "lesson");
  }

  /** Whether `name` is out of sight behind another tab (only ever on a phone). */
  hides(name: PaneName): boolean {
    return this.phone.matches && this.current !== name;
  }

  /** Bring a pane to the front (on wider screens every pane is in front already). */
  show(name: PaneName, focus = false): void {
    if (name === "lesson" && this.ui.lessonPane.hidden) name = "code";
    this.current = name;
    this.ui.root.dataset.pane = name;
    for (const [tabName, tab] of this.tabs) {
      const selected = tabName === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1; // one tab stop; the arrows move within
      if (selected && focus) tab.focus();
    }
  }

  private lessonShown(shown: boolean): void {
    this.ui.lessonTab.hidden = !shown;
    if (shown) this.show("lesson");
    else if (this.current === "lesson") this.show("code");
  }

  /** Left and Right (wrapping), Home and End: the WAI-ARIA tabs pattern, selection follows. */
  private onKey(e: KeyboardEvent): void {
    const shown = this.tabs.filter(([, tab]) => !tab.hidden);
    const at = shown.findIndex(([name]) => name === this.current);
    let next: number;
    if (e.key === "ArrowRight") next = (at + 1) % shown.length;
    else if (e.key === "ArrowLeft") next = (at - 1 + shown.length) % shown.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = shown.length - 1;
    else return;
    e.preventDefault();
    const target = shown[next];
    if (target !== undefined) this.show(target[0], true);
  }
}
