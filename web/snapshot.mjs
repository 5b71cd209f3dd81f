// Make the interpreter snapshot the site ships, at build time: Pyodide booted in Node, the
// worker's warm-up run (web/src/python/worker/warmup.py), the heap saved gzipped. Every worker
// (one per run) restores Python from it (about 0.5 s) instead of booting it (about 4 s of CPU),
// from the browser's HTTP cache after the first; the worker checks it against the SHA-256
// compiled into its bundle, so nothing but this file from this build is ever restored.
// Also matplotlib's font list, which its first import would otherwise build by scanning its
// fonts (seconds, in every worker that imports it): made here once, shipped, checked the same way.
//
// Usage: node web/snapshot.mjs PYODIDE_DIR WARMUP_PY OUT_GZ OUT_JSON OUT_FONTLIST
// (build.py runs it; PYODIDE_DIR holds the runtime and the site's packages, as the site's
// pyodide/ does). OUT_JSON gets {"sha256": hex of the uncompressed snapshot, "bytes": its
// length, "gzipSha256": hex of the gzipped file, "fontListSha256": hex of OUT_FONTLIST}.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const [dir, warmup, out, info, fonts] = process.argv.slice(2);
if (fonts === undefined) {
  console.error("usage: node web/snapshot.mjs PYODIDE_DIR WARMUP_PY OUT_GZ OUT_JSON OUT_FONTLIST");
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

// NOTE: a Pyodide of its own (made after the snapshot is taken, so the snapshot holds no
// package): the font list names the fonts by their path in the wheel's install folder, which
// is the same in every Pyodide of this version.
const mpl = await loadPyodide({ indexURL });
await mpl.loadPackage("matplotlib", { messageCallback: () => {} });
const fontList = mpl.runPython(`
import json, site
from matplotlib import font_manager
path = site.getsitepackages()[0] + "/matplotlib/fontlist.json"
assert font_manager.fontManager.ttflist, "matplotlib found no fonts"
with open(path) as f:
    text = f.read()
json.loads(text)["_version"] and text
`);
writeFileSync(fonts, fontList);

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
writeFileSync(
  info,
  JSON.stringify({
    sha256: sha256(bytes),
    bytes: bytes.byteLength,
    gzipSha256: sha256(packed),
    fontListSha256: sha256(fontList),
  }),
);
