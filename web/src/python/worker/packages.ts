/**
 * The site's packages, loaded before the code that imports them: a run's (`loadImports`, which
 * tells the page what loads and how large it is) and a standby's (`preload`: what the page's
 * last run loaded). Each file is checked against the lock's sha256 (Pyodide's checkIntegrity, on
 * by default). Part of the worker's program (no DOM).
 */
import type { PyodideInterface } from "pyodide";
import type { PyCallable } from "pyodide/ffi";
import { runError } from "../contract";
import type { PackagesMessage, RunError, Uses } from "../contract";
import { installFontList } from "./fontlist";

/** What loading needs of the booted runtime. */
export interface PackageHost {
  py: PyodideInterface;
  base: string;
  /** driver.plan(code): the packages a run must load first, as JSON. */
  plan: PyCallable;
  /** driver.loaded(json): told which packages were loaded. */
  loaded: PyCallable;
  /** driver.warm_imports(json): imports modules before any user code (a speed-up only). */
  warmImports: PyCallable;
}

type Report = Omit<PackagesMessage, "type" | "id">;

/**
 * Load `names` (lock names, dependencies included) and tell the driver; the names that could
 * not be loaded, with why.
 */
async function load(
  host: PackageHost,
  names: string[],
): Promise<{ missing: string[]; why: string }> {
  const errors: string[] = [];
  try {
    await host.py.loadPackage(names, {
      messageCallback: () => {},
      errorCallback: (message: string) => errors.push(message),
    });
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
  }
  // NOTE: loadedPackages is keyed by each wheel's own spelling ("Pillow" for the lock's pillow).
  const normal = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");
  const have = new Set(Object.keys(host.py.loadedPackages).map(normal));
  const missing = names.filter((name) => !have.has(normal(name)));
  const done = names.filter((name) => have.has(normal(name)));
  if (done.length > 0) {
    try {
      host.loaded(JSON.stringify(done));
    } catch {
      // micropip's patch (a relative wheel URL, the offline note) is missing: it still works
    }
  }
  // Spares matplotlib's first import its font scan (seconds): the list the site ships.
  if (done.includes("matplotlib")) await installFontList(host.py, host.base);
  return { missing, why: errors.join("; ") || "the site did not send them" };
}

/**
 * Before any user code (while booting, or in a standby told later): load what the page's last
 * run used and import the modules it imported, so the next run that does the same does not wait.
 */
export async function preload(host: PackageHost, uses: Uses): Promise<void> {
  if (uses.packages.length > 0) await load(host, uses.packages);
  if (uses.modules.length > 0) host.warmImports(JSON.stringify(uses.modules));
}

/**
 * Load the site's packages `code` imports (with their dependencies) before it runs, reporting
 * "loading" then "loaded" or "failed"; `uses` hears what the code imports of the site's packages.
 * Null when all is there; else the run's error (it does not start). `stopped` is the error for
 * a Stop that lands while the plan is made.
 */
export async function loadImports(
  host: PackageHost,
  code: string,
  report: (packages: Report) => void,
  uses: (found: Uses) => void,
  stopped: () => RunError,
): Promise<RunError | null> {
  let wanted: { packages: string[]; bytes: number; uses: Uses };
  try {
    wanted = JSON.parse(host.plan(code) as string) as typeof wanted;
    uses(wanted.uses);
  } catch (e) {
    // Stop pressed as the run was about to start: Python raised it here, not in the program.
    if (e instanceof Error && /KeyboardInterrupt/.test(e.message)) return stopped();
    return null; // no plan: an import the site could serve then fails with its own message
  }
  const names = wanted.packages;
  if (names.length === 0) return null;
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  report({ state: "loading", names, bytes: wanted.bytes, ms: null, error: null });
  const { missing, why } = await load(host, names);
  if (missing.length > 0) {
    report({ state: "failed", names, bytes: wanted.bytes, ms: ms(), error: why });
    const message =
      `Could not load ${missing.join(", ")} from the site (${why}). ` +
      "Check the connection to the site and run again.";
    return runError("exception", "ImportError", message);
  }
  report({ state: "loaded", names, bytes: wanted.bytes, ms: ms(), error: null });
  return null;
}
