/**
 * The build's id: a digest of what the worker runs and loads (its sources, the Pyodide runtime,
 * the lock, the wheels), compiled in by build.py (esbuild --define:AD_BUILD_ID). The interpreter
 * snapshot is stored under it and the page's record of the accepted snapshot names it, so a new
 * build never restores a snapshot made by an older one. "dev" in a bundle built without it.
 */
declare const AD_BUILD_ID: string | undefined;

export const BUILD_ID: string = typeof AD_BUILD_ID === "string" ? AD_BUILD_ID : "dev";

/**
 * The interpreter snapshot the site ships (web/snapshot.mjs, made by build.py): its path under
 * the site, the SHA-256 of its bytes and of the gzipped file, and their length. Null in a
 * bundle built without it (Python then boots in full).
 */
interface SiteSnapshot {
  url: string;
  /** Of the snapshot itself, and of the gzipped file the site serves. */
  sha256: string;
  gzipSha256: string;
  bytes: number;
}
declare const AD_SITE_SNAPSHOT: string | undefined; // its JSON

export const SITE_SNAPSHOT: SiteSnapshot | null =
  typeof AD_SITE_SNAPSHOT === "string" ? (JSON.parse(AD_SITE_SNAPSHOT) as SiteSnapshot) : null;
