/**
 * Booting Python is most of a visit's wait (about 1.7 s of CPU here), so the worker keeps the
 * freshly booted interpreter as a memory snapshot in Cache Storage and later visits restore it
 * (about 0.3 s). Only the bare interpreter is kept: Pyodide 0.27 cannot snapshot loaded
 * packages, so numpy and ad load after either way. Part of the worker's program (no DOM).
 * NOTE: a restored interpreter keeps the snapshot's string-hash seed (the same on every
 * restored visit); the worker reseeds `random`, whose state would otherwise repeat too.
 * NOTE: any code of this origin can write Cache Storage, a snippet's included, so the page
 * keeps the SHA-256 of the snapshot it accepted (in localStorage, out of workers' reach) and
 * the worker restores only a snapshot with that digest (`digestOf`).
 * NOTE: each snapshot is stored under its own digest's key. Workers of one page overlap (a
 * standby boots while the one that made the snapshot is still writing it), and a worker that
 * finds its snapshot bad deletes it: under one shared key, that delete could remove the good
 * snapshot just written over it, and the page would boot in full on every later visit.
 */
import { BUILD_ID, SITE_SNAPSHOT } from "../build-id";

const CACHE_NAME = "ad-playground-python";
/**
 * A restore that has not finished by then is given up, and Python is booted from scratch.
 * NOTE: it includes fetching and compiling the runtime's wasm, seconds on a busy machine; a
 * restore given up too soon throws a good snapshot away. It is the last resort against a
 * restore that never settles (the digest check comes first).
 */
const RESTORE_TIMEOUT_MS = 30_000;
const WASM_PAGE = 65536;

// NOTE: Cache Storage exists only in secure contexts (https, localhost); the lib types it as
// always there, so test for it.
const cacheStorage: CacheStorage | undefined = "caches" in globalThis ? caches : undefined;

/**
 * A snapshot's cache key: its Pyodide version and the build (build-id.ts: the snapshot holds
 * what the worker imported before taking it, warmup.py, and fits only the runtime that made it),
 * and its digest (the one snapshot the page accepted is the one looked up).
 */
function keyFor(version: string, base: string, digest: string): string {
  return new URL(`./pyodide/interpreter-${version}-${BUILD_ID}-${digest}.snapshot`, base).href;
}

/**
 * The snapshot stored under `digest`; "missing" when there is none (or storage is unavailable),
 * "damaged" when one is stored but cannot be a snapshot (it is deleted).
 */
export async function loadSnapshot(
  version: string,
  base: string,
  digest: string,
): Promise<Uint8Array<ArrayBuffer> | "missing" | "damaged"> {
  if (cacheStorage === undefined) return "missing";
  try {
    const cache = await cacheStorage.open(CACHE_NAME);
    const response = await cache.match(keyFor(version, base, digest));
    if (response === undefined) return "missing";
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (plausible(bytes, Number(response.headers.get("x-snapshot-bytes")))) return bytes;
    await cache.delete(keyFor(version, base, digest));
    return "damaged";
  } catch {
    return "missing"; // blocked or broken storage: boot from scratch
  }
}

/**
 * NOTE: Pyodide never settles loadPyodide() when a snapshot's memory does not fit, so check
 * what can be checked first: the stored length, and a header followed by whole wasm pages.
 */
function plausible(bytes: Uint8Array, storedLength: number): boolean {
  if (bytes.byteLength !== storedLength || bytes.byteLength < 16 || bytes.byteOffset % 4 !== 0) {
    return false;
  }
  const headerLength = new Uint32Array(bytes.buffer, bytes.byteOffset, 4)[1] ?? 0;
  return (
    headerLength > 0 &&
    headerLength < bytes.byteLength &&
    (bytes.byteLength - headerLength) % WASM_PAGE === 0
  );
}

/**
 * Keep a snapshot (whose SHA-256 is `digest`) for the next visit, then drop every other one
 * (older ones, ones a snippet wrote); failures (quota, blocked storage) only cost the speed-up.
 */
export function saveSnapshot(
  version: string,
  base: string,
  digest: string,
  bytes: Uint8Array<ArrayBuffer>,
): void {
  if (cacheStorage === undefined) return;
  const key = keyFor(version, base, digest);
  const response = new Response(bytes, {
    headers: {
      "content-type": "application/octet-stream",
      "x-snapshot-bytes": String(bytes.byteLength),
    },
  });
  void cacheStorage
    .open(CACHE_NAME)
    .then(async (cache) => {
      // Then free every other snapshot (older builds', rejected ones): 20 MB each.
      await cache.put(key, response);
      for (const request of await cache.keys()) {
        if (request.url !== key) await cache.delete(request);
      }
    })
    .catch(() => undefined);
}

/** Delete the snapshot stored under `digest` (found wrong or not restorable). */
export async function forgetSnapshot(version: string, base: string, digest: string): Promise<void> {
  try {
    await cacheStorage
      ?.open(CACHE_NAME)
      .then((cache) => cache.delete(keyFor(version, base, digest)));
  } catch {
    // nothing to forget
  }
}

/** `restore()`, or null if it fails or does not finish in time. */
export async function withinTimeout<T>(restore: () => Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>(
    (resolve) => (timer = setTimeout(() => resolve(null), RESTORE_TIMEOUT_MS)),
  );
  try {
    return await Promise.race([restore(), timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** The SHA-256 of `bytes` as hex, or null where Web Crypto is missing (insecure contexts). */
export async function digestOf(bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return null;
  try {
    const hash = new Uint8Array(await subtle.digest("SHA-256", bytes));
    return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
  } catch {
    return null;
  }
}

/**
 * The snapshot the site ships (build-id.ts), checked against the SHA-256 compiled into this
 * bundle; else why not: "none" (a build without one), "missing" (not served), "mismatch".
 * NOTE: it is gzipped, and a host may send it with `Content-Encoding: gzip`, in which case the
 * browser has unpacked it already: the gzip magic number decides.
 */
export async function loadSiteSnapshot(
  base: string,
): Promise<Uint8Array<ArrayBuffer> | "none" | "missing" | "mismatch"> {
  if (SITE_SNAPSHOT === null) return "none";
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const response = await fetch(new URL(SITE_SNAPSHOT.url, base));
    if (!response.ok) return "missing";
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    return "missing"; // offline
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // The gzipped file's digest vouches for what it unpacks to (a quarter of the bytes to hash).
    if ((await digestOf(bytes)) !== SITE_SNAPSHOT.gzipSha256) return "mismatch";
    try {
      const unpacked = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(unpacked).arrayBuffer());
    } catch {
      return "mismatch";
    }
    return bytes.byteLength === SITE_SNAPSHOT.bytes ? bytes : "mismatch";
  }
  if (bytes.byteLength !== SITE_SNAPSHOT.bytes) return "mismatch";
  return (await digestOf(bytes)) === SITE_SNAPSHOT.sha256 ? bytes : "mismatch";
}
