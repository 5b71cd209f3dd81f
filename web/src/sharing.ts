/**
 * The menu beside Share ("Embed or download"): the embed code for another page, the code as a
 * .py file, and as a Jupyter notebook. A WAI-ARIA menu button: Down opens it on its first item,
 * arrows, Home and End move, Escape closes it (focus back on the button), Tab leaves it.
 */
import { downloadCode } from "./drafts";
import { download } from "./download";
import type { Editor } from "./editor";
import { embedSnippet, embedUrl } from "./embed";
import { unshareable } from "./links";
import { notebook } from "./notebook";
import type { Notices } from "./notices";
import { encodeCode } from "./share";

export interface SharingElements {
  more: HTMLButtonElement;
  menu: HTMLElement;
  copyEmbed: HTMLButtonElement;
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

  private async copyEmbedCode(): Promise<void> {
    const code = this.editor.getCode();
    const refused = unshareable(code);
    if (refused !== null) {
      this.notices.show({ key: "share", tone: "warn", text: refused });
      return;
    }
    const snippet = embedSnippet(embedUrl(new URL(location.href), await encodeCode(code)), code);
    try {
      await navigator.clipboard.writeText(snippet);
      this.notices.show({
        key: "share",
        text:
          "Embed code copied: paste the <iframe> into your page's HTML. It runs nothing until " +
          "the reader presses Run.",
        timeoutMs: 10_000,
      });
    } catch {
      // No clipboard (permission, focus): show the snippet as text, to select and copy by hand.
      this.notices.show({ key: "share", tone: "warn", text: `Copy this embed code: ${snippet}` });
    }
  }

  private downloadNotebook(): void {
    const text = notebook(this.editor.getCode(), {
      wheelUrl: new URL(`dist/${AD_WHEEL}`, this.site).href,
      playgroundUrl: new URL("python/playground.py", this.site).href,
    });
    download(new Blob([text], { type: "application/x-ipynb+json" }), "playground.ipynb");
  }
}
