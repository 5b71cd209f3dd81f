/**
 * The completion worker: jedi in a Pyodide of its own, so completion never waits on a run and a
 * run never waits on completion. The editor starts it on first use (completion.ts). It boots,
 * loads jedi and numpy and the ad engine's source, then answers each request once; of several
 * waiting requests of one kind, only the newest is worked on (the older are answered "superseded").
 */
import type { PyodideInterface } from "pyodide";
import type { PyCallable, PyProxy } from "pyodide/ffi";
import type { FromJedi, JediAnswer, JediRequest } from "./contract";
import serverSource from "./server.py";

type LoadPyodide = (options: {
  indexURL: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}) => Promise<PyodideInterface>;

interface Server {
  complete: PyCallable;
  describe: PyCallable;
  signatures: PyCallable;
  help: PyCallable;
}

function post(message: FromJedi): void {
  postMessage(message);
}

async function boot(): Promise<Server> {
  const started = performance.now();
  const base = location.href;
  // A non-literal URL: esbuild leaves this import alone and the runtime stays unbundled.
  const moduleUrl = new URL("./pyodide/pyodide.mjs", base).href;
  const { loadPyodide } = (await import(moduleUrl)) as { loadPyodide: LoadPyodide };
  const quiet = (): void => undefined;
  const py = await loadPyodide({
    indexURL: new URL("./pyodide/", base).href,
    stdout: quiet,
    stderr: quiet,
  });
  await py.loadPackage(["jedi", "numpy"], { messageCallback: quiet, errorCallback: quiet });
  // The engine as source (the site's ad wheel holds only compiled .pyc): jedi reads it to know
  // what ad's functions return, so `x = ad.tensor(…)` then `x.` lists the Tensor's methods.
  const source = await fetch(new URL("./python/ad.whl", base));
  if (source.ok) {
    const sitePackages = py.runPython("import site; site.getsitepackages()[0]") as string;
    py.unpackArchive(await source.arrayBuffer(), "wheel", { extractDir: sitePackages });
  } else {
    await py.loadPackage("ad", { messageCallback: quiet, errorCallback: quiet });
  }
  const server = py.runPython(
    "import types\n_m = types.ModuleType('_jedi_server')\n_m.__file__ = '/_jedi_server.py'\n" +
      "exec(compile(_src, _m.__file__, 'exec'), _m.__dict__)\n_m",
    { globals: py.toPy({ _src: serverSource }) as PyProxy },
  ) as PyProxy;
  const complete = server.complete as PyCallable;
  // The first completion of a module reads its stubs (numpy's take seconds): do it now.
  complete("import ad\nimport numpy as np\nnp.zeros(1).\nad.", 3, 12);
  complete("import ad\nimport numpy as np\nnp.zeros(1).\nad.", 4, 3);
  post({ type: "ready", ms: Math.round(performance.now() - started) });
  return {
    complete,
    describe: server.describe as PyCallable,
    signatures: server.signatures as PyCallable,
    help: server.help as PyCallable,
  };
}

function answer(server: Server, request: JediRequest): JediAnswer {
  const { id } = request;
  try {
    switch (request.type) {
      case "complete": {
        const json = server.complete(request.code, request.line, request.column) as string;
        return { type: "complete", id, items: JSON.parse(json) as never };
      }
      case "describe":
        return { type: "describe", id, doc: JSON.parse(server.describe(request.name) as string) };
      case "signatures": {
        const json = server.signatures(request.code, request.line, request.column) as string;
        return { type: "signatures", id, signatures: JSON.parse(json) as never };
      }
      case "help": {
        const json = server.help(request.code, request.line, request.column) as string;
        return { type: "help", id, docs: JSON.parse(json) as never };
      }
    }
  } catch (e) {
    // jedi gives up on some code (and some positions); the editor then shows nothing special.
    return { type: "error", id, message: e instanceof Error ? e.message : String(e) };
  }
}

const booted: Promise<Server> = boot();
booted.catch((e: unknown) =>
  post({ type: "failed", message: e instanceof Error ? e.message : String(e) }),
);
const pending = new Map<JediRequest["type"], JediRequest>();
let draining = false;

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    const server = await booted.catch(() => null);
    for (let next = first(); next !== undefined; next = first()) {
      pending.delete(next.type);
      post(server === null ? failed(next.id) : answer(server, next));
      // Let requests that came while jedi worked in, so stale ones are dropped, not answered.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    draining = false;
  }
}

function first(): JediRequest | undefined {
  return pending.values().next().value;
}

function failed(id: number): JediAnswer {
  return { type: "error", id, message: "the completion worker could not start" };
}

addEventListener("message", (event: MessageEvent<JediRequest>) => {
  const request = event.data;
  const older = pending.get(request.type);
  if (older !== undefined) post({ type: "error", id: older.id, message: "superseded" });
  pending.set(request.type, request);
  void drain();
});
