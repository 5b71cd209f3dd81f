/**
 * matplotlib's first import scans its fonts to build a font list (seconds of CPU, "Matplotlib
 * is building the font cache"). The list depends only on the matplotlib build, so build.py makes
 * it once (web/snapshot.mjs) and the site ships it (build-id.ts); a worker writes it in place
 * before matplotlib's first import, after checking its SHA-256. Nothing a run writes is ever
 * read back: every worker starts from the shipped list.
 * NOTE: Pyodide's matplotlib wheel ships a fontlist.json of another matplotlib version (390, where
 * 3.8.4 wants 330), so without this every first import rebuilds it.
 * Part of the worker's program (no DOM).
 */
import type { PyodideInterface } from "pyodide";
import { FONT_LIST } from "../../build-id";
import { digestOf } from "../snapshot";

/** Before matplotlib's first import: the shipped font list, if it is what this build names. */
export async function installFontList(py: PyodideInterface, base: string): Promise<void> {
  if (FONT_LIST === null) return;
  try {
    if (py.runPython("import sys; 'matplotlib.font_manager' in sys.modules") as boolean) return;
    const response = await fetch(new URL(FONT_LIST.url, base));
    if (!response.ok) return;
    const bytes = new Uint8Array(await response.arrayBuffer());
    if ((await digestOf(bytes)) !== FONT_LIST.sha256) return; // matplotlib builds its own
    // Where Pyodide's matplotlib reads its font list (its font_manager, patched).
    const sitePackages = py.runPython("import site; site.getsitepackages()[0]") as string;
    py.FS.writeFile(`${sitePackages}/matplotlib/fontlist.json`, bytes);
  } catch {
    // No list: matplotlib builds one, as without this.
  }
}
