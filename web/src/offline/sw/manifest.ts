/**
 * What the service worker keeps: the site's files of this build, each with its SHA-256, length
 * and Content-Type, made by build.py (`offline_manifest`) and compiled into sw.js (the
 * `ad-offline-manifest` module is build/offline/manifest.json), so a new build is a new sw.js and
 * the browser installs it. Part of the service worker's program (no DOM).
 */
import manifest from "ad-offline-manifest";

export interface OfflineFile {
  /** Of the file's bytes, as the site serves them, hex. */
  sha256: string;
  bytes: number;
  /** The Content-Type build.py's server sends for it. */
  type: string;
  /** Kept from the first visit on; otherwise from its first use (the packages a run loads). */
  precache: boolean;
  /**
   * The interpreter snapshot is itself gzipped, and a host may send it with
   * `Content-Encoding: gzip` (the browser then unpacks it): the unpacked bytes' digest and length.
   */
  unpacked?: { sha256: string; bytes: number };
}

export interface OfflineManifest {
  /** A digest of everything below: the cache's name, so a new build is a new cache. */
  version: string;
  /** The build id (build-id.ts) the bundles of this site carry. */
  build: string;
  /** The page's Content-Security-Policy (index.html's <meta>), sent as a header too. */
  csp: string;
  /** By path under the site's folder ("index.html", "pyodide/pyodide.asm.wasm"). */
  files: Record<string, OfflineFile>;
}

function isManifest(value: unknown): value is OfflineManifest {
  const m = value as Partial<OfflineManifest> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.version === "string" &&
    typeof m.build === "string" &&
    typeof m.csp === "string" &&
    typeof m.files === "object" &&
    m.files !== null &&
    "index.html" in m.files
  );
}

if (!isManifest(manifest)) throw new Error("sw.js was built without its manifest");

export const MANIFEST: OfflineManifest = manifest;
