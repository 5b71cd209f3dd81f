"""Run once after a full boot, before the interpreter snapshot is taken (worker.ts), so a
restored interpreter already has this work done and every later boot is shorter.

1. Import the standard-library modules that loading numpy and ad (Pyodide's package loader:
   importlib.metadata, email, tarfile, ...), importing them and the driver pull in. Compiled once
   here, they are part of the snapshot; a restored worker no longer imports them (~0.3 s).
   A module missing from this list costs only its own import later.
2. NOTE: every loadPackage ends with importlib.invalidate_caches(), which makes each of the ~16
   zipimporters re-read the standard library's zip directory (554 entries, parsed in pure
   Python: ~0.14 s per package). That zip never changes while the page lives, so its importers
   skip it; importers of any other archive behave as before.
"""

# What Pyodide's package loader, numpy, ad and the driver import from the standard library.
STDLIB = (
    "ast", "codecs", "importlib", "importlib.machinery", "io", "json", "linecache", "os",
    "signal", "site", "sys", "time", "traceback", "types", "warnings",
    "importlib.metadata", "tarfile", "csv", "email.message", "email.utils", "email.header",
    "pickle", "ctypes", "platform", "numbers", "__future__", "datetime", "calendar", "base64",
    "quopri", "encodings.cp437", "shutil", "zipfile", "tempfile", "pathlib",
)


def _warm_up(modules):
    """Everything here is local: the interpreter's __main__ is left as it was."""
    import importlib
    import sys
    import zipimport

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # only a speed-up: the module is imported (or missing) when needed

    stdlib_zips = frozenset(p for p in sys.path if p.endswith(".zip"))
    original = zipimport.zipimporter.invalidate_caches
    if getattr(original, "_skips_stdlib", False):
        return

    def invalidate_caches(self):
        if self.archive not in stdlib_zips:
            original(self)

    invalidate_caches._skips_stdlib = True
    zipimport.zipimporter.invalidate_caches = invalidate_caches


_warm_up(STDLIB)
del _warm_up, STDLIB
