/**
 * The interpreter snapshot the site ships (build-id.ts; made at build time by web/snapshot.mjs):
 * every worker restores Python from it (about 0.5 s) instead of booting it (about 4 s of CPU).
 * The page fetches and checks it once and hands each new worker a copy (runner.ts), so a worker
 * neither fetches, unpacks nor hashes 25 MB again. Only bytes whose SHA-256 this bundle names are
 * used: nothing a host, a cache or a snippet could put there is ever restored. Used by both the
 * page and (for its digests) the worker; no DOM.
 * NOTE: a restored interpreter keeps the snapshot's string-hash seed (the same for every
 * visitor, as with PYTHONHASHSEED fixed); boot.ts reseeds `random`, whose state would repeat too.
 */
import { SITE_SNAPSHOT } from "../build-id";

/** Why the site's snapshot was not restored, as the page says it. */
export type SnapshotProblem =
  | "this build has no snapshot"
  | "the site did not serve its snapshot"
  | "the site's snapshot does not match this build"
  | "restoring the site's snapshot failed";

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
 * The snapshot the site ships, checked against the SHA-256 compiled into this bundle; else why
 * it cannot be used.
 * NOTE: it is gzipped, and a host may send it with `Content-Encoding: gzip`, in which case the
 * browser has unpacked it already: the gzip magic number decides.
 */
export async function loadSiteSnapshot(
  base: string,
): Promise<Uint8Array<ArrayBuffer> | SnapshotProblem> {
  if (SITE_SNAPSHOT === null) return "this build has no snapshot";
  const mismatch = "the site's snapshot does not match this build";
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const response = await fetch(new URL(SITE_SNAPSHOT.url, base));
    if (!response.ok) return "the site did not serve its snapshot";
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    return "the site did not serve its snapshot"; // offline
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // The gzipped file's digest vouches for what it unpacks to (a quarter of the bytes to hash).
    if ((await digestOf(bytes)) !== SITE_SNAPSHOT.gzipSha256) return mismatch;
    try {
      const unpacked = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(unpacked).arrayBuffer());
    } catch {
      return mismatch;
    }
    return bytes.byteLength === SITE_SNAPSHOT.bytes ? bytes : mismatch;
  }
  if (bytes.byteLength !== SITE_SNAPSHOT.bytes) return mismatch;
  return (await digestOf(bytes)) === SITE_SNAPSHOT.sha256 ? bytes : mismatch;
}

/** The snapshot's bytes, checked, or why it cannot be used: fetched once per page. */
export type SiteSnapshotBytes = Uint8Array<ArrayBuffer> | SnapshotProblem;
