/**
 * What build.py compiles into the bundles (esbuild --define): the build's id and the files the
 * worker restores or reads only when their SHA-256 is the one named here. "dev" and null in a
 * bundle built without them.
 */
declare const AD_BUILD_ID: string | undefined;
declare const AD_SITE_SNAPSHOT: string | undefined; // its JSON
declare const AD_FONT_LIST: string | undefined; // its JSON

/**
 * A digest of what the worker runs and loads (its sources, the Pyodide runtime, the lock, the
 * wheels): the site's snapshot is named after it, so a new build never restores an old one.
 */
export const BUILD_ID: string = typeof AD_BUILD_ID === "string" ? AD_BUILD_ID : "dev";

/**
 * The interpreter snapshot the site ships (web/snapshot.mjs, made by build.py): its path under
 * the site, the SHA-256 of its bytes and of the gzipped file, and their length. Null in a
 * bundle built without it (Python then boots in full).
 */
export interface SiteSnapshot {
  url: string;
  /** Of the snapshot itself, and of the gzipped file the site serves. */
  sha256: string;
  gzipSha256: string;
  bytes: number;
}

export const SITE_SNAPSHOT: SiteSnapshot | null =
  typeof AD_SITE_SNAPSHOT === "string" ? (JSON.parse(AD_SITE_SNAPSHOT) as SiteSnapshot) : null;

/**
 * The font list matplotlib's first import would otherwise build by scanning its fonts (seconds),
 * made at build time by web/snapshot.mjs: its path under the site and its SHA-256.
 */
export interface FontList {
  url: string;
  sha256: string;
}

export const FONT_LIST: FontList | null =
  typeof AD_FONT_LIST === "string" ? (JSON.parse(AD_FONT_LIST) as FontList) : null;
