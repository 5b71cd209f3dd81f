/**
 * What a run's code must not reach, taken away before any of it runs: everything in this
 * worker through which it could leave something behind for a later run, a later visit or
 * another page of this site (storage the browser keeps for the origin) or start a context that
 * has those (a nested worker). The worker itself is thrown away after its one run, so its
 * timers, files and patched classes die with it; these are what would outlive it.
 * Part of the worker's program (no DOM).
 */

/** Globals (and navigator members) that persist data for the origin or reach other contexts. */
const GLOBALS = [
  "caches", // Cache Storage: shared by every page and worker of the origin
  "indexedDB",
  "Worker", // a nested worker would have all of the above again
  "SharedWorker",
  "BroadcastChannel", // messages to every other context of the origin
  "cookieStore",
] as const;
const NAVIGATOR = [
  "storage", // the origin private file system (getDirectory), quota
  "serviceWorker",
] as const;

/**
 * Remove `name` from `target` and every prototype it inherits from; where a property cannot be
 * deleted, shadow it with `undefined`. Throws if `name` still reaches something.
 */
function remove(target: object, name: string): void {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    if (Object.hasOwn(o, name) && !Reflect.deleteProperty(o, name)) {
      Object.defineProperty(o, name, { value: undefined, writable: false, configurable: false });
    }
  }
  if ((target as Record<string, unknown>)[name] !== undefined) {
    throw new Error(`the worker could not take ${name} out of a run's reach`);
  }
}

/** Take the origin's storage and new contexts out of reach of the code this worker runs. */
export function seal(): void {
  for (const name of GLOBALS) remove(globalThis, name);
  for (const name of NAVIGATOR) remove(navigator, name);
}
