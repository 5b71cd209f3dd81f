/** Banners under the toolbar: what happened to the user's code, links and storage. Text only. */

export interface NoticeAction {
  label: string;
  run: () => void;
  /** Keep the notice after the action (default: dismiss it). */
  keep?: boolean;
}

export interface NoticeOptions {
  /** One notice per key: a new one replaces the old. */
  key: string;
  text: string;
  tone?: "info" | "warn";
  actions?: NoticeAction[];
  /** Dismiss by itself after this many milliseconds. */
  timeoutMs?: number;
}

export class Notices {
  private readonly shown = new Map<string, HTMLElement>();

  constructor(private readonly root: HTMLElement) {}

  show(options: NoticeOptions): void {
    this.dismiss(options.key);
    const box = document.createElement("div");
    box.className = "notice";
    box.dataset.tone = options.tone ?? "info";
    box.dataset.key = options.key;
    box.setAttribute("role", options.tone === "warn" ? "alert" : "status");
    const text = document.createElement("span");
    text.className = "notice-text";
    text.textContent = options.text;
    box.append(text);
    for (const action of options.actions ?? []) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", () => {
        action.run();
        // An action may show a new notice under the same key: that one stays.
        if (action.keep !== true && this.shown.get(options.key) === box) this.dismiss(options.key);
      });
      box.append(button);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "quiet";
    close.textContent = "×";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => this.dismiss(options.key));
    box.append(close);
    this.root.append(box);
    this.shown.set(options.key, box);
    if (options.timeoutMs !== undefined) {
      setTimeout(() => {
        if (this.shown.get(options.key) === box) this.dismiss(options.key);
      }, options.timeoutMs);
    }
  }

  dismiss(key: string): void {
    const box = this.shown.get(key);
    if (box === undefined) return;
    // Removing the focused element drops the keyboard's focus to the page's body: hand it on to
    // what follows the notice, where a keyboard user reading on would go next.
    const next = box.contains(document.activeElement) ? focusableAfter(box) : null;
    box.remove();
    this.shown.delete(key);
    next?.focus();
  }
}

/**
 * A warning that storage failed, shown on the first failure and dismissed once a save works
 * again; returns what to call with each save's outcome.
 */
export function storageWarning(
  notices: Notices,
  key: string,
  text: string,
  actions: NoticeAction[],
): (stored: boolean) => void {
  let failed = false;
  return (stored) => {
    if (stored && failed) notices.dismiss(key);
    if (!stored && !failed) notices.show({ key, tone: "warn", text, actions });
    failed = !stored;
  };
}

const FOCUSABLE =
  "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), " +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

/** The first element after `box` in document order that takes the keyboard's focus, if any. */
function focusableAfter(box: HTMLElement): HTMLElement | null {
  for (const candidate of document.querySelectorAll<HTMLElement>(FOCUSABLE)) {
    const after = box.compareDocumentPosition(candidate) & Node.DOCUMENT_POSITION_FOLLOWING;
    if (after && !box.contains(candidate) && candidate.getClientRects().length > 0) {
      return candidate;
    }
  }
  return null;
}
