/**
 * Autosave: the draft, the code that a link or an example replaced (so it stays restorable),
 * and the theme preference, in localStorage. Every operation survives a full or blocked
 * storage and says whether it worked.
 */

const PREFIX = "ad-playground:";
const DRAFT = PREFIX + "draft";
const PREVIOUS = PREFIX + "previous";
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

/** Keep `code` restorable before something replaces it in the editor. */
export function keepPrevious(code: string, reason: string): boolean {
  const entry: Previous = { code, reason, savedAt: Date.now() };
  return write(PREVIOUS, JSON.stringify(entry));
}

export function loadPrevious(): Previous | null {
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
