/**
 * Share links and the address bar: the code a visit opens with (a link's fragment, the saved
 * draft, or the default), links opened later (hashchange, the automation API), Share (the
 * link in the address bar and the clipboard), and keeping the address honest: once the editor's
 * code no longer matches the link, a reload brings back the draft, not the link.
 */
import { DEFAULT_CODE } from "./examples";
import type { Notices } from "./notices";
import { decodeFragment, encodeCode, LONG_LINK, MAX_CODE_BYTES } from "./share";
import { loadDraft } from "./storage";
import type { Source } from "./drafts";

/** A link's code, or why it cannot be read; null when the fragment holds no code. */
export async function codeFromLink(
  fragment: string,
): Promise<{ code: string } | { error: string } | null> {
  const decoded = await decodeFragment(fragment);
  if (decoded.kind === "empty") return null;
  if (decoded.kind === "error") return { error: decoded.message };
  return { code: decoded.code };
}

/** Why `code` cannot go in a link (too large), or null. */
export function unshareable(code: string): string | null {
  const bytes = new TextEncoder().encode(code).length;
  if (bytes <= MAX_CODE_BYTES) return null;
  const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;
  return (
    `This code is ${mb(bytes)}; a link carries at most ${mb(MAX_CODE_BYTES)}, so no link was ` +
    "made. Download it as a file to share it."
  );
}

/** What the playground's editor opens with, and whose it is. */
export interface Opening {
  code: string;
  source: Source;
  /** The code came from the address's link: say so (and that the draft is kept). */
  fromLink: boolean;
  /** The address's link could not be read: why (the draft, or the default, opens instead). */
  problem: string | null;
}

/**
 * The code a visit to the playground opens with: the link in the address, else the saved draft,
 * else the default. `lessonRouted`: the address names a lesson, whose code it opens instead.
 */
export async function openingCode(lessonRouted: boolean): Promise<Opening> {
  const draft = loadDraft();
  const fallback: Opening = {
    code: draft ?? DEFAULT_CODE,
    source: draft === null ? "foreign" : "own", // the page's default code is not the user's
    fromLink: false,
    problem: null,
  };
  if (lessonRouted) return fallback; // a link there is the lesson's (lessons.ts)
  const link = await codeFromLink(location.hash);
  if (link === null) return fallback;
  if ("error" in link) return { ...fallback, problem: link.error };
  return { code: link.code, source: "foreign", fromLink: true, problem: null };
}

export class Links {
  /** The address bar holds a link to the editor's code. */
  private inAddressBar = location.hash !== "";

  constructor(private readonly notices: Notices) {}

  showError(message: string): void {
    this.notices.show({
      key: "link",
      tone: "warn",
      text: `${message} Your own code is still in the editor.`,
    });
  }

  /** The link no longer matches the editor: a reload should bring back the draft, not the link. */
  forget(): void {
    if (this.inAddressBar) {
      history.replaceState(history.state, "", location.pathname + location.search);
      this.inAddressBar = false;
    }
  }

  /** The address bar holds a link to the editor's code (one just opened). */
  noteInAddressBar(): void {
    this.inAddressBar = true;
  }

  /** Go to `search` (a lesson, the list, the playground) without a fragment. */
  setAddress(search: string, mode: "push" | "replace"): void {
    const url = location.pathname + search; // no fragment: a link's code is in the editor now
    if (search === location.search && location.hash === "") return;
    if (mode === "push") history.pushState(null, "", url);
    else history.replaceState(null, "", url);
    this.inAddressBar = false;
  }

  /** A link to `code` at this page's address (the address bar and clipboard untouched). */
  async linkTo(code: string): Promise<string> {
    const refused = unshareable(code);
    if (refused !== null) throw new Error(refused);
    const url = new URL(location.href);
    url.hash = await encodeCode(code);
    return url.href;
  }

  /** Share: the link in the address bar and, where allowed, the clipboard; the page says which. */
  async share(code: string, download: () => void): Promise<void> {
    const refused = unshareable(code);
    if (refused !== null) {
      this.notices.show({
        key: "share",
        tone: "warn",
        text: refused,
        actions: [{ label: "Download .py", run: download, keep: true }],
      });
      return;
    }
    const url = new URL(await this.linkTo(code));
    history.replaceState(null, "", url.href);
    this.inAddressBar = true;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url.href);
      copied = true;
    } catch {
      copied = false; // no permission or no focus: the address bar still has it
    }
    const length = url.href.length.toLocaleString("en");
    const where = copied
      ? "Link copied to the clipboard"
      : "Link is in the address bar; copy it from there";
    if (url.href.length > LONG_LINK) {
      this.notices.show({
        key: "share",
        tone: "warn",
        text:
          `${where} (${length} characters). Links over ${LONG_LINK.toLocaleString("en")} ` +
          "characters may be cut by chat apps; a file is safer.",
        actions: [{ label: "Download .py", run: download, keep: true }],
      });
    } else {
      this.notices.show({
        key: "share",
        text: `${where} (${length} characters).`,
        timeoutMs: 10_000,
      });
    }
  }
}
