/**
 * The service worker: after a first visit the site works with no network. It boots, runs,
 * opens and checks lessons, and imports the packages a run loaded before.
 *
 * What it keeps: one cache per version of the site (the manifest's `version`), filled at install
 * with every file the manifest marks `precache` (the page, the runtime, the interpreter snapshot,
 * numpy and ad, the lessons), then by use with the rest (the packages a run loads on import). A
 * new build is a new sw.js: its install fills a cache of its own (files the old version has
 * with the same digest are copied, the rest downloaded) and verifies all of it before that
 * version may take over. It takes over when the page asks (its "new version" notice) or once no
 * tab uses the old one, and then deletes the old cache whole. A failed install changes nothing.
 *
 * What it trusts: nothing in Cache Storage. Any page or worker of the origin can write there
 * (on a shared host, other sites of the same origin too), so a cached file is served only if its
 * bytes have the SHA-256 that the manifest compiled into this script names, checked at every
 * read; a copy that does not is deleted and fetched again. Bytes from the network are kept only
 * when they match too. Requests for anything else (other origins, files not in the manifest)
 * are left to the network, as without a service worker.
 *
 * What it sends: the headers build.py's server sends (SiteHandler): COOP and COEP, so the page
 * is cross-origin isolated, the page's Content-Security-Policy with frame-ancestors, nosniff. A
 * host that sends none of them gets the full policy from the second load on.
 *
 * Its own TypeScript program (the WebWorker lib, see tsconfig.json here); no DOM.
 */
import { isSkipWaiting } from "../contract";
import { MANIFEST } from "./manifest";
import type { OfflineFile } from "./manifest";

const sw = self as unknown as ServiceWorkerGlobalScope;
/** The site's folder, where sw.js is: the manifest's paths are relative to it. */
const SITE = new URL("./", sw.location.href);
/** One cache per version of this site; its address keeps two sites on one origin apart. */
const PREFIX = `ad-offline ${SITE.href} `;
const CURRENT = PREFIX + MANIFEST.version;
const FILES = new Map(Object.entries(MANIFEST.files));
/** Files fetched at once while installing. */
const PARALLEL = 4;

sw.addEventListener("install", (event) => event.waitUntil(install()));
sw.addEventListener("activate", (event) => event.waitUntil(activate()));
sw.addEventListener("message", (event) => {
  // Only a page can reach this worker: the Python worker has no navigator.serviceWorker (seal.ts).
  if (isSkipWaiting(event.data) && event.source instanceof WindowClient) void sw.skipWaiting();
});
sw.addEventListener("fetch", (event) => {
  const found = siteFile(event.request);
  if (found !== null) event.respondWith(serve(event, found));
});

/** Fill this version's cache, all of it verified, or fail (the version before stays in use). */
async function install(): Promise<void> {
  const cache = await caches.open(CURRENT);
  const missing = await fill(cache, await olderCaches(), true);
  if (missing.length > 0) {
    throw new Error(`the site did not send these files as this version names them: ${missing}`);
  }
}

/**
 * This version takes over: what the pages loaded under the old one since this one was installed
 * is carried over (if it is this version's too), the old caches go, and the pages that no
 * service worker serves yet (a first visit's) are taken, so what their runs load is kept.
 */
async function activate(): Promise<void> {
  const cache = await caches.open(CURRENT);
  const older = await olderCaches();
  await fill(cache, older, false);
  await Promise.all(older.map((name) => caches.delete(name)));
  await sw.clients.claim();
}

async function olderCaches(): Promise<string[]> {
  return (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CURRENT);
}

/**
 * Put into `cache` every file of the manifest it lacks that an older version's cache holds with
 * the same digest, and with `download` the precached ones from the network; the paths of
 * precached files that are still missing.
 */
async function fill(cache: Cache, older: string[], download: boolean): Promise<string[]> {
  const missing: string[] = [];
  const todo = [...FILES];
  const next = async (): Promise<void> => {
    for (let item = todo.shift(); item !== undefined; item = todo.shift()) {
      const [path, file] = item;
      const key = keyOf(path);
      if ((await cached(cache, key, file, true)) !== null) continue;
      let bytes = await carried(older, key, file);
      if (bytes === null && download && file.precache) bytes = await downloaded(key, file);
      if (bytes !== null) await cache.put(key, respond(bytes, file, new URL(key)));
      else if (file.precache) missing.push(path);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, next));
  return missing;
}

/** The same file from an older version's cache, verified; that cache is left as it is. */
async function carried(
  older: string[],
  key: string,
  file: OfflineFile,
): Promise<ArrayBuffer | null> {
  for (const name of older) {
    const found = await cached(await caches.open(name), key, file, false);
    if (found !== null) return found.bytes;
  }
  return null;
}

/** The file from the network, if its bytes are the ones the manifest names. */
async function downloaded(key: string, file: OfflineFile): Promise<ArrayBuffer | null> {
  try {
    const response = await fetch(key, { cache: "no-cache", credentials: "same-origin" });
    const bytes = await response.arrayBuffer();
    return response.ok && (await matches(bytes, file)) ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * The cached response for the file, only if its bytes are the ones the manifest names. In this
 * version's `own` cache its headers must be the ones this version sends too, and an entry that
 * is not right is deleted (it is fetched again); an older version's cache is left as it is.
 */
async function cached(
  cache: Cache,
  key: string,
  file: OfflineFile,
  own: boolean,
): Promise<{ response: Response; bytes: ArrayBuffer } | null> {
  try {
    const response = await cache.match(key);
    if (response === undefined) return null;
    // NOTE: the clone reads the very body the response holds (an entry put later is another).
    const bytes = await response.clone().arrayBuffer();
    if ((await matches(bytes, file)) && (!own || sameHeaders(response, file, key))) {
      return { response, bytes };
    }
    if (own) await cache.delete(key);
  } catch {
    // Storage that cannot be read is as good as none.
  }
  return null;
}

function sameHeaders(response: Response, file: OfflineFile, key: string): boolean {
  const expected = headers(file, new URL(key));
  return Object.entries(expected).every(([name, value]) => response.headers.get(name) === value);
}

/** Whether `bytes` are the file (or, for the gzipped snapshot, what it unpacks to). */
async function matches(bytes: ArrayBuffer, file: OfflineFile): Promise<boolean> {
  const form = [file, file.unpacked].find((f) => f !== undefined && f.bytes === bytes.byteLength);
  return form !== undefined && (await sha256(bytes)) === form.sha256;
}

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

function keyOf(path: string): string {
  return new URL(path, SITE).href;
}

/**
 * The site's file a request asks for, or null: then the network answers, as without a service
 * worker (another origin, a POST, a range, a file the manifest does not name, a query on a file).
 * A navigation to the site's folder, with any query (`?lesson=...`, `?embed=1`), is the page.
 */
function siteFile(request: Request): [string, OfflineFile] | null {
  if (request.method !== "GET" || request.headers.has("range")) return null;
  const url = new URL(request.url);
  if (url.origin !== SITE.origin || !url.pathname.startsWith(SITE.pathname)) return null;
  let path = url.pathname.slice(SITE.pathname.length);
  if (request.mode === "navigate") {
    if (path === "") path = "index.html";
  } else if (url.search !== "") {
    return null;
  }
  const file = FILES.get(path);
  return file === undefined ? null : [path, file];
}

/**
 * A verified copy from this version's cache; else the network's, kept if it is this version's
 * file. Bytes that are not (the host has moved on to another build) are passed on as the host
 * sent them and not kept; with no network and no verified copy, a network error, as offline.
 */
async function serve(event: FetchEvent, [path, file]: [string, OfflineFile]): Promise<Response> {
  const key = keyOf(path);
  const url = new URL(event.request.url);
  const cache = await caches.open(CURRENT).catch(() => null);
  const kept = cache === null ? null : await cached(cache, key, file, true);
  if (kept !== null) {
    // NOTE: the cached response itself, not a copy: the browser keeps the code it compiles for
    // it (the runtime's wasm and scripts), which every new interpreter would compile again.
    // A navigation's headers depend on its query (frame-ancestors): the page is made anew.
    return event.request.mode === "navigate" ? respond(kept.bytes, file, url) : kept.response;
  }
  let response: Response;
  let bytes: ArrayBuffer;
  try {
    response = await fetch(key, { cache: "no-cache", credentials: "same-origin" });
    bytes = await response.arrayBuffer();
  } catch {
    return Response.error();
  }
  if (response.ok && (await matches(bytes, file))) {
    const copy = respond(bytes, file, new URL(key));
    if (cache !== null) event.waitUntil(cache.put(key, copy).catch(() => undefined));
    return respond(bytes, file, url);
  }
  const { status, statusText, headers } = response;
  return new Response(bytes, { status, statusText, headers });
}

/** The file with the headers build.py's server sends for `url`. */
function respond(bytes: ArrayBuffer, file: OfflineFile, url: URL): Response {
  return new Response(bytes, { status: 200, headers: headers(file, url) });
}

/** The headers build.py's server sends (SiteHandler.end_headers) with a file, for `url`. */
function headers(file: OfflineFile, url: URL): Record<string, string> {
  return {
    "Content-Type": file.type,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": `${MANIFEST.csp}; frame-ancestors ${frameAncestors(url)}`,
    "Cache-Control": "no-cache",
  };
}

/**
 * Who may frame this response, as SiteHandler.frame_ancestors decides: any site for an embed
 * (`?embed=1`), no one otherwise (the full page shows the user's draft).
 */
function frameAncestors(url: URL): string {
  const embed = url.searchParams.getAll("embed").at(-1) ?? "0";
  return ["1", "true", ""].includes(embed) ? "*" : "'none'";
}
