/**
 * What the page is, read from its address and its window alone, before any of its code runs:
 * an embed (framed, or `?embed=1`) with its options, or the full playground; a lesson, the list
 * of lessons or an exercise link. Imports nothing, so that early.ts (the classic script in
 * <head>) and main.ts decide by the same rules.
 */

/** The query parameter that marks an exercise link's address (`?exercise#v1.…`). */
export const EXERCISE_PARAM = "exercise";

/** Whether `url` is an exercise link's address (`?exercise`). */
export function isExerciseUrl(url: URL): boolean {
  return url.searchParams.has(EXERCISE_PARAM);
}

/** The lesson `url` names: its id, "" for the list (`?lessons`), or null (none). */
export function lessonInUrl(url: URL): string | null {
  const params = url.searchParams;
  return params.get("lesson") ?? (params.has("lessons") ? "" : null);
}

/** What an embed's URL asks for (`?embed=1&theme=dark&readonly=1&autoheight=1`). */
export interface EmbedOptions {
  /** `theme=light|dark`; null follows the reader's system. */
  theme: "light" | "dark" | null;
  /** `readonly=1`: the code can be run, not edited. */
  readonly: boolean;
  /** `autoheight=1`: tell the parent the embed's height (see HeightMessage). */
  autoHeight: boolean;
}

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

/** Whether this page is shown inside a frame (a cross-origin parent hides its window: framed). */
export function isFramed(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
}
