/**
 * Whose code the playground's editor holds, and keeping the user's own code safe: the autosaved
 * draft, the history of earlier drafts (the Earlier drafts picker), code from a link, an example
 * or a tool ("foreign" code), and another tab that changed the draft.
 *
 * NOTE: the user's own code is sacred. The draft slot holds the latest code the user wrote; code
 * from a link, an example or a tool never displaces it until the user edits it. Then the old
 * draft moves to the history of earlier drafts first, and if that cannot be stored the draft is
 * not overwritten (the page says so and offers the download).
 */
import { download } from "./download";
import type { Editor } from "./editor";
import { storageWarning } from "./notices";
import type { NoticeAction, Notices } from "./notices";
import {
  debounce,
  DRAFT_KEY,
  HISTORY_KEY,
  loadDraft,
  loadHistory,
  saveDraft,
  saveHistory,
} from "./storage";
import type { Draft } from "./storage";

/** The user's own code, or foreign code (a link's, an example, a tool's) not edited yet. */
export type Source = "own" | "foreign";

export function downloadCode(code: string): void {
  download(new Blob([code], { type: "text/x-python" }), "playground.py");
}

/** The notices' action that saves `code()` as a file (the notice stays). */
export function downloadAction(code: () => string): NoticeAction {
  return { label: "Download .py", run: () => downloadCode(code()), keep: true };
}

function preview(code: string): string {
  const lines = code.split("\n").length;
  const first = code.split("\n").find((l) => l.trim() !== "") ?? "";
  const short = first.trim().length > 40 ? first.trim().slice(0, 39) + "…" : first.trim();
  return `${short} (${lines} line${lines === 1 ? "" : "s"})`;
}

export class Drafts {
  /** Whose text the editor shows. */
  source: Source;
  /** The old draft could not be moved to the history: autosave must not overwrite it. */
  private blocked = false;
  /** Another tab changed the draft: this tab does not autosave over it until the user says. */
  private otherTab: string | null = null;
  /** Set while the page itself replaces the editor's text (not a user edit). */
  private replacing = false;
  /** Earlier drafts, newest first; kept in memory too, for when storage fails. */
  private history: Draft[];
  /** The picker's entries' code, by option value. */
  private choices: string[] = [];
  private readonly noteStorage: (stored: boolean) => void;
  private readonly autosave: { push(code: string): void; flush(): void };

  constructor(
    private readonly editor: Editor,
    private readonly notices: Notices,
    private readonly picker: HTMLSelectElement,
    source: Source,
    /** The code in the address bar's link no longer matches the editor: forget it there. */
    private readonly forgetLink: () => void,
  ) {
    this.source = source;
    this.history = loadHistory();
    this.noteStorage = storageWarning(
      notices,
      "storage",
      "Not saved: this browser's storage is full or blocked. Your code stays in the editor " +
        "while the page is open; share or download it to keep it.",
      [downloadAction(() => editor.getCode())],
    );
    this.autosave = debounce<string>(400, (code) => {
      if (this.otherTab !== null) return;
      if (this.blocked && !this.archive()) return;
      const saved = saveDraft(code);
      this.noteStorage(saved);
      // The saved draft is the editor's code now: the picker no longer offers it.
      if (saved) this.showPicker();
    });
    picker.addEventListener("change", () => this.picked());
  }

  /** The page itself is replacing the editor's text: not an edit of the user's. */
  get pageIsEditing(): boolean {
    return this.replacing;
  }

  /** The user edited the playground's code. */
  edited(code: string): void {
    if (this.source === "foreign") {
      // Edited foreign code becomes the user's draft; the draft it replaces goes to the history.
      this.source = "own";
      if (!this.archive()) {
        this.blocked = true;
        this.notices.show({
          key: "storage",
          tone: "warn",
          text:
            "Storage is full: your saved draft could not be moved to Earlier drafts, so it " +
            "stays saved and this code is not autosaved over it. Download this code to keep it.",
          actions: [downloadAction(() => this.editor.getCode())],
        });
      }
    }
    this.autosave.push(code);
    this.forgetLink();
  }

  /** Save a pending edit now (before a run, when the page is hidden). */
  flush(): void {
    this.autosave.flush();
  }

  /** Set the editor's text as the page (not the user) does. */
  setEditor(code: string, source: Source): void {
    this.replacing = true;
    try {
      this.editor.setCode(code);
    } finally {
      this.replacing = false;
    }
    this.source = source;
    this.showPicker(); // the saved draft may now differ from the editor's code: the picker offers it
  }

  /** Show foreign code (a link's, an example, a tool's) without displacing the user's draft. */
  showForeign(code: string): void {
    if (code !== this.editor.getCode()) this.keepOwnCode();
    this.setEditor(code, "foreign");
  }

  /**
   * Say that foreign `code` (a link's, an example's) took the editor: with a saved draft of
   * other code, that the draft is kept and can be restored; else a note that goes by itself.
   */
  announceForeign(key: string, text: string, code: string, timeoutMs = 8000): void {
    const draft = loadDraft();
    if (draft !== null && draft.trim() !== "" && draft !== code) {
      this.notices.show({
        key,
        text: `${text} Your own draft is kept.`,
        actions: [{ label: "Restore my draft", run: () => this.restoreSaved() }],
      });
    } else {
      this.notices.show({ key, text, timeoutMs });
    }
  }

  /** The Earlier drafts picker: the saved draft (when the editor shows other code), then history. */
  showPicker(): void {
    const draft = loadDraft();
    const entries: Array<{ label: string; code: string }> = [];
    if (draft !== null && draft.trim() !== "" && draft !== this.editor.getCode()) {
      entries.push({ label: `Your draft: ${preview(draft)}`, code: draft });
    }
    for (const d of this.history) {
      if (d.code === draft && entries.length > 0) continue;
      const when = new Date(d.savedAt).toLocaleString("en", {
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      });
      entries.push({ label: `${when}: ${preview(d.code)}`, code: d.code });
    }
    const first = document.createElement("option");
    first.value = "";
    first.textContent = entries.length === 0 ? "No earlier drafts" : "Earlier drafts…";
    const options = entries.map((entry, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = entry.label;
      return option;
    });
    this.picker.replaceChildren(first, ...options);
    this.picker.disabled = entries.length === 0;
    this.choices = entries.map((e) => e.code);
  }

  /** Another tab saved a different draft: say so, and let the user choose; nothing is lost. */
  onStorage(event: StorageEvent): void {
    if (event.key === HISTORY_KEY) {
      this.history = loadHistory();
      this.showPicker();
      return;
    }
    if (event.key !== DRAFT_KEY || event.newValue === null) return;
    if (event.newValue === this.editor.getCode()) return;
    this.showPicker();
    if (this.source !== "own") return; // this tab shows foreign code: nothing to overwrite
    this.otherTab = event.newValue;
    this.notices.show({
      key: "other-tab",
      tone: "warn",
      text:
        "Your draft was changed in another tab of this playground. This tab no longer autosaves " +
        "over it; choose which code to keep as the draft (the other goes to Earlier drafts).",
      actions: [
        {
          label: "Keep this tab's code",
          run: () => {
            const theirs = this.otherTab;
            this.otherTab = null;
            if (theirs !== null) this.remember(theirs);
            saveDraft(this.editor.getCode());
            this.showPicker();
          },
        },
        {
          label: "Load the other tab's draft",
          run: () => {
            const theirs = this.otherTab;
            this.otherTab = null;
            this.remember(this.editor.getCode());
            if (theirs !== null) this.setEditor(theirs, "own");
            this.showPicker();
          },
        },
      ],
    });
  }

  /** Put the saved draft back in the editor ("Restore my draft"). */
  restoreSaved(): void {
    const draft = loadDraft();
    if (draft === null) {
      this.notices.show({
        key: "restore",
        tone: "warn",
        text: "There is no saved draft to restore.",
      });
      return;
    }
    this.restore(draft);
  }

  /** A choice in the Earlier drafts picker. */
  private picked(): void {
    const code = this.picker.value === "" ? undefined : this.choices[Number(this.picker.value)];
    this.picker.value = "";
    if (code === undefined) return;
    this.beforeRestore();
    this.restore(code);
  }

  /** Called before a picked draft replaces the editor's code (the lessons close: see main.ts). */
  beforeRestore: () => void = () => undefined;

  /**
   * Put one of the user's drafts back in the editor and in the draft slot. NOTE: the slot is
   * about to hold `code`, so the code it held and the editor's own code go to Earlier drafts
   * first; when storage cannot keep them, the slot is left alone (and the page says so).
   */
  private restore(code: string): void {
    if (this.source === "own") this.autosave.flush();
    const current = this.editor.getCode();
    let kept = true;
    if (this.source === "own" && current !== code) kept = this.remember(current);
    const stored = loadDraft();
    if (kept && stored !== null && stored !== code && stored !== current) kept = this.archive();
    this.setEditor(code, "own");
    this.forgetLink();
    if (!kept) {
      this.blocked = true;
      this.notices.show({
        key: "storage",
        tone: "warn",
        text:
          "Storage is full: the code you left could not be saved under Earlier drafts, so it " +
          "stays the saved draft and this code is not autosaved over it. The code you left is " +
          "under Earlier drafts while this page is open; download it to keep it.",
        actions: [downloadAction(() => current)],
      });
    } else if (this.otherTab === null && !this.blocked && saveDraft(code)) {
      this.history = this.history.filter((d) => d.code !== code); // the draft now, not an earlier one
      saveHistory(this.history);
    }
    this.showPicker();
    this.editor.focus();
  }

  /**
   * Before foreign code replaces the user's own: make sure their code is stored (the draft slot,
   * or the history); if storage fails it is kept in this page's Earlier drafts and the page says so.
   */
  private keepOwnCode(): boolean {
    if (this.source !== "own") return true;
    this.autosave.flush();
    const code = this.editor.getCode();
    if (code.trim() === "" || loadDraft() === code) return true;
    if (this.remember(code)) return true;
    this.notices.show({
      key: "storage",
      tone: "warn",
      text:
        "Your code could not be saved in this browser (storage is full or blocked): it is kept " +
        "under Earlier drafts only while this page is open. Download it to keep it.",
      actions: [downloadAction(() => code)],
    });
    return false;
  }

  /** Add `code` to the earlier drafts (newest first, no duplicates); whether storage kept it. */
  private remember(code: string): boolean {
    if (code.trim() === "") return true;
    this.history = [{ code, savedAt: Date.now() }, ...this.history.filter((d) => d.code !== code)];
    const stored = saveHistory(this.history);
    this.showPicker();
    return stored !== null && stored.some((d) => d.code === code);
  }

  /** Move the stored draft to the history (before the slot takes other code). */
  private archive(): boolean {
    const draft = loadDraft();
    if (draft === null || draft.trim() === "") return true;
    if (this.remember(draft)) {
      this.blocked = false;
      return true;
    }
    return false;
  }
}
