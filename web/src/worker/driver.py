"""Runs the playground's code inside Pyodide: a fresh namespace per run, output sent to the page
as it is written (capped here, before it crosses into JavaScript), and tracebacks trimmed to the
user's own code with the editor's line numbers. What one run changes in the interpreter's shared
state (builtins, sys settings, modules, numpy's options) is put back before the next.
Loaded by worker.ts as text; it knows nothing of the DOM."""

import ast
import asyncio
import builtins
import codecs
import functools
import importlib
import importlib.machinery
import importlib.util
import io
import json
import linecache
import os
import random
import re
import signal
import sys
import time
import traceback
import types
import urllib.parse
import warnings

import numpy as np

# Python that ships with the site, not with the engine: the snippets' figure module, matplotlib's
# backend and the lessons' checks. The first two have _install(send) (where figures go) and
# _finish() (end of a run); lessoncheck has neither.
_PAGE_MODULES = ("playground", "_playground_matplotlib", "lessoncheck", "coursedata")
_display = None  # the current run's display(kind, figure_id, json_data, text), for figures
_site_url = ""  # the site's root URL: micropip resolves a wheel's relative URL against it


class _Kept:
    """Loads a module from the bytes of its file as the site shipped them, kept in memory: a run
    that rewrites the file on the worker's in-memory disk cannot change what a later run imports
    (nor can a .pyc written beside it: no cached bytecode is read)."""

    def __init__(self, fullname, path, data):
        super().__init__(fullname, path)
        self._data = data

    def get_data(self, path):
        if path != self.path:
            raise OSError(f"{path}: only the kept copy of {self.path} is read")
        return self._data


class _KeptSource(_Kept, importlib.machinery.SourceFileLoader):
    def path_stats(self, path):
        raise OSError("no cached bytecode: the kept source is compiled")


class _KeptBytecode(_Kept, importlib.machinery.SourcelessFileLoader):
    """The site ships the engine py-compiled."""


def _kept_spec(name, path, data, package_dir=None):
    kind = _KeptBytecode if path.endswith(".pyc") else _KeptSource
    return importlib.util.spec_from_file_location(
        name, path, loader=kind(name, path, data),
        submodule_search_locations=None if package_dir is None else [package_dir])


class _ShippedPackageFinder:
    """Imports the engine (ad, ad.nn, ...) from its files as they were at boot, before any user
    code ran; first on sys.meta_path, so no file a run writes (in the package, or an ad.py in
    the working directory, which is on sys.path) is imported by a later run."""

    def __init__(self, package):
        self._files = {}  # module name -> (path, bytes, its folder if a package)
        root = importlib.util.find_spec(package).submodule_search_locations[0]
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            inside = os.path.relpath(folder, root)
            parts = [package] if inside == "." else [package, *inside.split(os.sep)]
            # .py after .pyc: where both ship, the source wins, as Python's own finder decides
            for file in sorted(files, key=lambda f: f.endswith(".py")):
                stem, ext = os.path.splitext(file)
                if ext not in (".py", ".pyc"):
                    continue
                name = ".".join(parts if stem == "__init__" else [*parts, stem])
                path = os.path.join(folder, file)
                with open(path, "rb") as f:
                    self._files[name] = (path, f.read(), folder if stem == "__init__" else None)

    def find_spec(self, name, path=None, target=None):
        kept = self._files.get(name)
        return None if kept is None else _kept_spec(name, *kept)


class _PageModuleFinder:
    """Finds the site's own modules (`import playground`) on their first import: fetched from
    the site only then, so a page that never draws never downloads them, and kept in memory:
    every run imports them afresh from that copy, whatever a run wrote to the disk."""

    # Their __file__: no file is there (the source is in memory).
    _DIR = "/_playground_page_modules"

    def __init__(self, fetch, base_url):
        self._fetch, self._base_url = fetch, base_url
        self._sources = {}  # name -> the module's source, as fetched

    def find_spec(self, name, path=None, target=None):
        if name not in _PAGE_MODULES:
            return None
        if name not in self._sources:
            source = self._fetch(self._base_url + name + ".py")
            if source is None:
                return None
            self._sources[name] = source.encode()
        spec = _kept_spec(name, f"{self._DIR}/{name}.py", self._sources[name])
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            install = getattr(module, "_install", None)
            if install is not None:
                install(_display)  # imported mid-run: figures go to this run's output

        spec.loader.exec_module = exec_module
        return spec


def install_page_modules(fetch, site_url):
    """`fetch(url)` returns a file's text or None; it must block, as an import does. The page
    modules are under `python/` of the site at `site_url`. Called once at boot, before any user
    code: it also takes the state every run starts from, and the engine's files as shipped."""
    global _baseline, _site_url
    _site_url = site_url
    os.environ["AD_SITE_URL"] = site_url  # where page modules fetch the site's data
    # NOTE: first, before the path finder: a finder that read the files from disk would import
    # whatever a run wrote there (the path finder also looks in the working directory first).
    sys.meta_path.insert(0, _PageModuleFinder(fetch, site_url + "python/"))
    if importlib.util.find_spec("ad") is not None:
        sys.meta_path.insert(0, _ShippedPackageFinder("ad"))
    # matplotlib draws with the playground's backend (Agg; figures sent to the page as images).
    # NOTE: matplotlib reads MPLBACKEND when it is imported, before its rc files' `backend`.
    os.environ["MPLBACKEND"] = "module://_playground_matplotlib"
    _baseline = _Baseline()

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


# NOTE: a runaway recursion under sys.setrecursionlimit(10**6) grows the interpreter's frames
# until memory is exhausted (about 78 s here), while 100,000 frames fail in about 0.05 s.
MAX_RECURSION = 100_000
_dumps = json.dumps  # the driver's own, whatever a run does to the json module
_setrecursionlimit = sys.setrecursionlimit
_addaudithook = sys.addaudithook
_retire = False  # the run changed something no restore undoes: the next run needs a new worker
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


def _noted_addaudithook(hook):
    """sys.addaudithook: an audit hook can never be removed, so this worker is not reused."""
    global _retire
    _retire = True
    _addaudithook(hook)


sys.setrecursionlimit = _capped_setrecursionlimit
sys.addaudithook = _noted_addaudithook


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


# Imported afresh by every run: Tensor.__matmul__ = ... stays put
_FRESH = ("ad", "playground", "lessoncheck")


def _fresh(name):
    return any(name == f or name.startswith(f + ".") for f in _FRESH)


def _fresh_modules():
    """Forget the engine's and the page's modules, so that a run's monkey-patching
    (Tensor.__matmul__ = ...) never leaks into the next run."""
    for name in list(sys.modules):
        if _fresh(name):
            del sys.modules[name]


_MISSING = object()


class _Baseline:
    """The interpreter's shared state as the page shipped it, taken at boot before any user
    code, and put back after every run: builtins, sys settings, every module's globals (numpy's
    included), numpy's print options and error handling, the environment. Modules a run
    imports join it as that run left them."""

    def __init__(self):
        self.modules = {}
        self.remember_new_modules()
        self.path, self.meta_path = list(sys.path), list(sys.meta_path)
        self.path_hooks = list(sys.path_hooks)
        self.recursion = sys.getrecursionlimit()
        self.int_digits = sys.get_int_max_str_digits()
        self.environ = dict(os.environ)
        self.printoptions = np.get_printoptions()
        self.errstate = np.geterr()
        self.errcall = np.geterrcall()
        self.sigint = signal.getsignal(signal.SIGINT)

    def remember_new_modules(self):
        for name, module in list(sys.modules.items()):
            if name not in self.modules and not _fresh(name) and module is not None:
                try:
                    self.modules[name] = (module, dict(vars(module)))
                except TypeError:  # an object without __dict__ standing in as a module
                    pass

    def restore(self):
        """Put everything back; False if something could not be (the worker is then retired)."""
        whole = True
        for name, (module, saved) in self.modules.items():
            try:
                if sys.modules.get(name) is not module:
                    sys.modules[name] = module
                self._restore_globals(name, vars(module), saved)
            except Exception:  # noqa: BLE001 - e.g. a class standing in as a module
                whole = False
        sys.path[:], sys.meta_path[:] = self.path, self.meta_path
        sys.path_hooks[:] = self.path_hooks
        sys.settrace(None)
        sys.setprofile(None)
        _setrecursionlimit(self.recursion)
        sys.set_int_max_str_digits(self.int_digits)
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        np.set_printoptions(**self.printoptions)
        np.seterr(**self.errstate)
        np.seterrcall(self.errcall)
        signal.signal(signal.SIGINT, self.sigint)
        self.remember_new_modules()
        return whole

    @staticmethod
    def _restore_globals(name, current, saved):
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value:
                current[key] = value
        for key in current.keys() - saved.keys():
            value = current[key]
            # A submodule imported since stays: `import a.b` binds it only the first time.
            if not (isinstance(value, types.ModuleType) and value.__name__ == f"{name}.{key}"):
                del current[key]


_baseline = None


def _put_back_builtins():
    """The code stopped with an exception: its builtins (`del builtins.len`) are put back before
    the driver describes the error with them (the rest waits for _restore, after the checks)."""
    if _baseline is not None and "builtins" in _baseline.modules:
        module, saved = _baseline.modules["builtins"]
        _Baseline._restore_globals("builtins", vars(module), saved)


def _cancel_leftover_tasks():
    """Tasks a run started and left running must not run on into the next run."""
    try:
        loop = asyncio.get_event_loop()
        mine = asyncio.current_task(loop)
        for task in asyncio.all_tasks(loop):
            if task is not mine:
                task.cancel()
    except RuntimeError:
        pass


async def run(code, write, flush, display=None, cap=None, checks=None):
    """Run `code` as the module __main__; return JSON `{"error": null or its description,
    "retire": whether the run changed the interpreter beyond repair, "checks": null or the
    lesson's check results}`. Output goes to `write(stream, text[, dropped])`, at most `cap`
    characters of it; `display(kind, figure_id, json_data, text)` receives the playground
    module's figures. With `checks` (a lesson's checks.py), the checks run on the namespace the
    code left (see web/python/lessoncheck.py), in this same run, so Stop stops them too."""
    global _retire
    output = _Output(write, flush, cap)
    results = [None]
    try:
        error = await _execute(code, output, display, checks, results)
    except KeyboardInterrupt as exc:  # Stop pressed before the user's code started
        error = _describe(exc, "interrupted", "Stopped before the program started")
    try:
        if not _restore():
            _retire = True
    except BaseException:  # noqa: BLE001 - a state that cannot be put back: use a new worker
        _retire = True
    retire, _retire = _retire, False
    return _dumps({"error": error, "retire": retire, "checks": results[0]})


def _restore():
    _cancel_leftover_tasks()
    os.chdir(_HOME)
    return _baseline is None or _baseline.restore()


async def _execute(code, output, display, checks=None, results=None):
    _fresh_modules()
    os.chdir(_HOME)
    # Each run draws fresh random numbers, as a new Python process would.
    random.seed()
    # NOTE: numpy loads numpy.random on first use, freshly seeded then: seeding it here would
    # load it for every first run (0.1-0.15 s of the first output, even for a print).
    if "numpy.random" in sys.modules:
        np.random.seed()
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    out, err = _Stream("stdout", output), _Stream("stderr", output)
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.StringIO("")
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    global _display
    _display = display
    for name in _PAGE_MODULES:  # imported by an earlier run and kept (matplotlib's backend)
        install = getattr(sys.modules.get(name), "_install", None)
        if install is not None:
            install(display)
    error = None
    failure = None  # the exception that stopped the code, for the lesson's checks
    try:
        with warnings.catch_warnings():
            try:
                compiled = compile(code, FILENAME, "exec", flags=_FLAGS, dont_inherit=True)
                result = eval(compiled, namespace)
                if result is not None:  # the code used top-level await
                    await result
            except KeyboardInterrupt as exc:
                _put_back_builtins()
                error = _describe(exc, "interrupted")
            except SystemExit as exc:
                _put_back_builtins()
                if exc.code not in (None, 0):
                    error, failure = _describe(exc, "exception"), exc
            except BaseException as exc:  # noqa: BLE001 - every failure goes back as data
                _put_back_builtins()
                error, failure = _describe(exc, "exception"), exc
            if checks is not None and (error is None or failure is not None):
                try:
                    import lessoncheck

                    results[0] = lessoncheck.evaluate(checks, namespace, failure)
                except KeyboardInterrupt as exc:
                    error = _describe(exc, "interrupted")
                except BaseException as exc:  # noqa: BLE001 - a broken checks.py is reported
                    error = _describe(exc, "exception", f"The lesson's checks failed: {exc}")
    finally:
        try:
            _display = None
            for name in _PAGE_MODULES:
                module = sys.modules.get(name)
                if module is None or not hasattr(module, "_finish"):
                    continue  # not imported, or lessoncheck (no figures)
                try:  # a live plot's last points; the matplotlib figures still open
                    module._finish()
                except Exception as exc:  # noqa: BLE001 - the run's outcome comes first
                    # NOTE: the builtins are still the run's here (they are put back after):
                    # a run that deleted `len` breaks matplotlib's _finish and our stream alike,
                    # and that must not crash the worker.
                    try:
                        err.write(f"A figure could not be shown: {exc!r}\n")
                    except Exception:  # noqa: BLE001, S110 - nothing can be written now
                        pass
                module._install(None)
            out.flush()  # our own stream: the program may have replaced sys.stdout (with None)
        finally:
            sys.stdout, sys.stderr, sys.stdin = saved
            namespace.clear()
    return error
