/**
 * The one message between the page (register.ts) and the service worker (sw/sw.ts): the page
 * asks a new version, downloaded and verified whole, to take over now (the notice's Reload).
 * Shared by both ends, like python/contract.ts.
 */

/** Page -> waiting service worker: take over now; the page reloads when it has. */
export interface SkipWaiting {
  type: "skip-waiting";
}

export const SKIP_WAITING: SkipWaiting = { type: "skip-waiting" };

export function isSkipWaiting(data: unknown): data is SkipWaiting {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as { type?: unknown }).type === "skip-waiting"
  );
}
