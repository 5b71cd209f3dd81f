"""coursedata: the data the course trains on, the same in the page and in plain CPython.

`names()` is the list of US Census first names that the `names` package (version 0.3.0 on the
Python package index, MIT licence) ships; build.py fetches it pinned and the site serves it as
`data/names.txt`: lowercase, sorted, each name once. In the page's worker it is fetched from the
site on first use (the driver puts the site's root URL in AD_SITE_URL); in CPython it is read
from a built site or from build.py's cache. `checking()` tells a lesson's code that Check, not
Run, is running it, so the code can leave out what the checks do not need (a long training).
"""
import os
import sys
from pathlib import Path

__all__ = ["names", "checking"]

NAMES_FILE = "data/names.txt"  # its path in the site (build.py's NAMES_DATA["site"])
_names = None  # the list, once read


def _local_candidates():
    """Where CPython finds the list: beside a built site's python/ folder, in the repository's
    built site, in build.py's cache."""
    here = Path(__file__).resolve().parent
    cache = Path(os.environ.get("AD_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ad-playground")
    return [here.parent / NAMES_FILE,  # build/site/python/coursedata.py -> build/site/data/
            here.parent.parent / "build" / "site" / NAMES_FILE,  # web/python/ in the repository
            cache / "names-0.3.0" / "names.txt"]


def _read():
    site = os.environ.get("AD_SITE_URL")
    if sys.platform == "emscripten" and site:
        from pyodide.http import open_url  # a synchronous request: the worker may block

        return open_url(site + NAMES_FILE).read()
    for path in _local_candidates():
        if path.is_file():
            return path.read_text()
    raise FileNotFoundError(
        "coursedata: the name list is not here; `python3 build.py build` fetches it (looked in "
        + ", ".join(str(p) for p in _local_candidates()) + ")")


def names():
    """The US Census first names, lowercase, sorted, each once (5,163 of them): a new list at
    every call, so changing it changes nothing for the next."""
    global _names
    if _names is None:
        listed = [line.strip() for line in _read().splitlines() if line.strip()]
        if not listed or not all(name.isalpha() and name.islower() for name in listed):
            raise ValueError("coursedata: the name list is damaged (expected lowercase names, "
                             "one a line): run `python3 build.py build` again")
        _names = listed
    return list(_names)


def checking():
    """True while a lesson's Check runs this code (the page's Check button, `build.py run
    --lesson`, lessoncheck.check_code in the tests): the checks test small cases of their own,
    so a lesson can skip its long training then. False under Run and in plain Python."""
    lessoncheck = sys.modules.get("lessoncheck")  # imported by every Check before the code runs
    return lessoncheck is not None and lessoncheck.checking()
