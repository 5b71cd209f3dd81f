/**
 * matplotlib's first import in a worker scans its fonts to build a font list (seconds of CPU,
 * "Matplotlib is building the font cache"). The list only depends on the matplotlib build, so
 * the worker keeps the one it built in Cache Storage and gives it to later workers (the next
 * visit, the worker that replaces a stopped one) before their first import. matplotlib checks
 * the list's version itself and builds a new one when it does not fit.
 * NOTE: Pyodide's matplotlib wheel ships a fontlist.json of another matplotlib version (390, where
 * 3.8.4 wants 330), so every first import rebuilds it and writes it over the shipped one: only a
 * list written by matplotlib's own import is worth keeping, and a kept one replaces the shipped.
 * Any code of this origin can write Cache Storage; a list that does not fit only costs the rebuild
 * (matplotlib rebuilds on a bad file, and on a font file that is not there).
 * Part of the worker's program (no DOM).
 */
import type { PyodideInterface } from "pyodide";

const CACHE_NAME = "ad-playground-matplotlib";

// NOTE: Cache Storage exists only in secure contexts (https, localhost).
const cacheStorage: CacheStorage | undefined = "caches" in globalThis ? caches : undefined;

/** One key per Pyodide version: each release pins one matplotlib build. */
function keyFor(py: PyodideInterface, base: string): string {
  return new URL(`./pyodide/matplotlib-fontlist-${py.version}.json`, base).href;
}

/** Where Pyodide's matplotlib reads and writes its font list (its font_manager, patched). */
function fontList(py: PyodideInterface): string {
  const sitePackages = py.runPython("import site; site.getsitepackages()[0]") as string;
  return `${sitePackages}/matplotlib/fontlist.json`;
}

function exists(py: PyodideInterface, path: string): boolean {
  try {
    py.FS.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Before the first import: the font list a previous worker built, if any, over the shipped one. */
export async function restoreFontList(py: PyodideInterface, base: string): Promise<void> {
  if (cacheStorage === undefined) return;
  try {
    if (imported(py)) return;
    const path = fontList(py);
    const cache = await cacheStorage.open(CACHE_NAME);
    const response = await cache.match(keyFor(py, base));
    if (response !== undefined) py.FS.writeFile(path, new Uint8Array(await response.arrayBuffer()));
  } catch {
    // No list: matplotlib builds one, as without this.
  }
}

/** Whether matplotlib's font list has been read in this worker (its font_manager imported). */
function imported(py: PyodideInterface): boolean {
  return py.runPython("import sys; 'matplotlib.font_manager' in sys.modules") as boolean;
}

/**
 * After a run: keep the font list this worker's matplotlib built or read, once it imported it
 * (before that, the file is the shipped one); true once kept. Failures cost only the speed-up.
 */
export async function keepFontList(py: PyodideInterface, base: string): Promise<boolean> {
  if (cacheStorage === undefined) return false;
  try {
    if (!imported(py)) return false;
    const path = fontList(py);
    if (!exists(py, path)) return false;
    const bytes = py.FS.readFile(path);
    const cache = await cacheStorage.open(CACHE_NAME);
    // Put even when one is there: the list this matplotlib accepted replaces one it did not.
    const headers = { "content-type": "application/json" };
    await cache.put(keyFor(py, base), new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
    return true;
  } catch {
    return false;
  }
}
