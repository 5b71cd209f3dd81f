/**
 * The menu beside Share ("Embed or download"): the embed codes for another page (a dialog with
 * both forms, fixed height and auto height), Make an exercise (exercise.ts), the code as a .py
 * file, and as a Jupyter notebook. A WAI-ARIA menu button: Down opens it on its first item,
 * arrows, Home and End move, Escape closes it (focus back on the button), Tab leaves it.
 */
import { downloadCode } from "./drafts";
import { download } from "./download";
import type { Editor } from "./editor";
import { embedCodes, embedHeight, embedTitle, embedUrl } from "./embed";
import type { EmbedCodes } from "./embed";
import { unshareable } from "./links";
import { notebook } from "./notebook";
import type { Notices } from "./notices";
import { make } from "./dom";
import { encodeCode } from "./share";

export interface SharingElements {
  more: HTMLButtonElement;
  menu: HTMLElement;
  copyEmbed: HTMLButtonElement;
  makeExercise: HTMLButtonElement;
  downloadPy: HTMLButtonElement;
  downloadNotebook: HTMLButtonElement;
}

export class Sharing {
  private readonly items: HTMLButtonElement[];

  constructor(
    private readonly ui: SharingElements,
    private readonly editor: Editor,
    private readonly notices: Notices,
    /** The site's root (app.js's folder): the notebook installs ad from its dist/. */
    private readonly site: URL,
    /** Make an exercise: opens its form (exercise.ts). */
    makeExercise: () => void,
  ) {
    this.items = [...ui.menu.querySelectorAll<HTMLButtonElement>("[role=menuitem]")];
    ui.more.addEventListener("click", () => {
      if (ui.menu.hidden) this.open(false);
      else this.close(false);
    });
    ui.more.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        this.open(true);
      }
    });
    ui.menu.addEventListener("keydown", (e) => this.onKey(e));
    document.addEventListener("pointerdown", (e) => {
      const target = e.target as Node;
      if (!ui.menu.contains(target) && !ui.more.contains(target)) this.close(false);
    });
    const act = (run: () => void | Promise<void>) => () => {
      this.close(true);
      void run();
    };
    ui.copyEmbed.addEventListener(
      "click",
      act(() => this.copyEmbedCode()),
    );
    ui.makeExercise.addEventListener("click", act(makeExercise));
    ui.downloadPy.addEventListener(
      "click",
      act(() => downloadCode(editor.getCode())),
    );
    ui.downloadNotebook.addEventListener(
      "click",
      act(() => this.downloadNotebook()),
    );
  }

  private open(focusFirst: boolean): void {
    this.ui.menu.hidden = false;
    this.ui.more.setAttribute("aria-expanded", "true");
    if (focusFirst) this.items[0]?.focus();
  }

  private close(refocus: boolean): void {
    if (this.ui.menu.hidden) return;
    this.ui.menu.hidden = true;
    this.ui.more.setAttribute("aria-expanded", "false");
    if (refocus) this.ui.more.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const items = this.items;
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const move = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
    if (move !== 0) items[(at + move + items.length) % items.length]?.focus();
    else if (e.key === "Home") items[0]?.focus();
    else if (e.key === "End") items[items.length - 1]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") this.close(e.key === "Escape");
    else return;
    if (e.key !== "Tab") e.preventDefault();
  }

  /** Copy embed code: both forms in a dialog, each with its Copy button. */
  private async copyEmbedCode(): Promise<void> {
    const code = this.editor.getCode();
    const refused = unshareable(code);
    if (refused !== null) {
      this.notices.show({ key: "share", tone: "warn", text: refused });
      return;
    }
    const src = embedUrl(new URL(location.href), await encodeCode(code));
    showEmbedCodes(embedCodes(src, embedTitle(code), embedHeight(code)), "code", this.ui.more);
  }

  private downloadNotebook(): void {
    const text = notebook(this.editor.getCode(), {
      wheelUrl: new URL(`dist/${AD_WHEEL}`, this.site).href,
      playgroundUrl: new URL("python/playground.py", this.site).href,
    });
    download(new Blob([text], { type: "application/x-ipynb+json" }), "playground.ipynb");
  }
}

/**
 * The embed codes in a dialog: the fixed-height <iframe>, and the auto-height one with the host
 * script it needs, each shown as text (to read, select or copy by hand) with a Copy button.
 * `what` says what is embedded ("code", "exercise"); focus goes back to `returnTo` on close.
 */
export function showEmbedCodes(codes: EmbedCodes, what: string, returnTo: HTMLElement): void {
  const dialog = document.createElement("dialog");
  dialog.className = "panel-dialog embed-dialog";
  const heading = make("h2", `Embed this ${what}`);
  heading.id = "embed-dialog-title";
  dialog.setAttribute("aria-labelledby", heading.id);
  const status = make("p", "", "dialog-status");
  status.setAttribute("role", "status");
  const intro = make(
    "p",
    "Paste one of these into your page's HTML. The embed runs nothing until the reader " +
      "presses Run, and your page can neither drive nor read it.",
  );
  const copies: HTMLButtonElement[] = [];
  const areas: HTMLTextAreaElement[] = [];
  const choice = (title: string, about: string, text: string, label: string): HTMLElement => {
    const section = make("section", "", "embed-choice");
    const area = document.createElement("textarea");
    area.readOnly = true;
    area.spellcheck = false;
    area.value = text;
    area.rows = Math.min(Math.ceil(text.length / 80) + text.split("\n").length, 10);
    area.setAttribute("aria-label", `${title}: embed code`);
    const copy = make("button", label);
    copy.type = "button";
    copy.addEventListener("click", () => void copyText(area, status, title));
    copies.push(copy);
    areas.push(area);
    section.append(make("h3", title), make("p", about), area, copy);
    return section;
  };
  const close = make("button", "Close");
  close.type = "button";
  close.addEventListener("click", () => dialog.close());
  dialog.append(
    heading,
    intro,
    choice(
      "Fixed height",
      "An <iframe> of a fixed height: long output scrolls inside it. Works on any page.",
      codes.fixed,
      "Copy fixed-height code",
    ),
    choice(
      "Grows with its content",
      "The <iframe> and a few lines of script for your page: the frame then takes the height " +
        "of its output and figures. The script listens only to the playground's frames, which " +
        "send nothing but their height.",
      codes.auto,
      "Copy auto-height code",
    ),
    status,
    close,
  );
  dialog.addEventListener("close", () => {
    dialog.remove();
    returnTo.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  // showModal focused the first text area, which scrolled to its caret (the end): each code is
  // shown from its start, and focus goes to the first Copy button.
  for (const area of areas) {
    area.setSelectionRange(0, 0);
    area.scrollTop = 0;
  }
  copies[0]?.focus();
}

/** Copy a text area's text, or select it and say how to copy it by hand. */
async function copyText(
  area: HTMLTextAreaElement,
  status: HTMLElement,
  what: string,
): Promise<void> {
  try {
    await navigator.clipboard.writeText(area.value);
    status.textContent = `Copied the ${what.toLowerCase()} code: paste it into your page's HTML.`;
  } catch {
    // No clipboard (permission, focus): the text is selected, to copy by hand.
    area.focus();
    area.select();
    status.textContent = "Could not copy: the code is selected, press Ctrl+C (⌘C) to copy it.";
  }
}
