"""Runs the playground's code inside Pyodide: a fresh namespace per run, output sent to the page
as it is written, and tracebacks trimmed to the user's own code with the editor's line numbers.
Loaded by worker.ts as text; it knows nothing of the DOM."""

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
import io
import json
import linecache
import os
import re
import site
import sys
import time
import traceback
import urllib.parse

# Python that ships with the site, not with the engine: the snippets' figure module and
# matplotlib's backend. Each has _install(send) (where figures go) and _finish() (end of a run).
_PAGE_MODULES = ("playground", "_playground_matplotlib")
_display = None  # the current run's display(kind, figure_id, json_data, text), for figures
_site_url = ""  # the site's root URL: micropip resolves a wheel's relative URL against it


class _PageModuleFinder:
    """Finds the site's own modules (`import playground`) on their first import: fetched from
    the site only then, so a page that never draws never downloads them."""

    def __init__(self, fetch, base_url):
        self._fetch, self._base_url = fetch, base_url

    def find_spec(self, name, path=None, target=None):
        if name not in _PAGE_MODULES:
            return None
        source = self._fetch(self._base_url + name + ".py")
        if source is None:
            return None
        with open(os.path.join(site.getsitepackages()[0], name + ".py"), "w") as f:
            f.write(source)
        importlib.invalidate_caches()
        spec = importlib.machinery.PathFinder.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            module._install(_display)  # imported mid-run: figures go to this run's output

        spec.loader.exec_module = exec_module
        return spec


def install_page_modules(fetch, site_url):
    """`fetch(url)` returns a file's text or None; it must block, as an import does. The page
    modules are under `python/` of the site at `site_url`."""
    global _site_url
    _site_url = site_url
    sys.meta_path.append(_PageModuleFinder(fetch, site_url + "python/"))
    # matplotlib draws with the playground's backend (Agg; figures sent to the page as images).
    # NOTE: matplotlib reads MPLBACKEND when it is imported, before its rc files' `backend`.
    os.environ["MPLBACKEND"] = "module://_playground_matplotlib"


# ---- the site's packages: loaded before a run that imports them ----


@functools.cache
def _site_packages():
    """The site's lock (build.py's site_lock: only the packages the site has), by name."""
    import pyodide_js  # noqa: PLC0415 - only in the worker

    # NOTE: the same view of the lock as micropip's (micropip/_compat/_compat_in_pyodide.py).
    return pyodide_js._api.repodata_packages.to_py()


@functools.cache
def _package_of_import():
    return {module: name for name, entry in _site_packages().items()
            for module in entry["imports"]}


def _normal(name):
    """A package name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def plan(code):
    """What a run of `code` must load first: the site's packages its imports name that are not
    loaded yet, with their dependencies (the imported ones first), and their total size, as JSON
    {"packages": [...], "bytes": n}. Code that does not parse needs nothing (it fails anyway)."""
    import pyodide_js  # noqa: PLC0415
    from pyodide.code import find_imports  # noqa: PLC0415

    packages, by_import = _site_packages(), _package_of_import()
    # NOTE: loadedPackages is keyed by each wheel's own spelling ("Pillow" for the lock's pillow).
    normal = {_normal(name): name for name in packages}
    loaded = {normal.get(_normal(name), name) for name in pyodide_js.loadedPackages.to_py()}
    imported = sorted({by_import[m] for m in find_imports(code) if m in by_import} - loaded)
    needed, todo = set(imported), list(imported)
    while todo:
        for dependency in packages[todo.pop()]["depends"]:
            if dependency not in needed and dependency not in loaded:
                needed.add(dependency)
                todo.append(dependency)
    size = lambda name: packages[name].get("size", 0)  # noqa: E731
    # What the code names first, then the rest largest first: the names worth reading.
    order = imported + sorted(needed - set(imported), key=lambda name: (-size(name), name))
    return json.dumps({"packages": order, "bytes": sum(map(size, order))})


def _available():
    """The modules a snippet can import besides the standard library, as one sorted line."""
    modules = {m for m in _package_of_import() if not m.startswith("_")}
    return ", ".join(sorted(modules, key=str.lower))


def _explain_missing_module(exc):
    """A note for an import of a module neither Python nor the site has: what there is instead,
    and how to get a pure-Python package from PyPI."""
    top = (exc.name or "").partition(".")[0]
    if not top or top in sys.stdlib_module_names or top in _package_of_import():
        return  # a submodule that does not exist, or one Pyodide explains itself
    try:
        if importlib.util.find_spec(top) is not None:
            return  # the package is there; what is missing lies inside it
    except (ImportError, ValueError):
        pass
    exc.add_note(
        f"The playground has no module {top!r}. It has the standard library and: {_available()}.\n"
        "A pure-Python package from PyPI can be installed while the browser is online "
        "(its name on PyPI may differ):\n"
        "    import micropip\n"
        f"    await micropip.install({top!r})"
    )


def _micropip_installed():
    """Once micropip is loaded: wheels named by a relative URL come from this site, and a
    failure to reach the package index says so."""
    import micropip  # noqa: PLC0415

    install = micropip.install
    if getattr(install, "_playground", False):
        return

    @functools.wraps(install)
    async def install_from_site_or_index(requirements, *args, **kwargs):
        def absolute(r):
            relative = r.endswith(".whl") and not urllib.parse.urlsplit(r).scheme
            return urllib.parse.urljoin(_site_url, r) if relative else r

        wanted = [absolute(r) for r in ([requirements] if isinstance(requirements, str)
                                         else requirements)]
        try:
            return await install(wanted, *args, **kwargs)
        except OSError as exc:  # pyfetch: the browser could not reach the server at all
            urls = [r for r in wanted if "://" in r]
            where = ", ".join(urls) if urls else "the package index"
            exc.add_note(
                f"micropip could not reach {where}: the browser looks offline, or the page's "
                "security policy keeps it from that host (it allows this site, pypi.org and "
                "files.pythonhosted.org). Offline, the playground has the standard library and: "
                f"{_available()}; a wheel served by this site installs with "
                "micropip.install('path/on/the/site/name-1.0-py3-none-any.whl').")
            raise

    install_from_site_or_index._playground = True
    micropip.install = install_from_site_or_index


def loaded(names_json):
    """Called by the worker after it loaded packages for a run (a JSON list of lock names)."""
    if "micropip" in json.loads(names_json):
        _micropip_installed()


FILENAME = "<editor>"
_HOME = os.getcwd()
_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


_sleep = time.sleep


def _interruptible_sleep(seconds):
    """time.sleep that Stop can cut short: Pyodide raises KeyboardInterrupt between Python
    steps, never inside one long sleep."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        _sleep(min(left, 0.05))


time.sleep = _interruptible_sleep


class _Stream(io.TextIOBase):
    """A text stream that hands every write to the page at once (the worker batches)."""

    def __init__(self, name, write, flush):
        self._name = name
        self._write = write
        self._flush = flush

    @property
    def name(self):
        return "<" + self._name + ">"

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._write(self._name, text)
        return len(text)

    def flush(self):
        self._flush()


def _keep(frame):
    # NOTE: the user's code and the engine are worth reading; the driver, Pyodide's
    # machinery and numpy internals are noise that hides the line that failed.
    name = frame.filename.replace("\\", "/")
    return name == FILENAME or "/site-packages/ad/" in name


def _trim(te, seen):
    if te is None or id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if _keep(f)])
    _trim(te.__cause__, seen)
    _trim(te.__context__, seen)
    for sub in getattr(te, "exceptions", None) or ():
        _trim(sub, seen)


def _error_line(exc):
    """The deepest line of the editor involved in the exception, 1-based."""
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == FILENAME:
            line = frame.lineno
    return line


def _describe(exc, kind):
    if isinstance(exc, ModuleNotFoundError):
        _explain_missing_module(exc)
    te = traceback.TracebackException.from_exception(exc)
    _trim(te, set())
    return {
        "kind": kind,
        "name": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(te.format()),
        "line": _error_line(exc),
    }


def _fresh_modules():
    """Forget the engine's modules so that a run's monkey-patching (Tensor.__matmul__ = ...)
    never leaks into the next run."""
    for name in list(sys.modules):
        if name == "ad" or name.startswith("ad."):
            del sys.modules[name]


async def run(code, write, flush, display=None):
    """Run `code` as the module __main__; return a JSON error description, or "null".
    `display(kind, figure_id, json_data, text)` receives the playground module's figures."""
    _fresh_modules()
    os.chdir(_HOME)
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout = _Stream("stdout", write, flush)
    sys.stderr = _Stream("stderr", write, flush)
    sys.stdin = io.StringIO("")
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    global _display
    _display = display
    for name in _PAGE_MODULES:  # imported by an earlier run: reconnect it
        module = sys.modules.get(name)
        if module is not None:
            module._install(display)
    error = None
    try:
        compiled = compile(code, FILENAME, "exec", flags=_FLAGS, dont_inherit=True)
        result = eval(compiled, namespace)
        if result is not None:  # the code used top-level await
            await result
    except KeyboardInterrupt as exc:
        error = _describe(exc, "interrupted")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            error = _describe(exc, "exception")
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the page as data
        error = _describe(exc, "exception")
    finally:
        try:
            _display = None
            for name in _PAGE_MODULES:
                module = sys.modules.get(name)
                if module is None:
                    continue
                try:  # a live plot's last points; the matplotlib figures still open
                    module._finish()
                except Exception as exc:  # noqa: BLE001 - the run's outcome comes first
                    print(f"A figure could not be shown: {exc!r}", file=sys.stderr)
                module._install(None)
            sys.stdout.flush()
        finally:
            sys.stdout, sys.stderr, sys.stdin = saved
            namespace.clear()
    return json.dumps(error)
