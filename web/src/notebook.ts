/**
 * The code as a Jupyter notebook (nbformat 4.5): a first cell that installs `ad` where the
 * kernel lacks it, then the code as one cell. A pure function of strings.
 */

export interface NotebookSources {
  /** The site's CPython wheel of `ad` (py3-none-any), absolute. */
  wheelUrl: string;
  /** The site's `playground` module (figures as text outside the page), absolute. */
  playgroundUrl: string;
}

/** The notebook's JSON text. */
export function notebook(code: string, sources: NotebookSources): string {
  const cells = [codeCell("install-ad", installCell(code, sources)), codeCell("code", code)];
  const document = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
      language_info: { name: "python" },
    },
    cells,
  };
  return JSON.stringify(document, null, 1) + "\n";
}

function codeCell(id: string, source: string): object {
  return {
    cell_type: "code",
    id,
    metadata: {},
    execution_count: null,
    outputs: [],
    source: lines(source),
  };
}

/** nbformat keeps a cell's text as a list of lines, each but the last ending in "\n". */
function lines(text: string): string[] {
  const parts = text.split("\n").map((line) => `${line}\n`);
  const last = parts.length - 1;
  parts[last] = (parts[last] ?? "").slice(0, -1);
  if (parts[last] === "") parts.pop();
  return parts;
}

/** Whether the code imports the playground's figure module. */
function usesPlayground(code: string): boolean {
  return /^\s*(from\s+playground\s+import|import\s+playground\b)/m.test(code);
}

function installCell(code: string, sources: NotebookSources): string {
  const wheel = JSON.stringify(sources.wheelUrl);
  const module = JSON.stringify(sources.playgroundUrl);
  const fetchModule = usesPlayground(code)
    ? `
# The code draws with the playground's figure module: outside the page it prints text summaries.
PLAYGROUND = ${module}
if sys.platform == "emscripten":
    from pyodide.http import pyfetch
    text = await (await pyfetch(PLAYGROUND)).string()
else:
    import urllib.request
    with urllib.request.urlopen(PLAYGROUND) as response:
        text = response.read().decode()
with open("playground.py", "w", encoding="utf-8") as file:
    file.write(text)
`
    : "";
  return `# Installs the ad autodiff engine from the playground this notebook came from, unless this
# Python has it already. NOTE: the package named "ad" on PyPI is another project.
import importlib
import sys

WHEEL = ${wheel}
try:
    import ad
    ad.Function, ad.tensor  # this engine, not PyPI's "ad"
except (ImportError, AttributeError):
    sys.modules.pop("ad", None)
    if sys.platform == "emscripten":  # JupyterLite and other Pythons in the browser
        import micropip
        await micropip.install(WHEEL)
    else:
        import subprocess
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", WHEEL])
    importlib.invalidate_caches()
    import ad
${fetchModule}print("ad", ad.__version__)
`;
}
