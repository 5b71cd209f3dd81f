/**
 * The page's end of the service worker (sw/sw.ts keeps the site for offline use): it registers
 * it, from the full page only (never an embed, never a worker), at the site's fixed sw.js, once
 * Python is ready so that its first download never competes with the boot. It says when a new
 * version of the site has been downloaded and verified whole: the notice's Reload lets that
 * version take over and reloads. Where service workers are missing or blocked (an insecure
 * context, a browser setting), the page works as before, online.
 */
import type { Notices } from "../notices";
import { SKIP_WAITING } from "./contract";

const NOTICE = "new-version";

/** Register the service worker once `after` settles, and announce new versions. */
export function keepOffline(site: URL, notices: Notices, after: Promise<unknown>): void {
  const container = globalThis.navigator?.serviceWorker;
  if (container === undefined || globalThis.isSecureContext !== true) return;
  /** Whether a service worker serves this page (a first visit's page is not served by one). */
  let controlled = container.controller !== null;
  /** Reload was chosen: the new version's taking over reloads the page. */
  let asked = false;
  let reloading = false;

  const announce = (waiting: ServiceWorker | null): void => {
    notices.show({
      key: NOTICE,
      text: "A new version of the playground is ready.",
      actions: [
        {
          label: "Reload",
          keep: true,
          run: () => {
            if (waiting === null) {
              location.reload();
              return;
            }
            asked = true;
            waiting.postMessage(SKIP_WAITING);
          },
        },
      ],
    });
  };

  container.addEventListener("controllerchange", () => {
    if (!controlled) {
      controlled = true; // the first version took this page: the files it serves are this page's
    } else if (asked && !reloading) {
      reloading = true;
      location.reload();
    } else if (!asked) {
      announce(null); // another tab took the new version: this page is older than the files
    }
  });
  after
    .then(async () => {
      const registration = await container.register(new URL("sw.js", site), {
        scope: site.href,
        updateViaCache: "none",
      });
      // A version downloaded and verified whole waits for the page's word: whether it was
      // installed on an earlier visit, is installing now, or is found later.
      const follow = (worker: ServiceWorker | null): void => {
        const installed = (): void => {
          if (worker?.state === "installed" && controlled) announce(worker);
        };
        worker?.addEventListener("statechange", installed);
        installed();
      };
      follow(registration.waiting);
      follow(registration.installing);
      registration.addEventListener("updatefound", () => follow(registration.installing));
    })
    .catch((e: unknown) => console.warn("The playground cannot be kept for offline use:", e));
}
