/**
 * Checks for data from outside the page's own code (a worker's messages, figure payloads,
 * stored records, fetched lessons): each `Check<T>` is a type guard, and the combinators build
 * one for a whole structure. What does not fit is rejected, never guessed at.
 */

/** Whether a value has type T. */
export type Check<T> = (value: unknown) => value is T;

export const isString = (v: unknown): v is string => typeof v === "string";
export const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
export const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function orNull<T>(check: Check<T>): Check<T | null> {
  return (v): v is T | null => v === null || check(v);
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v): v is T | undefined => v === undefined || check(v);
}

export function listOf<T>(check: Check<T>): Check<T[]> {
  return (v): v is T[] => Array.isArray(v) && v.every((item) => check(item));
}

/** An object with these fields (and maybe others, which the page ignores). */
export function fields<T>(checks: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  const entries = Object.entries(checks) as Array<[string, Check<unknown>]>;
  return (v): v is T =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    entries.every(([key, check]) => check((v as Record<string, unknown>)[key]));
}

/** Also `check`, then `rule` on the typed value (lengths that must agree, ids that must exist). */
export function where<T>(check: Check<T>, rule: (value: T) => boolean): Check<T> {
  return (v): v is T => check(v) && rule(v);
}

/** A message or run id: a positive safe integer. */
export const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
/** A duration in ms: finite and not negative. */
export const isDuration = (v: unknown): v is number => isNumber(v) && v >= 0;
/** One of these strings. */
export function oneOf<T extends string>(...values: readonly T[]): Check<T> {
  return (v): v is T => typeof v === "string" && (values as readonly string[]).includes(v);
}
/** An object whose every value passes `check`. */
export function recordOf<T>(check: Check<T>): Check<Record<string, T>> {
  return (v): v is Record<string, T> =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v as Record<string, unknown>).every((item) => check(item));
}
