// Make the interpreter snapshot the site ships, at build time: Pyodide booted in Node, the
// worker's warm-up run (web/src/worker/warmup.py), the heap saved gzipped. A first visit then
// restores Python from it (about 1 s) instead of booting it (about 4 s of CPU), and so does every
// later visit, from the browser's HTTP cache; worker.ts checks it against the SHA-256 compiled
// into its bundle, so nothing but this file from this build is ever restored.
//
// Usage: node web/snapshot.mjs PYODIDE_DIR WARMUP_PY OUT_GZ OUT_JSON   (build.py runs it)
// OUT_JSON gets {"sha256": hex of the uncompressed snapshot, "bytes": its length,
// "gzipSha256": hex of the gzipped file}.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const [dir, warmup, out, info] = process.argv.slice(2);
if (info === undefined) {
  console.error("usage: node web/snapshot.mjs PYODIDE_DIR WARMUP_PY OUT_GZ OUT_JSON");
  process.exit(2);
}
const indexURL = resolve(dir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
// NOTE: the worker boots in full with the same options (none that touch the heap), so a
// restored interpreter and a booted one are alike; Emscripten's `_` variable names the
// program that made the heap (here a path on the build machine): it is dropped.
const py = await loadPyodide({ indexURL, _makeSnapshot: true });
py.runPython(readFileSync(warmup, "utf8"));
py.runPython("import os\nos.environ.pop('_', None)\nos.unsetenv('_')");
const bytes = py.makeMemorySnapshot();
const packed = gzipSync(bytes, { level: 6 });
writeFileSync(out, packed);
const sha256 = (data) => createHash("sha256").update(data).digest("hex");
writeFileSync(
  info,
  JSON.stringify({ sha256: sha256(bytes), bytes: bytes.byteLength, gzipSha256: sha256(packed) }),
);
