/**
 * Exercise links: an exercise a teacher made in the page (Make an exercise) <-> the fragment of
 * `?exercise#v1.…`. The same versioned codec as share links (share.ts: "v1." + base64url(
 * deflate-raw(UTF-8))), over a small JSON object; pure functions of strings, plus the platform's
 * CompressionStream and SHA-256. A link never carries a solution.
 *
 * NOTE: a link is anyone's: everything decoded here is untrusted text. Its task is shown as text
 * (markdown.ts builds DOM nodes, never markup) and its checks run only when the learner presses
 * Check, in a run's own interpreter, like any link's code.
 */
import { EXERCISE_PARAM } from "./pagemode";
import { decodeFragment, encodeCode } from "./share";

/** What a teacher writes, and what the link carries. */
export interface Exercise {
  /** Markdown with `$…$` math; a first line `# Title` is the exercise's title. */
  task: string;
  /** The code the learner starts from. */
  starter: string;
  /** Python run after the learner's code: `@check`s, as a lesson's checks.py (lessoncheck). */
  checks: string;
}

/** An exercise as a link opens it: with, from Share, the code of someone's attempt at it. */
export interface ExerciseLink extends Exercise {
  /** The code of a shared attempt (opened in the editor, not run), or null. */
  attempt: string | null;
}

/** The JSON object's `kind`: tells an exercise from a share link's code put after ?exercise. */
const KIND = "ad-exercise";
/** The longest fragment an exercise link may have, in characters (the task, starter and checks
 * compressed; lesson 15, the course's largest, would take about 11,000). */
export const MAX_EXERCISE_LINK = 32_000;
/** The most text a link's exercise may inflate to (a small link can inflate to a huge text). */
export const MAX_EXERCISE_TEXT = 400_000;

// The address's rules are pagemode.ts's (early.ts reads them before the first paint).
export { EXERCISE_PARAM, isExerciseUrl } from "./pagemode";

/** The fragment (without "#") that carries `exercise` (and an attempt, when not null). */
export async function encodeExercise(
  exercise: Exercise,
  attempt: string | null = null,
): Promise<string> {
  const data: Record<string, string> = {
    kind: KIND,
    task: exercise.task,
    starter: exercise.starter,
    checks: exercise.checks,
  };
  if (attempt !== null) data.attempt = attempt;
  return encodeCode(JSON.stringify(data));
}

/**
 * Why an exercise cannot go in a link (too long: what to shorten), or null. `fragment` is what
 * encodeExercise made of it.
 */
export function exerciseTooLong(fragment: string): string | null {
  if (fragment.length <= MAX_EXERCISE_LINK) return null;
  const n = (x: number): string => x.toLocaleString("en");
  return (
    `This exercise needs a link of ${n(fragment.length)} characters; an exercise link carries ` +
    `at most ${n(MAX_EXERCISE_LINK)} (the task, starter code and checks, compressed; never the ` +
    "solution). Shorten the checks or the task, or make it a lesson in the repository."
  );
}

/** The exercise an exercise link's fragment carries, or why it cannot be read; never throws. */
export async function decodeExercise(
  fragment: string,
): Promise<{ exercise: ExerciseLink } | { error: string }> {
  const text = fragment.startsWith("#") ? fragment.slice(1) : fragment;
  if (text === "") return { error: "This exercise link is empty: it carries no exercise." };
  if (text.length > MAX_EXERCISE_LINK) {
    return {
      error:
        `This exercise link is ${text.length.toLocaleString("en")} characters long, more than ` +
        `the ${MAX_EXERCISE_LINK.toLocaleString("en")} an exercise link may have, so it was not ` +
        "opened.",
    };
  }
  const decoded = await decodeFragment(text);
  if (decoded.kind === "error") {
    // A format from a later version of the page says so; anything else is a damaged link.
    if (decoded.message.includes("uses format")) return { error: decoded.message };
    return { error: "This exercise link is damaged (perhaps cut short) and could not be read." };
  }
  if (decoded.kind === "empty") return { error: "This exercise link carries no exercise." };
  if (decoded.code.length > MAX_EXERCISE_TEXT) {
    return { error: "This exercise link's exercise is too large to open." };
  }
  let data: unknown;
  try {
    data = JSON.parse(decoded.code);
  } catch {
    data = null;
  }
  const fields = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  if (fields.kind !== KIND) {
    return {
      error:
        "This link is not an exercise (it may be a share link to code: open it without " +
        "“?exercise” in the address).",
    };
  }
  const { task, starter, checks, attempt } = fields;
  if (typeof task !== "string" || typeof starter !== "string" || typeof checks !== "string") {
    return {
      error: "This exercise link is damaged: its task, starter code or checks are missing.",
    };
  }
  return {
    exercise: { task, starter, checks, attempt: typeof attempt === "string" ? attempt : null },
  };
}

/**
 * The exercise's title (its task's first line `# Title`, else "Exercise") and the rest of its
 * task, which the page shows below the title.
 */
export function splitTitle(task: string): { title: string; text: string } {
  const match = /^[ \t]*#[ \t]+(.+?)[ \t#]*(?:\r?\n|$)/.exec(task.replace(/^\s*\n/, ""));
  if (match === null) return { title: "Exercise", text: task };
  const rest = task.replace(/^\s*\n/, "").slice(match[0].length);
  return { title: (match[1] ?? "").trim().slice(0, 120) || "Exercise", text: rest };
}

/**
 * The exercise's own key: hex of the SHA-256 of its task, starter and checks (an attempt or
 * another encoding of the same exercise has the same key). Where the platform has no SHA-256
 * (a page served over plain HTTP from another machine), a 64-bit FNV-1a hash, marked "f".
 */
export async function exerciseDigest(exercise: Exercise): Promise<string> {
  const bytes = new TextEncoder().encode(
    JSON.stringify([exercise.task, exercise.starter, exercise.checks]),
  );
  const subtle = globalThis.crypto?.subtle;
  if (subtle !== undefined) {
    const hash = new Uint8Array(await subtle.digest("SHA-256", bytes));
    return [...hash.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return `f${h.toString(16).padStart(16, "0")}`;
}

/**
 * The exercise link for `fragment` at the playground `pageUrl` (any query it has is dropped):
 * `?exercise#…`, or with `embed`, the embed's `?exercise&embed=1#…`.
 */
export function exerciseUrl(pageUrl: URL, fragment: string, embed = false): string {
  const url = new URL(pageUrl.href);
  url.search = embed ? `?${EXERCISE_PARAM}&embed=1` : `?${EXERCISE_PARAM}`;
  url.hash = fragment;
  return url.href;
}
