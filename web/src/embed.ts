/**
 * Embed mode: the playground in another site's page (an <iframe>). Pure functions of URLs and
 * strings: which options a URL asks for, the full playground's URL for the same code, the
 * <iframe> snippet that embeds code, and the one message an embed sends its parent.
 */

/** What an embed's URL asks for (`?embed=1&theme=dark&readonly=1&autoheight=1`). */
export interface EmbedOptions {
  /** `theme=light|dark`; null follows the reader's system. */
  theme: "light" | "dark" | null;
  /** `readonly=1`: the code can be run, not edited. */
  readonly: boolean;
  /** `autoheight=1`: tell the parent the embed's height (see HeightMessage). */
  autoHeight: boolean;
}

/** Query parameters that belong to the embed and not to the full playground. */
const EMBED_PARAMS = ["embed", "theme", "readonly", "autoheight"];

/**
 * The embed options `url` asks for, or null for the full playground. A page shown inside a frame
 * is always an embed, whatever its URL says.
 * NOTE: the full page shows the user's draft; framed, it could be overlaid by the framing page
 * (clickjacking) on a host that cannot send `frame-ancestors` per URL, so it never shows there.
 */
export function readEmbedOptions(url: URL, framed: boolean): EmbedOptions | null {
  const params = url.searchParams;
  if (!framed && !isOn(params.get("embed"))) return null;
  const theme = params.get("theme");
  return {
    theme: theme === "light" || theme === "dark" ? theme : null,
    readonly: isOn(params.get("readonly")),
    autoHeight: isOn(params.get("autoheight")),
  };
}

function isOn(value: string | null): boolean {
  return value === "1" || value === "true" || value === "";
}

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
 * The <iframe> snippet that embeds `code`, for pasting into a page's HTML. Its title (what a
 * screen reader announces for the frame) names the code's first line.
 */
export function embedSnippet(src: string, code: string): string {
  const first = code.split("\n").find((line) => line.trim() !== "") ?? "";
  const short = first.trim().length > 60 ? `${first.trim().slice(0, 59)}…` : first.trim();
  const title = short === "" ? "ad playground" : `ad playground: ${short}`;
  const attributes = [
    `src="${escapeAttribute(src)}"`,
    `title="${escapeAttribute(title)}"`,
    `width="100%"`,
    `height="${embedHeight(code)}"`,
    `style="border: 1px solid #8884; border-radius: 6px"`,
    `loading="lazy"`,
  ];
  return `<iframe ${attributes.join(" ")}></iframe>`;
}

/** Text made safe inside a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * The one message an embed sends its parent, and only with `autoheight=1`: the height in CSS
 * pixels its content needs, whenever that changes. The embed listens to no message at all.
 */
export interface HeightMessage {
  type: "ad-playground:height";
  height: number;
}

export function heightMessage(height: number): HeightMessage {
  return { type: "ad-playground:height", height: Math.ceil(height) };
}
