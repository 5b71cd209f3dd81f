"""Runs the playground's code inside Pyodide: output sent to the page as it is written (capped
here, before it crosses into JavaScript), tracebacks trimmed to the user's own code with the
editor's line numbers, and a lesson's checks run on what the code left. Each interpreter runs
one program and is then thrown away (see worker.ts), so nothing here puts state back: what a run
changes dies with its worker. Written to the worker's file system and imported by boot.ts
before any user code; it knows nothing of the DOM."""

import ast
import builtins
import codecs
import functools
import importlib
import importlib.abc
import importlib.util
import io
import json
import linecache
import os
import random
import re
import sys
import time
import traceback
import types
import urllib.parse
import warnings

import numpy as np

# Python that ships with the site, not with the engine: the snippets' figure module, matplotlib's
# backend, the lessons' checks and the course's data. The first two have _install(send) (where
# figures go) and _finish() (end of a run); lessoncheck and coursedata have neither.
_PAGE_MODULES = ("playground", "_playground_matplotlib", "lessoncheck", "coursedata")
_display = None  # the current run's display(kind, figure_id, json_data, text), for figures
_site_url = ""  # the site's root URL: micropip resolves a wheel's relative URL against it


class _PageModuleFinder:
    """Finds the site's own modules (`import playground`) on their first import: fetched from
    the site only then, so a page that never draws never downloads them."""

    # Their __file__: no file is there (the source is in memory).
    _DIR = "/_playground_page_modules"

    def __init__(self, fetch, base_url):
        self._fetch, self._base_url = fetch, base_url

    def find_spec(self, name, path=None, target=None):
        if name not in _PAGE_MODULES:
            return None
        source = self._fetch(self._base_url + name + ".py")
        if source is None:
            return None
        spec = importlib.util.spec_from_loader(
            name, _PageModuleLoader(source, f"{self._DIR}/{name}.py"))
        spec.has_location = True
        return spec


class _PageModuleLoader(importlib.abc.InspectLoader):
    def __init__(self, source, path):
        self._source, self.path = source, path

    def get_source(self, fullname):
        return self._source

    def get_filename(self, fullname):
        return self.path

    def exec_module(self, module):
        module.__file__ = self.path
        exec(compile(self._source, self.path, "exec"), module.__dict__)
        install = getattr(module, "_install", None)
        if install is not None:
            install(_display)  # imported mid-run: figures go to this run's output


def install_page_modules(fetch, site_url):
    """`fetch(url)` returns a file's text or None; it must block, as an import does. The page
    modules are under `python/` of the site at `site_url`. Called once at boot."""
    global _site_url
    _site_url = site_url
    os.environ["AD_SITE_URL"] = site_url  # where page modules fetch the site's data
    sys.meta_path.append(_PageModuleFinder(fetch, site_url + "python/"))
    # matplotlib draws with the playground's backend (Agg; figures sent to the page as images).
    # NOTE: matplotlib reads MPLBACKEND when it is imported, before its rc files' `backend`.
    os.environ["MPLBACKEND"] = "module://_playground_matplotlib"


def warm_imports(modules_json):
    """While booting, before any user code: import the site's modules the page's last run
    imported (`matplotlib.pyplot`: seconds), so the next run that imports them does not wait.
    Only a speed-up: a module that fails here is imported (and fails) in the run as usual."""
    for name in json.loads(modules_json):
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001, S110 - the run imports it again and says why
            pass

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


MAX_WARM_IMPORTS = 20


def _imported_modules(code):
    """The modules `code` imports by name (`import a.b`, `from a.b import c`: a.b), in order."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return list(dict.fromkeys(names))


def _with_dependencies(names, packages, skip=frozenset()):
    needed, todo = set(names), list(names)
    while todo:
        for dependency in packages[todo.pop()]["depends"]:
            if dependency not in needed and dependency not in skip:
                needed.add(dependency)
                todo.append(dependency)
    return needed


def plan(code):
    """What a run of `code` must load first: the site's packages its imports name that are not
    loaded yet, with their dependencies (the imported ones first), and their total size; and
    what it uses of the site's packages (loaded or not, for the next run's standby), as JSON
    {"packages": [...], "bytes": n, "uses": {"packages": [...], "modules": [...]}}. Code that
    does not parse needs nothing (it fails anyway)."""
    import pyodide_js  # noqa: PLC0415

    packages, by_import = _site_packages(), _package_of_import()
    # NOTE: loadedPackages is keyed by each wheel's own spelling ("Pillow" for the lock's pillow).
    normal = {_normal(name): name for name in packages}
    loaded = {normal.get(_normal(name), name) for name in pyodide_js.loadedPackages.to_py()}
    modules = [m for m in _imported_modules(code) if m.partition(".")[0] in by_import]
    used = sorted({by_import[m.partition(".")[0]] for m in modules})
    imported = sorted(set(used) - loaded)
    needed = _with_dependencies(imported, packages, skip=loaded)
    size = lambda name: packages[name].get("size", 0)  # noqa: E731
    # What the code names first, then the rest largest first: the names worth reading.
    order = imported + sorted(needed - set(imported), key=lambda name: (-size(name), name))
    uses = {"packages": sorted(_with_dependencies(used, packages)),
            "modules": modules[:MAX_WARM_IMPORTS]}
    return json.dumps({"packages": order, "bytes": sum(map(size, order)), "uses": uses})


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


# NOTE: a runaway recursion under sys.setrecursionlimit(10**6) grows the interpreter's frames
# until memory is exhausted (about 78 s here), while 100,000 frames fail in about 0.05 s.
MAX_RECURSION = 100_000
_dumps = json.dumps
_setrecursionlimit = sys.setrecursionlimit
# Exception texts longer than these are cut in the middle (the page shows them whole otherwise).
MAX_MESSAGE = 10_000
TRACEBACK_FRAMES = 200
MAX_TRACEBACK = 20_000


def _capped_setrecursionlimit(limit):
    """sys.setrecursionlimit, at most MAX_RECURSION (and it says so)."""
    if isinstance(limit, int) and limit > MAX_RECURSION:
        print(f"sys.setrecursionlimit({limit}): the browser's Python allows at most "
              f"{MAX_RECURSION:,}; the limit is set to that.", file=sys.stderr)
        limit = MAX_RECURSION
    _setrecursionlimit(limit)


sys.setrecursionlimit = _capped_setrecursionlimit


class _Output:
    """A run's output budget, shared by stdout and stderr: past `cap` characters text is dropped
    here, so a 50 MB print never crosses into JavaScript; the page is told how much."""

    def __init__(self, write, flush, cap):
        self._write, self.flush = write, flush
        self.left = cap if cap is not None else float("inf")

    def write(self, name, text):
        if len(text) <= self.left:
            self.left -= len(text)
            self._write(name, text)
        else:
            kept = text[: int(self.left)]
            self.left = 0
            self._write(name, kept, len(text) - len(kept))


class _Bytes(io.RawIOBase):
    """`sys.stdout.buffer`: bytes written are decoded as UTF-8 (bad bytes replaced)."""

    def __init__(self, stream):
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self):
        return True

    def write(self, data):
        data = bytes(data)
        self._stream.write(self._decoder.decode(data))
        return len(data)

    def flush(self):
        self._stream.flush()


class _Stream(io.TextIOBase):
    """A text stream that hands every write to the page at once (the worker batches)."""

    def __init__(self, name, output):
        self._name = name
        self._output = output
        self.buffer = _Bytes(self)

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
            self._output.write(self._name, text)
        return len(text)

    def flush(self):
        self._output.flush()


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
    for frame, lineno in traceback.walk_tb(exc.__traceback__):  # no source lookups: cheap
        if frame.f_code.co_filename == FILENAME:
            line = lineno
    return line


def _clip(text, limit):
    """`text`, cut in the middle past `limit` characters (the end of a traceback matters most)."""
    if len(text) <= limit:
        return text
    head = limit // 4
    tail = limit - head
    return f"{text[:head]}\n… [{len(text) - limit:,} characters not shown] …\n{text[-tail:]}"


def _describe(exc, kind, message=None):
    """The page's description of an exception; never raises, whatever the exception does."""
    name = type(exc).__name__
    if isinstance(exc, ModuleNotFoundError):
        try:
            _explain_missing_module(exc)
        except Exception:  # noqa: BLE001 - the note is a help, the error itself comes first
            pass
    try:
        text = str(exc) if message is None else message
    except BaseException:  # noqa: BLE001 - an exception whose __str__ raises is still reported
        text = f"<{name} object: its str() raised an exception>"
    try:
        # NOTE: the deepest frames only: a runaway recursion leaves 100,000 of them, and
        # formatting them all takes seconds.
        te = traceback.TracebackException.from_exception(exc, limit=-TRACEBACK_FRAMES)
        _trim(te, set())
        formatted = "".join(te.format())
    except BaseException:  # noqa: BLE001
        formatted = f"{name}: {text}\n"
    return {
        "kind": kind,
        "name": name,
        "message": _clip(text, MAX_MESSAGE),
        "traceback": _clip(formatted, MAX_TRACEBACK),
        "line": _error_line(exc) or None,  # 1-based; a line 0 (or none) is no line
    }


class _Pinned:
    """The modules a lesson's checks are made of (lessoncheck, ad, numpy), as they were before
    the learner's code ran, put back before the checks run: code that replaces
    `lessoncheck.evaluate` or `ad.gradcheck` does not change what checks it. (The code runs in
    the same interpreter, so a determined one can still forge its checks: they help a learner,
    they do not grade an exam.) Classes the code changes (Tensor.__matmul__ = ...) stay changed:
    they are the code under check."""

    def __init__(self, names):
        self.saved = [(module, dict(vars(module)))
                      for name, module in list(sys.modules.items())
                      if module is not None and any(name == n or name.startswith(n + ".")
                                                    for n in names)]

    def restore(self):
        for module, saved in self.saved:
            current = vars(module)
            for key in current.keys() - saved.keys():
                value = current[key]
                # NOTE: a submodule imported since stays bound: `import a.b` binds it only the
                # first time, and numpy's lazy __getattr__ would recurse for ever without it.
                if not (isinstance(value, types.ModuleType)
                        and value.__name__ == f"{module.__name__}.{key}"):
                    del current[key]
            current.update(saved)


def _prepare_checks(checks):
    """Before the learner's code: what the lesson's checks (checks.py's source) rely on, pinned.
    A function that runs them on the namespace the code left (and the error that stopped it)."""
    import lessoncheck

    evaluate = lessoncheck.evaluate
    lessoncheck._checking = True  # lessoncheck.checking(): a lesson may skip its long training
    pinned = _Pinned(("lessoncheck", "ad", "numpy"))

    def run_checks(namespace, failure):
        pinned.restore()
        return evaluate(checks, namespace, failure)

    return run_checks


async def run(code, write, flush, display=None, cap=None, checks=None):
    """Run `code` as the module __main__; return JSON `{"error": null or its description,
    "checks": null or the lesson's check results}`. Output goes to `write(stream, text[,
    dropped])`, at most `cap` characters of it; `display(kind, figure_id, json_data, text)`
    receives the playground module's figures. With `checks` (a lesson's checks.py), the checks
    run on the namespace the code left (see web/python/lessoncheck.py), in this same run, so Stop
    stops them too."""
    output = _Output(write, flush, cap)
    results = [None]
    try:
        error = await _execute(code, output, display, checks, results)
    except KeyboardInterrupt as exc:  # Stop pressed before the user's code started
        error = _describe(exc, "interrupted", "Stopped before the program started")
    return _dumps({"error": error, "checks": results[0]})


async def _execute(code, output, display, checks=None, results=None):
    # Each run draws fresh random numbers, as a new Python process would (the interpreter was
    # restored from the one snapshot every worker starts from).
    random.seed()
    if "numpy.random" in sys.modules:  # loaded on first use, freshly seeded then
        np.random.seed()
    run_checks = None if checks is None else _prepare_checks(checks)
    builtins_before = dict(vars(builtins))
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    out, err = _Stream("stdout", output), _Stream("stderr", output)
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.StringIO("")
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    global _display
    _display = display
    for name in _PAGE_MODULES:  # imported before the run (a warm import of matplotlib)
        install = getattr(sys.modules.get(name), "_install", None)
        if install is not None:
            install(display)
    error = None
    failure = None  # the exception that stopped the code, for the lesson's checks

    def described(exc, kind, message=None):
        # NOTE: the code may have deleted builtins (`del builtins.len`) that describing its
        # error needs: they are put back first.
        vars(builtins).update(builtins_before)
        return _describe(exc, kind, message)

    try:
        with warnings.catch_warnings():
            try:
                compiled = compile(code, FILENAME, "exec", flags=_FLAGS, dont_inherit=True)
                result = eval(compiled, namespace)
                if result is not None:  # the code used top-level await
                    await result
            except KeyboardInterrupt as exc:
                error = described(exc, "interrupted")
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    error, failure = described(exc, "exception"), exc
            except BaseException as exc:  # noqa: BLE001 - every failure goes back as data
                error, failure = described(exc, "exception"), exc
            if run_checks is not None and (error is None or failure is not None):
                try:
                    results[0] = run_checks(namespace, failure)
                except KeyboardInterrupt as exc:
                    error = described(exc, "interrupted")
                except BaseException as exc:  # noqa: BLE001 - a broken checks.py is reported
                    error = described(exc, "exception", f"The lesson's checks failed: {exc}")
    finally:
        _display = None
        for name in _PAGE_MODULES:
            module = sys.modules.get(name)
            if module is None or not hasattr(module, "_finish"):
                continue  # not imported, or lessoncheck (no figures)
            try:  # a live plot's last points; the matplotlib figures still open
                module._finish()
            except Exception as exc:  # noqa: BLE001 - the run's outcome comes first
                try:
                    err.write(f"A figure could not be shown: {exc!r}\n")
                except Exception:  # noqa: BLE001, S110 - nothing can be written now
                    pass
        out.flush()  # our own stream: the program may have replaced sys.stdout (with None)
    return error
