"""Runs the playground's code inside Pyodide: a fresh namespace per run, output sent to the page
as it is written, and tracebacks trimmed to the user's own code with the editor's line numbers.
Loaded by worker.ts as text; it knows nothing of the DOM."""

import ast
import importlib
import importlib.machinery
import io
import json
import linecache
import os
import site
import sys
import time
import traceback

_PAGE_MODULES = ("playground",)  # Python that ships with the site, not with the engine
_display = None  # the current run's display(kind, figure_id, json_data, text), for figures


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


def install_page_modules(fetch, base_url):
    """`fetch(url)` returns a file's text or None; it must block, as an import does."""
    sys.meta_path.append(_PageModuleFinder(fetch, base_url))

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


async def run(code, write, flush, display=None, cap=None):
    """Run `code` as the module __main__; return JSON `{"error": null or its description,
    "retire": whether the run changed the interpreter beyond repair}`.
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
    playground = sys.modules.get("playground")  # imported by an earlier run: reconnect it
    if playground is not None:
        playground._install(display)
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
            playground = sys.modules.get("playground")
            if playground is not None:
                try:  # a live plot's last points
                    playground._finish()
                except Exception:  # noqa: BLE001 - a broken figure must not hide the run's outcome
                    pass
                playground._install(None)
            sys.stdout.flush()
        finally:
            sys.stdout, sys.stderr, sys.stdin = saved
            namespace.clear()
    return json.dumps({"error": error, "retire": False})
