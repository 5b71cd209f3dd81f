// Runs pytest inside Pyodide under Node.js, with the very runtime and ad wheel the site ships.
// usage: node run_pytest.mjs SITE_DIR WHEELS_DIR REPO_DIR [pytest args...]
// The wheels in WHEELS_DIR (pytest, hypothesis and their pure-Python dependencies) are test
// tools only: they are unpacked into Pyodide's site-packages for this run and never shipped.
// REPO_DIR's tests/ and py/ appear at /repo/tests and /repo/py, as tests/pytest.ini expects
// (py/ for the engine benchmark that a test checks); `ad` itself comes from the wheel.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [siteDir, wheelsDir, repoDir, ...pytestArgs] = process.argv.slice(2);
if (!repoDir) {
  console.error("usage: node run_pytest.mjs SITE_DIR WHEELS_DIR REPO_DIR [pytest args...]");
  process.exit(2);
}
const indexURL = path.resolve(siteDir, "pyodide") + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);

const started = performance.now();
const pyodide = await loadPyodide({
  indexURL,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
// "ad" brings numpy as its dependency, as in the page; pytest needs packaging.
await pyodide.loadPackage(["ad", "packaging"], { messageCallback: () => {} });
console.log(`[pyodide] ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const { FS } = pyodide;
const mounts = [
  [wheelsDir, "/test-wheels"],
  [path.join(repoDir, "tests"), "/repo/tests"],
  [path.join(repoDir, "py"), "/repo/py"],
];
for (const [host, target] of mounts) {
  FS.mkdirTree(target);
  FS.mount(FS.filesystems.NODEFS, { root: path.resolve(host) }, target);
}
pyodide.globals.set("pytest_args", pyodide.toPy(pytestArgs));
const code = await pyodide.runPythonAsync(`
import glob, importlib, os, sysconfig, zipfile
site_packages = sysconfig.get_paths()["purelib"]
for wheel in sorted(glob.glob("/test-wheels/*.whl")):
    zipfile.ZipFile(wheel).extractall(site_packages)
importlib.invalidate_caches()
os.chdir("/tmp")  # pytest and hypothesis write their caches here, not into the repository

# NOTE: imported before pytest puts /repo/py (the source) on sys.path, so every test's
# \`import ad\` gets this module: the wheel's.
import ad, numpy, sys
if ad.__file__.startswith("/repo/"):
    raise SystemExit(f"ad was imported from the source ({ad.__file__}), not from the wheel")
print(f"[pyodide] Python {sys.version.split()[0]} on {sys.platform}, numpy {numpy.__version__},",
      f"ad from {ad.__file__}")
import pytest
int(pytest.main(["-p", "no:cacheprovider", "--capture=sys", *pytest_args]))  # no fd capture in wasm
`);
process.exit(code);
