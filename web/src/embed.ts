/**
 * Embed mode: the playground in another site's page (an <iframe>). Pure functions of URLs and
 * strings (which options a URL asks for is pagemode.ts's; here the full playground's URL for the same code, the
 * <iframe> snippet that embeds code, the one message an embed sends its parent), and the embed
 * itself (`startEmbed`): the compact view, Python started on first use, Open in playground, and
 * the height message.
 */
import type { Editor } from "./editor";
import { codeFromLink, unshareable } from "./links";
import type { Notices } from "./notices";
import type { Runner } from "./python/runner";
import type { EmbedOptions } from "./pagemode";
import { encodeCode } from "./share";

/** Query parameters that belong to the embed and not to the full playground. */
const EMBED_PARAMS = ["embed", "theme", "readonly", "autoheight"];

/** The full playground's URL for the code in `fragment` (an embed's own URL without its options). */
export function playgroundUrl(embedUrl: URL, fragment: string): string {
  const url = new URL(embedUrl.href);
  for (const name of EMBED_PARAMS) url.searchParams.delete(name);
  url.hash = fragment;
  return url.href;
}

/** The embed's URL for the code in `fragment`, from the full playground's URL. */
export function embedUrl(pageUrl: URL, fragment: string): string {
  const url = new URL(pageUrl.href);
  for (const name of EMBED_PARAMS) url.searchParams.delete(name);
  url.searchParams.set("embed", "1");
  url.hash = fragment;
  return url.href;
}

/** Pixel heights the snippet's iframe height is made of (the embed's CSS keeps to them). */
export const EMBED_LAYOUT = {
  /** The bar with Run, Stop, the status and Open in playground. */
  toolbar: 44,
  /** One editor line (font 14px x line-height 1.5). */
  line: 21,
  /** The editor's padding and borders. */
  editorChrome: 12,
  /** The output area below the editor. */
  output: 160,
  /** The editor shows at least this many lines and at most this many without scrolling. */
  minLines: 4,
  maxLines: 20,
};

/** The editor's height in the embed, for `lines` of code (it scrolls past maxLines). */
export function editorHeight(lines: number): number {
  const shown = Math.min(EMBED_LAYOUT.maxLines, Math.max(EMBED_LAYOUT.minLines, lines));
  return shown * EMBED_LAYOUT.line + EMBED_LAYOUT.editorChrome;
}

/** The iframe height that shows `code` and some output without scrolling the embed. */
export function embedHeight(code: string): number {
  return EMBED_LAYOUT.toolbar + editorHeight(code.split("\n").length) + EMBED_LAYOUT.output;
}

/**
 * What a screen reader announces for the frame: "ad playground: " and the code's first comment
 * line (its text, without the "#"), or "code example" when it has none.
 */
export function embedTitle(code: string): string {
  const comment = code
    .split("\n")
    .map((line) => line.trim())
    .find(
      (line) =>
        line.startsWith("#") && !line.startsWith("#!") && line.replace(/^#+/, "").trim() !== "",
    );
  const text = comment?.replace(/^#+/, "").trim() ?? "code example";
  return `ad playground: ${shorten(text, 60)}`;
}

function shorten(text: string, most: number): string {
  return text.length > most ? `${text.slice(0, most - 1).trimEnd()}…` : text;
}

/** The two ways to embed: a frame of a fixed height, or one that grows with its content. */
export interface EmbedCodes {
  /** The <iframe> alone, sized to the code. */
  fixed: string;
  /** The <iframe> with `autoheight=1`, and the few lines of script the host page needs. */
  auto: string;
}

/**
 * The embed codes for the embed at `src` (its `embed=1` URL), for pasting into a page's HTML.
 * `title` names the frame for screen readers; `height` is its first height in CSS pixels.
 */
export function embedCodes(src: string, title: string, height: number): EmbedCodes {
  const frame = (url: string): string => {
    const attributes = [
      `src="${escapeAttribute(url)}"`,
      `title="${escapeAttribute(title)}"`,
      `width="100%"`,
      `height="${height}"`,
      `style="border: 1px solid #8884; border-radius: 6px"`,
      `loading="lazy"`,
    ];
    return `<iframe ${attributes.join(" ")}></iframe>`;
  };
  const auto = new URL(src);
  // Added to the query as written (`?exercise&embed=1` stays as it is).
  auto.search = auto.search === "" ? "?autoheight=1" : `${auto.search}&autoheight=1`;
  return { fixed: frame(src), auto: `${frame(auto.href)}\n${hostScript(auto.origin)}` };
}

/**
 * The host page's side of `autoheight=1`: it sets the height of the frame that sent the message,
 * only for messages from the playground's origin, once however many embeds a page pastes.
 */
export function hostScript(origin: string): string {
  return [
    "<script>",
    "  // Lets the ad playground frames on this page grow with their content.",
    "  if (!window.adPlaygroundHeights) {",
    "    window.adPlaygroundHeights = true;",
    '    addEventListener("message", (e) => {',
    `      if (e.origin !== ${JSON.stringify(origin)} || e.data?.type !== "${HEIGHT_TYPE}") return;`,
    '      for (const frame of document.querySelectorAll("iframe")) {',
    "        if (frame.contentWindow !== e.source) continue;",
    `        const height = Math.min(Math.max(Number(e.data.height) || 0, 100), ${MAX_HEIGHT});`,
    "        frame.style.height = `${height}px`;",
    "      }",
    "    });",
    "  }",
    "</script>",
  ].join("\n");
}

/** The <iframe> snippet that embeds `code` at a fixed height (see embedCodes for both forms). */
export function embedSnippet(src: string, code: string): string {
  return embedCodes(src, embedTitle(code), embedHeight(code)).fixed;
}

/** Text made safe inside a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** The type of the one message an embed sends. */
const HEIGHT_TYPE = "ad-playground:height";
/** The most an embed asks for (a long output then scrolls inside the frame). */
export const MAX_HEIGHT = 4000;
/** After the first, heights are sent at most this often (output streams in many pieces). */
export const HEIGHT_DEBOUNCE_MS = 100;

/**
 * The one message an embed sends its parent, and only with `autoheight=1`: the height in CSS
 * pixels its content needs (at most MAX_HEIGHT), whenever that changes. The embed listens to no
 * message at all.
 */
export interface HeightMessage {
  type: typeof HEIGHT_TYPE;
  height: number;
}

export function heightMessage(height: number): HeightMessage {
  return { type: HEIGHT_TYPE, height: Math.min(MAX_HEIGHT, Math.ceil(height)) };
}

/** An embed's code: its link's only (never the user's draft); `fallback` when it has none. */
export async function embedCode(notices: Notices, fallback: string): Promise<string> {
  const link = await codeFromLink(location.hash);
  if (link === null) return fallback;
  if ("error" in link) {
    notices.show({ key: "link", tone: "warn", text: link.error });
    return "";
  }
  return link.code;
}

export interface EmbedElements {
  root: HTMLElement;
  editor: HTMLElement;
  run: HTMLButtonElement;
  openPlayground: HTMLAnchorElement;
  /** What the compact view hides: examples, lessons, drafts, share, theme, the splitter... */
  hidden: Array<HTMLElement | null>;
}

/**
 * The compact view: only Run, Stop, the status, Open in playground, the editor and the output.
 * Returns what to call when the reader edits the code.
 * NOTE: no hashchange, storage or message listener and no window.adPlayground: the embedding
 * page chooses the code once, in the URL, and cannot drive or read the embed.
 */
export function startEmbed(
  options: EmbedOptions,
  ui: EmbedElements,
  editor: Editor,
  runner: Runner,
  framed: boolean,
  /** Open in playground follows the code (false: exercise.ts points it at the exercise). */
  ownLink = true,
): (code: string) => void {
  ui.root.dataset.embed = options.autoHeight ? "autoheight" : "";
  for (const hidden of ui.hidden) if (hidden !== null) hidden.hidden = true;
  ui.openPlayground.hidden = false;
  document.title = "ad playground (embedded)";
  // The editor's own height, from the code's length (the reader can drag it taller).
  ui.editor.style.height = `${editorHeight(editor.view.state.doc.lines)}px`;
  const warm = (): void => runner.warm();
  ui.editor.addEventListener("focusin", warm, { once: true });
  ui.run.addEventListener("focus", warm, { once: true });
  // A page may hold ten embeds: one out of view (or in a hidden tab) keeps no interpreter ready.
  let inView = true;
  const visible = (): void => runner.setVisible(inView && document.visibilityState === "visible");
  new IntersectionObserver((entries) => {
    inView = entries.some((entry) => entry.isIntersecting);
    visible();
  }).observe(document.documentElement);
  document.addEventListener("visibilitychange", visible);
  if (options.autoHeight && framed) reportHeight();
  if (!ownLink) return () => undefined;
  const openLink = new OpenLink(ui.openPlayground);
  openLink.update(editor.getCode());
  return (code) => openLink.update(code);
}

/** Open in playground: the full page on the embed's current code, kept current as it is edited. */
class OpenLink {
  /** Bumped per edit; the link's href is current when its data-version equals it. */
  private version = 0;
  private href: Promise<string> = Promise.resolve(location.href);

  constructor(private readonly link: HTMLAnchorElement) {
    link.addEventListener("click", (e) => {
      if (link.dataset.version === String(this.version)) return; // href is current
      // The code changed a moment ago and its link is still being made: open it once made.
      e.preventDefault();
      void this.href.then((href) => window.open(href, "_blank", "noopener"));
    });
  }

  /** Point the link at `code` (the full page opens it as a link, without running it). */
  update(code: string): void {
    const version = ++this.version;
    const here = new URL(location.href);
    this.href =
      unshareable(code) === null
        ? encodeCode(code).then((fragment) => playgroundUrl(here, fragment))
        : Promise.resolve(playgroundUrl(here, "")); // too large for a link: the bare playground
    void this.href.then((href) => {
      if (version !== this.version) return;
      this.link.href = href;
      this.link.dataset.version = String(version);
    });
  }
}

/**
 * With `autoheight=1`: tell the parent the height the content needs, whenever it changes (the
 * output, a figure, a stepper's step, the editor dragged taller): at once the first time, then at
 * most once per HEIGHT_DEBOUNCE_MS (the latest height; output streams in many pieces). The page's CSS lets the content set the body's height
 * in this mode (style.css), so the body's size is the content's.
 */
function reportHeight(): void {
  let last = -1;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const send = (): void => {
    timer = null;
    const message = heightMessage(document.body.getBoundingClientRect().height);
    if (message.height === last) return;
    last = message.height;
    // NOTE: the parent's origin is unknown (any site may embed), so "*": the message holds
    // nothing but this number, never code or output.
    window.parent.postMessage(message, "*");
  };
  const changed = (): void => {
    if (last === -1) send();
    else if (timer === null) timer = setTimeout(send, HEIGHT_DEBOUNCE_MS);
  };
  // Sizes that change without the DOM (the editor dragged taller, fonts, the frame's width).
  new ResizeObserver(changed).observe(document.body);
  // NOTE: and every change to the DOM: a frame out of view is not rendered, so its
  // ResizeObserver stays silent until the reader scrolls to it, and the host's page would then
  // shift under their eyes. The measurement above lays the page out even there.
  new MutationObserver(changed).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    characterData: true,
  });
}
