/**
 * Autosave: the user's draft, a short history of their earlier drafts, each lesson's code and
 * progress, and the theme preference, in localStorage. Every operation survives a full or blocked storage
 * and says whether it worked.
 */
const PREFIX = "ad-playground:";
const DRAFT = PREFIX + "draft";
/** Read once, from an older version of the page: it joins the history. */
const PREVIOUS = PREFIX + "previous";
export const DRAFT_KEY = PREFIX + "draft";
export const HISTORY_KEY = PREFIX + "drafts";
/** Earlier drafts kept; when storage runs out, the oldest go first. */
export const HISTORY_SIZE = 10;
const THEME = PREFIX + "theme";

export interface Previous {
  code: string;
  /** What replaced it, e.g. "a shared link" or "the example “Broadcasting”". */
  reason: string;
  savedAt: number;
}

export type ThemeChoice = "light" | "dark";

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // access itself throws when storage is blocked
  }
}

function read(key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(key: string, value: string): boolean {
  try {
    const s = storage();
    if (s === null) return false;
    s.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

export function loadDraft(): string | null {
  return read(DRAFT);
}

export function saveDraft(code: string): boolean {
  return write(DRAFT, code);
}

/** An earlier draft of the user's. */
export interface Draft {
  code: string;
  savedAt: number;
}

/** The earlier drafts, newest first (an older page's "previous" code joins them once). */
export function loadHistory(): Draft[] {
  let entries: Draft[] = [];
  try {
    const value = JSON.parse(read(HISTORY_KEY) ?? "[]") as unknown;
    if (Array.isArray(value)) {
      entries = value.filter(
        (d): d is Draft =>
          typeof d === "object" &&
          d !== null &&
          typeof (d as Draft).code === "string" &&
          typeof (d as Draft).savedAt === "number",
      );
    }
  } catch {
    entries = [];
  }
  const previous = loadPrevious();
  if (previous !== null && !entries.some((d) => d.code === previous.code)) {
    entries = [{ code: previous.code, savedAt: previous.savedAt }, ...entries];
    if (saveHistory(entries) !== null) remove(PREVIOUS);
  }
  return entries.slice(0, HISTORY_SIZE);
}

/**
 * Store the history (newest first, at most HISTORY_SIZE); when storage is full the oldest
 * entries are dropped until it fits. Returns what was stored, or null when not even the newest
 * entry could be (then nothing changed in storage).
 */
export function saveHistory(entries: Draft[]): Draft[] | null {
  for (let n = Math.min(entries.length, HISTORY_SIZE); n >= 1; n--) {
    const kept = entries.slice(0, n);
    if (write(HISTORY_KEY, JSON.stringify(kept))) return kept;
  }
  return entries.length === 0 && write(HISTORY_KEY, "[]") ? [] : null;
}

function loadPrevious(): Previous | null {
  const text = read(PREVIOUS);
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<Previous>;
    if (typeof value.code !== "string") return null;
    return {
      code: value.code,
      reason: String(value.reason ?? "something"),
      savedAt: Number(value.savedAt ?? 0),
    };
  } catch {
    return null;
  }
}

export function loadTheme(): ThemeChoice | null {
  const value = read(THEME);
  return value === "light" || value === "dark" ? value : null;
}

export function saveTheme(choice: ThemeChoice): boolean {
  return write(THEME, choice);
}

function remove(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // blocked storage: nothing was kept either
  }
}

/**
 * What earlier versions of the page kept and this one never reads: an interpreter snapshot of
 * the page's own (20 MB in Cache Storage) with its records, and matplotlib's font list. Every
 * worker now starts from the site's snapshot, and nothing a run could write is read back.
 */
export function forgetOldRuntimeCaches(): void {
  remove(PREFIX + "snapshot");
  remove(PREFIX + "site-snapshot");
  if (!("caches" in globalThis)) return;
  for (const name of ["ad-playground-python", "ad-playground-matplotlib"]) {
    caches.delete(name).catch(() => undefined);
  }
}

/** Calls `save` at most once per `ms`, always with the latest value, and flushes on demand. */
export function debounce<T>(
  ms: number,
  save: (value: T) => void,
): { push(value: T): void; flush(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest: { value: T } | null = null;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (latest !== null) {
      const { value } = latest;
      latest = null;
      save(value);
    }
  };
  return {
    push(value: T) {
      latest = { value };
      if (timer === null) timer = setTimeout(flush, ms);
    },
    flush,
  };
}

// ---- lessons: each lesson's code and the learner's progress, apart from the playground's ----

/** Where a lesson's code is kept: never the playground's draft, never another lesson's. */
const LESSON = PREFIX + "lesson:";
const PROGRESS = PREFIX + "lesson-progress";

/** A lesson's state for the learner: not started, checked and failed, or passed (once is enough). */
export type Progress = "not started" | "tried" | "passed";

export function lessonKey(id: string): string {
  return `${LESSON}${id}:code`;
}

/** The learner's code for a lesson, or null when they never edited it. */
export function loadLessonCode(id: string): string | null {
  return read(lessonKey(id));
}

export function saveLessonCode(id: string, code: string): boolean {
  return write(lessonKey(id), code);
}

/** The code a Show solution or a Reset replaced, kept so that it can be put back. */
export function loadReplacedCode(id: string): string | null {
  return read(`${LESSON}${id}:replaced`);
}

export function saveReplacedCode(id: string, code: string): boolean {
  return write(`${LESSON}${id}:replaced`, code);
}

/** Each lesson's progress; lessons never checked are absent (not started). */
export function loadProgress(): Record<string, Progress> {
  const progress: Record<string, Progress> = {};
  try {
    const value = JSON.parse(read(PROGRESS) ?? "{}") as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [id, state] of Object.entries(value as Record<string, unknown>)) {
        if (state === "tried" || state === "passed") progress[id] = state;
      }
    }
  } catch {
    // unreadable progress counts as none
  }
  return progress;
}

export function saveProgress(progress: Record<string, Progress>): boolean {
  return write(PROGRESS, JSON.stringify(progress));
}

// ---- exercises from links: each under its own key, apart from drafts and lessons ----

/** Where an exercise's code, replaced code and progress are kept: by its digest (exercisecodec). */
const EXERCISE = PREFIX + "exercise:";
/** The Make an exercise form's fields, kept while the teacher writes them. */
const EXERCISE_FORM = PREFIX + "exercise-form";

export function exerciseKey(digest: string, what: "code" | "replaced" | "progress"): string {
  return `${EXERCISE}${digest}:${what}`;
}

export function loadExerciseCode(
  digest: string,
  what: "code" | "replaced" = "code",
): string | null {
  return read(exerciseKey(digest, what));
}

export function saveExerciseCode(
  digest: string,
  code: string,
  what: "code" | "replaced" = "code",
): boolean {
  return write(exerciseKey(digest, what), code);
}

export function loadExerciseProgress(digest: string): Progress {
  const value = read(exerciseKey(digest, "progress"));
  return value === "tried" || value === "passed" ? value : "not started";
}

export function saveExerciseProgress(digest: string, progress: Progress): boolean {
  return write(exerciseKey(digest, "progress"), progress);
}

/** The form's fields as last written (JSON of strings), or null. */
export function loadExerciseForm(): Record<string, string> | null {
  try {
    const value = JSON.parse(read(EXERCISE_FORM) ?? "null") as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const fields: Record<string, string> = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (typeof field === "string") fields[key] = field;
    }
    return fields;
  } catch {
    return null;
  }
}

export function saveExerciseForm(fields: Record<string, string>): boolean {
  return write(EXERCISE_FORM, JSON.stringify(fields));
}
