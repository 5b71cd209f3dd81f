/**
 * The build's id: a digest of what the worker runs and loads (its sources, the Pyodide runtime,
 * the lock, the wheels), compiled in by build.py (esbuild --define:AD_BUILD_ID). The interpreter
 * snapshot is stored under it and the page's record of the accepted snapshot names it, so a new
 * build never restores a snapshot made by an older one. "dev" in a bundle built without it.
 */
declare const AD_BUILD_ID: string | undefined;

export const BUILD_ID: string = typeof AD_BUILD_ID === "string" ? AD_BUILD_ID : "dev";
